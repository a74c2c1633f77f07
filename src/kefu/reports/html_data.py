"""The figures of the HTML report, all taken from run_report and the built models (no KPI is recomputed here)."""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import duckdb

from kefu.config import Settings
from kefu.engines.duckdb import DuckDBEngine
from kefu.metrics.compile import ReportSpec
from kefu.models import qc_counted
from kefu.report import NoData, prepared_engine, rows_of_shops, run_report
from kefu.reports.staffing_section import last_days, shop_views
from kefu.staffing.service import StaffingView

# The headline cards: (metric id, grain it is read at, higher is better). Average response time and order value
# exist only per account, so the shop's figure is the account-day report grouped by shop (metrics.md §5).
CARDS: tuple[tuple[str, str, bool], ...] = (
    ("reply_rate", "shop_day", True),
    ("avg_response_s", "account_day", False),
    ("conversion_rate", "shop_day", True),
    ("avg_order_value", "account_day", True),
    ("refund_rate_28d", "shop_day", False),
    ("dsr_service_180d", "shop_day", True),
)
# Under a platform preset the platform's two figures of the shop lead (metrics.md §7).
PLATFORM_CARDS: tuple[tuple[str, str, bool], ...] = (
    ("platform_fast_rate", "shop_day", True),
    ("platform_avg_response_s", "shop_day", False),
)
# The response-time histogram: bins of a fifth of the slow threshold, everything past 8 thresholds in one bar.
BINS_PER_THRESHOLD = 5
THRESHOLDS_SHOWN = 8


@dataclass(frozen=True)
class Card:
    """One headline figure of a shop with the previous period's value."""

    shop: str
    metric_id: str
    grain: str
    higher_is_better: bool
    value: Any
    previous: Any


@dataclass(frozen=True)
class Histogram:
    """Response counts per shop in bins of `width` seconds; bin k holds ((k-1)·width, k·width], the last one more."""

    width: float
    bins: int
    counts: list[dict[str, Any]]


@dataclass(frozen=True)
class QcSummary:
    """Stored QC findings in the range by category and severity; ran is False when no QC run covers the range."""

    ran: bool
    counts: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class HtmlData:
    """Everything the HTML report shows, for one day range and the previous range of equal length."""

    settings: Settings
    day_from: dt.date
    day_to: dt.date
    prev_from: dt.date
    prev_to: dt.date
    has_previous: bool
    cards: list[Card]
    shop_days: list[dict[str, Any]]
    account_days: list[dict[str, Any]]
    accounts: list[dict[str, Any]]
    shop_accounts: list[dict[str, Any]]
    histogram: Histogram
    qc: QcSummary
    staffing: dict[str, StaffingView] = field(default_factory=dict)  # per shop: the weeks up to its last day

    @property
    def shops(self) -> list[str]:
        """The shops of the range, in report order."""
        return list(dict.fromkeys(r["shop"] for r in self.shop_days))


@dataclass(frozen=True)
class _Source:
    """Report rows of one warehouse, all computed on the same engine (its models are built once)."""

    con: duckdb.DuckDBPyConnection
    settings: Settings
    engine: DuckDBEngine
    shops: Collection[str] | None  # the shops reported on (None: all)

    def rows(self, grain: str, period: str, lo: dt.date, hi: dt.date, by: str | None = None) -> list[dict[str, Any]]:
        """Report rows of one spec over a day range, of the reported shops."""
        spec = ReportSpec(grain=grain, by=by, period=period, day_from=lo, day_to=hi, shops=self.shops)
        return run_report(self.con, spec, self.settings, self.engine).rows

    def shop_totals(self, lo: dt.date, hi: dt.date) -> dict[str, dict[str, dict[str, Any]]]:
        """grain -> shop -> the shop's row over the range: the shop-day report and the account-day one by shop."""
        return {"shop_day": {r["shop"]: r for r in self.rows("shop_day", "all", lo, hi)},
                "account_day": {r["shop"]: r for r in self.rows("account_day", "all", lo, hi, by="shop")}}


def _cards(current: dict[str, dict[str, dict[str, Any]]],
           previous: dict[str, dict[str, dict[str, Any]]] | None, settings: Settings) -> list[Card]:
    """The headline cards of each shop with the previous range's figure when there is one."""
    cards = []
    for shop in current["shop_day"]:
        for metric_id, grain, higher in (PLATFORM_CARDS if settings.preset else ()) + CARDS:
            value = current[grain].get(shop, {}).get(metric_id)
            prev = previous[grain].get(shop, {}).get(metric_id) if previous else None
            cards.append(Card(shop, metric_id, grain, higher, value, prev))
    return cards


