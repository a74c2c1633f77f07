"""Periods, groups and day ranges: daily counts are added, quantiles taken over all responses."""
from __future__ import annotations

import pytest

from kefu.config import Settings
from kefu.metrics.compile import ReportError, ReportSpec
from kefu.report import run_report
from tests.conftest import message_csv, report_rows

A, B = "店:甲", "店:乙"
ACCOUNTS = "account,shop,agent_name,group\n店:甲,店,甲,售前\n店:乙,店,乙,售前\n"
MESSAGES = message_csv(
    f"b1|{A}|buyer|2026-11-09 10:00:00", f"b1|{A}|agent|2026-11-09 10:00:10",   # Monday, week 46
    f"b2|{A}|buyer|2026-11-10 10:00:00", f"b2|{A}|agent|2026-11-10 10:00:20",
    f"b3|{A}|buyer|2026-11-10 11:00:00", f"b3|{A}|agent|2026-11-10 11:01:30",
    f"b1|{B}|buyer|2026-11-16 10:00:00",                                        # next week, no reply
    "b9|店:丙|buyer|2026-11-16 10:00:00", "b9|店:丙|agent|2026-11-16 10:00:01",  # undeclared account
)


def test_period_all_adds_days_and_takes_quantiles_over_every_response(make_shop) -> None:
    con = make_shop(accounts=ACCOUNTS, messages=MESSAGES)
    row = report_rows(con, period="all")[(A, "2026-11-09~2026-11-16")]
    assert (row["inquiry_buyers"], row["responses"]) == (3, 3)
    assert row["avg_response_s"] == pytest.approx(40.0)
    assert row["median_response_s"] == 20.0      # not the mean of the daily medians (15)
    assert (row["from"], row["to"]) == ("2026-11-09", "2026-11-16")


def test_weeks_and_months_are_labelled(make_shop) -> None:
    con = make_shop(accounts=ACCOUNTS, messages=MESSAGES)
    weeks = report_rows(con, period="week", by="shop")
    assert set(weeks) == {("店", "2026-W46"), ("店", "2026-W47")}
    assert weeks[("店", "2026-W46")]["inquiry_buyers"] == 3
    assert weeks[("店", "2026-W47")]["inquiry_buyers"] == 2
    months = report_rows(con, "shop_day", period="month")
    assert months[("店", "2026-11")]["inquiry_buyers"] == 5


def test_groups_sum_their_accounts_and_undeclared_accounts_are_ungrouped(make_shop) -> None:
    con = make_shop(accounts=ACCOUNTS, messages=MESSAGES)
    groups = report_rows(con, period="all", by="group")
    assert {k[0] for k in groups} == {"售前", "未分组"}
    presale = groups[("售前", "2026-11-09~2026-11-16")]
    assert (presale["inquiry_buyers"], presale["replied_buyers"]) == (4, 3)
    assert presale["reply_rate"] == 0.75


def test_day_range_keeps_only_its_days(make_shop) -> None:
    import datetime as dt

    con = make_shop(accounts=ACCOUNTS, messages=MESSAGES)
    rows = report_rows(con, day_from=dt.date(2026, 11, 10), day_to=dt.date(2026, 11, 10))
    assert set(rows) == {(A, "2026-11-10")}


@pytest.mark.parametrize("kwargs, fragment", [
    ({"grain": "hour_day"}, "未知粒度"),
    ({"grain": "shop_day", "by": "account"}, "不能按"),
    ({"period": "year"}, "未知周期"),
])
def test_bad_specs_are_clear(kwargs: dict, fragment: str) -> None:
    with pytest.raises(ReportError, match=fragment):
        ReportSpec(**kwargs)


@pytest.mark.parametrize("grain, by", [("account_day", None), ("account_day", "group"), ("shop_day", None)])
def test_a_report_of_some_shops_is_their_rows_of_the_whole_report(make_shop, grain: str, by: str | None) -> None:
    con = make_shop(messages=message_csv(
        "b1|甲店:小王|buyer|2026-11-11 10:00:00", "b1|甲店:小王|agent|2026-11-11 10:00:20",
        "b2|乙'店:阿杰|buyer|2026-11-11 11:00:00", "b2|乙'店:阿杰|agent|2026-11-11 11:01:00",
    ))
    whole = run_report(con, ReportSpec(grain=grain, by=by), Settings()).rows
    assert {r["shop"] for r in whole} == {"甲店", "乙'店"}
    for shops in (["乙'店"], ["甲店", "乙'店"], []):
        some = run_report(con, ReportSpec(grain=grain, by=by, shops=shops), Settings()).rows
        assert some == [r for r in whole if r["shop"] in shops]
    assert ReportSpec(shops=["b", "a", "a"]) == ReportSpec(shops=("a", "b"))  # one cache entry per set of shops
