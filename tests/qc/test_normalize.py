"""QC matches disguised words (spaces, symbols, emoji, full-width and traditional forms) and quotes them as written."""
from __future__ import annotations

import opencc
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.filters import DEFAULT_AD_RULE
from kefu.qc import Matcher, load_rules
from kefu.qc.normalize import regex_view, word_view

RULES = load_rules()
QC = Matcher(RULES.rules, normalize=True)
# (rule, word) for every listed word of the word-only rules: the words an agent would disguise.
LISTED = [(rule, word) for rule in RULES.rules if rule.words and rule.regex is None for word in rule.words]
GAPS = [" ", "\u3000", "*", "·", "❤", "😊", "\u200b", "-", "~"]
TRADITIONAL = opencc.OpenCC("s2t")


def _full_width(char: str) -> str:
    return chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char


@st.composite
def disguised(draw: st.DrawFn) -> tuple[object, str, str]:
    """A listed word with gaps between its characters, some characters full-width, maybe in traditional form."""
    rule, word = draw(st.sampled_from(LISTED))
    if draw(st.booleans()):
        word = TRADITIONAL.convert(word)
    chars = [_full_width(c) if draw(st.booleans()) else c for c in word]
    gaps = [draw(st.sampled_from(["", "", *GAPS])) for _ in chars[1:]]
    return rule, word, chars[0] + "".join(g + c for g, c in zip(gaps, chars[1:]))


@settings(max_examples=300, deadline=None)
@given(disguised())
def test_a_disguised_listed_word_still_matches_and_is_quoted_as_written(case: tuple[object, str, str]) -> None:
    rule, _, shown = case
    text = f"亲，{shown}。"
    hits = [h for h in QC.match(text, rule.applies_to[0]) if h.rule is rule]  # type: ignore[attr-defined]
    assert hits, text
    assert shown in hits[0].matched.split("、"), (text, hits[0].matched)


def test_the_views_map_every_character_back_to_the_original() -> None:
    text = "亲，加我 ｖｘ：ａｂｃ１２３４５，電話一三八 一二三四 五六七八 😊"
    for view in (word_view(), regex_view()):
        shown, where = view.origin(text)
        assert shown == view.of(text) and len(where) == len(shown)
        assert where == sorted(where) and all(0 <= i < len(text) for i in where)


def test_disguised_contacts_and_numbers_are_found() -> None:
    cases = {"加我薇信 abc12345": "offsite.im", "威信：shanye88": "offsite.im", "V❤信 shanye88": "offsite.im",
             "ｖｘ：ａｂｃ１２３４５": "offsite.im", "扣扣 12345678": "offsite.im", "🐧 12345678": "offsite.im",
             "电话 138 1234 5678": "offsite.phone", "一三八一二三四五六七八": "offsite.phone",
             "好評返現": "violation.cashback", "全網最低價": "extreme.ranking", "刷 单": "violation.brushing"}
    for text, rule_id in cases.items():
        hits = {h.rule.id: h.matched for h in QC.match(text, "agent")}
        assert rule_id in hits, text
    assert QC.match("138 1234 5678", "agent")[0].matched == "138 1234 5678"  # the original span, spaces and all


def test_look_alikes_stay_clean() -> None:
    for text in ("顺丰单号SF1234567890", "手机尾号5678的那位", "刷新一下页面就好", "第一批货明天到", "这是最好的办法了",
                 "订单号 2023138123456789012"):
        assert [h.rule.id for h in QC.match(text, "agent")] == [], text
    assert QC.match("100% 纯棉吗", "buyer") == []  # asked by the buyer: the rules are about what agents say


def test_the_ad_filter_of_the_spec_matches_the_text_as_written() -> None:
    """metrics.md §1 defines the ad filter on the message itself: no normalising there."""
    assert DEFAULT_AD_RULE.matches("刷单加微信 abc123")
    assert not DEFAULT_AD_RULE.matches("刷 单加薇信 abc123")
    assert Matcher([DEFAULT_AD_RULE.rule], normalize=True).match("刷 单加薇信 abc123")
