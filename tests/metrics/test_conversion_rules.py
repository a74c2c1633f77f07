"""Conversion (metrics.md §3) and shop figures (§4): windows, attribution, filters, rolling windows."""
from __future__ import annotations

import pytest

from kefu.config import Settings
from tests.conftest import message_csv, report_rows

D = "2026-11-11"
A, B = "店:甲", "店:乙"
ORDER_HEADER = "order_id,shop,buyer,created_at,paid_at,amount,items,status"


def orders(*lines: str) -> str:
    """orders.csv from 'id|buyer|created|paid|amount|items' lines."""
    out = [ORDER_HEADER]
    for line in lines:
        order_id, buyer, created, paid, amount, items = line.split("|")
        out.append(",".join([order_id, "店", buyer, created, paid, amount, items, "交易成功"]))
    return "\n".join(out) + "\n"


TWO_ACCOUNTS = message_csv(
    f"b1|{A}|buyer|{D} 10:00:00", f"b1|{A}|agent|{D} 10:00:05",
    f"b1|{B}|buyer|{D} 11:00:00", f"b1|{B}|agent|{D} 11:00:05",
)


@pytest.mark.parametrize("attribution, credited", [
    ("last_touch", {B}), ("first_touch", {A}), ("all_touch", {A, B}),
])
def test_attribution_modes(make_shop, attribution: str, credited: set[str]) -> None:
    con = make_shop(messages=TWO_ACCOUNTS, orders=orders(f"o1|b1|{D} 12:00:00|{D} 12:01:00|100.00|2"))
    rows = report_rows(con, settings=Settings(attribution=attribution))
    for account in (A, B):
        row = rows[(account, D)]
        won = account in credited
        assert (row["paid_buyers"], row["inquiry_sales"], row["inquiry_items"]) == (
            (1, 100.0, 2) if won else (0, 0.0, 0))
    shop = report_rows(con, "shop_day", settings=Settings(attribution=attribution))[("店", D)]
    assert (shop["inquiry_buyers"], shop["paid_buyers"], shop["inquiry_sales"]) == (1, 1, 100.0)


def test_last_touch_goes_to_the_latest_message_before_the_order(make_shop) -> None:
    # A's agent writes again after B's talk: A holds the latest message before the order.
    messages = message_csv(
        f"b1|{A}|buyer|{D} 10:00:00", f"b1|{B}|buyer|{D} 11:00:00", f"b1|{A}|agent|{D} 11:30:00",
        f"b1|{B}|agent|{D} 12:30:00",
    )
    con = make_shop(messages=messages, orders=orders(f"o1|b1|{D} 12:00:00|{D} 12:00:30|50|1"))
    rows = report_rows(con)
    assert (rows[(A, D)]["paid_buyers"], rows[(B, D)]["paid_buyers"]) == (1, 0)


@pytest.mark.parametrize("created, paid, ordered, paid_buyers", [
    (f"{D} 09:59:59", f"{D} 10:00:30", 0, 0),              # ordered before the inquiry: 下单后咨询
    (f"{D} 10:00:00", f"{D} 10:00:30", 1, 1),              # at q0: in
    ("2026-11-12 23:59:59", "2026-11-12 23:59:59", 1, 1),  # last second of D+1
    ("2026-11-13 00:00:00", "2026-11-13 00:00:01", 0, 0),  # 00:00 of D+2: out
    ("2026-11-12 20:00:00", "2026-11-13 00:00:00", 1, 0),  # ordered in the window, paid after it
    ("2026-11-12 20:00:00", "", 1, 0),                     # never paid
])
def test_window_edges(make_shop, created: str, paid: str, ordered: int, paid_buyers: int) -> None:
    con = make_shop(messages=message_csv(f"b1|{A}|buyer|{D} 10:00:00"),
                    orders=orders(f"o1|b1|{created}|{paid}|80|1"))
    row = report_rows(con)[(A, D)]
    assert (row["ordered_buyers"], row["paid_buyers"], row["inquiry_orders"]) == (ordered, paid_buyers, paid_buyers)
    assert row["payment_conversion_rate"] == (None if not ordered else float(paid_buyers))
    assert row["avg_order_value"] == (80.0 if paid_buyers else None)


def test_a_longer_window_follows_the_setting(make_shop) -> None:
    con = make_shop(messages=message_csv(f"b1|{A}|buyer|{D} 10:00:00"),
                    orders=orders("o1|b1|2026-11-13 08:00:00|2026-11-13 08:00:05|80|1"))
    assert report_rows(con)[(A, D)]["paid_buyers"] == 0
    assert report_rows(con, settings=Settings(conversion_window_days=2))[(A, D)]["paid_buyers"] == 1


def test_silent_sales_are_orders_in_no_inquiry_window(make_shop) -> None:
    con = make_shop(
        messages=message_csv(f"b1|{A}|buyer|{D} 10:00:00"),
        orders=orders(
            f"o1|b1|{D} 11:00:00|{D} 11:00:10|100|1",            # inquiry sale
            f"o2|b2|{D} 11:00:00|{D} 11:00:10|30|1",             # buyer never chatted: silent
            f"o3|b1|{D} 09:00:00|{D} 09:00:10|20|1",             # before the inquiry: silent
            "o4|b1|2026-11-12 22:00:00|2026-11-14 10:00:00|7|1",  # in the window, paid after it: neither
        ),
    )
    shop = report_rows(con, "shop_day")
    day = shop[("店", D)]
    assert (day["total_orders"], day["paid_orders"], day["payment_rate"]) == (3, 3, 1.0)
    assert (day["total_sales"], day["silent_sales"], day["inquiry_sales"]) == (150.0, 50.0, 100.0)
    assert day["inquiry_sales_share"] == pytest.approx(1 - 50 / 150)
    paid_late = shop[("店", "2026-11-14")]
    assert (paid_late["total_sales"], paid_late["silent_sales"], paid_late["inquiry_sales_share"]) == (7.0, 0.0, 1.0)
    created = shop[("店", "2026-11-12")]
    assert (created["total_orders"], created["total_sales"], created["inquiry_sales_share"]) == (1, 0.0, None)


