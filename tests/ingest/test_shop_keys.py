"""Keys are scoped to a shop: two shops may reuse ids; a row never replaces, moves or deletes another shop's row."""
from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from kefu.config import Settings
from kefu.ingest import import_paths
from kefu.ingest.canonical import FOREIGN_ACCOUNT
from kefu.metrics.compile import ReportSpec
from kefu.report import run_report
from kefu.schema import TABLES
from kefu.store import Warehouse

MSG = ["msg_id", "shop", "buyer", "account", "sender", "ts", "content"]


def write(folder: Path, name: str, header: list[str], rows: list[list[str]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(header)
        out.writerows(rows)


def shop_files(folder: Path, shop: str, amount: str) -> Path:
    """One shop's day: a buyer asks, is answered, and places order 1001 (refunded, complained, rated)."""
    agent = f"{shop}:小王"
    write(folder, "accounts", ["account", "shop", "group"], [[agent, shop, "售前"]])
    write(folder, "messages", MSG, [
        ["m1", shop, "买家", agent, "buyer", "2026-03-02 10:00:00", "在吗"],
        ["m2", shop, "买家", agent, "agent", "2026-03-02 10:00:05", "在的"],
    ])
    write(folder, "orders", ["order_id", "shop", "buyer", "created_at", "paid_at", "amount"],
          [["1001", shop, "买家", "2026-03-02 11:00:00", "2026-03-02 11:05:00", amount]])
    write(folder, "refunds", ["refund_id", "order_id", "shop", "created_at"],
          [["r1", "1001", shop, "2026-03-03 09:00:00"]])
    write(folder, "complaints", ["complaint_id", "order_id", "shop", "created_at"],
          [["c1", "1001", shop, "2026-03-03 09:30:00"]])
    write(folder, "ratings", ["order_id", "shop", "rated_at", "service_score"],
          [["1001", shop, "2026-03-04 09:00:00", "5" if shop == "甲店" else "2"]])
    return folder


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[Warehouse]:
    with Warehouse.open(tmp_path / "kefu.duckdb") as w:
        yield w


def shop_rows(wh: Warehouse, shop: str) -> list[dict[str, object]]:
    report = run_report(wh.con, ReportSpec(grain="shop_day"), Settings())
    return [r for r in report.rows if r["shop"] == shop]


def test_two_shops_reusing_ids_keep_their_own_rows(wh: Warehouse, tmp_path: Path) -> None:
    import_paths(wh, [shop_files(tmp_path / "a", "甲店", "100")], Settings())
    before = shop_rows(wh, "甲店")
    summary = import_paths(wh, [shop_files(tmp_path / "b", "乙店", "999")], Settings())
    assert summary.ok and all(f.replaced == 0 for f in summary.files)
    for table in ("orders", "refunds", "complaints", "ratings"):
        shops = wh.con.execute(f"SELECT shop FROM {table} ORDER BY shop").fetchall()
        assert shops == [("乙店",), ("甲店",)], table
    assert shop_rows(wh, "甲店") == before
    assert before[0]["total_sales"] == 100.0 and shop_rows(wh, "乙店")[0]["total_sales"] == 999.0


def test_a_newer_export_still_replaces_its_own_shops_order(wh: Warehouse, tmp_path: Path) -> None:
    import_paths(wh, [shop_files(tmp_path / "a", "甲店", "100"), shop_files(tmp_path / "b", "乙店", "999")],
                 Settings())
    write(tmp_path / "a2", "orders", ["order_id", "shop", "buyer", "created_at", "paid_at", "amount"],
          [["1001", "甲店", "买家", "2026-03-02 11:00:00", "2026-03-02 11:05:00", "120"]])
    summary = import_paths(wh, [tmp_path / "a2"], Settings())
    assert summary.files[0].replaced == 1 and summary.files[0].inserted == 0
    amounts = wh.con.execute("SELECT shop, CAST(amount AS INTEGER) FROM orders ORDER BY shop").fetchall()
    assert amounts == [("乙店", 999), ("甲店", 120)]


def test_an_account_of_another_shop_is_rejected_and_stays(wh: Warehouse, tmp_path: Path) -> None:
    import_paths(wh, [shop_files(tmp_path / "b", "乙店", "999")], Settings())
    write(tmp_path / "a", "accounts", ["account", "shop", "group"],
          [["乙店:小王", "甲店", "售后"], ["甲店:小李", "甲店", "售后"]])
    summary = import_paths(wh, [tmp_path / "a"], Settings())
    (fs,) = summary.files
    assert fs.inserted == 1 and fs.replaced == 0
    (rejected,) = fs.rejected
    assert (rejected.line, rejected.column, rejected.reason) == (2, "shop", FOREIGN_ACCOUNT)
    stored = wh.con.execute("SELECT account, shop, \"group\" FROM accounts ORDER BY account").fetchall()
    assert stored == [("乙店:小王", "乙店", "售前"), ("甲店:小李", "甲店", "售后")]


def test_an_account_keeps_taking_updates_from_its_own_shop(wh: Warehouse, tmp_path: Path) -> None:
    import_paths(wh, [shop_files(tmp_path / "b", "乙店", "999")], Settings())
    write(tmp_path / "b2", "accounts", ["account", "group"], [["乙店:小王", "售后"]])
    summary = import_paths(wh, [tmp_path / "b2"], Settings())
    assert summary.ok and summary.files[0].replaced == 1
    assert wh.con.execute("SELECT \"group\" FROM accounts").fetchall() == [("售后",)]


OLD_KEYED = {
    "orders": """CREATE TABLE orders (order_id VARCHAR PRIMARY KEY, shop VARCHAR NOT NULL, buyer VARCHAR,
        created_at TIMESTAMP NOT NULL, paid_at TIMESTAMP, amount DECIMAL(18,4) NOT NULL, items INTEGER NOT NULL,
        status VARCHAR)""",
    "refunds": """CREATE TABLE refunds (refund_id VARCHAR PRIMARY KEY, order_id VARCHAR NOT NULL,
        shop VARCHAR NOT NULL, buyer VARCHAR, created_at TIMESTAMP NOT NULL, finished_at TIMESTAMP,
        completed_by VARCHAR, disputed BOOLEAN NOT NULL, amount DECIMAL(18,4), handler VARCHAR)""",
    "complaints": """CREATE TABLE complaints (complaint_id VARCHAR PRIMARY KEY, order_id VARCHAR,
        shop VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL)""",
    "ratings": """CREATE TABLE ratings (order_id VARCHAR PRIMARY KEY, shop VARCHAR NOT NULL,
        rated_at TIMESTAMP NOT NULL, service_score INTEGER NOT NULL)""",
}


def test_a_warehouse_keyed_by_id_alone_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    for ddl in OLD_KEYED.values():
        con.execute(ddl)
    con.execute("INSERT INTO orders VALUES ('1001', '甲店', '买家', '2026-03-02 03:00:00', NULL, 100, 1, NULL)")
    con.execute("INSERT INTO ratings VALUES ('1001', '甲店', '2026-03-04 01:00:00', 5)")
    con.close()
    with Warehouse.open(path) as wh:
        for table in TABLES:
            if table.name in OLD_KEYED:
                assert wh._primary_key(table.name) == table.key
        assert wh.con.execute("SELECT order_id, shop, CAST(amount AS INTEGER) FROM orders").fetchall() == [
            ("1001", "甲店", 100)]
        summary = import_paths(wh, [shop_files(tmp_path / "b", "乙店", "999")], Settings())
        assert summary.ok
        assert wh.con.execute("SELECT count(*) FROM orders WHERE order_id = '1001'").fetchall() == [(2,)]
        assert wh.con.execute("SELECT count(*) FROM ratings").fetchall() == [(2,)]
