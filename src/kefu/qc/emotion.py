"""How the buyer felt: each buyer message scored by jionlp's sentiment lexicon, and its course per conversation."""
from __future__ import annotations

import contextlib
import io
import logging
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import groupby
from typing import Any

CONVERSATION = ("shop", "account", "buyer", "day")


def shop_words() -> dict[str, float]:
    """The shipped words of shop chats (emotion_words.toml) with their weights on jionlp's scale."""
    text = resources.files("kefu.qc").joinpath("emotion_words.toml").read_text(encoding="utf-8")
    return {word: float(weight) for word, weight in tomllib.loads(text)["words"].items()}


@lru_cache(maxsize=1)
def _lexicon() -> Callable[[str], float]:
    """jionlp's lexicon sentiment (negation, degree words, 但是-turns; 0 negative … 1 positive) with the shop
    words added, loaded once."""
    # jionlp prints a banner to stdout and logs overlapping lexicon entries when it loads: neither may reach
    # a JSON or CSV that kefu writes to stdout.
    with contextlib.redirect_stdout(io.StringIO()):
        previous = logging.root.manager.disable
        logging.disable(logging.WARNING)
        try:
            from jionlp.algorithm.ner import LexiconNER
            from jionlp.algorithm.sentiment import LexiconSentiment

            lexicon = LexiconSentiment()
            lexicon.sentiment_dict.update(shop_words())
            # Its matcher is built from the dictionaries when it loads: built again over the added words, the
            # same way (jionlp.algorithm.sentiment.LexiconSentiment.__init__).
            lexicon.lexicon_ner = LexiconNER({"sentiment_word": list(lexicon.sentiment_dict),
                                              "negative_word": lexicon.negative_list,
                                              "expand_word": list(lexicon.weight_dict)})
            return lexicon
        finally:
            logging.disable(previous)


@lru_cache(maxsize=65536)
def score(text: str) -> float:
    """A message's emotion from −1 (very negative) through 0 (neutral) to 1 (very positive)."""
    return round(2.0 * _lexicon()(text) - 1.0, 4)


def negativity(value: float) -> float:
    """How negative an emotion score is: 0 for neutral or positive."""
    return max(0.0, -value)


@dataclass(frozen=True)
class Course:
    """The buyer's emotion over one conversation: where it started, where it ended, its lowest point."""

    buyer_messages: int
    start: float
    end: float
    low: float
    low_msg_key: str | None
    low_ts: Any

    @property
    def change(self) -> float | None:
        """End minus start; None with a single buyer message, which has no course."""
        return round(self.end - self.start, 4) if self.buyer_messages > 1 else None

    @property
    def worsened(self) -> bool | None:
        """True when the buyer ended more negative than they started (None with a single message)."""
        return negativity(self.end) > negativity(self.start) if self.buyer_messages > 1 else None


def courses(messages: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per conversation from its buyer messages (CONVERSATION keys, ts, msg_key, content), in
    conversation then time order."""
    out: list[dict[str, Any]] = []
    for key, group in groupby(messages, key=lambda m: tuple(m[k] for k in CONVERSATION)):
        scores = [(score(m["content"] or ""), m["msg_key"], m["ts"]) for m in group]
        low = min(scores, key=lambda s: s[0])
        course = Course(len(scores), scores[0][0], scores[-1][0], low[0], low[1], low[2])
        out.append({**dict(zip(CONVERSATION, key)), "buyer_messages": course.buyer_messages,
                    "start_score": course.start, "end_score": course.end, "low_score": course.low,
                    "low_msg_key": course.low_msg_key, "low_ts": course.low_ts, "change": course.change,
                    "worsened": course.worsened})
    return out
