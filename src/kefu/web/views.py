"""Presentation helpers for templates: labels, formatted cells, links to explanations, trend lines."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from kefu.config import Settings
from kefu.metrics.catalog import METRICS_BY_ID
from kefu.metrics.platform import HEADLINES
from kefu.output import KEY_LABELS, human_value, label
from kefu.output import evidence_cell as evidence_cell  # templates read it as views.evidence_cell

# Headline cards and trend lines of the overview, per grain (figures come from run_report rows).
CARDS = {
    "shop_day": ("inquiry_buyers", "reply_rate", "conversion_rate", "inquiry_sales", "total_sales",
                 "inquiry_sales_share", "refund_rate_28d", "dsr_service_180d"),
    "account_day": ("inquiry_buyers", "reply_rate", "avg_response_s", "fast_first_response_rate",
                    "conversion_rate", "inquiry_sales", "unclosed_buyers", "lost_buyers"),
}
TRENDS = {
    "shop_day": ("inquiry_buyers", "reply_rate", "conversion_rate", "inquiry_sales"),
    "account_day": ("inquiry_buyers", "reply_rate", "avg_response_s", "conversion_rate"),
}
CHART_W, CHART_H, PAD = 320, 90, 8


def header(column: str, grain: str, settings: Settings | None = None, summed: bool = False) -> str:
    """Chinese header of a report column (a preset's platform figures by the preset's names; 人次 when summed)."""
    if column in KEY_LABELS or is_metric(column, grain):
        return label(column, grain, settings=settings, summed=summed)
    return column


def cards(grain: str, settings: Settings) -> tuple[str, ...]:
    """The overview's headline cards: under a platform preset its two platform figures come first."""
    return (HEADLINES + CARDS[grain]) if settings.preset else CARDS[grain]


def cell(column: str, grain: str, value: Any) -> str:
    """A value as a manager reads it."""
    if column in KEY_LABELS:
        return "—" if value is None else str(value)
    if not is_metric(column, grain):
        return "—" if value is None else str(value)
    return human_value(column, grain, value)


def is_metric(column: str, grain: str) -> bool:
    return (grain, column) in METRICS_BY_ID


def explain_base(row: dict[str, Any], grain: str) -> str | None:
    """The explanation link of a row without its metric: day rows of an account or a shop; None for sums."""
    if "day" not in row:
        return None
    if grain == "account_day" and "account" in row:
        return "/explain?" + urlencode({"day": row["day"], "account": row["account"]})
    if grain == "shop_day" and "account" not in row and "group" not in row:
        return "/explain?" + urlencode({"day": row["day"], "shop": row["shop"]})
    return None


def explain_url(column: str, row: dict[str, Any], grain: str) -> str | None:
    """Where a figure's explanation is (None when the figure is a sum or empty)."""
    base = explain_base(row, grain)
    if base is None or not is_metric(column, grain) or row.get(column) is None:
        return None
    return f"{base}&metric={column}"


@dataclass(frozen=True)
class Point:
    """One dot of a trend line, with the figure it shows and where it is explained."""

    x: float
    y: float
    day: str
    text: str
    url: str | None


@dataclass(frozen=True)
class Trend:
    """A metric's daily values drawn as an SVG polyline."""

    title: str
    points: list[Point]
    low: str = "—"
    high: str = "—"

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def trend(column: str, grain: str, rows: list[dict[str, Any]]) -> Trend:
    """Scale a column of day rows into the chart box (missing values are left out)."""
    days = [r for r in rows if r.get(column) is not None]
    values = [float(r[column]) for r in days]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    span = (hi - lo) or 1.0
    step = (CHART_W - 2 * PAD) / max(len(rows) - 1, 1)
    index = {id(r): i for i, r in enumerate(rows)}
    points = [Point(PAD + index[id(r)] * step, CHART_H - PAD - (float(r[column]) - lo) / span * (CHART_H - 2 * PAD),
                    r["day"], f"{r['day']} {cell(column, grain, r[column])}", explain_url(column, r, grain))
              for r in days]
    low, high = (cell(column, grain, min(r[column] for r in days)), cell(column, grain, max(r[column] for r in days))
                 ) if days else ("—", "—")
    return Trend(header(column, grain), points, low, high)


def with_query(query: dict[str, str], **changes: str | None) -> str:
    """The current query string with some parameters changed (None drops one)."""
    merged = {**query, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "")})


@dataclass(frozen=True)
class Cell:
    """One table cell ready for the template: text, optional link, numeric alignment."""

    text: str
    url: str | None = None
    num: bool = False
    metric: str = ""


def table_cells(columns: list[str], rows: list[dict[str, Any]], grain: str, period: str) -> list[list[Cell]]:
    """Cells of the 客服 table: day figures link to their explanation, period rows to the account's days."""
    figures = {c: is_metric(c, grain) for c in columns}
    out = []
    for r in rows:
        base = explain_base(r, grain)
        cells = []
        for c in columns:
            value = r.get(c)
            link: str | None
            if c == "account" and period != "day":
                link = "/agents?" + urlencode({"account": value, "period": "day", "from": r["from"], "to": r["to"]})
                cells.append(Cell(str(value), link))
            elif figures[c]:
                text = human_value(c, grain, value)
                link = f"{base}&metric={c}" if base and value is not None else None
                cells.append(Cell(text, link, True, c))
            else:
                cells.append(Cell("—" if value is None else str(value)))
        out.append(cells)
    return out
