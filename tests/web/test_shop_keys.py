"""Through the web, a manager of one shop cannot rewrite another shop's orders or take its agents."""
from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kefu.config import Settings
from kefu.ingest.canonical import FOREIGN_ACCOUNT
from kefu.web.app import create_app
from kefu.web.context import WebConfig
from kefu.web.jobs import ImportJob
from tests.web.conftest import B_AGENT, SHOP_A, SHOP_B, csrf_of, login, make_users

WAIT_S = 60


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, two_shop_db: Path) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("keys")
    shutil.copy(two_shop_db, root / "shop.duckdb")
    make_users(root / "users.sqlite")
    application = create_app(WebConfig(root / "shop.duckdb", root / "users.sqlite", Settings(), root / "work"))
    with TestClient(application):
        yield application


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def query(app: Any, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with app.state.parts.store.reader() as cur:
        return cur.execute(sql, params).fetchall()


def b_rows(app: Any) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    orders = query(app, "SELECT * FROM orders WHERE shop = ? ORDER BY order_id", [SHOP_B])
    accounts = query(app, "SELECT * FROM accounts WHERE shop = ? ORDER BY account", [SHOP_B])
    return orders, accounts


def test_manager_reusing_another_shops_order_id_and_agent_changes_nothing_of_it(app: Any) -> None:
    orders_before, accounts_before = b_rows(app)
    b_order = orders_before[0][0]
    boss = TestClient(app)
    login(boss, "boss_a")
    files = [
        ("files", ("orders.csv", csv_bytes(["order_id", "shop", "buyer", "created_at", "paid_at", "amount"],
                                           [[b_order, SHOP_A, "某买家", "2026-03-02 11:00:00", "", "1"]]))),
        ("files", ("accounts.csv", csv_bytes(["account", "shop", "group"], [[B_AGENT, SHOP_A, "售后"]]))),
    ]
    r = boss.post("/api/v1/imports", files=files, headers={"X-CSRF-Token": csrf_of(boss)})
    assert r.status_code in (200, 202), r.text
    job: ImportJob = app.state.parts.worker.jobs[r.json()["id"]]
    assert job.finished.wait(WAIT_S)
    assert job.status == "done" and job.summary is not None and job.summary.committed
    assert [x.reason for x in job.summary.rejections] == [FOREIGN_ACCOUNT]
    assert b_rows(app) == (orders_before, accounts_before)
    shops = {s for (s,) in query(app, "SELECT shop FROM orders WHERE order_id = ?", [b_order])}
    assert shops == {SHOP_A, SHOP_B}
