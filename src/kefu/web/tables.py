"""Tables as files: CSV (UTF-8 with BOM, metric ids as headers, like the CLI) and xlsx (Chinese headers)."""
from __future__ import annotations

import io
from typing import Any, Callable
from urllib.parse import quote

from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from kefu.output import to_csv

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(content: bytes, filename: str, media_type: str) -> Response:
    """A download response with a UTF-8 file name (RFC 5987) that browsers keep."""
    disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


def csv_bytes(columns: list[str], rows: list[dict[str, Any]]) -> bytes:
    """The CLI's CSV form, with a BOM so Excel reads the Chinese."""
    return to_csv(columns, rows).encode("utf-8-sig")


def xlsx_bytes(title: str, columns: list[str], rows: list[dict[str, Any]], header: Callable[[str], str]) -> bytes:
    """One sheet: Chinese headers, raw values (numbers stay numbers), frozen header row."""
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append([header(c) for c in columns])
    for row in rows:
        ws.append([_cell(row.get(c)) for c in columns])
    ws.freeze_panes = "A2"
    for i, c in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, min(40, len(header(c)) * 2 + 2))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(value: Any) -> Any:
    """Values openpyxl can store (lists and dicts become text)."""
    if isinstance(value, (list, tuple, dict)):
        return str(value)
    return value


def table_download(fmt: str, name: str, title: str, columns: list[str], rows: list[dict[str, Any]],
                   header: Callable[[str], str]) -> Response:
    """The table as name.csv or name.xlsx."""
    if fmt == "csv":
        return attachment(csv_bytes(columns, rows), f"{name}.csv", "text/csv; charset=utf-8")
    return attachment(xlsx_bytes(title, columns, rows, header), f"{name}.xlsx", XLSX_TYPE)
