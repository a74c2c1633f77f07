"""The brief of a QC run: counts by category and account, the worst conversations first."""
from __future__ import annotations

from kefu.qc.summary import brief


def _finding(account: str, buyer: str, time: str, rule: str, category: str, severity: str, points: float) -> dict:
    return {"time": time, "shop": "店", "account": account, "buyer": buyer, "rule_name": rule,
            "category": category, "severity": severity, "points": points}


def test_brief_counts_and_ranks_conversations_by_points() -> None:
    rows = [
        _finding("店:甲", "b1", "2026-11-11 10:00:00", "未道别", "流程", "提示", 1),
        _finding("店:甲", "b1", "2026-11-11 10:05:00", "站外联系方式", "站外引流", "严重", 20),
        _finding("店:甲", "b1", "2026-11-12 09:00:00", "未道别", "流程", "提示", 1),  # another day: another talk
        _finding("店:乙", "b2", "2026-11-11 11:00:00", "顶撞买家", "语气", "严重", 10),
        _finding("店:乙", "b3", "2026-11-11 12:00:00", "未道别", "流程", "提示", 1),
    ]
    qc = brief(rows, worst=3)
    assert qc.by_category == [("流程", "提示", 3), ("站外引流", "严重", 1), ("语气", "严重", 1)]
    assert qc.by_account == [("店", "店:甲", 3, 22.0), ("店", "店:乙", 2, 11.0)]
    first = qc.worst[0]
    assert (first.buyer, first.day, first.findings, first.points) == ("b1", "2026-11-11", 2, 21.0)
    assert first.rules == ("站外联系方式", "未道别")  # the costliest rule first
    assert [(c.buyer, c.points) for c in qc.worst[1:]] == [("b2", 10.0), ("b3", 1.0)]  # ties: the earlier day
    assert brief([]).worst == [] and brief([]).by_category == []
