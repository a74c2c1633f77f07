"""A folder of real-looking exports (chat texts, order and refund reports, mixed encodings) imports in one go
and reports exactly what the same data gives as canonical CSV."""
from __future__ import annotations

import csv
import shutil
from itertools import groupby
from pathlib import Path

import pytest

from kefu.config import Settings
from kefu.demo import generate_demo
from kefu.ingest import import_paths
from kefu.metrics.compile import ReportSpec
from kefu.report import run_report
from kefu.store import Warehouse
from tests.ingest.render import (
    ORDER_HEADER,
    REFUND_HEADER,
    csv_text,
    order_report_rows,
    qianniu_text,
    read_canonical,
    refund_report_rows,
    write_text,
)

# Tables that have no shop export format here: they stay canonical files inside the mixed folder.
AS_IS = ("accounts", "presence", "complaints", "ratings", "blocklist")
CHAT_ENCODINGS = ("gb18030", "utf-16", "utf-8-sig", "utf-8")


def _completed_by(refund: dict[str, str | None]) -> str | None:
    """What a refund report can say about who finished a refund (the default reading, see tmall_refunds.toml)."""
    if not refund["finished_at"]:
        return None
    return "platform" if refund["disputed"] == "true" else "merchant"


def _write_canonical(path: Path, rows: list[dict[str, str | None]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(canonical folder, export folder) holding the same demo shop."""
    root = tmp_path_factory.mktemp("mixed")
    demo = root / "demo"
    generate_demo(demo, days=5, buyers_per_day=15, seed=11)
    canonical, exports = root / "canonical", root / "exports"
    canonical.mkdir()
    (exports / "chats").mkdir(parents=True)
    for name in AS_IS:
        shutil.copy(demo / f"{name}.csv", canonical / f"{name}.csv")
        shutil.copy(demo / f"{name}.csv", exports / f"{name}.csv")
    messages = read_canonical(demo / "messages.csv")
    shutil.copy(demo / "messages.csv", canonical / "messages.csv")
    shutil.copy(demo / "orders.csv", canonical / "orders.csv")
    refunds = read_canonical(demo / "refunds.csv")
    _write_canonical(canonical / "refunds.csv", [{**r, "completed_by": _completed_by(r)} for r in refunds])
    # One Qianniu export per account: its conversations as blocks, one encoding per file.
    accounts = sorted({str(m["account"]) for m in messages})
    for i, account in enumerate(accounts):
        own = [m for m in messages if m["account"] == account]
        blocks = [(account, str(buyer), list(msgs)) for buyer, msgs in groupby(own, key=lambda m: m["buyer"])]
        style = ("time_nick", "nick_paren", "nick_time")[i % 3]
        write_text(exports / "chats" / f"聊天记录_{i}.txt", qianniu_text(blocks, header=style, newline="\r\n"),
                   CHAT_ENCODINGS[i % len(CHAT_ENCODINGS)])
    orders = read_canonical(demo / "orders.csv")
    write_text(exports / "ExportOrderList.csv", csv_text([*ORDER_HEADER, "退款金额"], order_report_rows(orders, True)),
               "gbk")
    rows = [row + [r["handler"]] for row, r in zip(refund_report_rows(refunds), refunds)]
    write_text(exports / "退款报表.csv", csv_text([*REFUND_HEADER, "处理人"], rows), "utf-8-sig")
    return canonical, exports


def _report(folder: Path, db: Path) -> dict[str, list[dict]]:
    with Warehouse.open(db) as wh:
        summary = import_paths(wh, [folder], Settings())
        assert summary.ok, (summary.errors, summary.rejections[:3])
        return {grain: run_report(wh.con, ReportSpec(grain=grain), Settings()).rows
                for grain in ("account_day", "shop_day")}


def test_mixed_export_folder_reports_like_canonical_csv(shop: tuple[Path, Path], tmp_path: Path) -> None:
    canonical, exports = shop
    with Warehouse.open(tmp_path / "formats.duckdb") as wh:
        summary = import_paths(wh, [exports], Settings())
        formats = {f.path.name: (f.format, f.encoding) for f in summary.files}
    assert formats["ExportOrderList.csv"] == ("tmall_orders", "gb18030")
    assert formats["退款报表.csv"] == ("tmall_refunds", "utf-8-sig")
    assert {formats[f"聊天记录_{i}.txt"] for i in range(4)} == {("qianniu_chat_text", e) for e in CHAT_ENCODINGS}
    want = _report(canonical, tmp_path / "canonical.duckdb")
    got = _report(exports, tmp_path / "exports.duckdb")
    assert want["account_day"] and want["shop_day"]
    assert got == want
