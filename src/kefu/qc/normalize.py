"""The views of a message QC rules match on, so disguised words are still found (全角、繁体、插空格、变体字).

Two views, each with every character's place in the original text, so a finding quotes what the agent wrote:
- the word view (word lists): full-width → half-width and other compatibility forms (NFKC), traditional →
  simplified (OpenCC's t2s, character by character), case folded, the contact variants of contact_words.toml
  read as their word (薇信 → 微信), and spaces, punctuation, symbols and emoji dropped (刷 单 → 刷单). Characters
  that some rule word itself contains (the % of 100%) are kept.
- the regex view (regexes: phones, ids, links): the same folding and variants; only symbols, emoji and the
  spaces between Chinese characters dropped (punctuation and other spaces mean something to a regex); Chinese
  numerals in runs of three or more read as digits (一三八… → 138…, while 第一批 stays); spaces or dashes
  between digits dropped (138 1234 5678).

A view is built from the joined texts of a whole corpus with a numpy code-point map and re.sub (C speed); the
character map back to the original is rebuilt only for the texts that hit (`origin`).
"""
from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable
from importlib import resources

import numpy as np
import opencc

KEEP = "\x00"  # the corpus separator: never folded, dropped or matched across
_DROP_WORD = ("Z", "P", "S", "C", "M")  # Unicode category initials the word view drops
_DROP_REGEX = ("So", "Sk", "Cf", "Mn", "Me")  # symbols, emoji and their joiners/variation selectors
# Chat text lives in the first two planes (CJK, full-width forms, emoji); unassigned, private and surrogate
# code points never reach a message.
_LAST = 0x1FFFF
_NEVER = ("Cn", "Co", "Cs")
_NUMERALS = {"〇": "0", "零": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3", "四": "4", "五": "5",
             "六": "6", "七": "7", "八": "8", "九": "9", "壹": "1", "贰": "2", "叁": "3", "肆": "4", "伍": "5",
             "陆": "6", "柒": "7", "捌": "8", "玖": "9"}
_NUMERAL_RUN = re.compile(f"[{''.join(_NUMERALS)}]{{3,}}")
_DIGIT_GAP = re.compile(r"(?<=\d)[ \t\u3000\-－—_.·]+(?=\d)")
_HAN = "\u3400-\u9fff\uf900-\ufaff"
_HAN_GAP = re.compile(f"(?<=[{_HAN}])[ \t\u3000]+(?=[{_HAN}])")  # Chinese has no spaces between characters
Table = dict[int, "str | None"]


@functools.cache
def _folded() -> dict[int, str]:
    """Every character NFKC, t2s and case folding change, and what it becomes."""
    chars = [chr(cp) for cp in range(_LAST + 1) if unicodedata.category(chr(cp)) not in _NEVER and chr(cp) != KEEP]
    nfkc = [unicodedata.normalize("NFKC", c).casefold() for c in chars]
    # One character per line: t2s converts phrases too, and a line of one character converts as itself.
    simple = opencc.OpenCC("t2s").convert("\n".join(n.replace("\n", " ") if len(n) == 1 else " " for n in nfkc))
    out = {}
    for char, folded, converted in zip(chars, nfkc, simple.split("\n")):
        result = converted if len(folded) == 1 and converted else folded
        if result != char and KEEP not in result:
            out[ord(char)] = result
    return out


@functools.cache
def _categories() -> dict[int, str]:
    """The Unicode category of every character that either view may drop."""
    return {cp: cat for cp in range(_LAST + 1)
            if (cat := unicodedata.category(chr(cp)))[0] in _DROP_WORD and cat not in _NEVER and chr(cp) != KEEP}


@functools.cache
def contact_variants() -> dict[str, str]:
    """The shipped contact variants (kefu/qc/contact_words.toml): variant, in the folded form, → its word."""
    data = tomllib.loads(resources.files("kefu.qc").joinpath("contact_words.toml").read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for word, variants in data["variants"].items():
        for variant in variants:
            out[_fold_only(variant)] = word
    return out


def _fold_only(text: str) -> str:
    return text.translate(_folded())


Step = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]
_DELETED = np.uint32(0xFFFFFFFF)


