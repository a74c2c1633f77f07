"""Targets read the way platforms name them."""
from __future__ import annotations

import pytest

from kefu.staffing.target import Target, TargetError, parse_target


@pytest.mark.parametrize(("text", "rate", "within"), [
    ("3分钟人工响应率>=0.9", 0.9, 180),
    ("首次30秒应答率 >= 80%", 0.8, 30),      # the jd preset's label
    ("5分钟回复率≥0.85", 0.85, 300),        # kuaishou
    ("平台口径120秒响应率>=0.95", 0.95, 120),
    ("2分钟响应率>=70％", 0.7, 120),
])
def test_labels_and_rates(text: str, rate: float, within: int) -> None:
    target = parse_target(text)
    assert (target.rate, target.within_s) == (pytest.approx(rate), within)


@pytest.mark.parametrize(("text", "fragment"), [
    ("响应率>=0.9", "没有写明时长"),
    ("3分钟人工响应率 0.9", "无法识别目标"),
    ("3分钟人工响应率>=1.2", "0 与 1 之间"),
    ("3分钟人工响应率>=100%", "0 与 1 之间"),
])
def test_unreadable_targets_say_why(text: str, fragment: str) -> None:
    with pytest.raises(TargetError) as info:
        parse_target(text)
    assert fragment in str(info.value)


def test_text_reads_back() -> None:
    assert parse_target("3分钟人工响应率>=0.9").text() == "3分钟人工响应率 ≥ 90%"
    assert Target(rate=0.875, within_s=20).text() == "20秒响应率 ≥ 0.875"
