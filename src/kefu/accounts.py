"""Accounts and shops found by the names a manager types: a full id, or a sub-account's short name when unique."""
from __future__ import annotations

import difflib

import duckdb

from kefu.reports.names import short_account

MAIN_ACCOUNT = "主账号"


class UnknownName(ValueError):
    """A typed account or shop that names no known one, or several: the message lists the candidates."""


def known_accounts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Every (shop, account) the warehouse knows: declared in accounts, or seen in messages."""
    rows = con.execute("SELECT shop, account FROM accounts UNION SELECT DISTINCT shop, account FROM messages "
                       "ORDER BY shop, account").fetchall()
    return [(str(shop), str(account)) for shop, account in rows]


def known_shops(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every shop the warehouse knows, from accounts, messages and orders."""
    rows = con.execute("SELECT shop FROM accounts UNION SELECT DISTINCT shop FROM messages "
                       "UNION SELECT DISTINCT shop FROM orders ORDER BY shop").fetchall()
    return [str(r[0]) for r in rows]


def closest_hint(text: str, names: list[str]) -> str:
    """The nearest names as a hint to append to an error (empty when none is near)."""
    close = difflib.get_close_matches(text, names, n=3, cutoff=0.4)
    return f"；最接近的：{'、'.join(close)} / closest: {', '.join(close)}" if close else ""


def resolve_account(con: duckdb.DuckDBPyConnection, text: str, shop: str | None = None) -> str:
    """The full account id a typed name means: the id itself, or the one sub-account (of shop) with that short name."""
    accounts = [(s, a) for s, a in known_accounts(con) if shop is None or s == shop]
    if any(a == text for _, a in accounts):
        return text
    matches = [a for s, a in accounts if short_account(s, a) == text]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise UnknownName(f"客服账号 {text} 不唯一：{'、'.join(matches)}，请写全 店铺:子账号（或加 --shop）"
                          f" / account {text} is ambiguous: {', '.join(matches)}")
    names = [a for _, a in accounts] + sorted({short_account(s, a) for s, a in accounts} - {MAIN_ACCOUNT})
    raise UnknownName(f"未知客服账号 {text}{closest_hint(text, names)} / unknown account {text}")


def resolve_shop(con: duckdb.DuckDBPyConnection, text: str) -> str:
    """A typed shop name checked against the warehouse's shops."""
    shops = known_shops(con)
    if text in shops:
        return text
    raise UnknownName(f"未知店铺 {text}{closest_hint(text, shops)} / unknown shop {text}")
