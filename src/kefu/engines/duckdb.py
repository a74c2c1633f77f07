"""The DuckDB engine: engine-specific functions, the calendar, and materialising the models."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from kefu.config import Settings
from kefu.engines.common import SPAN_SQL, calendar_columns, fixed_offset, local_days
from kefu.models import build_order, render
from kefu.store import catalog

log = logging.getLogger(__name__)


def macro_sql(settings: Settings, fixed_offset_s: int | None) -> list[str]:
    """The engine-specific functions the models call, as DuckDB macros.

    local_time(ts) is the shop-local wall clock of a UTC instant: plain arithmetic when
    the zone keeps one offset over the data, else ICU's time-zone conversion.
    """
    if fixed_offset_s is not None:
        local_time = f"ts + INTERVAL ({fixed_offset_s}) SECOND"
    else:
        zone = settings.timezone.replace("'", "''")
        local_time = f"timezone('{zone}', CAST(ts AS TIMESTAMPTZ))"
    return [
        f"CREATE OR REPLACE TEMP MACRO local_time(ts) AS {local_time}",
        "CREATE OR REPLACE TEMP MACRO local_day(ts) AS CAST(local_time(ts) AS DATE)",
        "CREATE OR REPLACE TEMP MACRO add_days(d, n) AS CAST(d + to_days(CAST(n AS INTEGER)) AS DATE)",
        "CREATE OR REPLACE TEMP MACRO seconds_between(a, b) AS (epoch_us(b) - epoch_us(a)) / 1000000.0",
        "CREATE OR REPLACE TEMP MACRO micros_between(a, b) AS epoch_us(b) - epoch_us(a)",
    ]


@dataclass
class DuckDBEngine:
    """Runs the SQL models on a DuckDB connection holding the canonical tables."""

    con: duckdb.DuckDBPyConnection
    settings: Settings
    built: dict[tuple[str, str], str] = field(default_factory=dict)
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    note: str = ""  # why the models are built on the fly rather than read from the stored facts
    store_in: str | None = None  # a catalog: build the models into the warehouse itself (kefu.facts), not TEMP

    def prepare(self) -> bool:
        """Define the engine functions and the calendar; False when the warehouse holds no data."""
        self.con.execute("SET TimeZone = 'UTC'")
        ((lo, hi),) = self.con.execute(SPAN_SQL).fetchall()
        if lo is None:
            return False
        self.first_day, self.last_day = local_days(lo, hi, self.settings.timezone)
        self.define()
        return True

    def define(self) -> None:
        """Define the engine functions and the calendar of the days first_day..last_day."""
        assert self.first_day is not None and self.last_day is not None
        fixed = fixed_offset(self.settings.timezone, self.first_day, self.last_day)
        for stmt in macro_sql(self.settings, fixed):
            self.con.execute(stmt)
        self._build_calendar()

    def _build_calendar(self) -> None:
        """A table of the natural days of the data with the instants they begin and end."""
        assert self.first_day is not None and self.last_day is not None
        cols = calendar_columns(self.first_day, self.last_day, self.settings.timezone)
        calendar = pa.table({
            "day": pa.array(cols["day"], pa.date32()),
            "day_start": pa.array(cols["day_start"], pa.timestamp("us")),
            "day_end": pa.array(cols["day_end"], pa.timestamp("us")),
        })
        self.con.register("calendar_arrow", calendar)
        self.con.execute("CREATE OR REPLACE TEMP TABLE calendar AS SELECT * FROM calendar_arrow")
        self.con.unregister("calendar_arrow")

    def cut(self, table: str, where: str) -> None:
        """A TEMP view shadowing a canonical table with its rows that meet `where` (kefu.pruning)."""
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT * FROM {catalog(self.con)}.main.{table}"
                         f" WHERE {where}")

    def build(self, needed: list[tuple[str, str]]) -> dict[str, str]:
        """Materialise the models needed (and their dependencies); returns model name -> table."""
        tables: dict[str, str] = {}
        for model, scope in build_order(needed):
            table = model.table(scope)
            if (model.name, scope) not in self.built:
                sql = render(model, self.settings, scope or "account")
                log.debug("building %s", table)
                kind = "VIEW" if model.is_view(scope) else "TABLE"
                # msgs reads the engine's TEMP macros, so it stays a TEMP view even when storing.
                if self.store_in and model.name != "msgs":
                    target = f"{kind} {self.store_in}.main.{table}"
                else:
                    target = f"TEMP {kind} {table}"
                self.con.execute(f"CREATE OR REPLACE {target} AS\n{sql}")
                self.built[(model.name, scope)] = table
            tables[model.name] = table
        return tables

    def fetch(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Column names and rows of a query."""
        cursor = self.con.execute(sql)
        names = [d[0] for d in cursor.description]
        return names, cursor.fetchall()
