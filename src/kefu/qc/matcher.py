"""Match message texts against word-list and regex rules, scanning all texts at once as one joined corpus."""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import ahocorasick_rs
import numpy as np

from kefu.qc.normalize import View, regex_view, word_view
from kefu.qc.rules import Rule

# Texts are scanned as one string joined by this character; no rule word may contain it.
SEP = "\x00"
Span = tuple[int, int, str]


@dataclass(frozen=True)
class Hit:
    """A rule that fired on the text at `index`, with what it matched."""

    index: int
    rule: Rule
    matched: str


@dataclass
class Corpus:
    """Texts joined by NUL as UTF-8 bytes, with where each starts (in bytes and in characters) and its sender."""

    data: bytes
    byte_starts: np.ndarray  # n + 1 entries: the last is len(data) + 1
    char_starts: np.ndarray
    senders: Sequence[str] | None = None
    _joined: str | None = field(default=None, repr=False)

    @classmethod
    def of(cls, texts: Sequence[str], senders: Sequence[str] | None = None) -> Corpus:
        """A corpus of Python strings (a NUL inside a text is read as a space)."""
        data = SEP.join(texts).encode()
        if data.count(0) != max(len(texts) - 1, 0):
            texts = [t.replace(SEP, " ") for t in texts]
            data = SEP.join(texts).encode()
        chars = np.fromiter((len(t) + 1 for t in texts), np.int64, len(texts))
        seps = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 0)
        byte_starts = np.concatenate(([0], seps + 1, [len(data) + 1]))
        return cls(data, byte_starts, np.concatenate(([0], np.cumsum(chars))), senders)

    @classmethod
    def of_joined(cls, data: bytes, byte_lengths: np.ndarray, char_lengths: np.ndarray,
                  senders: Sequence[str] | None = None) -> Corpus:
        """A corpus already joined elsewhere (e.g. by the engine), with each text's byte and character length."""
        ends = np.cumsum(byte_lengths.astype(np.int64) + 1)
        chars = np.cumsum(char_lengths.astype(np.int64) + 1)
        return cls(data, np.concatenate(([0], ends)), np.concatenate(([0], chars)), senders)

    def __len__(self) -> int:
        return len(self.byte_starts) - 1

    def text(self, i: int) -> str:
        """The i-th text."""
        return self.data[int(self.byte_starts[i]):int(self.byte_starts[i + 1]) - 1].decode()

    @property
    def joined(self) -> str:
        """All texts as one string (decoded once, for regexes)."""
        if self._joined is None:
            self._joined = self.data.decode()
        return self._joined


def _unallowed(hits: list[Span], allowed: list[tuple[int, int]]) -> list[Span]:
    """The hits that no allowed word's occurrence covers, one per matched text, in order.

    A hit inside a longer hit (返现 inside 好评返现) is left out: the longer one says it all.
    """
    kept = [h for h in hits if not any(a <= h[0] and h[1] <= b for a, b in allowed)]
    out: list[Span] = []
    for start, end, text in sorted(kept):
        inner = any(s <= start and end <= e and e - s > end - start for s, e, _ in kept)
        if not inner and all(text != t for _, _, t in out):
            out.append((start, end, text))
    return out


def _anchored(pattern: str) -> bool:
    """Whether a regex uses ^, $, \\A or \\Z, which mean something else in the joined corpus."""
    plain = re.sub(r"\\.|\[\^", "", pattern)
    return "^" in plain or "$" in plain or bool(re.search(r"\\[AZ]", pattern))


