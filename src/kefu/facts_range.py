"""Recompute shops' stored facts for a range of days their new rows touched, widened by what reaches across days.

The facts are recomputed in steps, each from the stored facts of the step before (shadowed by views cut to
the days the step needs, so the models' SQL runs unchanged) and each replacing the stored rows of its days:

A. days lo..hi: the message-day facts (filters, conversations, questions, concurrency, online hours);
E. days lo..hi: the evaluations rated and the inquiries invited to evaluate on those days;
B. inquiry days lo-w..hi+w (w = conversion_window_days): credited orders and conversion. An order created on
   day c is credited among the inquiries of days c-w..c, so changes on lo..hi move credit only there; the
   step reads conversations of lo-2w..hi+2w and orders created lo-2w..hi+3w;
C. orders created lo..hi+w: order_days (silent orders look at inquiries of c-w..c);
D. days lo..E (E: the latest day an order of C was paid, at least hi+w): shop days, order figures, online;
F. days lo..max(hi, E)+179: the rolling after-sales figures (28- and 180-day windows).
"""
from __future__ import annotations

import datetime as dt

import duckdb

from kefu import tz
from kefu.config import Settings
from kefu.engines.duckdb import DuckDBEngine
from kefu.models import MODELS_BY_NAME, render
from kefu.sqltext import lit

AFTER_SALES_DAYS = 179  # the longest window after_sales reads back (ratings over D-179..D)
_UNSCOPED = {"presence", "online_hours"}  # stored tables without a shop column (their `where` cuts them)

# (model, scope) of each step, in build order.
STEP_A = [("filtered_buyers", ""), ("conv_msgs", "account"), ("shared_days", ""), ("conv_msgs", "shared"),
          ("questions", "account"), ("questions", "shared"), ("conversations", "account"),
          ("conversations", "shared"), ("platform_rounds", "account"), ("platform_rounds", "shared"),
          ("sessions", ""), ("concurrency", ""), ("online_hours", "")]
STEP_E = [("eval_ratings", ""), ("eval_invites", "account"), ("eval_invites", "shop")]
STEP_B = [("credited_orders", "account"), ("credited_orders", "shop"), ("conversion", "account"),
          ("conversion", "shop")]
STEP_D = [("shop_days", ""), ("order_facts", ""), ("shop_online", "")]


def day_start_sql(zone: str, day: dt.date) -> str:
    """The UTC instant the shop-local day begins, as a SQL timestamp literal."""
    return f"TIMESTAMP '{tz.day_start_utc([day], zone)[0].isoformat(' ')}'"


def instants_sql(column: str, zone: str, lo: dt.date, hi: dt.date) -> str:
    """The condition that an instant column falls on the shop-local days lo..hi."""
    return f"{column} >= {day_start_sql(zone, lo)} AND {column} < {day_start_sql(zone, hi + dt.timedelta(days=1))}"