def _histogram(con: duckdb.DuckDBPyConnection, settings: Settings, engine: DuckDBEngine, day_from: dt.date,
               day_to: dt.date, shops: Collection[str] | None) -> Histogram:
    """Response times of the range binned per shop (of the reported shops) from the questions model."""
    table = engine.build([("questions", "account")])["questions"]
    width = settings.slow_threshold_s / BINS_PER_THRESHOLD if settings.slow_threshold_s >= BINS_PER_THRESHOLD else 1
    bins = math.ceil(settings.slow_threshold_s * THRESHOLDS_SHOWN / width)
    rows = con.execute(
        f"""SELECT shop, LEAST(GREATEST(CAST(ceil(response_s / ?) AS BIGINT), 1), ?) AS bin, count(*) AS n
            FROM {table} WHERE response_s IS NOT NULL AND day BETWEEN ? AND ?
            GROUP BY ALL ORDER BY ALL""", [width, bins + 1, day_from, day_to]).fetchall()
    return Histogram(width, bins, rows_of_shops([{"shop": s, "bin": b, "n": n} for s, b, n in rows], shops))


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the warehouse has a table of this name."""
    ((count,),) = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                              [name]).fetchall()
    return bool(count)


def _qc(con: duckdb.DuckDBPyConnection, settings: Settings, day_from: dt.date, day_to: dt.date,
        shops: Collection[str] | None) -> QcSummary:
    """Stored QC findings (of some shops, those the QC figures count: kefu.models.qc_counted) by category and
    severity when a QC run covers part of the range."""
    if not (_has_table(con, "qc_runs") and _has_table(con, "qc_findings")):
        return QcSummary(ran=False)
    ((runs,),) = con.execute("SELECT count(*) FROM qc_runs WHERE day_from <= ? AND day_to >= ?",
                             [day_to, day_from]).fetchall()
    if not runs:
        return QcSummary(ran=False)
    rows = con.execute(
        f"""SELECT f.category, f.severity, count(*) AS n FROM qc_findings f LEFT JOIN qc_reviews r USING (finding_id)
            WHERE f.day BETWEEN ? AND ? AND (? OR list_contains(?, f.shop)) AND {qc_counted(settings)}
            GROUP BY ALL ORDER BY n DESC, category, severity""",
        [day_from, day_to, shops is None, list(shops or ())]).fetchall()
    return QcSummary(True, [{"category": c, "severity": v, "n": n} for c, v, n in rows])


def gather(con: duckdb.DuckDBPyConnection, settings: Settings, day_from: dt.date | None = None,
           day_to: dt.date | None = None, shops: Collection[str] | None = None) -> HtmlData:
    """Every figure of the report over [day_from, day_to] (default: the whole warehouse) of some shops (default:
    all; every figure is one shop's, so a shop's report is its own rows); NoData when empty."""
    # The cards compare the range with the one of equal length before it: the engine serves both.
    before = day_from - (day_to - day_from) - dt.timedelta(days=1) if day_from and day_to else None
    engine = prepared_engine(con, settings, before, day_to)
    assert engine.first_day is not None and engine.last_day is not None
    src = _Source(con, settings, engine, shops)
    lo = day_from or engine.first_day
    hi = day_to or engine.last_day
    shop_days = src.rows("shop_day", "day", lo, hi) if lo <= hi else []
    if not shop_days:
        raise NoData(f"{lo} 至 {hi} 没有数据（仓库中的数据为 {engine.first_day} 至 {engine.last_day}）"
                     f" / no data from {lo} to {hi}")
    length = hi - lo + dt.timedelta(days=1)
    prev_from, prev_to = lo - length, lo - dt.timedelta(days=1)
    has_previous = prev_to >= engine.first_day
    current = src.shop_totals(lo, hi)
    return HtmlData(
        settings=settings, day_from=lo, day_to=hi, prev_from=prev_from, prev_to=prev_to, has_previous=has_previous,
        cards=_cards(current, src.shop_totals(prev_from, prev_to) if has_previous else None, settings),
        shop_days=shop_days,
        account_days=src.rows("account_day", "day", lo, hi),
        accounts=src.rows("account_day", "all", lo, hi),
        shop_accounts=list(current["account_day"].values()),
        histogram=_histogram(con, settings, engine, lo, hi, shops),
        qc=_qc(con, settings, lo, hi, shops),
        staffing=shop_views(engine, settings, last_days(shop_days)),
    )
