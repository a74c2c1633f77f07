"""A QC run in brief: findings by category and severity, by account, and the worst conversations first."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

SEVERITY_ORDER = {"严重": 0, "一般": 1, "提示": 2}


@dataclass(frozen=True)
class Conversation:
    """One buyer's conversation with one account on one day, with the points its findings deduct."""

    shop: str
    account: str
    buyer: str
    day: str
    findings: int
    points: float
    rules: tuple[str, ...]  # the rule names it broke, most points first


@dataclass(frozen=True)
class QcBrief:
    """The counts a manager reads before the list of findings."""

    by_category: list[tuple[str, str, int]]  # (category, severity, findings), most first
    by_account: list[tuple[str, str, int, float]]  # (shop, account, findings, points), most points first
    worst: list[Conversation]  # most points first


def brief(rows: list[dict[str, Any]], worst: int = 10) -> QcBrief:
    """Summarise shown findings (kefu.cli.qc rows: time, shop, account, buyer, rule_name, category, severity…)."""
    categories = Counter((r["category"], r["severity"]) for r in rows)
    accounts: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0])
    talks: dict[tuple[str, str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        totals = accounts[(r["shop"], r["account"])]
        totals[0] += 1
        totals[1] += float(r["points"] or 0)
        talks[(r["shop"], r["account"], r["buyer"], r["time"][:10])].append(r)
    conversations = []
    for (shop, account, buyer, day), found in talks.items():
        found.sort(key=lambda f: -float(f["points"] or 0))
        names = tuple(dict.fromkeys(f["rule_name"] for f in found))
        conversations.append(Conversation(shop, account, buyer, day, len(found),
                                          sum(float(f["points"] or 0) for f in found), names))
    conversations.sort(key=lambda c: (-c.points, -c.findings, c.day, c.account, c.buyer))
    return QcBrief(
        by_category=sorted(((c, s, n) for (c, s), n in categories.items()),
                           key=lambda x: (-x[2], SEVERITY_ORDER.get(x[1], 9), x[0])),
        by_account=sorted(((s, a, int(t[0]), t[1]) for (s, a), t in accounts.items()),
                          key=lambda x: (-x[3], -x[2], x[0], x[1])),
        worst=conversations[:worst],
    )
