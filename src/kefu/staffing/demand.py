"""Measured demand: per shop-local day and interval, the chats that arrived, the slot time they held,
the agents online, and the platform figure the shop was judged by."""
from __future__ import annotations

import datetime as dt
import statistics
import uuid
from dataclasses import dataclass, field

from kefu.config import Settings
from kefu.engines.duckdb import DuckDBEngine
from kefu.metrics.platform import platform_values
from kefu.sqltext import lit
from kefu.staffing.latency import Latency, latency_from

UNITS = ("rounds", "inquiries")
"""What counts as one arrival: a §7 round (the platform's unit), or an inquiry (a conversation's first question)."""

# The selected shops' and group's human accounts, as every query of the demand reads them.
_ACC = "SELECT account FROM {shop_accounts} WHERE kind <> 'bot' AND ({shops}) AND ({group})"

# One row per (day, slot) of the window. A session (models/sessions.sql: an account's run of messages with a
# buyer with no gap over session_gap_s) holds one of the agent's chat slots from its first message to its
# last, so its length is the handle effort, and its overlap with a slot is how busy the slot was. Online time
# is presence online or busy (as online_hours). Rounds sent to or answered first by a bot need no agent and
# are not demand; the platform figure counts what §7 counts.
_BASE = """
WITH acc AS (""" + _ACC + """),
grid AS (
    SELECT c.day, s.slot,
        CAST(c.day AS TIMESTAMP) + to_seconds(s.slot * {interval_s}) AS g_start,
        CAST(c.day AS TIMESTAMP) + to_seconds((s.slot + 1) * {interval_s}) AS g_end
    FROM calendar c, (SELECT range AS slot FROM range({slots})) s
    WHERE c.day BETWEEN $day_from AND $day_to
),
arrivals AS (
    {arrivals}
),
sessions AS (
    SELECT CAST(local_time(s.start_ts) AS DATE) AS day,
        epoch_us(CAST(CAST(local_time(s.start_ts) AS DATE) AS TIMESTAMP)) AS day_us,
        epoch_us(local_time(s.start_ts)) AS start_us, epoch_us(local_time(s.end_ts)) AS end_us,
        epoch_us(s.end_ts) - epoch_us(s.start_ts) AS held_us
    FROM {sessions} s JOIN acc a ON a.account = s.account
    WHERE s.day BETWEEN $day_from AND $day_to AND ({s_shops})
),
started AS (
    SELECT day, CAST((start_us - day_us) // {interval_us} AS INTEGER) AS slot, SUM(held_us) AS held_us,
        list(held_us ORDER BY held_us) AS held
    FROM sessions GROUP BY ALL
),
-- Each session in the slots it spans (a conversation stays within its day), by arithmetic: no range join.
spans AS (
    SELECT day, start_us, end_us, day_us + slot * {interval_us} AS g_start_us, slot
    FROM (SELECT *, unnest(range((start_us - day_us) // {interval_us}, (end_us - 1 - day_us) // {interval_us} + 1))
              AS slot
          FROM sessions WHERE held_us > 0)
),
busy AS (
    SELECT day, CAST(slot AS INTEGER) AS slot,
        SUM(LEAST(end_us, g_start_us + {interval_us}) - GREATEST(start_us, g_start_us)) AS busy_us
    FROM spans GROUP BY ALL
),
online AS (
    SELECT g.day, g.slot,
        SUM(epoch_us(LEAST(p.p_end, g.g_end)) - epoch_us(GREATEST(p.p_start, g.g_start))) AS online_us
    FROM grid g
    JOIN (SELECT local_time(p.start) AS p_start, local_time(p."end") AS p_end
          FROM presence p JOIN acc a ON a.account = p.account
          WHERE p.status IN ('online', 'busy')) p ON p.p_start < g.g_end AND p.p_end > g.g_start
    GROUP BY g.day, g.slot
)
"""