class View:
    """One way of reading texts: characters that become several first, then one-to-one (or dropped), then
    whole-text substitutions. The one-to-one part maps code points through an array, at numpy speed."""

    def __init__(self, table: Table, steps: tuple[Step, ...]) -> None:
        wide = {chr(cp): out for cp, out in table.items() if out and len(out) > 1}
        self._chars = np.arange(_LAST + 1, dtype=np.uint32)
        for cp, out in table.items():
            if cp <= _LAST and (not out or len(out) == 1):
                self._chars[cp] = ord(out) if out else _DELETED
        pattern = re.compile("[" + "".join(re.escape(c) for c in sorted(wide)) + "]") if wide else None
        self.steps = ((pattern, lambda m: wide[m.group()]),) if pattern else ()
        self.after = steps

    def _map(self, text: str) -> str:
        """The one-to-one part over a text."""
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        inside = codes <= _LAST
        mapped = codes.copy()
        mapped[inside] = self._chars[codes[inside]]
        return mapped[mapped != _DELETED].tobytes().decode("utf-32-le")

    def of(self, text: str) -> str:
        """The view of a text (or of a whole NUL-joined corpus)."""
        out = _substituted(text, self.steps)
        return _substituted(self._map(out), self.after)

    def origin(self, text: str) -> tuple[str, list[int]]:
        """The view of one text and, for each of its characters, the index of the original character."""
        out, where = _traced(text, list(range(len(text))), self.steps)
        chars: list[str] = []
        kept: list[int] = []
        for char, at in zip(out, where):
            code = ord(char)
            mapped = int(self._chars[code]) if code <= _LAST else code
            if mapped != _DELETED:
                chars.append(chr(mapped))
                kept.append(at)
        return _traced("".join(chars), kept, self.after)

    def quote(self, text: str, spans: Iterable[tuple[int, int]]) -> list[str]:
        """The original words behind spans of the view of a text (distinct, in order)."""
        _, where = self.origin(text)
        out: list[str] = []
        for start, end in spans:
            if start < end <= len(where):
                words = text[where[start]:where[end - 1] + 1]
                if words not in out:
                    out.append(words)
        return out


def _substituted(text: str, steps: tuple[Step, ...]) -> str:
    for pattern, replace in steps:
        text = pattern.sub(replace, text)
    return text


def _traced(text: str, where: list[int], steps: tuple[Step, ...]) -> tuple[str, list[int]]:
    """The substitutions of steps over a text whose characters came from `where`, and where the result's came from."""
    for pattern, replace in steps:
        pieces: list[str] = []
        moved: list[int] = []
        last = 0
        for m in pattern.finditer(text):
            pieces.append(text[last:m.start()])
            moved.extend(where[last:m.start()])
            new = replace(m)
            pieces.append(new)
            # A replacement stands where its match stood: spread its characters over the match's span.
            span = where[m.start():m.end()] or [where[m.start() - 1] if m.start() else 0]
            moved.extend(span[min(k * len(span) // max(len(new), 1), len(span) - 1)] for k in range(len(new)))
            last = m.end()
        pieces.append(text[last:])
        moved.extend(where[last:])
        text, where = "".join(pieces), moved
    return text, where


def _variant_step() -> tuple[re.Pattern[str], Callable[[re.Match[str]], str]]:
    variants = contact_variants()
    pattern = re.compile("|".join(re.escape(v) for v in sorted(variants, key=len, reverse=True)))
    return pattern, lambda m: variants[m.group()]


def _with_symbol_variants(table: Table) -> Table:
    """A table that reads one-character variants (🐧) as their word before a view could drop them."""
    for variant, word in contact_variants().items():
        if len(variant) == 1:
            table[ord(variant)] = word
    return table


def word_view(keep: str = "") -> View:
    """The word view; `keep` lists characters not to drop (those the rule words contain)."""
    return _word_view(frozenset(keep))


@functools.cache
def _word_view(keep: frozenset[str]) -> View:
    table: Table = dict(_folded())
    for cp in _categories():
        if not set(table.get(cp) or chr(cp)) & keep:  # ％ is kept when a rule word has %
            table[cp] = None
    for cp, result in list(table.items()):
        if result and any(c != KEEP and ord(c) in _categories() and c not in keep for c in result):
            table[cp] = "".join(c for c in result if ord(c) not in _categories() or c in keep) or None
    return View(_with_symbol_variants(table), (_variant_step(),))


@functools.cache
def regex_view() -> View:
    """The regex view."""
    table: Table = dict(_folded())
    for cp, cat in _categories().items():
        if cat in _DROP_REGEX:
            table[cp] = None
    numerals: Step = (_NUMERAL_RUN, lambda m: "".join(_NUMERALS[c] for c in m.group()))
    return View(_with_symbol_variants(table),
                ((_HAN_GAP, lambda m: ""), _variant_step(), numerals, (_DIGIT_GAP, lambda m: "")))
