"""Workbook bombs and fake workbooks: refused with a clear file error, the other files still imported."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import xlsxwriter

from kefu.config import Settings
from kefu.ingest import ImportOptions, import_paths
from kefu.ingest.excel import ExcelError, WorkbookLimits, read_sheet
from kefu.store import Warehouse
from kefu.web.importing import workbook_limits
from tests.ingest.render import ORDER_HEADER

SHOP = "山野户外旗舰店"


def order_workbook(path: Path, rows: int) -> Path:
    """A Tmall order report of `rows` near-identical orders: it packs to very little."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = book.add_worksheet()
    ws.write_row(0, 0, ORDER_HEADER)
    for i in range(1, rows + 1):
        ws.write_row(i, 0, [f"28400{i:011d}", "买家", 10, "浙江省", "交易成功", 1, "2026-11-11 10:00:00",
                            "2026-11-11 10:01:00", SHOP])
    book.close()
    return path


def good_messages(folder: Path) -> None:
    (folder / "messages.csv").write_text(
        "shop,buyer,account,sender,ts,content\n"
        f"{SHOP},买家,{SHOP}:小王,buyer,2026-11-11 09:00:00,在吗\n", encoding="utf-8")


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[Warehouse]:
    with Warehouse.open(tmp_path / "kefu.duckdb") as w:
        yield w


def test_a_sheet_over_the_row_limit_is_a_file_error_and_the_rest_imports(wh: Warehouse, tmp_path: Path) -> None:
    order_workbook(tmp_path / "订单.xlsx", 3_000)
    good_messages(tmp_path)
    options = ImportOptions(workbook=WorkbookLimits(max_rows=1_000))
    summary = import_paths(wh, [tmp_path], Settings(), options=options)
    by_table = {f.table: f for f in summary.files}
    assert by_table["orders"].error is not None and "1,000 行上限" in by_table["orders"].error
    assert by_table["orders"].inserted == 0 and by_table["messages"].inserted == 1
    assert wh.counts()["orders"] == 0 and summary.committed


def test_a_workbook_unpacking_over_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = order_workbook(tmp_path / "订单.xlsx", 20_000)
    assert path.stat().st_size < 1 << 20
    started = dt.datetime.now()
    with pytest.raises(ExcelError, match="解压后约 .* MB，超过 1 MB 上限"):
        read_sheet(path, limits=WorkbookLimits(max_mb=1))
    assert dt.datetime.now() - started < dt.timedelta(seconds=30)
    header, rows, _ = read_sheet(path, limits=WorkbookLimits(max_mb=64))
    assert header[0] == "订单编号" and len(rows) == 20_000


def test_a_text_file_named_xlsx_beside_good_files_is_one_file_error(wh: Warehouse, tmp_path: Path) -> None:
    (tmp_path / "订单.xlsx").write_text("这不是 Excel 文件\n", encoding="utf-8")
    good_messages(tmp_path)
    summary = import_paths(wh, [tmp_path], Settings())
    assert summary.committed and wh.counts()["messages"] == 1
    assert any("订单.xlsx" in e for e in summary.errors + [str(p) for p in summary.skipped])


def test_uploads_get_limits_from_the_upload_limit() -> None:
    assert workbook_limits(5) == WorkbookLimits(max_mb=50, max_rows=100_000)
    assert workbook_limits(200) == WorkbookLimits()
