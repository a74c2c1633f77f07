"""Excel workbooks (.xlsx with openpyxl, .xls with xlrd) read as a header and rows of strings with their row numbers."""
from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

from kefu.workbook_limits import WorkbookLimits

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")


class ExcelError(ValueError):
    """A workbook or sheet cannot be read."""


def _check_unpacked(path: Path, limits: WorkbookLimits) -> None:
    """Refuse an .xlsx whose parts unpack to more than the limit (zip reads stop at the sizes stated)."""
    try:
        with zipfile.ZipFile(path) as archive:
            size = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise ExcelError(f"Excel 文件无法读取（不是有效的 xlsx 压缩包）：{exc} / not a valid .xlsx file") from None
    if size > limits.max_mb << 20:
        raise ExcelError(f"Excel 文件解压后约 {size >> 20} MB，超过 {limits.max_mb} MB 上限，未导入；"
                         f"请拆分文件或导出为 CSV / the workbook unpacks to {size >> 20} MB, over the "
                         f"{limits.max_mb} MB limit")


def cell_text(value: Any) -> str | None:
    """A cell as the text a CSV export would hold: times as YYYY-MM-DD HH:MM:SS, whole numbers without .0."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(path: Path, sheet: str | None, limits: WorkbookLimits) -> Generator[tuple[Any, ...], None, None]:
    """The value rows of a .xlsx sheet, from row 1."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    _check_unpacked(path, limits)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise ExcelError(f"Excel 文件无法读取：{exc} / cannot read workbook") from None
    try:
        ws = _pick(book.sheetnames, sheet, book.worksheets)
        ws.reset_dimensions()  # exports often state a wrong used range; read to the real end
        yield from ws.iter_rows(values_only=True)
    finally:
        book.close()


def _xls_rows(path: Path, sheet: str | None) -> Generator[tuple[Any, ...], None, None]:
    """The value rows of a legacy .xls sheet, dates as datetimes."""
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
    except (xlrd.XLRDError, OSError) as exc:
        raise ExcelError(f"Excel 文件无法读取：{exc} / cannot read workbook") from None
    try:
        ws = _pick(book.sheet_names(), sheet, [book.sheet_by_index(i) for i in range(book.nsheets)])
        for r in range(ws.nrows):
            row = []
            for cell in ws.row(r):
                if cell.ctype == xlrd.XL_CELL_DATE:
                    row.append(xlrd.xldate_as_datetime(cell.value, book.datemode))
                elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    row.append(None)
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    row.append(bool(cell.value))
                else:
                    row.append(cell.value)
            yield tuple(row)
    finally:
        book.release_resources()


def _pick(names: list[str], sheet: str | None, sheets: list[Any]) -> Any:
    """The sheet called sheet (or numbered, from 1), else the first one."""
    if sheet is None:
        return sheets[0]
    if sheet in names:
        return sheets[names.index(sheet)]
    if sheet.isdigit() and 1 <= int(sheet) <= len(sheets):
        return sheets[int(sheet) - 1]
    raise ExcelError(f"工作表 {sheet!r} 不存在，可选：{', '.join(names)} / no sheet {sheet!r}")


def read_sheet(path: Path, sheet: str | None = None, limit: int | None = None,
               limits: WorkbookLimits = WorkbookLimits()) -> tuple[list[str], list[list[str | None]], list[int]]:
    """(header, data rows as strings, row number of each) of a sheet; the header is the first non-empty row.

    A sheet with more data rows than limits.max_rows is an ExcelError (no row of it is imported).
    """
    rows = _xls_rows(path, sheet) if path.suffix.lower() == ".xls" else _xlsx_rows(path, sheet, limits)
    try:
        header, body, numbers = _collect(rows, limits.max_rows + 1 if limit is None else limit)
        if len(body) > limits.max_rows and limit is None:
            raise ExcelError(f"工作表超过 {limits.max_rows:,} 行上限，未导入；请拆分文件或导出为 CSV"
                             f" / the sheet has more than {limits.max_rows:,} rows")
    finally:
        rows.close()
    if header is None:
        raise ExcelError("工作表为空，缺少表头 / empty sheet, no header row")
    width = max([len(header), *(len(r) for r in body)])
    header += [""] * (width - len(header))
    return header, [r + [None] * (width - len(r)) for r in body], numbers


def _collect(rows: Iterator[tuple[Any, ...]], limit: int | None
             ) -> tuple[list[str] | None, list[list[str | None]], list[int]]:
    """Header, data rows and row numbers from value rows, blank rows left out."""
    header: list[str] | None = None
    body: list[list[str | None]] = []
    numbers: list[int] = []
    for number, values in enumerate(rows, start=1):
        texts = [cell_text(v) for v in values]
        if not any(t is not None and t.strip() for t in texts):
            continue
        if header is None:
            header = [t or "" for t in texts]
            if limit == 0:
                break
            continue
        body.append(texts)
        numbers.append(number)
        if limit is not None and len(body) >= limit:
            break
    return header, body, numbers
