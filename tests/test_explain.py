"""kefu.explain: the rows behind a figure, with what only an explanation shows."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kefu.config import Settings
from kefu.explain import explain
from kefu.metrics.compile import ReportSpec
from kefu.report import run_report
from tests.conftest import message_csv
from tests.reports.demo_shop import demo_con, demo_db  # noqa: F401  (the demo shop's fixtures)

D = "2026-11-11"
A = "店:甲"


def test_questions_are_numbered_within_their_conversation_before_the_measure_filters_them(make_shop) -> None:
    con = make_shop(messages=message_csv(
        f"b1|{A}|buyer|{D} 10:00:00", f"b1|{A}|agent|{D} 10:00:05", f"b1|{A}|buyer|{D} 10:01:00",
        f"b2|{A}|buyer|{D} 10:02:00",
    ))
    day = dt.date.fromisoformat(D)
    unanswered = explain(con, Settings(), "unanswered_questions", day, account=A, mask=False).evidence[0]
    numbers = {(r[unanswered.columns.index("buyer")], r[unanswered.columns.index("question_no")])
               for r in unanswered.rows}
    # b1's second question stays its second although the first (answered) one is filtered out.
    assert numbers == {("b1", 2), ("b2", 1)}
    every = explain(con, Settings(), "questions", day, account=A, mask=False).evidence[0]
    assert sorted((r[every.columns.index("buyer")], r[every.columns.index("question_no")]) for r in every.rows) == [
        ("b1", 1), ("b1", 2), ("b2", 1)]


def test_lost_buyers_lists_exactly_the_lost_ones(demo_con: Any) -> None:  # noqa: F811
    rows = [r for r in run_report(demo_con, ReportSpec(), Settings()).rows if r["lost_buyers"]][:12]
    assert rows
    for r in rows:
        day = dt.date.fromisoformat(r["day"])
        exp = explain(demo_con, Settings(), "lost_buyers", day, account=r["account"], mask=False)
        (lost,) = exp.evidence
        buyers = {b[lost.columns.index("buyer")] for b in lost.rows}
        assert len(lost.rows) == len(buyers) == r["lost_buyers"], (r["account"], r["day"])
        paid = explain(demo_con, Settings(), "paid_buyers", day, account=r["account"], mask=False).evidence[0]
        assert not buyers & {p[paid.columns.index("buyer")] for p in paid.rows}  # none of them paid


def test_online_hours_adds_up_its_presence_intervals(demo_con: Any) -> None:  # noqa: F811
    rows = [r for r in run_report(demo_con, ReportSpec(), Settings()).rows if r["online_hours"]][:8]
    assert rows
    for r in rows:
        exp = explain(demo_con, Settings(), "online_hours", dt.date.fromisoformat(r["day"]), account=r["account"])
        (intervals,) = exp.evidence
        hours = [i[intervals.columns.index("counted_hours")] for i in intervals.rows]
        assert sum(hours) == pytest.approx(r["online_hours"]) and all(h > 0 for h in hours)
        assert {i[intervals.columns.index("status")] for i in intervals.rows} <= {"online", "busy"}


def test_max_concurrent_lists_the_sessions_open_at_the_peak(demo_con: Any) -> None:  # noqa: F811
    rows = sorted((r for r in run_report(demo_con, ReportSpec(), Settings()).rows if r["max_concurrent"]),
                  key=lambda r: -r["max_concurrent"])[:8]
    assert rows and rows[0]["max_concurrent"] >= 2  # the demo shop has busy moments
    for r in rows:
        exp = explain(demo_con, Settings(), "max_concurrent", dt.date.fromisoformat(r["day"]), account=r["account"])
        (sessions,) = exp.evidence
        assert len(sessions.rows) == r["max_concurrent"], (r["account"], r["day"])
        start, end = sessions.columns.index("start"), sessions.columns.index("end")
        assert max(s[start] for s in sessions.rows) <= min(s[end] for s in sessions.rows)  # all open at one instant


@pytest.mark.parametrize("metric_id, column", [
    ("total_orders", None), ("paid_orders", None), ("refunded_orders", None),
    ("total_sales", "amount"), ("silent_sales", "amount"), ("order_refund_amount", "refund_amount"),
])
def test_order_figures_list_their_orders(demo_con: Any, metric_id: str, column: str | None) -> None:  # noqa: F811
    rows = run_report(demo_con, ReportSpec(grain="shop_day"), Settings()).rows[:5]
    for r in rows:
        exp = explain(demo_con, Settings(), metric_id, dt.date.fromisoformat(r["day"]), shop=r["shop"])
        orders = exp.evidence[0]
        if column is None:
            assert len(orders.rows) == r[metric_id], (metric_id, r["day"])
        else:
            total = sum(float(o[orders.columns.index(column)]) for o in orders.rows)
            assert total == pytest.approx(float(r[metric_id] or 0)), (metric_id, r["day"])


@pytest.mark.parametrize("metric_id", ["refund_rate_28d", "dispute_rate_28d", "complaint_rate_28d",
                                       "self_completion_rate_28d", "dsr_service_180d", "avg_refund_hours_28d"])
def test_rolling_after_sales_figures_are_reproduced_by_their_events(demo_con: Any, metric_id: str) -> None:  # noqa: F811
    last = run_report(demo_con, ReportSpec(grain="shop_day"), Settings()).rows[-1]
    exp = explain(demo_con, Settings(), metric_id, dt.date.fromisoformat(last["day"]), shop=last["shop"])
    if metric_id in ("dsr_service_180d", "avg_refund_hours_28d"):  # a mean of the listed values
        (events,) = exp.evidence
        column = "service_score" if metric_id == "dsr_service_180d" else "refund_hours"
        values = [r[events.columns.index(column)] for r in events.rows]
        assert sum(values) / len(values) == pytest.approx(last[metric_id])
    else:  # a ratio of two lists of events: its numerator's rows over its denominator's
        num, den = exp.metric.num, exp.metric.den
        rows = {ev.measure.id: len(ev.rows) for ev in exp.evidence}
        assert rows[num] / rows[den] == pytest.approx(last[metric_id]), rows
