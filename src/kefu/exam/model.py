"""What a bank question is: text, options, answer key (option texts), type, explanation, tags, group."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, replace

SINGLE, MULTI, JUDGE = "单选", "多选", "判断"
TYPES: tuple[str, ...] = (SINGLE, MULTI, JUDGE)
JUDGE_OPTIONS: tuple[str, str] = ("对", "错")
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Ways a 判断 answer is written, mapped to the 对/错 option.
_JUDGE_WORDS = {"对": "对", "正确": "对", "√": "对", "✓": "对", "T": "对", "TRUE": "对", "Y": "对",
                "错": "错", "错误": "错", "×": "错", "✗": "错", "F": "错", "FALSE": "错", "N": "错"}


class AnswerError(ValueError):
    """An answer (or key) cannot be read against a question's options."""


def normalize(text: str) -> str:
    """The form two texts are compared in: NFKC (full/half width alike), no spaces, lower case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def question_id(text: str) -> str:
    """A stable id from the normalized question text (same text, same id)."""
    return "q" + hashlib.sha1(normalize(text).encode("utf-8")).hexdigest()[:7]


@dataclass(frozen=True)
class Question:
    """One bank question; `answer` holds the correct option texts, empty while 待定答案."""

    text: str
    options: tuple[str, ...]
    answer: tuple[str, ...] = ()
    qtype: str = SINGLE
    explanation: str = ""
    tags: tuple[str, ...] = ()
    group: str = ""
    qid: str = field(default="")

    def __post_init__(self) -> None:
        if not self.qid:
            object.__setattr__(self, "qid", question_id(self.text))

    @property
    def keyed(self) -> bool:
        """True when the question has an answer key and can be graded."""
        return bool(self.answer)

    def letters(self, chosen: tuple[str, ...] | None = None, order: tuple[str, ...] | None = None) -> str:
        """Option texts (the key by default) as letters of an option order (the bank's by default)."""
        order = order or self.options
        texts = self.answer if chosen is None else chosen
        return ",".join(LETTERS[order.index(t)] for t in sorted(texts, key=order.index))

    def with_key(self, letters: str, qtype: str | None = None) -> Question:
        """This question keyed by letters such as 'B,D' (the type follows: 多选 when several)."""
        answer = parse_choice(letters, self.options, self.qtype)
        if not answer:
            raise AnswerError("答案不能为空 / the key is empty")
        kind = qtype or (JUDGE if self.qtype == JUDGE else MULTI if len(answer) > 1 else SINGLE)
        return replace(self, answer=answer, qtype=kind)


def parse_choice(raw: str, options: tuple[str, ...], qtype: str = SINGLE) -> tuple[str, ...]:
    """Letters like 'B', 'A,C', 'AC', 'a、c' (or 对/错 for 判断) as the chosen option texts."""
    text = unicodedata.normalize("NFKC", raw).strip().upper()
    if not text:
        return ()
    if qtype == JUDGE and text in _JUDGE_WORDS and _JUDGE_WORDS[text] in options:
        return (_JUDGE_WORDS[text],)
    letters = [c for c in re.sub(r"[\s,，、;；/]+", "", text)]
    bad = [c for c in letters if c not in LETTERS[:len(options)]]
    if bad:
        raise AnswerError(
            f"无效的选项 {''.join(bad)}：应为 A–{LETTERS[len(options) - 1]} / invalid option letters {''.join(bad)}")
    chosen = {options[LETTERS.index(c)] for c in letters}
    return tuple(o for o in options if o in chosen)


def infer_type(options: tuple[str, ...], answer: tuple[str, ...] = ()) -> str:
    """判断 when the options are 对/错, 多选 when the key has several options, else 单选."""
    if tuple(options) == JUDGE_OPTIONS:
        return JUDGE
    return MULTI if len(answer) > 1 else SINGLE