class Matcher:
    """The word-list and regex rules of a rule set, compiled once; scans any number of texts.

    With normalize (QC), words match on the word view and regexes on the regex view of each text
    (kefu.qc.normalize) and findings quote the original text; without it (the ad filter of metrics.md §1),
    on the text exactly as written.
    """

    def __init__(self, rules: Sequence[Rule], *, normalize: bool = False) -> None:
        self.rules = [r for r in rules if r.check is None]
        self._regex = [r.compiled() for r in self.rules]
        self._views: tuple[View, View] | None = None
        # Per rule, its allowed words as the regex view shows them (regex hits are in that view's offsets).
        self._allowed_seen: list[tuple[str, ...]] = [() for _ in self.rules]
        if normalize:
            listed = "".join(w for r in self.rules for w in (*r.words, *r.allow))
            self._views = (word_view(listed), regex_view())
            self._allowed_seen = [tuple(w for w in map(self._views[1].of, r.allow) if w) for r in self.rules]
        entries: dict[str, list[tuple[int, bool]]] = defaultdict(list)
        for i, rule in enumerate(self.rules):
            for word in rule.words:
                entries[self._as_seen(word)].append((i, False))
            for word in rule.allow:
                entries[self._as_seen(word)].append((i, True))
        entries.pop("", None)
        if any(SEP in w for w in entries):
            raise ValueError("rule words must not contain NUL")
        self._words = list(entries)
        self._targets = [tuple(entries[w]) for w in self._words]
        # One automaton over the UTF-8 bytes of every word (rule words and allowed words) of every rule.
        self._automaton = (ahocorasick_rs.BytesAhoCorasick([w.encode() for w in self._words],
                                                           implementation=ahocorasick_rs.Implementation.DFA)
                           if self._words else None)

    def _as_seen(self, word: str) -> str:
        """A rule word as the word view shows it (itself without normalising)."""
        return self._views[0].of(word) if self._views else word

    def _viewed(self, corpus: Corpus) -> tuple[Corpus, Corpus]:
        """The corpus as words and as regexes see it."""
        if self._views is None:
            return corpus, corpus
        return tuple(Corpus.of(view.of(corpus.joined).split(SEP), corpus.senders)  # type: ignore[return-value]
                     for view in self._views)

    def _quote(self, corpus: Corpus, index: int, spans: list[Span], view: int) -> list[str]:
        """What the spans matched, in the text as written."""
        if self._views is None:
            return [text for _, _, text in spans]
        return self._views[view].quote(corpus.text(index), [(start, end) for start, end, _ in spans])

    def _allowed(self, rule_index: int, text: str) -> list[tuple[int, int]]:
        """Where a rule's allowed words occur in a text of the regex view (word hits are in the word view)."""
        out = []
        for word in self._allowed_seen[rule_index]:
            at = text.find(word)
            while at >= 0:
                out.append((at, at + len(word)))
                at = text.find(word, at + 1)
        return out

    def _word_hits(self, corpus: Corpus) -> dict[tuple[int, int], tuple[list[Span], list[tuple[int, int]]]]:
        """(text index, rule index) -> (word hits, allowed spans) in character offsets, from one pass."""
        out: dict[tuple[int, int], tuple[list[Span], list[tuple[int, int]]]] = {}
        if self._automaton is None or not len(corpus):
            return out
        found = self._automaton.find_matches_as_indexes(corpus.data, overlapping=True)
        owners = _owners([f[1] for f in found], corpus.byte_starts)
        for (word_index, start, _), owner in zip(found, owners):
            word = self._words[word_index]
            # Byte offset back to a character offset within the owner's text.
            begin = len(corpus.data[int(corpus.byte_starts[owner]):start].decode())
            span = (begin, begin + len(word))
            for rule_index, allowed in self._targets[word_index]:
                words, allows = out.setdefault((owner, rule_index), ([], []))
                if allowed:
                    allows.append(span)
                else:
                    words.append((*span, word))
        return out

    def _regex_spans(self, pattern: re.Pattern[str], corpus: Corpus) -> dict[int, list[Span]]:
        """text index -> the regex's matches in it, found by one pass over the joined texts.

        A match that runs across a separator is not a match of any one text: the texts it touches
        are searched again one by one, so the result equals searching each text alone.
        """
        if _anchored(pattern.pattern):
            return {i: spans for i in range(len(corpus)) if (spans := _spans(pattern, corpus.text(i)))}
        matches = [m for m in pattern.finditer(corpus.joined) if m.end() > m.start()]
        owners = _owners([m.start() for m in matches], corpus.char_starts)
        out: dict[int, list[Span]] = defaultdict(list)
        redo: set[int] = set()
        for m, owner in zip(matches, owners):
            base = int(corpus.char_starts[owner])
            if m.end() > int(corpus.char_starts[owner + 1]) - 1:
                last = _owners([m.end() - 1], corpus.char_starts)[0]
                redo.update(range(owner, last + 1))
                continue
            out[owner].append((m.start() - base, m.end() - base, m.group()))
        for i in redo:
            out.pop(i, None)
            if spans := _spans(pattern, corpus.text(i)):
                out[i] = spans
        return out

    def scan_corpus(self, corpus: Corpus) -> list[Hit]:
        """Every (text, rule) hit in text order; a rule only sees texts whose sender it applies to."""
        senders = corpus.senders
        hits: list[Hit] = []
        as_words, as_regexes = self._viewed(corpus)
        word_hits = self._word_hits(as_words)
        for (index, rule_index), (words, allows) in word_hits.items():
            rule = self.rules[rule_index]
            if senders is not None and senders[index] not in rule.applies_to:
                continue
            found = self._quote(corpus, index, _unallowed(words, allows), 0)
            if found and rule.regex is not None:
                # A rule with both needs a word and a regex match (e.g. an ad word and a contact).
                spans = _spans(self._regex[rule_index], as_regexes.text(index))  # type: ignore[arg-type]
                allowed = allows if self._views is None else self._allowed(rule_index, as_regexes.text(index))
                matched = self._quote(corpus, index, _unallowed(spans, allowed)[:1], 1)
                found = found + matched if matched else []
            if found:
                hits.append(Hit(index, rule, "、".join(found)))
        for rule_index, rule in enumerate(self.rules):
            pattern = self._regex[rule_index]
            if rule.words or pattern is None:
                continue
            for index, spans in self._regex_spans(pattern, as_regexes).items():
                if senders is not None and senders[index] not in rule.applies_to:
                    continue
                allowed = (word_hits.get((index, rule_index), ([], []))[1] if self._views is None
                           else self._allowed(rule_index, as_regexes.text(index)))
                found = self._quote(corpus, index, _unallowed(spans, allowed)[:1], 1)
                if found:
                    hits.append(Hit(index, rule, found[0]))
        order = {rule.id: i for i, rule in enumerate(self.rules)}
        hits.sort(key=lambda h: (h.index, order[h.rule.id]))
        return hits

    def scan(self, texts: Sequence[str], senders: Sequence[str] | None = None) -> list[Hit]:
        """Every (text, rule) hit of a list of texts (and their senders)."""
        return self.scan_corpus(Corpus.of(texts, senders))

    def match(self, text: str | None, sender: str | None = None) -> list[Hit]:
        """The hits of one text (for one sender when given)."""
        if not text:
            return []
        return self.scan([text], None if sender is None else [sender])


def _spans(pattern: re.Pattern[str], text: str) -> list[Span]:
    """Every (start, end, text) of a regex's matches in a text (empty matches skipped)."""
    return [(m.start(), m.end(), m.group()) for m in pattern.finditer(text) if m.end() > m.start()]


def _owners(positions: list[int], starts: np.ndarray) -> list[int]:
    """The index of the text holding each position, given where the texts start."""
    found = np.fromiter(positions, np.int64, len(positions))
    return (np.searchsorted(starts, found, side="right") - 1).tolist()