_ROWS = _BASE + """
SELECT g.day, g.slot, isodow(g.day) AS weekday,
    COALESCE(r.arrivals, 0) AS arrivals, COALESCE(r.counted, 0) AS counted, COALESCE(r.fast, 0) AS fast,
    COALESCE(st.held_us, 0) / 1e6 AS held_s, st.held, COALESCE(b.busy_us, 0) / 1e6 AS busy_s,
    COALESCE(o.online_us, 0) / 1e6 AS online_s
FROM grid g
LEFT JOIN arrivals r USING (day, slot)
LEFT JOIN started st USING (day, slot)
LEFT JOIN busy b USING (day, slot)
LEFT JOIN online o USING (day, slot)
"""

# The reply latency of the human rounds of each account's conversations (how fast that agent answers) by
# whole seconds (ceil, so `<= N` reads as the platform's), split by whether their interval was calm: less
# than half a chat in progress per online agent, where hardly anyone waits for a free agent and the time to
# reply is the agents' own.
_LATENCY = """
WITH acc AS (""" + _ACC + """)
SELECT COALESCE(c.busy_s < 0.5 * c.online_s, FALSE) AS is_calm,
    CASE WHEN r.reply_ts IS NOT NULL THEN CAST(ceil(r.response_s) AS INTEGER) END AS seconds, COUNT(*) AS rounds
FROM {account_rounds} r JOIN acc a ON a.account = r.account
LEFT JOIN {slot_days} c ON c.day = r.day AND c.slot = CAST(r.tod_s // {interval_s} AS INTEGER)
WHERE r.day BETWEEN $day_from AND $day_to AND {human} AND ({r_shops})
GROUP BY ALL
"""

# §7 rounds of the selected accounts (at shop grain, a round's account is its message's account).
_ROUND_ARRIVALS = """
    SELECT r.day, CAST(r.tod_s // {interval_s} AS INTEGER) AS slot,
        SUM(CASE WHEN {human} THEN 1 ELSE 0 END) AS arrivals,
        SUM(CASE WHEN {counted} THEN 1 ELSE 0 END) AS counted,
        SUM(CASE WHEN {counted} AND response_s <= {threshold} THEN 1 ELSE 0 END) AS fast
    FROM {platform_rounds} r JOIN acc a ON a.account = r.account
    WHERE r.day BETWEEN $day_from AND $day_to AND ({r_shops})
    GROUP BY ALL"""

# Inquiries: each account's conversation with a buyer question arrives at its first question.
_INQUIRY_ARRIVALS = """
    SELECT q.day, CAST((hour(local_time(q.q0_ts)) * 3600 + minute(local_time(q.q0_ts)) * 60
            + second(local_time(q.q0_ts))) // {interval_s} AS INTEGER) AS slot,
        COUNT(*) AS arrivals, 0 AS counted, 0 AS fast
    FROM {conversations} q JOIN acc a ON a.account = q.account
    WHERE q.day BETWEEN $day_from AND $day_to AND q.inquiry = 1 AND q.q0_ts IS NOT NULL AND ({q_shops})
    GROUP BY ALL"""


@dataclass(frozen=True)
class DemandSpec:
    """Which chats to measure and how to cut the week."""

    weeks: int = 4
    interval_min: int = 30
    shops: tuple[str, ...] = ()
    group: str | None = None
    unit: str = "rounds"
    day_to: dt.date | None = None

    def __post_init__(self) -> None:
        if self.weeks < 1:
            raise ValueError(f"weeks 至少为 1 / weeks must be at least 1: {self.weeks}")
        if self.interval_min < 5 or 1440 % self.interval_min:
            raise ValueError(f"interval 须为能整除一天的分钟数（如 15、30、60）/ interval must divide a day "
                             f"into whole minutes of at least 5 (15, 30, 60): {self.interval_min}")
        if self.unit not in UNITS:
            raise ValueError(f"unit 须为 {'/'.join(UNITS)} / unit must be one of {', '.join(UNITS)}: {self.unit}")

    @property
    def interval_s(self) -> int:
        """The interval length in seconds."""
        return self.interval_min * 60

    @property
    def slots(self) -> int:
        """Intervals in a day."""
        return 1440 // self.interval_min


