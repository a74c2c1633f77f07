"""Grading: 单选/判断 right or wrong; 多选 all-or-nothing or partial credit; nothing graded without a key."""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from kefu.exam.model import MULTI, Question

ALL_OR_NOTHING, PARTIAL = "all_or_nothing", "partial"


@dataclass(frozen=True)
class GradedAnswer:
    """One answer on a paper: the options chosen, and (when the question is keyed) right or wrong and points."""

    position: int
    qid: str
    chosen: tuple[str, ...]
    correct: bool | None
    points: float | None


@dataclass(frozen=True)
class Attempt:
    """One account's graded answers to one paper on a day."""

    attempt_id: str
    paper_id: str
    shop: str
    account: str
    day: dt.date
    taken_at: dt.datetime
    multi_credit: str
    answers: tuple[GradedAnswer, ...]

    @property
    def graded(self) -> int:
        """Answers to keyed questions."""
        return sum(a.points is not None for a in self.answers)

    @property
    def points(self) -> float:
        """Points earned (one per keyed question at most)."""
        return sum(a.points or 0.0 for a in self.answers)

    @property
    def score(self) -> float | None:
        """The score out of 100 over the keyed questions; None when none was keyed."""
        return round(100.0 * self.points / self.graded, 2) if self.graded else None


def grade(question: Question | None, chosen: tuple[str, ...], multi_credit: str = ALL_OR_NOTHING
          ) -> tuple[bool | None, float | None]:
    """(correct, points) of an answer; (None, None) when the question has no key (待定答案)."""
    if question is None or not question.keyed:
        return None, None
    key, got = set(question.answer), set(chosen)
    if got == key:
        return True, 1.0
    if question.qtype == MULTI and multi_credit == PARTIAL and got and got < key:
        return False, len(got) / len(key)
    return False, 0.0


def attempt_id(paper_id: str, account: str, taken_at: dt.datetime) -> str:
    """An id for an attempt: paper, account and the instant it was handed in."""
    return "A" + hashlib.sha1(f"{paper_id}|{account}|{taken_at.isoformat()}".encode()).hexdigest()[:10]
