"""The ad rule: Python and engine SQL agree, and follow metrics.md §1 exactly."""
from __future__ import annotations

import re

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.filters import AD_WORDS, CONTACT_FLAGS, CONTACT_PATTERN, DEFAULT_AD_RULE, ad_condition_sql


@pytest.mark.parametrize("text, is_ad", [
    ("兼职刷单日结 加QQ 12345678", True),
    ("招聘兼职，加微信abc123", True),
    ("推广合作 www.example.com", True),
    ("返利活动 https://x.cn", True),
    ("兼职 vx: a", True),
    ("兼职\n微信\nA", True),               # `.` matches a line break
    ("兼职 微信 号码找我", False),          # no ASCII letter/digit within 3 characters
    ("刷单", False),                         # ad word without contact
    ("加我微信 abc123 看看衣服", False),    # contact without ad word
    ("兼职 ＱＱ１２３", False),              # full-width forms are not ASCII
    ("兼职 httpſ://x", False),              # no Unicode case folding
    ("兼职 12345", False),                  # five digits are not a contact
])
def test_examples(text: str, is_ad: bool) -> None:
    assert DEFAULT_AD_RULE.matches(text) is is_ad
    assert duckdb.execute(f"SELECT {ad_condition_sql('$t')}", {"t": text}).fetchone()[0] is is_ad


_ALPHABET = st.sampled_from(list("abcXYZ0123456789 .:/\nſKk微信VxqQ群ww") + list(AD_WORDS) + ["http://", "www."])


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=14).map("".join))
def test_sql_agrees_with_python(text: str) -> None:
    python = DEFAULT_AD_RULE.matches(text)
    sql = duckdb.execute(f"SELECT coalesce({ad_condition_sql('$t')}, false)", {"t": text}).fetchone()[0]
    assert sql is python
    if python:
        assert re.search(CONTACT_PATTERN, text, CONTACT_FLAGS)
