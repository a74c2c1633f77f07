"""Recompute one shop's stored facts for a range of days its new rows touched, widened by what reaches across days.

The facts are recomputed in steps, each from the stored facts of the step before (shadowed by views cut to
the days the step needs, so the models' SQL runs unchanged) and each replacing the stored rows of its days:

A. days lo..hi: the message-day facts (filters, conversations, questions, concurrency, online hours);
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

AFTER_SALES_DAYS = 179  # the longest window after_sales reads back (ratings over D-179..D)

# (model, scope) of each step, in build order.
STEP_A = [("filtered_buyers", ""), ("conv_msgs", "account"), ("shared_days", ""), ("conv_msgs", "shared"),
          ("questions", "account"), ("questions", "shared"), ("conversations", "account"),
          ("conversations", "shared"), ("concurrency", ""), ("online_hours", "")]
STEP_B = [("credited_orders", "account"), ("credited_orders", "shop"), ("conversion", "account"),
          ("conversion", "shop")]
STEP_D = [("shop_days", ""), ("order_facts", ""), ("shop_online", "")]


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class RangeRefresh:
    """One shop's facts recomputed over the days lo..hi that its changed rows name."""

    def __init__(self, con: duckdb.DuckDBPyConnection, settings: Settings, db: str, shop: str,
                 presence_rows: str) -> None:
        self.con, self.settings, self.db, self.shop = con, settings, db, shop
        self.presence_rows = presence_rows  # the condition that cuts presence to the shop
        self.shadows: list[str] = []
        self.temps: list[str] = []

    # --- instants and shadows ---------------------------------------------------------------------------

    def _start(self, day: dt.date) -> str:
        """The UTC instant the shop-local day begins, as a SQL timestamp literal."""
        start = tz.day_start_utc([day], self.settings.timezone)[0]
        return f"TIMESTAMP '{start.isoformat(' ')}'"

    def _shadow(self, name: str, where: str) -> None:
        """Define a temp view `name` over the stored table of that name, cut to the shop and `where`."""
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {self.db}.main.{name} "
                         f"WHERE shop = {_lit(self.shop)} AND ({where})")
        self.shadows.append(name)

    def _days(self, column: str, lo: dt.date, hi: dt.date) -> str:
        return f"{column} BETWEEN DATE '{lo}' AND DATE '{hi}'"

    def _instants(self, column: str, lo: dt.date, hi: dt.date) -> str:
        return f"{column} >= {self._start(lo)} AND {column} < {self._start(hi + dt.timedelta(days=1))}"

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
                owner = f"shop = {_lit(self.shop)}"
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
        """Recompute every stored fact of the shop that rows on days lo..hi can change."""
        w = self.settings.conversion_window_days
        day = dt.timedelta(days=1)
        # A: message-day facts.
        self._engine(lo, hi)
        self._shadow("messages", self._instants("ts", lo, hi))
        self._shadow("accounts", "TRUE")
        self._shadow("blocklist", "TRUE")
        self._shadow("shop_accounts", "TRUE")
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW presence AS SELECT * FROM {self.db}.main.presence "
                         f"WHERE {self.presence_rows}")
        self.shadows.append("presence")
        self._build(STEP_A)
        self._store(STEP_A, "day", lo, hi)
        self._clear()
        # B: credited orders of inquiry days lo-w..hi+w.
        self._engine(lo - 2 * w * day, hi + 2 * w * day)
        for name in ("conversations_account", "conversations_shop", "conv_msgs_account", "conv_msgs_shop"):
            self._shadow(name, self._days("day", lo - 2 * w * day, hi + 2 * w * day))
        self._shadow("orders", self._instants("created_at", lo - 2 * w * day, hi + 3 * w * day))
        self._build(STEP_B)
        self._store(STEP_B, "day", lo - w * day, hi + w * day)
        self._clear()
        # C: orders created lo..hi+w.
        self._engine(lo - w * day, hi + w * day)
        self._shadow("conversations_shop", self._days("day", lo - w * day, hi + w * day))
        self._shadow("orders", self._instants("created_at", lo, hi + w * day))
        self._build([("order_days", "")])
        self._store([("order_days", "")], "created_day", lo, hi + w * day)
        paid = self.con.execute("SELECT max(paid_day) FROM temp.main.order_days").fetchall()[0][0]
        self._clear()
        # D: shop days, order figures and online hours of lo..end.
        end = max(hi + w * day, paid or hi)
        self._engine(lo, end)
        self._shadow("messages", self._instants("ts", lo, end))
        self._shadow("order_days", f"{self._days('created_day', lo, end)} OR {self._days('paid_day', lo, end)}")
        self._shadow("shop_accounts", "TRUE")
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW online_hours AS SELECT * FROM {self.db}.main.online_hours "
                         f"WHERE {self._days('day', lo, end)}")
        self.shadows.append("online_hours")
        self._build(STEP_D)
        self._store(STEP_D, "day", lo, end)
        self._clear()
        # F: the rolling after-sales figures of lo..end+179.
        last = max(hi, end) + AFTER_SALES_DAYS * day
        first = lo - AFTER_SALES_DAYS * day
        self._engine(first, last)
        self._shadow("order_days", self._days("paid_day", first, last))
        self._shadow("refunds", f"({self._instants('created_at', first, last)}) OR "
                                f"({self._instants('finished_at', first, last)})")
        self._shadow("complaints", self._instants("created_at", first, last))
        self._shadow("ratings", self._instants("rated_at", first, last))
        self._shadow("shop_days", self._days("day", lo, last))
        self._build([("after_sales", "")])
        self._store([("after_sales", "")], "day", lo, last)
        self._clear()
