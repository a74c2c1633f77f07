"""Render report rows: a paged terminal table with Chinese labels, CSV, or JSON."""
from __future__ import annotations

import csv
import io
import json
from typing import Any, Iterable

from rich.console import Console
from rich.table import Table

from kefu.metrics.catalog import metric

KEY_LABELS = {
    "shop": ("店铺", "shop"), "account": ("客服账号", "account"), "group": ("分组", "group"),
    "day": ("日期", "day"), "period": ("周期", "period"), "from": ("起", "from"), "to": ("止", "to"),
}
KEY_COLUMNS = tuple(KEY_LABELS)


def label(column: str, grain: str, lang: str = "zh") -> str:
    """The header users see for a column."""
    if column in KEY_LABELS:
        zh, en = KEY_LABELS[column]
        return zh if lang == "zh" else en
    m = metric(column, grain)
    return m.label_zh if lang == "zh" else m.label_en


def human_value(column: str, grain: str, value: Any) -> str:
    """A value as a person reads it: percentages, one decimal for time, two for money."""
    if value is None:
        return "—"
    if column in KEY_LABELS:
        return str(value)
    unit = metric(column, grain).unit
    if unit == "rate":
        return f"{value * 100:.1f}%"
    if unit in ("seconds", "hours", "score", "items") and isinstance(value, float):
        return f"{value:.2f}" if unit in ("hours", "score", "items") else f"{value:.1f}"
    if unit == "yuan":
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def to_json(payload: dict[str, Any]) -> str:
    """The machine form of a report: grain, settings and rows, nulls as null."""
    return json.dumps(payload, ensure_ascii=False, indent=1)


def to_csv(columns: list[str], rows: Iterable[dict[str, Any]]) -> str:
    """CSV with the exact metric ids as headers; null is an empty cell."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return buf.getvalue()


def print_table(console: Console, title: str, grain: str, columns: list[str], rows: list[dict[str, Any]],
                lang: str = "zh") -> None:
    """Print rows as terminal tables, splitting wide metric sets into pages that each repeat the keys."""
    keys = [c for c in columns if c in KEY_COLUMNS]
    values = [c for c in columns if c not in KEY_COLUMNS]
    key_width = sum(max(len(label(k, grain, lang)) * 2, 12) for k in keys) + 3 * len(keys)
    per_page = max(3, (console.width - key_width) // 13)
    pages = [values[i:i + per_page] for i in range(0, len(values), per_page)] or [[]]
    for number, page in enumerate(pages, start=1):
        suffix = f"（{number}/{len(pages)}）" if len(pages) > 1 else ""
        table = Table(title=f"{title}{suffix}", header_style="bold cyan", show_lines=False)
        for k in keys:
            table.add_column(label(k, grain, lang), no_wrap=True)
        for c in page:
            table.add_column(label(c, grain, lang), justify="right")
        for row in rows:
            table.add_row(*[human_value(c, grain, row.get(c)) for c in keys + page])
        console.print(table)
