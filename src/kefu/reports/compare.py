"""`--compare previous`: each row's figures of the period just before it, and the change."""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import replace
from typing import Any

import duckdb

from kefu import pruning
from kefu.config import Settings
from kefu.metrics.catalog import metrics_of
from kefu.report import Report, prepared_engine, run_report

PREV, CHANGE = "_prev", "_change"


def _month_back(day: dt.date, keep_month_end: bool) -> dt.date:
    """The same day of the previous month (its last day when it has no such day, or when asked)."""
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, last if keep_month_end else min(day.day, last))


def previous_range(period: str, start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The days the previous period covers: the day, week or month before, or as many days just before."""
    if period == "week":
        return start - dt.timedelta(days=7), end - dt.timedelta(days=7)
    if period == "month":
        is_month_end = end.day == calendar.monthrange(end.year, end.month)[1]
        return _month_back(start, False), _month_back(end, is_month_end)
    length = (end - start).days + 1
    return start - dt.timedelta(days=length), start - dt.timedelta(days=1)


def _row_range(report: Report, row: dict[str, Any]) -> tuple[dt.date, dt.date]:
    """The first and last day a report row covers."""
    if report.spec.period == "day":
        day = dt.date.fromisoformat(row["day"])
        return day, day
    return dt.date.fromisoformat(row["from"]), dt.date.fromisoformat(row["to"])


def with_previous(con: duckdb.DuckDBPyConnection, report: Report, settings: Settings) -> Report:
    """The report with `<id>_prev` (the previous period's figure) and `<id>_change` after every metric.

    A period that runs past the data's last day is compared over the days it has with the same
    days of the period before (week to date against the same weekdays of last week).
    The change is the plain difference in the metric's unit (for rates: percentage points);
    it is null when either figure is null. The previous figure of a row is computed over the
    previous period's days the same way (§5: summed counts, then divided).
    """
    spec = report.spec
    ids = [m.id for m in metrics_of(spec.grain)]
    engine = prepared_engine(con, settings)
    spans = []
    for row in report.rows:
        start, end = _row_range(report, row)
        # A period still running past the data (this week so far) is compared over the days it has.
        spans.append(previous_range(spec.period, start, min(end, max(engine.last_day or end, start))))
    if engine.note and spans:  # built on the fly: only the previous periods' rows are read
        pruning.narrow(engine, min(s[0] for s in spans), max(s[1] for s in spans))
    previous: dict[tuple[dt.date, dt.date], dict[tuple[Any, ...], dict[str, Any]]] = {}
    rows = []
    for row, span in zip(report.rows, spans):
        if span not in previous:
            prev_spec = replace(spec, period="all", day_from=span[0], day_to=span[1])
            prev_rows = run_report(con, prev_spec, settings, engine).rows
            previous[span] = {tuple(r[k] for k in spec.key_columns): r for r in prev_rows}
        before = previous[span].get(tuple(row[k] for k in spec.key_columns), {})
        out = {k: v for k, v in row.items() if k not in ids}
        for i in ids:
            now, then = row.get(i), before.get(i)
            out[i], out[i + PREV] = now, then
            out[i + CHANGE] = None if now is None or then is None else now - then
        rows.append(out)
    keys = [c for c in report.columns if c not in ids]
    columns = keys + [f"{i}{s}" for i in ids for s in ("", PREV, CHANGE)]
    return Report(spec, settings, columns, rows)
