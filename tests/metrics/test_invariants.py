"""Invariants over random shops (hypothesis): bounds, orderings, shop vs accounts, periods vs days."""
from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.config import Settings
from kefu.ingest.canonical import import_paths
from kefu.metrics.catalog import metrics_of
from kefu.store import Warehouse
from tests.conftest import MESSAGE_HEADER, report_rows

ACCOUNTS = ["店:甲", "店:乙", "店:蜜"]
BUYERS = ["b1", "b2", "b3", "b4:子", "广告"]
START = dt.datetime(2026, 11, 10, 22, 0, 0)

message = st.tuples(
    st.sampled_from(BUYERS), st.sampled_from(ACCOUNTS),
    st.sampled_from(["buyer", "buyer", "agent", "bot", "auto", "system"]),
    st.integers(0, 3 * 24 * 3600), st.sampled_from(["在吗", "兼职刷单 加QQ 1234567", "好的"]),
)
order = st.tuples(st.sampled_from(BUYERS[:3] + [""]), st.integers(0, 3 * 24 * 3600),
                  st.one_of(st.none(), st.integers(0, 48 * 3600)), st.integers(1, 500), st.integers(1, 4))
attribution = st.sampled_from(["last_touch", "first_touch", "all_touch"])


def _ts(offset: int) -> str:
    return (START + dt.timedelta(seconds=offset)).strftime("%Y-%m-%d %H:%M:%S")


def _write(folder: Path, messages: list, orders: list) -> None:
    lines = [MESSAGE_HEADER] + [f"m{i},{b},{a},{s},{_ts(t)},{c}" for i, (b, a, s, t, c) in enumerate(messages)]
    (folder / "messages.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "accounts.csv").write_text("account,kind\n店:甲,human\n店:乙,human\n店:蜜,bot\n", encoding="utf-8")
    rows = ["order_id,shop,buyer,created_at,paid_at,amount,items"]
    for i, (buyer, created, pay_after, amount, items) in enumerate(orders):
        paid = "" if pay_after is None else _ts(created + pay_after)
        rows.append(f"o{i},店,{buyer},{_ts(created)},{paid},{amount},{items}")
    (folder / "orders.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


COUNTS = [m.id for m in metrics_of("account_day")
          if m.unit in ("count", "items", "yuan") and m.kind != "ratio" and m.additive]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(message, min_size=1, max_size=40), st.lists(order, max_size=8), attribution)
def test_invariants(messages: list, orders: list, mode: str) -> None:
    config = Settings(attribution=mode)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _write(folder, messages, orders)
        with Warehouse.open(folder / "w.duckdb") as wh:
            import_paths(wh, [folder], config)
            days = report_rows(wh.con, settings=config)
            shop_days = report_rows(wh.con, "shop_day", settings=config)
            whole = report_rows(wh.con, settings=config, period="all")
            by_shop = report_rows(wh.con, settings=config, period="all", by="shop")

    for row in days.values():
        assert row["inquiry_buyers"] > 0 or row["agent_messages"] > 0
        for m in metrics_of("account_day"):
            if m.unit == "rate" and row[m.id] is not None:
                assert 0 <= row[m.id] <= 1, m.id
        assert row["replied_buyers"] <= row["inquiry_buyers"]
        assert row["responses"] <= row["questions"]
        assert row["slow_responses"] <= row["responses"]
        assert row["paid_buyers"] <= row["ordered_buyers"] <= row["inquiry_buyers"]
        assert row["unclosed_buyers"] <= row["inquiry_buyers"]
        if row["responses"]:
            assert row["median_response_s"] <= row["p90_response_s"] + 1e-9

    for (shop, day), srow in shop_days.items():
        accounts = [r for (a, d), r in days.items() if d == day and r["shop"] == shop]
        assert srow["inquiry_buyers"] <= sum(r["inquiry_buyers"] for r in accounts)
        assert srow["replied_buyers"] <= srow["inquiry_buyers"]
        assert srow["paid_buyers"] <= srow["inquiry_buyers"]
        assert srow["silent_sales"] <= srow["total_sales"] + 1e-9
        for key in ("reply_rate", "conversion_rate", "payment_rate", "inquiry_sales_share"):
            assert srow[key] is None or 0 <= srow[key] <= 1 + 1e-12, key

    # A period figure adds the daily counts and divides the sums.
    for (account, _), prow in whole.items():
        daily = [r for (a, _), r in days.items() if a == account]
        for key in COUNTS:
            assert abs(prow[key] - sum(r[key] for r in daily)) < 1e-6, key
        inquiries = sum(r["inquiry_buyers"] for r in daily)
        replied = sum(r["replied_buyers"] for r in daily)
        assert prow["reply_rate"] == (replied / inquiries if inquiries else None)
        assert prow["max_concurrent"] == max(r["max_concurrent"] for r in daily)
    if by_shop:
        (total,) = by_shop.values()
        assert total["inquiry_buyers"] == sum(r["inquiry_buyers"] for r in days.values())
