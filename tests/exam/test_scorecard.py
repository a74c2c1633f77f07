"""Exam scores in a 绩效方案 scorecard: a plan weighs exam_score like any other metric."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from kefu.config import Settings
from kefu.exam.bank import save_questions
from kefu.exam.paper import make_paper
from kefu.exam.results import grade_paper, save_attempt
from kefu.exam.starter import starter_questions
from kefu.ingest.canonical import import_paths
from kefu.scoring import load_plan, score
from kefu.store import Warehouse
from tests.conftest import EXAMPLES

PLAN = """
[plan]
name = "培训考核"

[[metrics]]
id = "exam_score"
weight = 100
floor = 60
target = 100

[bonus]
rule = "base_percent"
base = 500
"""


def test_exam_score_counts_in_a_scorecard(tmp_path: Path) -> None:
    plan_file = tmp_path / "培训.toml"
    plan_file.write_text(PLAN, encoding="utf-8")
    with Warehouse.open(tmp_path / "w.duckdb") as wh:
        import_paths(wh, [EXAMPLES / "basic"], Settings())
        bank = starter_questions()
        save_questions(wh.con, bank, "starter")
        keys = {q.qid: q.answer for q in bank}
        paper = make_paper(bank, 5, seed=4)
        right = {n: keys[i.qid] for n, i in enumerate(paper.items, start=1)}
        for account, chosen in (("橙子旗舰店:小王", right), ("橙子旗舰店:小李", {**right, 1: (), 2: ()})):
            attempt = grade_paper(wh.con, paper, account, chosen, multi_credit="all_or_nothing",
                                  taken_at=dt.datetime(2026, 11, 11, 8), day=dt.date(2026, 11, 11))
            save_attempt(wh.con, paper, attempt)
        card = score(wh.con, Settings(), load_plan(plan_file), "2026-11")
    totals = {r["account"]: r["total"] for r in card.rows}
    assert totals["橙子旗舰店:小王"] == 100.0
    assert totals["橙子旗舰店:小李"] == 0.0  # 60 points is the floor of the plan
    best = card.rows[0]
    assert best["account"] == "橙子旗舰店:小王" and best["rank"] == 1 and "考试成绩" in best["explain"]
    assert best["bonus"] == 500.0
