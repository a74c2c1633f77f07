"""Exam metrics in the report: a day with only an exam still has a row; a period takes the latest exam day."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from kefu.config import Settings
from kefu.exam.bank import save_questions
from kefu.exam.model import Question
from kefu.exam.paper import make_paper
from kefu.exam.results import grade_paper, save_attempt
from kefu.ingest.canonical import import_paths
from kefu.store import Warehouse
from tests.conftest import EXAMPLES, report_rows

Q = Question("回复率怎么算？", ("回复人数÷咨询人数", "消息数÷人数"), ("回复人数÷咨询人数",))


def test_exam_only_days_have_rows_and_periods_take_the_latest_exam_day(tmp_path: Path) -> None:
    with Warehouse.open(tmp_path / "w.duckdb") as wh:
        import_paths(wh, [EXAMPLES / "basic"], Settings())
        save_questions(wh.con, [Q], "t")
        paper = make_paper([Q], 1, seed=1)
        # Entered in this order: the 11-20 exam first, then a paper exam of 11-19 typed in afterwards.
        for minute, day, chosen in ((0, 20, Q.answer), (5, 19, ("消息数÷人数",))):
            attempt = grade_paper(wh.con, paper, "橙子旗舰店:小王", {1: chosen}, multi_credit="all_or_nothing",
                                  taken_at=dt.datetime(2026, 11, 21, 9, minute), day=dt.date(2026, 11, day))
            save_attempt(wh.con, paper, attempt)
        days = report_rows(wh.con)
        whole = report_rows(wh.con, period="all")
    exam_day = days[("橙子旗舰店:小王", "2026-11-20")]
    assert exam_day["exam_score"] == 100.0 and exam_day["exam_attempts"] == 1
    assert exam_day["inquiry_buyers"] == 0 and exam_day["reply_rate"] is None
    (row,) = [r for (who, _), r in whole.items() if who == "橙子旗舰店:小王"]
    assert row["exam_score"] == 100.0 and row["exam_attempts"] == 2
