"""Which shops and days of stored facts a change of canonical rows can reach."""
from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np

from kefu.tz import utc_to_local

DayRange = tuple[dt.date, dt.date]
Touched = dict[str, "DayRange | None"]
"""Per shop, the range of local days changed rows name; None when every day of the shop may change."""

# The time columns whose local days say which facts a canonical row can change; a table without any
# (accounts, blocklist) changes every day of its shop.
DAY_COLUMNS: dict[str, tuple[str, ...]] = {
    "messages": ("ts",), "orders": ("created_at", "paid_at"), "refunds": ("created_at", "finished_at"),
    "complaints": ("created_at",), "ratings": ("rated_at",), "presence": ("start", "end"),
    "evaluations": ("invited_at", "rated_at"),
}

# The shops of a presence row's account: the one that lists it, those that talk through it, and, for an
# account no shop lists, the one whose main nick it extends.
_PRESENCE_OWNERS = (
    "(SELECT account, shop FROM accounts UNION SELECT DISTINCT m.account, m.shop FROM messages m "
    "SEMI JOIN {relation} t ON t.account = m.account UNION SELECT t.account, split_part(t.account, ':', 1) "
    "FROM {relation} t WHERE t.account NOT IN (SELECT account FROM accounts))")


def touched_days(con: duckdb.DuckDBPyConnection, relation: str, table: str, timezone: str) -> Touched:
    """The shops and local days whose facts the rows of relation (canonical columns of table) can change."""
    columns = DAY_COLUMNS.get(table)
    if columns is None:
        return {s: None for (s,) in con.execute(f"SELECT DISTINCT shop FROM {relation} r").fetchall()}
    source = f"{relation} r"
    if table == "presence":
        source = f"{relation} r JOIN {_PRESENCE_OWNERS.format(relation=relation)} o USING (account)"
    # The local day grows with the instant, so the first and last instants give the first and last days.
    cols = [f"r.{c}" for c in columns]
    lo = f"least({', '.join(cols)})" if len(cols) > 1 else cols[0]
    hi = f"greatest({', '.join(cols)})" if len(cols) > 1 else cols[0]
    whole = "FALSE"
    if table == "presence":  # an account's first intervals turn its online hours from null to a figure
        whole = "NOT EXISTS (SELECT 1 FROM presence p WHERE p.account = r.account)"
    elif table == "messages" and is_stored(con, "shop_accounts"):  # a new account may make buyers internal
        whole = "NOT EXISTS (SELECT 1 FROM shop_accounts s WHERE s.shop = r.shop AND s.account = r.account)"
    elif table == "messages":
        whole = "TRUE"
    shop = "o.shop" if table == "presence" else "r.shop"
    rows = con.execute(f"SELECT {shop}, min({lo}), max({hi}), bool_or({whole}) FROM {source} GROUP BY 1").fetchall()
    if not rows:
        return {}
    instants = np.array([t for r in rows for t in r[1:3]], dtype="datetime64[us]")
    days = utc_to_local(instants, timezone).astype("datetime64[D]").astype(dt.date)
    return {s: None if every else (days[2 * i], days[2 * i + 1]) for i, (s, _, _, every) in enumerate(rows)}


def merge_touched(a: Touched, b: Touched) -> Touched:
    """Both changes: ranges of a shop joined, None (every day) winning."""
    out = dict(a)
    for shop, rng in b.items():
        if shop not in out:
            out[shop] = rng
        elif (mine := out[shop]) is None or rng is None:
            out[shop] = None
        else:
            out[shop] = (min(mine[0], rng[0]), max(mine[1], rng[1]))
    return out


def is_stored(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """True when the warehouse (not a connection's temp objects) holds a table of that name."""
    rows = con.execute("SELECT 1 FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary "
                       "AND table_name = ?", [table]).fetchall()
    return bool(rows)
