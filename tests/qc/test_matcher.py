"""The matcher: one pass over the joined corpus finds exactly what searching each text alone finds."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.qc import Matcher
from kefu.qc.rules import parse_rule

RULE = dict(name="测试", category="测试", severity="一般", points=1, applies_to=["agent"])
WORDS = parse_rule({**RULE, "id": "t.words", "words": ["第一", "返现", "好评返现"],
                    "allow": {"第一次": "次数"}}, "test")
REGEX = parse_rule({**RULE, "id": "t.regex", "regex": r"(微信|QQ).{0,2}[0-9]{3,}", "flags": "is"}, "test")
BOTH = parse_rule({**RULE, "id": "t.both", "words": ["兼职"], "regex": r"[0-9]{6,}"}, "test")
ANCHORED = parse_rule({**RULE, "id": "t.anchor", "regex": r"^好的$"}, "test")
MATCHER = Matcher([WORDS, REGEX, BOTH, ANCHORED])


def alone(text: str) -> set[tuple[str, str]]:
    """What a plain per-text search finds (the reference semantics)."""
    out = set()
    words = [(m.start(), m.end(), w) for w in WORDS.words for m in re.finditer(re.escape(w), text)]
    allowed = [(m.start(), m.end()) for a in WORDS.allow for m in re.finditer(re.escape(a), text)]
    kept = [h for h in words if not any(a <= h[0] and h[1] <= b for a, b in allowed)]
    longest = [h for h in kept if not any(s <= h[0] and h[1] <= e and e - s > h[1] - h[0] for s, e, _ in kept)]
    if longest:
        out.add(("t.words", "、".join(dict.fromkeys(w for _, _, w in sorted(longest)))))
    m = REGEX.compiled().search(text)
    if m:
        out.add(("t.regex", m.group()))
    m = BOTH.compiled().search(text)
    if "兼职" in text and m:
        out.add(("t.both", f"兼职、{m.group()}"))
    m = ANCHORED.compiled().search(text)  # Python's `$` also matches before a final newline: "好的\n"
    if m:
        out.add(("t.anchor", m.group()))
    return out


_PIECES = st.sampled_from(list("第一次返现好评微信QQ兼职0123456789 \n\x00") + ["好的", "第一次", "好评返现"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_PIECES, max_size=8).map("".join), max_size=6))
def test_joined_scan_equals_searching_each_text(texts: list[str]) -> None:
    hits = MATCHER.scan(texts, ["agent"] * len(texts))
    for i, text in enumerate(texts):
        got = {(h.rule.id, h.matched) for h in hits if h.index == i}
        assert got == alone(text.replace("\x00", " ")), text


def test_allowed_words_and_longer_hits() -> None:
    assert not MATCHER.match("这是您第一次下单吗", "agent")
    assert [(h.rule.id, h.matched) for h in MATCHER.match("第一次就是第一", "agent")] == [("t.words", "第一")]
    assert [h.matched for h in MATCHER.match("好评返现", "agent")] == ["好评返现"]


def test_senders_and_empty_texts() -> None:
    assert not MATCHER.match("返现", "buyer")
    assert not MATCHER.match("", "agent") and not MATCHER.match(None)
    assert MATCHER.scan([], []) == []


def test_a_match_across_texts_is_no_match() -> None:
    # "微信" ends one text and digits start the next: `.` may cross the separator, the texts may not.
    assert not MATCHER.scan(["加微信", "123456"], ["agent", "agent"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["👍🏻", "é", "e\u0301", "加微信", "123", "第一", "返现", " "]), max_size=6)
                .map("".join), min_size=1, max_size=5))
def test_a_corpus_joined_by_the_engine_scans_the_same(texts: list[str]) -> None:
    import duckdb
    import numpy as np

    from kefu.qc.matcher import Corpus

    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM (SELECT unnest($texts) AS content, "
                "generate_subscripts($texts, 1) AS i)", {"texts": texts})
    ((blob,),) = con.execute("SELECT encode(string_agg(content, chr(0) ORDER BY i)) FROM t").fetchall()
    cols = con.execute("SELECT strlen(content) AS b, length(content) AS c FROM t ORDER BY i").fetchnumpy()
    joined = Corpus.of_joined(bytes(blob), np.asarray(cols["b"]), np.asarray(cols["c"]), ["agent"] * len(texts))
    assert [(h.index, h.rule.id, h.matched) for h in MATCHER.scan_corpus(joined)] == \
        [(h.index, h.rule.id, h.matched) for h in MATCHER.scan(texts, ["agent"] * len(texts))]
    assert [joined.text(i) for i in range(len(texts))] == texts
