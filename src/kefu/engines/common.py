"""What every engine shares: the data's span of instants, the calendar of natural days, the query protocol."""
from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

import numpy as np

from kefu import tz

# The first and last instant any canonical table names (the calendar covers their natural days).
SPAN_SQL = """
SELECT min(t) AS lo, max(t) AS hi FROM (
    SELECT min(ts) AS t FROM messages UNION ALL SELECT max(ts) FROM messages
    UNION ALL SELECT min(created_at) FROM orders UNION ALL SELECT max(coalesce(paid_at, created_at)) FROM orders
    UNION ALL SELECT min(start) FROM presence UNION ALL SELECT max("end") FROM presence
    UNION ALL SELECT min(created_at) FROM refunds UNION ALL SELECT max(coalesce(finished_at, created_at)) FROM refunds
    UNION ALL SELECT min(created_at) FROM complaints UNION ALL SELECT max(created_at) FROM complaints
    UNION ALL SELECT min(rated_at) FROM ratings UNION ALL SELECT max(rated_at) FROM ratings
    UNION ALL SELECT min(least(invited_at, rated_at)) FROM evaluations
    UNION ALL SELECT max(greatest(invited_at, rated_at)) FROM evaluations
) span
"""


class Engine(Protocol):
    """What a report needs of an engine: the data's days, built models, and query results."""

    first_day: dt.date | None
    last_day: dt.date | None

    def build(self, needed: list[tuple[str, str]]) -> dict[str, str]:
        """Materialise the (model, scope) pairs needed; returns model name -> table."""
        ...

    def fetch(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Column names and rows of a query written in the models' (DuckDB) dialect."""
        ...


def local_days(lo: Any, hi: Any, zone: str) -> tuple[dt.date, dt.date]:
    """The shop-local natural days of the first and last instant (naive UTC datetimes or ISO strings)."""
    local = tz.utc_to_local(np.array([lo, hi], dtype="datetime64[us]"), zone)
    days = local.astype("datetime64[D]").astype(dt.date)
    return days[0], days[1]


def fixed_offset(zone: str, first_day: dt.date, last_day: dt.date) -> int | None:
    """The zone's offset in seconds when it keeps one over the days, else None."""
    if tz.is_fixed_offset(zone, first_day, last_day):
        return tz.base_offset(zone, first_day)
    return None


def calendar_columns(first_day: dt.date, last_day: dt.date, zone: str) -> dict[str, Any]:
    """The natural days first..last with the UTC instants each begins and ends (numpy datetime64[us])."""
    n = (last_day - first_day).days + 2
    days = [first_day + dt.timedelta(days=i) for i in range(n)]
    starts = tz.day_start_utc(days, zone)
    return {"day": days[:-1], "day_start": starts[:-1], "day_end": starts[1:]}
