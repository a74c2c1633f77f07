"""The rows a report of days D1..D2 reads when it is computed on the fly: its days, widened by what reaches across.

When a report's settings differ from those of the stored facts, the models are built for the
command. They then read, instead of the whole history, TEMP views of the canonical tables cut to:

- messages of days min(D1, C) - w .. D2 + w, w = conversion_window_days: credit for an
  inquiry of day d comes from orders created d..d+w, each weighed against the inquiries of its own
  created day c-w..c; an order paid on D1..D2 is silent by the inquiries before its created day, and
  C is the earliest created day of those orders;
- orders created D1..D2+w (conversion, order counts) or paid D1-179..D2 (sales, the rolling figures);
- refunds, complaints and ratings of D1-179..D2 (the 28- and 180-day figures of each day);
- evaluations invited or rated on D1..D2.

Presence is read whole: an account that has presence rows on any day counts online hours of 0 on the
others. The shop's accounts are built from every day's messages before the cut: an account that talks on
another day still makes a buyer of its name internal (§1). Every other day of a model's rows is incomplete and
is cut away by the report's own day filter.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Protocol

import duckdb

from kefu.config import Settings
from kefu.facts_range import AFTER_SALES_DAYS, instants_sql

CUT_TABLES = ("messages", "orders", "refunds", "complaints", "ratings", "evaluations")


def clear(con: duckdb.DuckDBPyConnection, models: Iterable[str]) -> None:
    """Drop what an engine built on the fly left on the connection (cut views, models' TEMP tables and views).

    Left there, they would shadow the warehouse's own tables and stored facts for the next engine.
    """
    names = list(CUT_TABLES) + list(models)
    temporary = con.execute(
        "SELECT 'TABLE', table_name FROM duckdb_tables() WHERE temporary AND list_contains($names, table_name) "
        "UNION ALL SELECT 'VIEW', view_name FROM duckdb_views() WHERE temporary AND list_contains($names, view_name)",
        {"names": names}).fetchall()
    for kind, name in temporary:
        con.execute(f"DROP {kind} IF EXISTS temp.main.{name}")


class Narrowable(Protocol):
    """An engine whose canonical tables can be cut: DuckDB (TEMP views) and Spark (session views)."""

    settings: Settings
    first_day: dt.date | None
    last_day: dt.date | None

    def fetch(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Column names and rows of a query in the models' dialect."""
        ...

    def cut(self, table: str, where: str) -> None:
        """Let the models see only the rows of a canonical table that meet a condition."""
        ...

    def define(self) -> None:
        """Define the engine functions and the calendar of first_day..last_day."""
        ...

    def build(self, needed: list[tuple[str, str]]) -> dict[str, str]:
        """Materialise the models needed; returns model name -> table."""
        ...


def narrow(engine: Narrowable, day_from: dt.date | None, day_to: dt.date | None) -> None:
    """Cut the canonical tables the engine's models read to what the days day_from..day_to need.

    The engine must be prepared (its calendar spans the data) and have built nothing yet but shop_accounts;
    nothing changes when the days asked cover the data.
    """
    assert engine.first_day is not None and engine.last_day is not None
    lo, hi = max(day_from or engine.first_day, engine.first_day), min(day_to or engine.last_day, engine.last_day)
    if lo <= engine.first_day and hi >= engine.last_day:
        return
    zone = engine.settings.timezone
    w = dt.timedelta(days=engine.settings.conversion_window_days)
    back = dt.timedelta(days=AFTER_SALES_DAYS)

    def instants(column: str, first: dt.date, last: dt.date) -> str:
        return instants_sql(column, zone, first, last)

    paid = instants("paid_at", lo, hi)
    _, ((created,),) = engine.fetch(f"SELECT min(local_day(created_at)) FROM orders WHERE {paid}")
    talks = (min(lo, created or lo) - w, hi + w)
    cuts = {
        "messages": instants("ts", *talks),
        "orders": f"({instants('created_at', lo, hi + w)}) OR ({instants('paid_at', lo - back, hi)})",
        "refunds": f"({instants('created_at', lo - back, hi)}) OR ({instants('finished_at', lo - back, hi)})",
        "complaints": instants("created_at", lo - back, hi),
        "ratings": instants("rated_at", lo - back, hi),
        "evaluations": f"({instants('invited_at', lo, hi)}) OR ({instants('rated_at', lo, hi)})",
    }
    assert tuple(cuts) == CUT_TABLES
    engine.build([("shop_accounts", "")])  # a table of every day's accounts, built before messages are cut
    for table, where in cuts.items():
        engine.cut(table, where)
    # The calendar (and with it the zone's offsets) covers every row the views let through.
    engine.first_day = max(engine.first_day, min(talks[0], lo - back))
    engine.last_day = min(engine.last_day, talks[1])
    engine.define()
