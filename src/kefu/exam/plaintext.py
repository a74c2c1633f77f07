"""Plain-text question banks: a question line, then its option lines, until the next question.

A line ending in ？ ? ： : is a question when option lines follow it (else it is an option that happens to
end in a question mark, e.g. a reply that asks the buyer something). Options of one question end alike
(sentence punctuation, a closing bracket or quote, or a plain character); once a question has two options,
a line that ends differently starts a new item: a 判断 statement when it ends like a sentence (。), else a
question heading without a question mark (e.g. "与客户沟通的原则"). Questions sharing the same option set
form a matching group. Plain text carries no keys: every question imports as 待定答案.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

from kefu.exam.model import JUDGE, JUDGE_OPTIONS, SINGLE, Question, normalize
from kefu.ingest.summary import Rejection

QUESTION_ENDS = "？?：:"
SENTENCE_ENDS = "。！!？?.；;…"
BRACKET_ENDS = ")）」』”\"'’】]》>"


def ending(line: str) -> str:
    """The class of a line's last character: sentence, bracket or plain."""
    last = line[-1]
    if last in SENTENCE_ENDS:
        return "sentence"
    return "bracket" if last in BRACKET_ENDS else "plain"


@dataclass
class _Item:
    """A question being read: its line, text, kind and options so far."""

    line: int
    text: str
    judge: bool = False
    options: list[str] = field(default_factory=list)


def _starts_item(line: str, nxt: str | None, cur: _Item | None) -> str | None:
    """'question', 'judge' or 'heading' when the line starts a new item, None when it is an option."""
    if line[-1] in QUESTION_ENDS:
        if nxt is not None and nxt[-1] not in QUESTION_ENDS:
            return "question"
        if cur is not None and not cur.judge:
            return None
        return "question"
    if cur is None or cur.judge:
        return "judge" if ending(line) == "sentence" else "heading"
    if len(cur.options) >= 2 and ending(line) not in {ending(o) for o in cur.options}:
        return "judge" if ending(line) == "sentence" else "heading"
    return None


def parse_text(text: str, file: Path | str = "<text>") -> tuple[list[Question], list[Rejection]]:
    """The questions of a plain-text bank (all 待定答案) and the items that could not be read."""
    lines = [(n, raw.strip()) for n, raw in enumerate(text.splitlines(), start=1) if raw.strip()]
    items: list[_Item] = []
    for i, (n, line) in enumerate(lines):
        nxt = lines[i + 1][1] if i + 1 < len(lines) else None
        kind = _starts_item(line, nxt, items[-1] if items else None)
        if kind is None:
            items[-1].options.append(line)
        else:
            items.append(_Item(n, line, judge=kind == "judge"))
    questions: list[Question] = []
    problems: list[Rejection] = []
    for item in items:
        if item.judge:
            questions.append(Question(item.text, JUDGE_OPTIONS, qtype=JUDGE))
        elif len(item.options) < 2:
            problems.append(Rejection(Path(file), item.line, "题目", "题目后面至少要有两个选项 / a question needs"
                                      " at least two option lines", {"题目": item.text}))
        elif len({normalize(o) for o in item.options}) < len(item.options):
            problems.append(Rejection(Path(file), item.line, "选项", "同一题的选项重复 / duplicate options",
                                      {"题目": item.text}))
        else:
            questions.append(Question(item.text, tuple(item.options), qtype=SINGLE))
    return matching_groups(questions), problems


def matching_groups(questions: list[Question]) -> list[Question]:
    """Give the choice questions that share one option set a common group name."""
    by_set: dict[frozenset[str], list[int]] = defaultdict(list)
    for i, q in enumerate(questions):
        if q.qtype != JUDGE:
            by_set[frozenset(normalize(o) for o in q.options)].append(i)
    out = list(questions)
    for members in by_set.values():
        if len(members) < 2:
            continue
        first = out[members[0]]
        name = first.group or "g" + hashlib.sha1("\n".join(sorted(normalize(o) for o in first.options))
                                                 .encode("utf-8")).hexdigest()[:6]
        for i in members:
            out[i] = replace(out[i], group=out[i].group or name)
    return out


def render_text(questions: list[Question]) -> str:
    """A plain-text bank: each question line followed by its option lines (判断: the statement alone)."""
    out: list[str] = []
    for q in questions:
        out.append(q.text)
        if q.qtype != JUDGE:
            out.extend(q.options)
    return "\n".join(out) + "\n"
