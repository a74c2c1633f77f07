"""The rows a report of days D1..D2 reads when it is computed on the fly: its days, widened by what reaches across.

When a report's settings differ from those of the stored facts, the models are built for the
command. They then read, instead of the whole history, TEMP views of the canonical tables cut to:

- messages (and presence) of days min(D1, C) - w .. D2 + w, w = conversion_window_days: credit for an
  inquiry of day d comes from orders created d..d+w, each weighed against the inquiries of its own
  created day c-w..c; an order paid on D1..D2 is silent by the inquiries before its created day, and
  C is the earliest created day of those orders;
- orders created D1..D2+w (conversion, order counts) or paid D1-179..D2 (sales, the rolling figures);
- refunds, complaints and ratings of D1-179..D2 (the 28- and 180-day figures of each day).

Every other day of a model's rows is incomplete and is cut away by the report's own day filter.
"""
from __future__ import annotations

import datetime as dt

import duckdb

from kefu import tz
from kefu.engines.duckdb import DuckDBEngine
from kefu.facts_range import AFTER_SALES_DAYS
from kefu.store import catalog


CUT_TABLES = ("messages", "presence", "orders", "refunds", "complaints", "ratings")


def clear(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the cut views a narrowed engine left on the connection, so the next one sees every row."""
    for table in CUT_TABLES:
        con.execute(f"DROP VIEW IF EXISTS temp.main.{table}")


def _start(zone: str, day: dt.date) -> str:
    """The UTC instant the shop-local day begins, as a SQL timestamp literal."""
    return f"TIMESTAMP '{tz.day_start_utc([day], zone)[0].isoformat(' ')}'"


def narrow(engine: DuckDBEngine, day_from: dt.date | None, day_to: dt.date | None) -> None:
    """Cut the canonical tables the engine's models read to what the days day_from..day_to need.

    The engine must be prepared (its calendar spans the data); nothing changes when the days
    asked cover the data.
    """
    assert engine.first_day is not None and engine.last_day is not None
    lo, hi = max(day_from or engine.first_day, engine.first_day), min(day_to or engine.last_day, engine.last_day)
    if lo <= engine.first_day and hi >= engine.last_day:
        return
    con, zone = engine.con, engine.settings.timezone
    w = dt.timedelta(days=engine.settings.conversion_window_days)
    back = dt.timedelta(days=AFTER_SALES_DAYS)
    day = dt.timedelta(days=1)

    def instants(column: str, first: dt.date, last: dt.date) -> str:
        return f"{column} >= {_start(zone, first)} AND {column} < {_start(zone, last + day)}"

    db = catalog(con)
    ((created,),) = con.execute(
        f"SELECT min(local_day(created_at)) FROM {db}.main.orders WHERE {instants('paid_at', lo, hi)}").fetchall()
    talks = (min(lo, created or lo) - w, hi + w)
    cuts = {
        "messages": instants("ts", *talks),
        "presence": f"start < {_start(zone, talks[1] + day)} AND \"end\" > {_start(zone, talks[0])}",
        "orders": f"({instants('created_at', lo, hi + w)}) OR ({instants('paid_at', lo - back, hi)})",
        "refunds": f"({instants('created_at', lo - back, hi)}) OR ({instants('finished_at', lo - back, hi)})",
        "complaints": instants("created_at", lo - back, hi),
        "ratings": instants("rated_at", lo - back, hi),
    }
    assert tuple(cuts) == CUT_TABLES
    for table, where in cuts.items():
        con.execute(f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT * FROM {db}.main.{table} WHERE {where}")
    # The calendar (and with it the zone's offsets) covers every row the views let through.
    engine.first_day = max(engine.first_day, min(talks[0], lo - back))
    engine.last_day = min(engine.last_day, talks[1])
    engine.define()
