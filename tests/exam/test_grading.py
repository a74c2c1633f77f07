"""Grading per question type and setting; nothing is graded without a key."""
from __future__ import annotations

import pytest

from kefu.exam.grading import ALL_OR_NOTHING, PARTIAL, grade
from kefu.exam.model import JUDGE, JUDGE_OPTIONS, MULTI, SINGLE, AnswerError, Question, parse_choice

SINGLE_Q = Question("回复率？", ("甲", "乙", "丙"), ("乙",), SINGLE)
JUDGE_Q = Question("可以引导好评返现。", JUDGE_OPTIONS, ("错",), JUDGE)
MULTI_Q = Question("雷区？", ("甲", "乙", "丙", "丁"), ("甲", "丙", "丁"), MULTI)
UNKEYED = Question("待定？", ("甲", "乙"))


@pytest.mark.parametrize("question,chosen,expected", [
    (SINGLE_Q, ("乙",), (True, 1.0)), (SINGLE_Q, ("甲",), (False, 0.0)), (SINGLE_Q, (), (False, 0.0)),
    (JUDGE_Q, ("错",), (True, 1.0)), (JUDGE_Q, ("对",), (False, 0.0)),
    (MULTI_Q, ("甲", "丙", "丁"), (True, 1.0)), (MULTI_Q, ("甲", "丙"), (False, 0.0)),
    (MULTI_Q, ("甲", "乙", "丙", "丁"), (False, 0.0)),
])
def test_all_or_nothing(question: Question, chosen: tuple[str, ...], expected: tuple) -> None:
    assert grade(question, chosen, ALL_OR_NOTHING) == expected


@pytest.mark.parametrize("chosen,points", [
    (("甲", "丙", "丁"), 1.0), (("甲", "丙"), 2 / 3), (("丁",), 1 / 3), (("甲", "乙"), 0.0), ((), 0.0),
    (("甲", "乙", "丙", "丁"), 0.0),
])
def test_partial_credit_for_multi(chosen: tuple[str, ...], points: float) -> None:
    correct, got = grade(MULTI_Q, chosen, PARTIAL)
    assert got == pytest.approx(points) and correct is (points == 1.0)


def test_partial_credit_does_not_touch_single_choice() -> None:
    assert grade(SINGLE_Q, ("甲",), PARTIAL) == (False, 0.0)


def test_nothing_is_graded_without_a_key() -> None:
    assert grade(UNKEYED, ("甲",)) == (None, None)
    assert grade(None, ("甲",)) == (None, None)


def test_answers_are_read_as_letters_or_judgement_words() -> None:
    assert parse_choice("b, d", ("甲", "乙", "丙", "丁"), MULTI) == ("乙", "丁")
    assert parse_choice("ＣＡ", ("甲", "乙", "丙"), MULTI) == ("甲", "丙")
    assert parse_choice("错", JUDGE_OPTIONS, JUDGE) == ("错",)
    assert parse_choice("B", JUDGE_OPTIONS, JUDGE) == ("错",)
    with pytest.raises(AnswerError, match="无效的选项 E"):
        parse_choice("E", ("甲", "乙", "丙", "丁"))


def test_keying_sets_the_type() -> None:
    assert UNKEYED.with_key("A,B").qtype == MULTI
    assert UNKEYED.with_key("B").answer == ("乙",)
    with pytest.raises(AnswerError):
        UNKEYED.with_key(" ")