class RangeRefresh:
    """Some shops' facts recomputed over the days lo..hi that their changed rows name (one build for them all)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, settings: Settings, db: str, shops: list[str],
                 presence_rows: str) -> None:
        self.con, self.settings, self.db, self.shops = con, settings, db, shops
        self.owners = f"shop IN ({', '.join(lit(s) for s in shops)})"
        self.presence_rows = presence_rows  # the condition that cuts presence (and online hours) to the shops
        self.shadows: list[str] = []
        self.temps: list[str] = []

    # --- instants and shadows ---------------------------------------------------------------------------

    def _shadow(self, name: str, where: str, of_shop: bool = True) -> None:
        """Define a temp view `name` over the stored table of that name, cut to `where` (and the shops)."""
        cond = f"{self.owners} AND ({where})" if of_shop else where
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {self.db}.main.{name} WHERE {cond}")
        self.shadows.append(name)

    def _step(self, calendar: tuple[dt.date, dt.date], shadows: list[tuple[str, str]],
              pairs: list[tuple[str, str]], day_col: str, kept: tuple[dt.date, dt.date]) -> None:
        """One step: the engine over `calendar`, the shadows, the models built, their rows of `kept` stored."""
        self._engine(*calendar)
        for name, where in shadows:
            self._shadow(name, where, of_shop=name not in _UNSCOPED)
        self._build(pairs)
        self._store(pairs, day_col, *kept)

    def _days(self, column: str, lo: dt.date, hi: dt.date) -> str:
        return f"{column} BETWEEN DATE '{lo}' AND DATE '{hi}'"

    def _instants(self, column: str, lo: dt.date, hi: dt.date) -> str:
        return instants_sql(column, self.settings.timezone, lo, hi)

    def _build(self, pairs: list[tuple[str, str]]) -> None:
        """The models' SQL into temp tables (views where the model is one), in order."""
        for name, scope in pairs:
            model = MODELS_BY_NAME[name]
            table = model.table(scope)
            kind = "VIEW" if model.is_view(scope) else "TABLE"
            sql = render(model, self.settings, scope or "account")
            self.con.execute(f"CREATE OR REPLACE TEMP {kind} {table} AS\n{sql}")
            self.temps.append(f"{kind} {table}")

    def _store(self, pairs: list[tuple[str, str]], day_col: str, lo: dt.date, hi: dt.date) -> None:
        """Replace the stored rows of days lo..hi (of day_col) with the temp rows of those days."""
        for name, scope in pairs:
            table = MODELS_BY_NAME[name].table(scope)
            days = self._days(day_col, lo, hi)
            if name == "online_hours":  # keyed by account, not shop
                owner = f"account IN (SELECT DISTINCT account FROM {self.db}.main.presence WHERE {self.presence_rows})"
            else:
                owner = self.owners
            self.con.execute(f"DELETE FROM {self.db}.main.{table} WHERE {owner} AND {days}")
            self.con.execute(f"INSERT INTO {self.db}.main.{table} SELECT * FROM temp.main.{table} WHERE {days}")

    def _clear(self) -> None:
        """Drop the step's temp tables and shadows, so the next step reads the stored facts."""
        for item in reversed(self.temps):
            self.con.execute(f"DROP {item.split()[0]} IF EXISTS temp.main.{item.split()[1]}")
        for name in reversed(self.shadows):
            self.con.execute(f"DROP VIEW IF EXISTS temp.main.{name}")
        self.temps, self.shadows = [], []

    def _engine(self, lo: dt.date, hi: dt.date) -> None:
        """The engine's functions and a calendar of the days lo..hi."""
        DuckDBEngine(self.con, self.settings, first_day=lo, last_day=hi).define()
        self.temps += ["TABLE calendar", "VIEW msgs"]
        self.con.execute("CREATE OR REPLACE TEMP VIEW msgs AS\n" + render(MODELS_BY_NAME["msgs"], self.settings))

    # --- the steps --------------------------------------------------------------------------------------

    def run(self, lo: dt.date, hi: dt.date) -> None:
        """Recompute every stored fact of the shops that rows on days lo..hi can change."""
        w = dt.timedelta(days=self.settings.conversion_window_days)
        self._step((lo, hi), [("messages", self._instants("ts", lo, hi)), ("accounts", "TRUE"),
                              ("blocklist", "TRUE"), ("shop_accounts", "TRUE"), ("presence", self.presence_rows)],
                   STEP_A, "day", (lo, hi))
        self._clear()
        days = self._days("day", lo, hi)
        self._step((lo, hi), [("conversations_account", days), ("conversations_shop", days),
                              ("evaluations", f"({self._instants('invited_at', lo, hi)}) OR "
                                              f"({self._instants('rated_at', lo, hi)})")],
                   STEP_E, "day", (lo, hi))
        self._clear()
        talks = self._days("day", lo - 2 * w, hi + 2 * w)
        self._step((lo - 2 * w, hi + 2 * w),
                   [(name, talks) for name in ("conversations_account", "conversations_shop", "conv_msgs_account",
                                               "conv_msgs_shop")]
                   + [("orders", self._instants("created_at", lo - 2 * w, hi + 3 * w))],
                   STEP_B, "day", (lo - w, hi + w))
        self._clear()
        self._step((lo - w, hi + w), [("conversations_shop", self._days("day", lo - w, hi + w)),
                                      ("orders", self._instants("created_at", lo, hi + w))],
                   [("order_days", "")], "created_day", (lo, hi + w))
        paid = self.con.execute("SELECT max(paid_day) FROM temp.main.order_days").fetchall()[0][0]
        self._clear()
        end = max(hi + w, paid or hi)
        self._step((lo, end), [("messages", self._instants("ts", lo, end)),
                               ("order_days", f"{self._days('created_day', lo, end)} OR "
                                              f"{self._days('paid_day', lo, end)}"),
                               ("shop_accounts", "TRUE"), ("online_hours", self._days("day", lo, end))],
                   STEP_D, "day", (lo, end))
        self._clear()
        back = dt.timedelta(days=AFTER_SALES_DAYS)
        first, last = lo - back, max(hi, end) + back
        self._step((first, last), [("order_days", self._days("paid_day", first, last)),
                                   ("refunds", f"({self._instants('created_at', first, last)}) OR "
                                               f"({self._instants('finished_at', first, last)})"),
                                   ("complaints", self._instants("created_at", first, last)),
                                   ("ratings", self._instants("rated_at", first, last)),
                                   ("shop_days", self._days("day", lo, last))],
                   [("after_sales", "")], "day", (lo, last))
        self._clear()
