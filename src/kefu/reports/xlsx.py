"""Tables into xlsx: typed cells (text never becomes a formula), unit number formats, frozen header, filter."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

import xlsxwriter
from rich.cells import cell_len
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from kefu.metrics.catalog import metric
from kefu.output import KEY_COLUMNS, split_compare

# Excel number formats per metric unit (ratios as %, seconds with one decimal, money with two).
UNIT_FORMATS = {"rate": "0.0%", "seconds": "0.0", "hours": "0.00", "yuan": "#,##0.00", "items": "0.00",
                "ratio": "0.00", "score": "0.00", "count": "#,##0"}
CHANGE_FORMATS = {"rate": '+0.0%;-0.0%;0.0%', "seconds": "+0.0;-0.0;0.0", "yuan": "+#,##0.00;-#,##0.00;0.00",
                  "count": "+#,##0;-#,##0;0"}
MAX_WIDTH = 50
# Columns whose ISO text is a date or a shop-local time: written as Excel dates, so filters and sorting work.
DATE_COLUMNS = frozenset({"day", "from", "to", "ts", "first_ts", "last_ts"})
DATE_FORMAT, TIME_FORMAT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss"


def date_cell(column: str, value: Any) -> Any:
    """A date column's ISO text (YYYY-MM-DD or YYYY-MM-DD HH:MM:SS) as a date or datetime; other values as they are."""
    if column not in DATE_COLUMNS or not isinstance(value, str):
        return value
    try:
        return dt.date.fromisoformat(value) if len(value) == 10 else dt.datetime.fromisoformat(value)
    except ValueError:  # a period label such as 2026-11-01~2026-11-07 stays text
        return value


class Sheet:
    """Writes tables to a worksheet: typed cells, never formulas, formatted, frozen and filtered.

    A sheet holds one table from its first row, or lines of text over a first table and further tables below
    (`line`, `table`); the first table's header stays frozen in view and one table carries the filter.
    """

    def __init__(self, wb: Workbook, name: str, headers: list[str], formats: list[str | None], frozen_cols: int = 0,
                 above: Sequence[str] = ()):
        self.wb = wb
        self.ws: Worksheet = wb.add_worksheet(name)
        self.date_fmts = {False: {f: wb.add_format({"num_format": f}) for f in (DATE_FORMAT, TIME_FORMAT)},
                          True: {f: wb.add_format({"num_format": f, "bold": True, "bg_color": "#F2F2F2"})
                                 for f in (DATE_FORMAT, TIME_FORMAT)}}
        self.head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "text_wrap": True, "valign": "top",
                                   "border": 1})
        self.bold = wb.add_format({"bold": True})
        self.filled: dict[tuple[str | None, str], Format] = {}
        self.widths: list[int] = []
        self.tables: list[list[int]] = []  # per table: header row, last row, columns
        self.row = -1
        for i, text in enumerate(above):
            self.line(text, bold=i == 0)
        self.table(headers, formats, gap=1 if above else 0)
        self.frozen = (self.row + 1, frozen_cols)

    def line(self, text: str, gap: int = 0, bold: bool = False) -> None:
        """A line of text in the first column (after `gap` blank rows), overflowing to the right: it sets no width."""
        self.row += 1 + gap
        self.ws.write_string(self.row, 0, text, self.bold if bold else None)

    def table(self, headers: list[str], formats: list[str | None], gap: int = 1) -> None:
        """Begin a table after `gap` blank rows: its header row, then rows in its column formats."""
        self.row += 1 + gap
        self.fmts = [self.wb.add_format({"num_format": f}) if f else None for f in formats]
        self.bold_fmts = [self.wb.add_format({"num_format": f or "General", "bold": True, "bg_color": "#F2F2F2"})
                          for f in formats]
        self.formats = list(formats)
        self.widths += [0] * (len(headers) - len(self.widths))
        for col, text in enumerate(headers):
            self.ws.write_string(self.row, col, text, self.head)
            self.widths[col] = max(self.widths[col], cell_len(text) + 2)
        self.tables.append([self.row, self.row, len(headers)])

    def _fill(self, col: int, color: str) -> Format:
        """The column's number format on a coloured background (one format per pair, shared by the cells)."""
        key = (self.formats[col], color)
        if key not in self.filled:
            self.filled[key] = self.wb.add_format({"num_format": key[0] or "General", "bg_color": color})
        return self.filled[key]

    def add(self, values: list[Any], bold: bool = False, fills: Sequence[str | None] = ()) -> None:
        """Append a row; strings are always text, so '=…' from a buyer can never run as a formula.

        fills: a background colour per cell (None: none), for cells coloured by what they say.
        """
        self.row += 1
        self.tables[-1][1] = self.row
        for col, value in enumerate(values):
            fill = fills[col] if col < len(fills) else None
            fmt = self.bold_fmts[col] if bold else self._fill(col, fill) if fill else self.fmts[col]
            if value is None:
                self.ws.write_blank(self.row, col, None, fmt)
            elif isinstance(value, bool):
                self.ws.write_boolean(self.row, col, value, fmt)
            elif isinstance(value, (int, float, Decimal)):
                self.ws.write_number(self.row, col, float(value), fmt)
            elif isinstance(value, dt.date):
                kind = TIME_FORMAT if isinstance(value, dt.datetime) else DATE_FORMAT
                self.ws.write_datetime(self.row, col, value, self.date_fmts[bold][kind])
                self.widths[col] = max(self.widths[col], len(kind) + 2)
                continue
            else:
                text = str(value)
                self.ws.write_string(self.row, col, text, fmt)
                longest = max(cell_len(line) for line in text.split("\n")) if text else 0
                self.widths[col] = max(self.widths[col], longest + 2)
                continue
            self.widths[col] = max(self.widths[col], 12)

    def close(self, filtered: int = 0) -> None:
        """Freeze the first table's header row (and key columns), filter one table, set the column widths."""
        self.ws.freeze_panes(*self.frozen)
        head, last, columns = self.tables[filtered]
        self.ws.autofilter(head, 0, max(last, head + 1), columns - 1)
        for col, width in enumerate(self.widths):
            self.ws.set_column(col, col, min(width, MAX_WIDTH))


def column_format(column: str, grain: str) -> str | None:
    """The number format of a report column from its metric's unit (keys have none)."""
    if column in KEY_COLUMNS:
        return None
    base, suffix = split_compare(column)
    unit = metric(base, grain).unit
    if suffix == "_change":
        return CHANGE_FORMATS.get(unit, "+0.00;-0.00;0.00")
    return UNIT_FORMATS[unit]


def workbook(target: Path | BinaryIO) -> Workbook:
    """A workbook, to a file or an in-memory buffer, that never turns strings into formulas or links."""
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    if isinstance(target, Path):
        return xlsxwriter.Workbook(str(target), options)
    return xlsxwriter.Workbook(target, {**options, "in_memory": True})


def sheet_name(title: str) -> str:
    """A title Excel accepts as a sheet name: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", "_", title)[:31] or "Sheet1"


def write_rows(target: Path | BinaryIO, title: str, headers: list[str], rows: Iterable[list[Any]],
               formats: list[str | None] | None = None) -> None:
    """One sheet of rows under a header row, written with Sheet (so no cell is ever a formula)."""
    wb = workbook(target)
    sheet = Sheet(wb, sheet_name(title), headers, formats or [None] * len(headers))
    for values in rows:
        sheet.add(values)
    sheet.close()
    wb.close()