@dataclass(frozen=True)
class SlotDay:
    """One interval of one day: what arrived, what it held, who was online, what the platform measured."""

    day: dt.date
    slot: int
    weekday: int  # 1 = Monday .. 7 = Sunday (ISO)
    arrivals: int
    counted: int  # rounds §7 counts for the platform figure
    fast: int  # of them, answered within platform_threshold_s
    held_s: float  # slot time held by the sessions that started in the interval
    held: tuple[float, ...]  # each such session's length (s): the measured handle-time distribution
    busy_s: float  # slot time in use during the interval (sessions overlapping it)
    online_s: float  # agent time online during the interval


@dataclass(frozen=True)
class Cell:
    """One weekday × interval over the weeks measured."""

    weekday: int
    slot: int
    days: int
    arrivals_mean: float
    arrivals_sd: float | None  # across the weeks; None with one week
    arrivals_min: int
    arrivals_max: int
    handle_s: float | None  # slot time held per arrival; None when nothing arrived
    concurrency: float | None  # chats in progress per online agent; None when nobody was online
    agents_online: float  # mean agents online


@dataclass(frozen=True)
class Demand:
    """The measured demand of a window, by day and interval and by weekday and interval."""

    spec: DemandSpec
    day_from: dt.date
    day_to: dt.date
    slot_days: list[SlotDay]
    cells: list[Cell]
    concurrency: float = 1.0  # chats an agent carries: the median of each account-day's most concurrent sessions
    latency: Latency = field(default_factory=Latency)  # how long agents take to reply when no one queues

    def interval_label(self, slot: int) -> str:
        """'09:30' for a slot."""
        minutes = slot * self.spec.interval_min
        return f"{minutes // 60:02d}:{minutes % 60:02d}"

    def handle_sample(self) -> list[float]:
        """Every session length measured in the window, in seconds."""
        return [s for sd in self.slot_days for s in sd.held]


def _cells(slot_days: list[SlotDay], interval_s: int) -> list[Cell]:
    """Fold the days into weekday × interval cells with the spread across the weeks."""
    groups: dict[tuple[int, int], list[SlotDay]] = {}
    for sd in slot_days:
        groups.setdefault((sd.weekday, sd.slot), []).append(sd)
    cells = []
    for (weekday, slot), days in sorted(groups.items()):
        counts = [d.arrivals for d in days]
        arrivals, held, busy, online = sum(counts), sum(d.held_s for d in days), sum(d.busy_s for d in days), \
            sum(d.online_s for d in days)
        cells.append(Cell(
            weekday=weekday, slot=slot, days=len(days), arrivals_mean=arrivals / len(days),
            arrivals_sd=statistics.stdev(counts) if len(counts) > 1 else None,
            arrivals_min=min(counts), arrivals_max=max(counts),
            handle_s=held / arrivals if arrivals else None,
            concurrency=busy / online if online else None,
            agents_online=online / (interval_s * len(days))))
    return cells


def _filters(spec: DemandSpec) -> dict[str, str]:
    """The SQL conditions that select the shops and group asked for: on shop_accounts, and on the shop column of
    the facts read (aliases r, s, q), which the engine pushes into their scans where a join would not."""
    group = f"grp = {lit(spec.group)}" if spec.group else "TRUE"
    out = {"group": group}
    for key, column in (("shops", "shop"), ("r_shops", "r.shop"), ("s_shops", "s.shop"), ("q_shops", "q.shop")):
        out[key] = f"{column} IN ({', '.join(lit(s) for s in spec.shops)})" if spec.shops else "TRUE"
    return out


