"""Managers' reviews of QC findings: confirm or dismiss by finding id, and each rule's precision over them."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

DECISIONS: dict[str, tuple[str, str]] = {"confirmed": ("确认", "confirmed"), "dismissed": ("驳回", "dismissed")}
"""The decisions a review records, with their Chinese and English words."""


def decision_word(decision: str | None, zh: bool = True) -> str | None:
    """A stored decision as people read it (None while a finding is not reviewed)."""
    return DECISIONS[decision][0 if zh else 1] if decision else None


class ReviewError(ValueError):
    """A review names findings that are not stored (or not the reviewer's to decide)."""


@dataclass(frozen=True)
class Precision:
    """How one rule's stored findings were reviewed."""

    confirmed: int
    dismissed: int
    pending: int

    @property
    def rate(self) -> float | None:
        """Confirmed ÷ reviewed; None until one of the rule's findings is reviewed."""
        reviewed = self.confirmed + self.dismissed
        return self.confirmed / reviewed if reviewed else None


def review(con: duckdb.DuckDBPyConnection, ids: list[str], decision: str | None, reviewer: str,
           note: str | None = None, allowed: Callable[[str, str], bool] | None = None) -> int:
    """Record a decision on stored findings (None withdraws it) in one transaction; returns how many.

    allowed(shop, account) says whether the reviewer may decide on that account's findings; a finding
    outside it reads as unknown, so nothing about other shops leaks.
    """
    if decision is not None and decision not in DECISIONS:
        raise ReviewError(f"复核结论应为 {' 或 '.join(DECISIONS)}，收到 {decision} / unknown decision")
    wanted = list(dict.fromkeys(ids))
    rows = con.execute("SELECT DISTINCT finding_id, shop, account, rule_id FROM qc_findings "
                       "WHERE list_contains($ids, finding_id)", {"ids": wanted}).fetchall()
    found = {r[0]: r for r in rows if allowed is None or allowed(r[1], r[2])}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise ReviewError(f"找不到质检发现 {'、'.join(missing)}（编号见 kefu qc findings 的“编号”列）"
                          f" / no stored finding {', '.join(missing)}")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM qc_reviews WHERE list_contains($ids, finding_id)", {"ids": wanted})
        if decision is not None:
            con.executemany("INSERT INTO qc_reviews VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            [[*found[i], decision, reviewer, note, now] for i in wanted])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return len(wanted)


def precision(con: duckdb.DuckDBPyConnection) -> dict[str, Precision]:
    """Per rule id, the stored findings confirmed, dismissed and not yet reviewed.

    Only findings still stored count: a review of a finding the rule no longer makes says nothing of the rule
    as it now runs.
    """
    rows = con.execute(
        "SELECT f.rule_id, count(*) FILTER (WHERE r.decision = 'confirmed'), "
        "count(*) FILTER (WHERE r.decision = 'dismissed'), count(*) FILTER (WHERE r.decision IS NULL) "
        "FROM qc_findings f LEFT JOIN qc_reviews r USING (finding_id) GROUP BY f.rule_id").fetchall()
    return {rule_id: Precision(int(c), int(d), int(p)) for rule_id, c, d, p in rows}
