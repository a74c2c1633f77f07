"""The bank in the warehouse: seed then starter merge, duplicates, missing keys, keying re-grades answers."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kefu.exam.bank import BankError, import_bank, load_bank, save_questions, set_key
from kefu.exam.grading import PARTIAL
from kefu.exam.model import MULTI, Question
from kefu.exam.paper import make_paper
from kefu.exam.results import attempts, grade_paper, item_analysis, regrade, save_attempt
from kefu.exam.starter import starter_questions
from kefu.store import IMPORT_TIMEZONE_KEY, Warehouse, write_meta
from tests.exam.test_plaintext import SEED

NOW = dt.datetime(2026, 11, 11, 2, 0)


@pytest.fixture
def wh(tmp_path: Path):
    with Warehouse.open(tmp_path / "w.duckdb") as w:
        w.con.execute("INSERT INTO accounts VALUES ('店:甲', '店', '甲', '售前', 'human'),"
                      " ('店:乙', '店', '乙', '售前', 'human')")
        yield w


def test_seed_imports_as_pending_and_the_starter_keys_it(wh: Warehouse) -> None:
    assert SEED is not None
    first = import_bank(wh.con, SEED)
    assert (first.read, first.added, first.merged) == (16, 16, 0)
    assert len(load_bank(wh.con, missing_keys=True)) == 16
    again = import_bank(wh.con, SEED)
    assert (again.added, again.merged) == (0, 16)
    starter = starter_questions()
    added, merged = save_questions(wh.con, starter, "starter")
    assert (added, merged) == (len(starter) - 16, 16)
    bank = load_bank(wh.con)
    assert len(bank) == len(starter) and load_bank(wh.con, missing_keys=True) == []
    assert {q.group for q in bank[:6]} == {"指标公式", "未下单应对"}


def test_reimporting_an_unkeyed_copy_keeps_the_key(wh: Warehouse) -> None:
    keyed = Question("回复率？", ("甲", "乙", "丙"), ("乙",), explanation="按人数", tags=("指标",))
    save_questions(wh.con, [keyed], "a")
    save_questions(wh.con, [Question("回复率 ?", ("丙", "甲", "乙"), tags=("售前",))], "b")
    (q,) = load_bank(wh.con)
    assert q.answer == ("乙",) and q.options == ("甲", "乙", "丙") and q.tags == ("指标", "售前")


def test_unknown_question_id(wh: Warehouse) -> None:
    with pytest.raises(BankError, match="没有题目"):
        set_key(wh.con, "qnothere", "A")


def _take(wh: Warehouse, paper, account: str, chosen: dict, credit: str = "all_or_nothing", minutes: int = 0):
    attempt = grade_paper(wh.con, paper, account, chosen, multi_credit=credit,
                          taken_at=NOW + dt.timedelta(minutes=minutes), day=NOW.date())
    save_attempt(wh.con, paper, attempt)
    return attempt


def test_pending_questions_are_graded_once_keyed(wh: Warehouse) -> None:
    keyed = Question("回复率？", ("甲", "乙"), ("乙",))
    pending = Question("雷区？", ("甲", "乙", "丙"))
    save_questions(wh.con, [keyed, pending], "t")
    # A paper drawn while a question had no key could not contain it; simulate a paper made before.
    paper = make_paper([keyed, pending.with_key("A")], 2, seed=1)
    pos = {i.qid: n for n, i in enumerate(paper.items, start=1)}
    chosen = {pos[keyed.qid]: ("乙",), pos[pending.qid]: ("甲", "丙")}
    first = _take(wh, paper, "店:甲", chosen, PARTIAL)
    assert first.score == 100.0 and first.graded == 1
    q = set_key(wh.con, pending.qid, "A,B,C")
    assert q.qtype == MULTI
    assert regrade(wh.con, q) == 1
    (row,) = attempts(wh.con)
    assert (row["graded"], row["pending"]) == (2, 0)
    assert row["score"] == pytest.approx(round(100 * (1 + 2 / 3) / 2, 2))


def test_results_and_item_analysis(wh: Warehouse) -> None:
    q1 = Question("回复率？", ("甲", "乙", "丙"), ("乙",))
    q2 = Question("好评返现。", ("对", "错"), ("错",), "判断")
    save_questions(wh.con, [q1, q2], "t")
    paper = make_paper(load_bank(wh.con), 2, seed=5)
    pos = {i.qid: n for n, i in enumerate(paper.items, start=1)}
    _take(wh, paper, "店:甲", {pos[q1.qid]: ("甲",), pos[q2.qid]: ("错",)})
    _take(wh, paper, "店:乙", {pos[q1.qid]: ("甲",), pos[q2.qid]: ("对",)}, minutes=1)
    _take(wh, paper, "店:乙", {pos[q1.qid]: ("乙",), pos[q2.qid]: ("错",)}, minutes=2)
    rows = attempts(wh.con)
    assert [(r["account"], r["score"]) for r in rows] == [("店:乙", 100.0), ("店:乙", 0.0), ("店:甲", 50.0)]
    assert [r["score"] for r in attempts(wh.con, account="店:甲")] == [50.0]
    items = {i["qid"]: i for i in item_analysis(wh.con)}
    assert items[q1.qid]["right_share"] == pytest.approx(1 / 3)
    assert (items[q1.qid]["top_wrong"], items[q1.qid]["top_wrong_count"]) == ("甲", 2)
    assert items[q2.qid]["right_share"] == pytest.approx(2 / 3) and items[q2.qid]["top_wrong"] == "对"
    assert attempts(wh.con, day_from=NOW.date() + dt.timedelta(days=1)) == []


def test_item_analysis_names_the_option_left_out_of_a_multi_answer(wh: Warehouse) -> None:
    q = Question("雷区？", ("甲", "乙", "丙"), ("甲", "丙"), MULTI)
    save_questions(wh.con, [q], "t")
    paper = make_paper([q], 1, seed=2)
    _take(wh, paper, "店:甲", {1: ("甲",)})
    _take(wh, paper, "店:乙", {1: ("甲", "丙")}, minutes=1)
    (item,) = item_analysis(wh.con)
    assert item["right_share"] == 0.5 and item["top_wrong"] is None
    assert (item["top_missed"], item["top_missed_count"]) == ("丙", 1)


def test_a_key_outside_the_printed_options_is_not_graded(wh: Warehouse) -> None:
    old = Question("回复率？", ("甲", "乙"), ("乙",))
    save_questions(wh.con, [old], "t")
    paper = make_paper([old], 1, seed=1)
    # The bank's options (and key) changed after the paper was printed.
    save_questions(wh.con, [Question("回复率？", ("丙", "丁"), ("丁",))], "t2")
    attempt = _take(wh, paper, "店:甲", {1: ("乙",)})
    assert attempt.graded == 0 and attempt.score is None
    assert regrade(wh.con, set_key(wh.con, old.qid, "A")) == 1
    assert attempts(wh.con)[0]["graded"] == 0


def test_results_show_the_time_taken_on_the_shops_clock(wh: Warehouse) -> None:
    q = Question("回复率？", ("甲", "乙"), ("乙",))
    save_questions(wh.con, [q], "t")
    paper = make_paper(load_bank(wh.con), 1, seed=2)
    attempt = grade_paper(wh.con, paper, "店:甲", {1: ("乙",)}, multi_credit="all_or_nothing",
                          taken_at=dt.datetime(2026, 11, 20, 23, 30), day=dt.date(2026, 11, 21))
    save_attempt(wh.con, paper, attempt)
    write_meta(wh.con, IMPORT_TIMEZONE_KEY, "Asia/Shanghai")
    (row,) = attempts(wh.con)
    assert row["taken_at"] == "2026-11-21 07:30:00"  # stored 23:30 UTC, the shop's 07:30 the next morning