def measure(engine: DuckDBEngine, settings: Settings, spec: DemandSpec) -> Demand:
    """Measure the demand of the weeks up to spec.day_to (default: the selected shops' last day of chats), from
    their first day at the earliest, on a prepared engine."""
    assert engine.first_day is not None and engine.last_day is not None
    filters = _filters(spec)
    first, last = _data_days(engine, filters)
    day_to = min(spec.day_to or last or engine.last_day, engine.last_day)
    day_from = max(day_to - dt.timedelta(days=7 * spec.weeks - 1), first or engine.first_day)
    values = platform_values(settings)
    human = f"({values['platform_round']}) AND NOT to_bot AND COALESCE(reply_sender, '') <> 'bot'"
    tables = {"account_rounds": engine.build([("platform_rounds", "account")])["platform_rounds"]}
    if spec.unit == "rounds":
        tables["platform_rounds"] = engine.build([("platform_rounds", "shop")])["platform_rounds"]
        arrivals = _ROUND_ARRIVALS.format(interval_s=spec.interval_s, human=human,
                                          counted=values["platform_counted"],
                                          threshold=settings.platform_threshold_s, **filters, **tables)
    else:
        tables["conversations"] = engine.build([("conversations", "account")])["conversations"]
        arrivals = _INQUIRY_ARRIVALS.format(interval_s=spec.interval_s, **filters, **tables)
    # One build per scope: a build names each model once, so a shop-scope model would hide its account twin.
    tables.update(engine.build([("sessions", ""), ("shop_accounts", "")]))
    # The slot-days are kept in a TEMP table for the latency query, which reads which intervals were calm.
    slot_table = f"staffing_slot_days_{uuid.uuid4().hex[:12]}"
    fill = dict(interval_s=spec.interval_s, interval_us=spec.interval_s * 1_000_000, slots=spec.slots,
                human=human, arrivals=arrivals, slot_days=slot_table, **filters, **tables)
    days = {"day_from": day_from, "day_to": day_to}
    con = engine.con
    con.execute(f"CREATE TEMP TABLE {slot_table} AS {_ROWS.format(**fill)}", days)
    try:
        rows = con.execute(f"SELECT * FROM {slot_table} ORDER BY day, slot").fetchall()
        latency = latency_from(con.execute(_LATENCY.format(**fill), days).fetchall())
    finally:
        con.execute(f"DROP TABLE {slot_table}")
    slot_days = [SlotDay(day=r[0], slot=r[1], weekday=r[2], arrivals=int(r[3]), counted=int(r[4]), fast=int(r[5]),
                         held_s=float(r[6]), held=tuple(v / 1e6 for v in r[7] or ()), busy_s=float(r[8]),
                         online_s=float(r[9])) for r in rows]
    return Demand(spec, day_from, day_to, slot_days, _cells(slot_days, spec.interval_s),
                  concurrency=_measured_concurrency(engine, fill, days), latency=latency)


def _data_days(engine: DuckDBEngine, filters: dict[str, str]) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day the selected shops' accounts talked with a buyer: the warehouse's other days (another
    shop's data) must not read as quiet days of these shops. A group's quiet days within them are its own."""
    table = engine.build([("sessions", "")])
    sql = f"SELECT min(s.day), max(s.day) FROM {table['sessions']} s WHERE {filters['s_shops']}"
    ((first, last),) = engine.con.execute(sql).fetchall()
    return first, last


def _measured_concurrency(engine: DuckDBEngine, fill: dict[str, object], days: dict[str, dt.date]) -> float:
    """The chats an agent carries at once: the median over account-days of the most sessions open at one instant."""
    table = engine.build([("concurrency", "")])["concurrency"]
    sql = (f"WITH acc AS ({_ACC.format(**fill)}) SELECT median(max_concurrent) FROM {table} c"
           " JOIN acc USING (account) WHERE c.day BETWEEN $day_from AND $day_to")
    ((value,),) = engine.con.execute(sql, days).fetchall()
    return max(1.0, float(value)) if value is not None else 1.0