def test_an_order_without_buyer_counts_in_shop_totals_only(make_shop) -> None:
    con = make_shop(messages=message_csv(f"b1|{A}|buyer|{D} 10:00:00"),
                    orders=orders(f"o1||{D} 11:00:00|{D} 11:00:10|60|1"))
    assert report_rows(con)[(A, D)]["ordered_buyers"] == 0
    shop = report_rows(con, "shop_day")[("店", D)]
    assert (shop["total_orders"], shop["total_sales"], shop["silent_sales"]) == (1, 60.0, 60.0)


def test_filters_by_reason_each_buyer_once_under_the_first_reason(make_shop) -> None:
    accounts = "account,shop\n店:甲,店\n店:乙,店\n"
    blocklist = "shop,buyer,reason\n店,黑1,恶意\n店,别店:小张,恶意\n"
    con = make_shop(accounts=accounts, blocklist=blocklist, messages=message_csv(
        f"b1|{A}|buyer|{D} 10:00:00",
        f"黑1|{A}|buyer|{D} 10:01:00",
        f"别店:小张|{A}|buyer|{D} 10:02:00",       # blocklisted sub-account: counted as blocklist
        f"别店:小李|{A}|buyer|{D} 10:03:00",
        f"店|{A}|buyer|{D} 10:04:00",               # the shop itself
        f"店:乙|{A}|buyer|{D} 10:05:00",            # also a sub-account nick: sub_account comes first
        f"广告哥|{A}|buyer|{D} 10:06:00|兼职刷单日结 加QQ 12345678",
        f"广告哥|{B}|buyer|{D} 10:07:00|你好",       # filtered for the whole shop-day, with every account
        f"路人|{A}|buyer|{D} 10:08:00|兼职的事 晚点说",  # ad word without contact: not an ad
    ))
    shop = report_rows(con, "shop_day")[("店", D)]
    assert (shop["filtered_buyers"], shop["filtered_blocklist"], shop["filtered_sub_account"],
            shop["filtered_internal"], shop["filtered_ad"]) == (6, 2, 2, 1, 1)
    assert shop["inquiry_buyers"] == 2
    assert report_rows(con)[(A, D)]["inquiry_buyers"] == 2
    assert (B, D) not in report_rows(con)


def test_shop_counts_a_buyer_once_across_accounts(make_shop) -> None:
    con = make_shop(messages=TWO_ACCOUNTS)
    assert sum(r["inquiry_buyers"] for r in report_rows(con).values()) == 2
    shop = report_rows(con, "shop_day")[("店", D)]
    assert (shop["inquiry_buyers"], shop["replied_buyers"]) == (1, 1)


def test_rolling_after_sales_windows(make_shop) -> None:
    day = "2026-11-30"
    refunds = "refund_id,order_id,shop,buyer,created_at,finished_at,completed_by,disputed\n" + "\n".join([
        "r1,o1,店,b1,2026-11-03 00:00:00,2026-11-03 06:00:00,merchant,false",   # D-27: in
        "r2,o1,店,b1,2026-11-02 23:59:59,2026-11-04 11:59:59,platform,true",    # D-28: created out, finished in
        "r3,o1,店,b1,2026-11-29 10:00:00,,,true",                               # open, disputed
    ])
    complaints = "complaint_id,order_id,shop,created_at\nc1,o1,店,2026-11-03 08:00:00\nc2,o1,店,2026-11-02 08:00:00\n"
    ratings = ("order_id,shop,rated_at,service_score\no1,店,2026-06-04 00:00:00,5\no2,店,2026-06-03 23:59:59,1\n"
               "o3,店,2026-11-30 09:00:00,4\n")
    con = make_shop(
        messages=message_csv(f"b1|{A}|buyer|{day} 10:00:00"),
        orders=orders("o1|b1|2026-11-01 10:00:00|2026-11-02 10:00:00|10|1",
                      "o2|b1|2026-11-05 10:00:00|2026-11-05 10:00:00|10|1"),
        refunds=refunds, complaints=complaints, ratings=ratings,
    )
    row = report_rows(con, "shop_day")[("店", day)]
    assert (row["paid_orders_28d"], row["refunds_28d"], row["disputes_28d"]) == (1, 2, 1)
    assert (row["refund_rate_28d"], row["dispute_rate_28d"]) == (2.0, 1.0)
    assert row["self_completion_rate_28d"] == 0.5
    assert row["avg_refund_hours_28d"] == pytest.approx((6 + 36) / 2)
    assert (row["complaints_28d"], row["complaint_rate_28d"]) == (1, 1.0)
    assert row["dsr_service_180d"] == pytest.approx(4.5)


def test_zero_denominators_are_null(make_shop) -> None:
    con = make_shop(messages=message_csv(f"b1|{A}|agent|{D} 10:00:00"))
    shop = report_rows(con, "shop_day")[("店", D)]
    for key in ("reply_rate", "conversion_rate", "payment_rate", "inquiry_sales_share", "refund_rate_28d",
                "self_completion_rate_28d", "avg_refund_hours_28d", "dsr_service_180d", "avg_online_hours"):
        assert shop[key] is None, key
    account = report_rows(con)[(A, D)]
    for key in ("reply_rate", "answer_ratio", "avg_response_s", "median_response_s", "order_conversion_rate",
                "payment_conversion_rate", "avg_order_value", "items_per_buyer"):
        assert account[key] is None, key
