"""Order refunds (metrics.md §4): the order report's own refund column, counted on the day the order was made."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from kefu.config import Settings
from kefu.ingest import ImportOptions, import_paths
from kefu.store import Warehouse
from tests.conftest import SHARED, report_rows

TMALL_REPORT = SHARED / "data" / "real" / "tmall_order_report.csv"
ORDERS = """order_id,shop,buyer,created_at,paid_at,amount,items,status,refund_amount
o1,店,买家1,2026-11-11 10:00:00,2026-11-11 10:01:00,100.00,1,,30.50
o2,店,买家2,2026-11-11 23:59:00,2026-11-12 00:01:00,80.00,1,,80.00
o3,店,买家3,2026-11-11 12:00:00,,50.00,1,,0
o4,店,买家4,2026-11-12 09:00:00,2026-11-12 09:05:00,20.00,1,,
"""


def test_refunded_orders_count_on_the_day_the_order_was_made(make_shop: Callable[..., duckdb.DuckDBPyConnection]
                                                               ) -> None:
    rows = report_rows(make_shop(orders=ORDERS), "shop_day")
    first, second = rows[("店", "2026-11-11")], rows[("店", "2026-11-12")]
    assert (first["refunded_orders"], first["order_refund_amount"]) == (2, 110.5)
    assert first["order_refund_rate"] == pytest.approx(2 / 3)
    # o2 was paid on the 12th, but its refund counts with the day it was made; o4 has no refund (empty = 0).
    assert (second["refunded_orders"], second["order_refund_amount"], second["order_refund_rate"]) == (0, 0.0, 0.0)


def test_a_file_without_the_refund_column_reads_zero(make_shop: Callable[..., duckdb.DuckDBPyConnection]) -> None:
    orders = "\n".join(",".join(line.split(",")[:-1]) for line in ORDERS.strip().splitlines())
    row = report_rows(make_shop(orders=orders), "shop_day")[("店", "2026-11-11")]
    assert (row["total_orders"], row["refunded_orders"], row["order_refund_amount"]) == (3, 0, 0.0)


def test_an_older_warehouse_gets_the_refund_column(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    with duckdb.connect(str(db)) as con:  # the orders table as an older kefu wrote it
        con.execute("CREATE TABLE orders (order_id VARCHAR NOT NULL, shop VARCHAR NOT NULL, buyer VARCHAR, "
                    "created_at TIMESTAMP NOT NULL, paid_at TIMESTAMP, amount DECIMAL(18,4) NOT NULL, "
                    "items INTEGER NOT NULL, status VARCHAR, PRIMARY KEY (shop, order_id))")
        con.execute("INSERT INTO orders VALUES ('o1', '店', 'b', '2026-11-11 02:00:00', NULL, 10, 1, NULL)")
    with Warehouse.open(db) as wh:
        assert wh.con.execute("SELECT order_id, refund_amount FROM orders").fetchall() == [("o1", 0)]


@pytest.mark.skipif(not TMALL_REPORT.exists(), reason="real Tmall order report not present in ../shared/data/real")
def test_the_real_tmall_month_shows_its_refunds(tmp_path: Path) -> None:
    with Warehouse.open(tmp_path / "kefu.duckdb") as wh:
        summary = import_paths(wh, [TMALL_REPORT], Settings(), options=ImportOptions(shop="天猫店"))
        assert summary.ok and summary.files[0].format == "tmall_orders"
        month = report_rows(wh.con, "shop_day", period="month")[("天猫店", "2020-02")]
    assert (month["total_orders"], month["refunded_orders"]) == (28_010, 5_646)
    assert month["order_refund_amount"] == pytest.approx(572_335.92, abs=0.005)
    assert round(month["order_refund_rate"], 4) == 0.2016
