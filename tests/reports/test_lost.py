"""询单流失 follow-up list: who is on it, why, in what order, and that it agrees with the lost_buyers metric."""
from __future__ import annotations

import datetime as dt

import duckdb

from kefu.config import Settings
from kefu.metrics.compile import ReportSpec
from kefu.report import run_report
from kefu.reports.lost import COLUMNS, lost_between, lost_buyers, status_text
from tests.conftest import message_csv

D = dt.date(2026, 11, 11)

MESSAGES = message_csv(
    # 小甲: asks, orders but never pays -> 催付
    "小甲|店:小王|buyer|2026-11-11 10:00:00|这个有货吗",
    "小甲|店:小王|agent|2026-11-11 10:00:10|有的亲",
    "小甲|店:小王|buyer|2026-11-11 10:05:00|拍了 联系我 13812345678",
    # 小乙: asks, never orders
    "小乙|店:小王|buyer|2026-11-11 11:00:00|便宜点吗",
    "小乙|店:小王|agent|2026-11-11 11:00:05|亲，已经是最低价了",
    # 小丙: asks and pays -> not lost
    "小丙|店:小王|buyer|2026-11-11 12:00:00|发什么快递",
    "小丙|店:小王|agent|2026-11-11 12:00:03|中通哦",
    # 小丁: asks 小王 first, then 小李, pays: credited to 小李 (last touch) -> lost for 小王, paid elsewhere
    "小丁|店:小王|buyer|2026-11-11 13:00:00|在吗",
    "小丁|店:小李|buyer|2026-11-11 13:10:00|在吗在吗",
    "小丁|店:小李|agent|2026-11-11 13:10:05|在的",
    # 小戊: orders in the window, pays three days later -> paid after the window
    "小戊|店:小李|buyer|2026-11-11 14:00:00|能便宜吗",
    "小戊|店:小李|agent|2026-11-11 14:00:09|可以领券",
    # a nick that looks like a formula (no ":" or it would be a filtered sub-account)
    '=HYPERLINK("evil.cn")|店:小李|buyer|2026-11-11 15:00:00|=1+1',
)
ORDERS = """order_id,shop,buyer,created_at,paid_at,amount,items
o1,店,小甲,2026-11-11 10:06:00,,299.00,1
o2,店,小丙,2026-11-11 12:01:00,2026-11-11 12:02:00,88.00,1
o3,店,小丁,2026-11-11 13:11:00,2026-11-11 13:12:00,66.00,1
o4,店,小戊,2026-11-11 14:01:00,2026-11-14 09:00:00,120.00,1
"""


def shop(make_shop) -> duckdb.DuckDBPyConnection:
    return make_shop(messages=MESSAGES, orders=ORDERS)


def test_each_lost_buyer_has_the_right_status_and_the_promising_come_first(make_shop) -> None:
    rows = lost_buyers(shop(make_shop), Settings(), D, mask=False)
    got = [(r["account"], r["buyer"], r["status"]) for r in rows]
    assert got == [
        ("店:小王", "小甲", "unpaid_order"),
        ("店:小李", '=HYPERLINK("evil.cn")', "no_order"),
        ("店:小王", "小乙", "no_order"),
        ("店:小李", "小戊", "paid_late"),
        ("店:小王", "小丁", "paid_elsewhere"),
    ]
    first = rows[0]
    assert list(first) == list(COLUMNS)
    assert first["order_ids"] == "o1" and first["order_value"] == 299.0
    assert first["first_ts"] == "2026-11-11 10:00:00" and first["last_ts"] == "2026-11-11 10:05:00"
    assert first["buyer_messages"] == 2 and first["replied"] == 1 and first["unclosed"] == 1
    assert first["last_messages"].splitlines() == [
        "小甲：这个有货吗", "客服：有的亲", "小甲：拍了 联系我 13812345678"]
    assert status_text("unpaid_order") == "已下单未付款 → 催付"


def test_buyers_and_phones_are_masked_by_default(make_shop) -> None:
    rows = lost_buyers(shop(make_shop), Settings(), D, account="店:小王")
    assert [r["buyer"] for r in rows] == ["小***", "小***", "小***"]
    assert rows[0]["last_messages"].splitlines()[-1] == "小***：拍了 联系我 138****5678"


def test_the_list_has_exactly_the_lost_buyers_of_the_metric(make_shop) -> None:
    con = shop(make_shop)
    report = run_report(con, ReportSpec(day_from=D, day_to=D), Settings())
    listed = lost_buyers(con, Settings(), D)
    for row in report.rows:
        assert sum(r["account"] == row["account"] for r in listed) == row["lost_buyers"]


def test_on_the_demo_shop_every_day_and_account_agrees_with_the_metric(demo_con) -> None:
    report = run_report(demo_con, ReportSpec(), Settings())
    days = sorted({dt.date.fromisoformat(r["day"]) for r in report.rows})
    listed = lost_between(demo_con, Settings(), days[0], days[-1])
    assert listed, "the demo shop has lost buyers"
    for row in report.rows:
        n = sum(r["account"] == row["account"] and r["day"] == row["day"] for r in listed)
        assert n == row["lost_buyers"], (row["account"], row["day"])
    for r in listed:
        assert r["status"] != "unpaid_order" or (r["order_value"] or 0) > 0


def test_the_list_opens_on_the_last_day_of_the_shop_report(make_shop) -> None:
    from kefu.reports.lost import last_day

    # 小戊 pays on 11-14, after the last message (11-11): that day has a shop row, as on the web page.
    assert last_day(shop(make_shop), Settings()) == dt.date(2026, 11, 14)
