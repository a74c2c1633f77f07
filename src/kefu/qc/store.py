"""QC runs and findings in the warehouse: a run replaces the findings of its scope; reading masks buyers."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from kefu.privacy import mask_nick, mask_phones

FINDING_COLUMNS: tuple[str, ...] = (
    "run_id", "shop", "account", "buyer", "day", "ts", "msg_key", "rule_id", "rule_name", "category", "severity",
    "points", "matched", "text",
)
_ARROW_TYPES = {"day": pa.date32(), "ts": pa.timestamp("us"), "points": pa.float64()}


@dataclass(frozen=True)
class Scope:
    """The days (inclusive) and, optionally, the one account a run inspects."""

    day_from: dt.date
    day_to: dt.date
    account: str | None = None

    def where(self, alias: str = "") -> tuple[str, dict[str, Any]]:
        """A SQL condition selecting this scope's rows (day, account) and its parameters."""
        p = f"{alias}." if alias else ""
        cond = f"{p}day BETWEEN $day_from AND $day_to"
        params: dict[str, Any] = {"day_from": self.day_from, "day_to": self.day_to}
        if self.account is not None:
            cond += f" AND {p}account = $account"
            params["account"] = self.account
        return cond, params


def save_run(con: duckdb.DuckDBPyConnection, run_id: str, started_at: dt.datetime, rules: str, scope: Scope,
             rows: list[dict[str, Any]]) -> None:
    """Store a run and its findings in one transaction, replacing earlier findings of the same scope.

    Earlier runs wholly inside the scope are dropped; the others keep their rows outside it and
    their finding counts are brought up to date.
    """
    cond, params = scope.where()
    inside = "day_from >= $day_from AND day_to <= $day_to"
    if scope.account is not None:
        inside += " AND run_id IN (SELECT run_id FROM qc_run_accounts WHERE account = $account)"
    table = pa.table({c: pa.array([r.get(c) for r in rows], _ARROW_TYPES.get(c, pa.string()))
                      for c in FINDING_COLUMNS})
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM qc_findings WHERE {cond}", params)
        con.execute(f"DELETE FROM qc_runs WHERE {inside}", params)
        con.execute("DELETE FROM qc_run_accounts WHERE run_id NOT IN (SELECT run_id FROM qc_runs)")
        con.execute("UPDATE qc_runs SET findings = (SELECT count(*) FROM qc_findings f "
                    "WHERE f.run_id = qc_runs.run_id)")
        con.execute("INSERT INTO qc_runs (run_id, started_at, rules, day_from, day_to, findings) "
                    "VALUES (?, ?, ?, ?, ?, ?)", [run_id, started_at, rules, scope.day_from, scope.day_to, len(rows)])
        if scope.account is not None:
            con.execute("INSERT INTO qc_run_accounts VALUES (?, ?)", [run_id, scope.account])
        con.register("qc_new_findings", table)
        con.execute(f"INSERT INTO qc_findings ({', '.join(FINDING_COLUMNS)}) "
                    f"SELECT {', '.join(FINDING_COLUMNS)} FROM qc_new_findings")
        con.unregister("qc_new_findings")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def masked(row: dict[str, Any]) -> dict[str, Any]:
    """A finding with the buyer's nick and any phone number in its texts masked."""
    return {**row, "buyer": mask_nick(row["buyer"]), "matched": mask_phones(row["matched"]),
            "text": mask_phones(row["text"])}


def findings(con: duckdb.DuckDBPyConnection, day_from: dt.date | None = None, day_to: dt.date | None = None,
             account: str | None = None, mask: bool = True, *, run_id: str | None = None,
             category: str | None = None) -> list[dict[str, Any]]:
    """Stored findings, newest first (optionally of one run or category); buyers and phones masked unless told."""
    conds, params = ["TRUE"], {}
    for column, op, value in (("day", ">=", day_from), ("day", "<=", day_to), ("account", "=", account),
                              ("run_id", "=", run_id), ("category", "=", category)):
        if value is not None:
            name = f"p{len(params)}"
            conds.append(f"{column} {op} ${name}")
            params[name] = value
    cursor = con.execute(
        f"SELECT {', '.join(FINDING_COLUMNS)} FROM qc_findings WHERE {' AND '.join(conds)} "
        "ORDER BY ts DESC, shop, account, buyer, rule_id", params)
    rows = [dict(zip(FINDING_COLUMNS, r)) for r in cursor.fetchall()]
    return [masked(r) for r in rows] if mask else rows
