"""The buyer's emotion: jionlp's lexicon with the shop words, negation, and its course over a conversation."""
from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.qc.emotion import courses, score, shop_words


@pytest.mark.parametrize("text", ["我要给差评", "再不发货我要投诉", "你们就是骗子", "什么破玩意", "不满意",
                                  "亲，还没发货吗", "东西不错，就是物流太慢"])
def test_upset_buyers_read_negative(text: str) -> None:
    assert score(text) < -0.3


@pytest.mark.parametrize("text", ["非常满意，谢谢", "五星好评", "辛苦了", "不是不满意"])
def test_pleased_buyers_read_positive(text: str) -> None:
    assert score(text) > 0.3


@pytest.mark.parametrize("text", ["在吗", "好的", "多少钱", "订单号 1234567890", ""])
def test_plain_questions_read_neutral(text: str) -> None:
    assert score(text) == 0.0


def test_every_shop_word_moves_the_score_its_way() -> None:
    for word, weight in shop_words().items():
        if weight:
            assert (score(word) > 0) == (weight > 0), word


@given(st.text(max_size=40))
def test_scores_stay_between_minus_one_and_one(text: str) -> None:
    assert -1.0 <= score(text) <= 1.0


def _messages(*texts: str, buyer: str = "b") -> list[dict]:
    return [{"shop": "店", "account": "店:甲", "buyer": buyer, "day": "2026-11-11", "ts": i, "msg_key": f"{buyer}{i}",
             "content": t} for i, t in enumerate(texts)]


def test_a_course_runs_from_the_first_to_the_last_buyer_message() -> None:
    worse, better, single = courses(_messages("在吗", "怎么还不发货", "我要给差评", buyer="a")
                                    + _messages("你们就是骗子", "好的谢谢", buyer="b") + _messages("差评", buyer="c"))
    assert (worse["buyer"], worse["buyer_messages"], worse["worsened"]) == ("a", 3, True)
    assert worse["start_score"] == 0.0 and worse["change"] == worse["end_score"] < 0
    assert worse["low_msg_key"] in ("a1", "a2")
    assert worse["low_score"] == min(score("怎么还不发货"), score("我要给差评"))
    assert better["worsened"] is False and better["change"] > 0 and better["low_msg_key"] == "b0"
    # One buyer message has no course: it counts in neither the rate nor the mean.
    assert (single["change"], single["worsened"], single["low_score"]) == (None, None, score("差评"))


def test_loading_the_lexicon_prints_nothing_to_stdout() -> None:
    # kefu writes JSON and CSV to stdout: jionlp's banner must not reach it.
    out = subprocess.run([sys.executable, "-c", "from kefu.qc.emotion import score; score('好评')"],
                         capture_output=True, text=True, check=True)
    assert out.stdout == "" and "belongs to both" not in out.stderr
