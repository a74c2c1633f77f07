"""Headers as users read them: named by the settings' thresholds, 人次 when counts are added up."""
from __future__ import annotations

from kefu.config import Settings
from kefu.output import label


def test_threshold_figures_are_named_by_their_settings() -> None:
    assert label("within_threshold_rate", "account_day") == "15秒响应率"
    moved = Settings(slow_threshold_s=20, fast_first_response_s=10)
    assert label("within_threshold_rate", "account_day", "zh", moved) == "20秒响应率"
    assert label("fast_first_response_rate", "account_day", "zh", moved) == "10秒首响率"
    assert label("fast_first_response_rate", "account_day", "en", moved) == "10-second first response rate"
    assert label("fast_first_response_rate", "account_day", "zh", Settings()) == "黄金6秒首响率"
    assert label("within_threshold_rate_prev", "account_day", "zh", moved) == "20秒响应率·上期"


def test_added_up_buyer_counts_read_person_days() -> None:
    assert label("inquiry_buyers", "shop_day", "zh", summed=True) == "咨询人次"
    assert label("inquiry_buyers", "shop_day", "zh") == "咨询人数"
    assert label("max_concurrent", "account_day", "zh", summed=True) == "最大同时接待人数"  # a maximum, not a sum
    assert label("reply_rate", "account_day", "zh", summed=True) == "回复率"
    assert label("inquiry_buyers", "account_day", "en", summed=True) == "inquiring buyers (person-days)"


def test_evidence_cells_read_as_a_manager_reads_them() -> None:
    from decimal import Decimal

    from kefu.output import evidence_cell

    assert evidence_cell(1, "zh", "replied") == "是" and evidence_cell(0, "en", "inquiry") == "no"
    assert evidence_cell(3, "zh", "buyer_messages") == "3"  # a count stays a number
    assert evidence_cell(Decimal("598.0000"), "zh", "amount") == "598.00"
    assert evidence_cell(12.345, "zh", "response_s") == "12.3"
    assert evidence_cell("sub_account", "zh", "reason") == "子账号"
    assert evidence_cell("ad", "en", "reason") == "advertising"
    assert evidence_cell(None, "zh", "amount") == "—" and evidence_cell(True) == "是"
