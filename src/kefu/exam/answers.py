"""Answers as written by an agent: one letter string per question, checked against the paper's options."""
from __future__ import annotations

import re
from pathlib import Path

from kefu.exam.model import MULTI, AnswerError, parse_choice
from kefu.exam.paper import PaperItem

_LINE = re.compile(r"^\s*(?:第\s*)?(\d+)\s*(?:题)?\s*[.:：、,，\s]\s*(.*?)\s*$")


def read_choice(raw: str, item: PaperItem) -> tuple[str, ...]:
    """The option texts an answer like 'B' or 'A,C' (or 对/错) picks on a paper item; AnswerError if it cannot."""
    chosen = parse_choice(raw, item.options, item.qtype)
    if len(chosen) > 1 and item.qtype != MULTI:
        raise AnswerError(f"{item.qtype}题只能选一个答案 / a {item.qtype} question takes one answer")
    return chosen


def parse_answers(text: str, items: tuple[PaperItem, ...], file: Path | str = "<answers>"
                  ) -> dict[int, tuple[str, ...]]:
    """Answers from lines like '1 B', '2: A,C', '3、对' (# comments, blank lines skipped; missing = unanswered)."""
    out: dict[int, tuple[str, ...]] = {}
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = _LINE.match(line)
        if not match:
            raise AnswerError(f"{file} 第 {n} 行：应写成“题号 答案”，如 1 B / line {n}: expected 'NUMBER ANSWER'")
        position = int(match.group(1))
        if not 1 <= position <= len(items):
            raise AnswerError(f"{file} 第 {n} 行：试卷只有 {len(items)} 题，没有第 {position} 题 / line {n}: "
                              f"no question {position}")
        if position in out:
            raise AnswerError(f"{file} 第 {n} 行：第 {position} 题的答案写了两次 / line {n}: answered twice")
        try:
            out[position] = read_choice(match.group(2), items[position - 1])
        except AnswerError as exc:
            raise AnswerError(f"{file} 第 {n} 行（第 {position} 题）：{exc}") from None
    return out
