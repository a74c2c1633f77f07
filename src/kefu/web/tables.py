"""Tables as files: CSV (UTF-8 with BOM, metric ids as headers, like the CLI) and xlsx (Chinese headers)."""
from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi.responses import Response

from kefu.output import to_csv
from kefu.reports.xlsx import date_cell, write_rows

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(content: bytes, filename: str, media_type: str) -> Response:
    """A download response with a UTF-8 file name (RFC 5987) that browsers keep."""
    disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


def csv_bytes(columns: list[str], rows: list[dict[str, Any]], escape_formulas: bool = True) -> bytes:
    """The CLI's CSV form, with a BOM so Excel reads the Chinese."""
    return to_csv(columns, rows, escape_formulas=escape_formulas).encode("utf-8-sig")


def xlsx_bytes(title: str, columns: list[str], rows: list[dict[str, Any]], header: Callable[[str], str]) -> bytes:
    """One sheet by the product's one xlsx writer: Chinese headers, typed cells, never a formula."""
    buf = io.BytesIO()
    write_rows(buf, title, [header(c) for c in columns], ([date_cell(c, row.get(c)) for c in columns] for row in rows))
    return buf.getvalue()


def table_download(fmt: str, name: str, title: str, columns: list[str], rows: list[dict[str, Any]],
                   header: Callable[[str], str], escape_formulas: bool = True) -> Response:
    """The table as name.csv or name.xlsx."""
    if fmt == "csv":
        return attachment(csv_bytes(columns, rows, escape_formulas), f"{name}.csv", "text/csv; charset=utf-8")
    return attachment(xlsx_bytes(title, columns, rows, header), f"{name}.xlsx", XLSX_TYPE)
