"""Run a report: build the models a grain needs and compile its metrics into rows."""
from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb

from kefu import facts, pruning
from kefu.config import Settings
from kefu.engines.common import Engine
from kefu.engines.duckdb import DuckDBEngine
from kefu.metrics.compile import ROWSET_OF_GRAIN, ReportSpec, model_tables, report_sql


class NoData(LookupError):
    """The warehouse (or the asked day range) holds nothing to report."""


@dataclass(frozen=True)
class Report:
    """Rows of one report with what produced them."""

    spec: ReportSpec
    settings: Settings
    columns: list[str]
    rows: list[dict[str, Any]]


def rows_of_shops(rows: list[dict[str, Any]], shops: Collection[str] | None) -> list[dict[str, Any]]:
    """The rows of some shops (None: every row); rows are per shop, so this is a shop's own report."""
    return rows if shops is None else [r for r in rows if r["shop"] in shops]


def _period_label(period: str, start: dt.date, last_day: dt.date) -> tuple[str, dt.date]:
    """The label and last day of the period that starts on `start`."""
    if period == "week":
        end = start + dt.timedelta(days=6)
        iso = start.isocalendar()
        label = f"{iso.year}-W{iso.week:02d}"
    elif period == "month":
        nxt = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        end = nxt - dt.timedelta(days=1)
        label = start.strftime("%Y-%m")
    else:
        end = last_day
        label = f"{start.isoformat()}~{end.isoformat()}"
    return label, end


def _plain(value: Any) -> Any:
    """Decimals as floats, dates as ISO strings: values ready for JSON/CSV."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def prepared_engine(con: duckdb.DuckDBPyConnection, settings: Settings,
                    day_from: dt.date | None = None, day_to: dt.date | None = None) -> DuckDBEngine:
    """An engine on the warehouse that reads the stored facts, or builds the models when settings differ.

    Built on the fly, the models read only the rows the days day_from..day_to need (kefu.pruning),
    so the engine must then serve reports of those days alone. NoData when the warehouse holds nothing.
    """
    pruning.clear(con, [f.table for f in facts.FACTS])
    engine = DuckDBEngine(con, settings)
    if not engine.prepare():
        raise NoData("仓库中没有数据，请先用 kefu import 导入 / the warehouse holds no data: run kefu import first")
    if facts.usable(con, settings):
        engine.built.update(facts.stored_tables(con))
    else:
        engine.note = facts.difference(con, settings)
        pruning.narrow(engine, day_from, day_to)
    return engine


def run_report(con: duckdb.DuckDBPyConnection | None, spec: ReportSpec, settings: Settings,
               engine: Engine | None = None) -> Report:
    """Compute the report rows of a spec on a warehouse connection, or on a prepared engine (reusing its models)."""
    if engine is None:
        assert con is not None, "run_report needs a connection or an engine"
        engine = prepared_engine(con, settings, spec.day_from, spec.day_to)
    assert engine.first_day is not None and engine.last_day is not None
    tables = engine.build(model_tables(spec.grain))
    # A period runs over the days that have rows (not, say, a presence interval ending at midnight).
    _, ((first_row_day, last_row_day),) = engine.fetch(
        f"SELECT min(day), max(day) FROM {tables[ROWSET_OF_GRAIN[spec.grain]]}")
    first = spec.day_from or first_row_day or engine.first_day
    last_day = spec.day_to or last_row_day or engine.last_day
    names, raw = engine.fetch(report_sql(spec, settings, tables, first))
    rows: list[dict[str, Any]] = []
    for values in raw:
        row = dict(zip(names, values))
        start = row.pop("period_start")
        keys = {k: row.pop(k) for k in spec.key_columns}
        if spec.period == "day":
            keys["day"] = start.isoformat()
        else:
            label, end = _period_label(spec.period, start, last_day)
            keys.update({"period": label, "from": max(start, first).isoformat(),
                         "to": min(end, spec.day_to or end).isoformat()})
        rows.append({**keys, **{k: _plain(v) for k, v in row.items()}})
    columns = list(rows[0].keys()) if rows else []
    return Report(spec, settings, columns, rows)
