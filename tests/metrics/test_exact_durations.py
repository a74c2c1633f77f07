"""Durations are summed as whole microseconds: online and refund hours are exact, the same bits every run."""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np

from kefu.config import Settings
from kefu.ingest import import_paths
from kefu.metrics.compile import ReportSpec
from kefu.report import run_report
from kefu.store import Warehouse

SHOP = "店"
ACCOUNTS = [f"{SHOP}:甲", f"{SHOP}:乙"]
START = dt.datetime(2026, 3, 2, 8, 0, 0)


def write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        out.writerows(rows)


def text(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S.%f")


def shop(folder: Path) -> dict[str, int]:
    """Many online intervals of odd lengths (to the microsecond) and refunds; returns online µs per account."""
    rng = np.random.default_rng(11)
    folder.mkdir()
    messages, presence, online = [], [], {a: 0 for a in ACCOUNTS}
    for a, account in enumerate(ACCOUNTS):
        messages += [[f"b{a}", SHOP, "买家", account, "buyer", text(START), "在吗"],
                     [f"r{a}", SHOP, "买家", account, "agent", text(START + dt.timedelta(seconds=5)), "在的"]]
        t = START - dt.timedelta(hours=1)
        for _ in range(300):
            length = dt.timedelta(microseconds=int(rng.integers(1, 60_000_000)))
            status = "online" if rng.random() < 0.7 else "away"
            presence.append([account, text(t), text(t + length), status])
            if status == "online":
                online[account] += length // dt.timedelta(microseconds=1)
            t += length
    write(folder / "messages.csv", ["msg_id", "shop", "buyer", "account", "sender", "ts", "content"], messages)
    write(folder / "presence.csv", ["account", "start", "end", "status"], presence)
    write(folder / "refunds.csv", ["refund_id", "order_id", "shop", "created_at", "finished_at", "completed_by"],
          [[f"r{i}", f"o{i}", SHOP, text(START), text(START + dt.timedelta(microseconds=int(rng.integers(1, 10**10)))),
            "merchant"] for i in range(200)])
    return online


def test_online_and_refund_hours_are_exact_sums_of_microseconds(tmp_path: Path) -> None:
    online = shop(tmp_path / "shop")
    with Warehouse.open(tmp_path / "kefu.duckdb") as wh:
        assert import_paths(wh, [tmp_path / "shop"], Settings()).ok
        refund_us = sum(r[0] for r in wh.con.execute(
            "SELECT epoch_us(finished_at) - epoch_us(created_at) FROM refunds").fetchall())
        runs = [(run_report(wh.con, ReportSpec("account_day", period="all"), Settings()).rows,
                 run_report(wh.con, ReportSpec("shop_day", period="all"), Settings()).rows) for _ in range(3)]
    accounts, shops = runs[0]
    assert all(run == runs[0] for run in runs[1:]), "the same bits every run"
    assert {r["account"]: r["online_hours"] for r in accounts} == {a: us / 3_600_000_000 for a, us in online.items()}
    (row,) = shops
    assert row["avg_online_hours"] == sum(online.values()) / 3_600_000_000 / len(ACCOUNTS)
    assert row["avg_refund_hours_28d"] == refund_us / 3_600_000_000 / 200
