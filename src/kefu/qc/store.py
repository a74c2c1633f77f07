"""QC runs and findings in the warehouse: a run replaces the findings of its scope; reading masks buyers."""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from kefu.privacy import mask_nick, mask_phones

FINDING_COLUMNS: tuple[str, ...] = (
    "run_id", "shop", "account", "buyer", "day", "ts", "msg_key", "rule_id", "rule_name", "category", "severity",
    "points", "matched", "text", "finding_id",
)
# What identifies a finding across runs: the conversation, the rule, the message and what it matched.
_IDENTITY = ("shop", "account", "buyer", "day", "rule_id", "msg_key", "ts", "matched")
EMOTION_COLUMNS: tuple[str, ...] = (
    "run_id", "shop", "account", "buyer", "day", "buyer_messages", "start_score", "end_score", "low_score",
    "low_msg_key", "low_ts", "change", "worsened",
)
_ARROW_TYPES = {"day": pa.date32(), "ts": pa.timestamp("us"), "points": pa.float64(), "low_ts": pa.timestamp("us"),
                "buyer_messages": pa.int64(), "start_score": pa.float64(), "end_score": pa.float64(),
                "low_score": pa.float64(), "change": pa.float64(), "worsened": pa.bool_()}


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


def finding_id(row: dict[str, Any]) -> str:
    """A short stable id of a finding: a repeated run finds the same finding under the same id."""
    text = "\x1f".join("" if row.get(k) is None else str(row[k]) for k in _IDENTITY)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def _arrow(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> pa.Table:
    return pa.table({c: pa.array([r.get(c) for r in rows], _ARROW_TYPES.get(c, pa.string())) for c in columns})


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    con.register("qc_new_rows", _arrow(columns, rows))
    con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM qc_new_rows")
    con.unregister("qc_new_rows")


def save_run(con: duckdb.DuckDBPyConnection, run_id: str, started_at: dt.datetime, rules: str, scope: Scope,
             rows: list[dict[str, Any]], emotions: list[dict[str, Any]]) -> None:
    """Store a run, its findings and its conversations' emotions in one transaction, replacing the same scope's.

    Earlier runs wholly inside the scope are dropped; the others keep their rows outside it and
    their finding counts are brought up to date.
    """
    cond, params = scope.where()
    inside = "day_from >= $day_from AND day_to <= $day_to"
    if scope.account is not None:
        inside += " AND run_id IN (SELECT run_id FROM qc_run_accounts WHERE account = $account)"
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM qc_findings WHERE {cond}", params)
        con.execute(f"DELETE FROM qc_emotions WHERE {cond}", params)
        con.execute(f"DELETE FROM qc_runs WHERE {inside}", params)
        con.execute("DELETE FROM qc_run_accounts WHERE run_id NOT IN (SELECT run_id FROM qc_runs)")
        con.execute("UPDATE qc_runs SET findings = (SELECT count(*) FROM qc_findings f "
                    "WHERE f.run_id = qc_runs.run_id)")
        con.execute("INSERT INTO qc_runs (run_id, started_at, rules, day_from, day_to, findings) "
                    "VALUES (?, ?, ?, ?, ?, ?)", [run_id, started_at, rules, scope.day_from, scope.day_to, len(rows)])
        if scope.account is not None:
            con.execute("INSERT INTO qc_run_accounts VALUES (?, ?)", [run_id, scope.account])
        _insert(con, "qc_findings", FINDING_COLUMNS, rows)
        _insert(con, "qc_emotions", EMOTION_COLUMNS, [{**e, "run_id": run_id} for e in emotions])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def masked(row: dict[str, Any]) -> dict[str, Any]:
    """A finding with the buyer's nick and any phone number in its texts masked."""
    return {**row, "buyer": mask_nick(row["buyer"]), "matched": mask_phones(row["matched"]),
            "text": mask_phones(row["text"])}


READ_WITH: dict[str, str] = {"decision": "r.decision", "reviewer": "r.reviewer", "note": "r.note",
                             "emotion": "e.low_score"}
"""Read with each finding: its review (null until a manager decides) and its conversation's lowest buyer emotion."""
RISK_CATEGORY = "风险会话"
"""The category whose list ranks by the buyer's emotion, most negative first."""


def findings(con: duckdb.DuckDBPyConnection, day_from: dt.date | None = None, day_to: dt.date | None = None,
             account: str | None = None, mask: bool = True, *, run_id: str | None = None,
             category: str | None = None, rule_id: str | None = None,
             decision: str | None = None) -> list[dict[str, Any]]:
    """Stored findings with their reviews, newest first; buyers and phones masked unless told.

    decision filters by review: confirmed, dismissed, or pending (not reviewed yet). The risk conversations
    (category 风险会话) come most upset buyer first.
    """
    conds: list[str] = ["TRUE"]
    params: dict[str, Any] = {}
    for column, op, value in (("f.day", ">=", day_from), ("f.day", "<=", day_to), ("f.account", "=", account),
                              ("f.run_id", "=", run_id), ("f.category", "=", category), ("f.rule_id", "=", rule_id)):
        if value is not None:
            name = f"p{len(params)}"
            conds.append(f"{column} {op} ${name}")
            params[name] = value
    if decision == "pending":
        conds.append("r.decision IS NULL")
    elif decision is not None:
        conds.append("r.decision = $decision")
        params["decision"] = decision
    columns = [f"f.{c}" for c in FINDING_COLUMNS] + list(READ_WITH.values())
    first = "e.low_score ASC NULLS LAST, " if category == RISK_CATEGORY else ""
    cursor = con.execute(
        f"SELECT {', '.join(columns)} FROM qc_findings f LEFT JOIN qc_reviews r USING (finding_id) "
        "LEFT JOIN qc_emotions e ON e.shop = f.shop AND e.account = f.account AND e.buyer = f.buyer AND e.day = f.day "
        f"WHERE {' AND '.join(conds)} ORDER BY {first}f.ts DESC, f.shop, f.account, f.buyer, f.rule_id", params)
    rows = [dict(zip((*FINDING_COLUMNS, *READ_WITH), r)) for r in cursor.fetchall()]
    return [masked(r) for r in rows] if mask else rows
