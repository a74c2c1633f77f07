"""kefu.explain: the rows behind a figure, with what only an explanation shows."""
from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kefu.config import Settings
from kefu.explain import explain
from kefu.metrics.catalog import METRICS_BY_ID
from kefu.metrics.compile import ReportSpec
from kefu.qc import load_rules
from kefu.qc.runner import run_qc
from kefu.report import run_report
from kefu.store import Warehouse
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


# How each measure's figure comes from the rows explain lists for it. Unlisted measures count their rows.
SUM_OF = {"agent_messages": "agent_messages", "buyer_messages": "buyer_messages", "inquiry_items": "items",
          "inquiry_sales": "amount", "total_sales": "amount", "silent_sales": "amount",
          "order_refund_amount": "refund_amount", "online_hours": "counted_hours",
          "online_hours_total": "counted_hours",
          "platform_response_s": "counted_s", "refund_hours_28d": "refund_hours", "score_sum_180d": "service_score",
          "emotion_change_sum": "change"}
MEAN_OF = {"avg_first_response_s": "first_response_s", "avg_response_s": "response_s"}
QUANTILE_OF = {"median_response_s": ("response_s", 0.5), "p90_response_s": ("response_s", 0.9)}
BUYERS_OF = {"paid_buyers", "ordered_buyers"}  # their rows are the credited orders: a buyer may have several


def _column(ev: Any, name: str) -> list[Any]:
    return [r[ev.columns.index(name)] for r in ev.rows]


def _reproduced(exp: Any, measure_id: str) -> Any:
    """A measure's figure computed from the rows explain lists for it."""
    ev = exp.rows_of(measure_id)
    if measure_id in SUM_OF:
        return sum(float(v) for v in _column(ev, SUM_OF[measure_id]) if v is not None)
    if measure_id in MEAN_OF:
        values = [float(v) for v in _column(ev, MEAN_OF[measure_id]) if v is not None]
        return sum(values) / len(values) if values else None
    if measure_id in QUANTILE_OF:
        column, q = QUANTILE_OF[measure_id]
        values = [float(v) for v in _column(ev, column) if v is not None]
        return float(np.quantile(values, q)) if values else None  # linear, as quantile_cont
    if measure_id in BUYERS_OF:
        return len(set(_column(ev, "buyer")))
    if measure_id == "qc_score":  # 100 − the day's deductions, floored at 0
        return max(0.0, 100.0 - sum(float(p) for p in _column(ev, "points")))
    if measure_id == "exam_score":  # the latest graded attempt
        scores = [s for s in _column(ev, "score") if s is not None]
        return scores[-1] if scores else None
    return len(ev.rows)


def _figure(con: Any, exp: Any, m: Any, grain: str) -> Any:
    """A metric's figure from explain's rows alone: measures reproduced, then ratios and formulas over them."""
    if m.id in exp.behind and (m.kind == "measure" or m.model):
        return _reproduced(exp, m.id)
    if m.kind == "ratio":
        num, den = _figure(con, exp, METRICS_BY_ID[(grain, m.num)], grain), \
            _figure(con, exp, METRICS_BY_ID[(grain, m.den)], grain)
        return None if num is None or not den else num / den
    if m.id in exp.behind:  # 询单流失: the lost buyers themselves
        return len(exp.rows_of(m.id).rows)
    values = {ref: _figure(con, exp, METRICS_BY_ID[(grain, ref)], grain) for ref in m.references()}
    sql = re.sub(r"\{(\w+)\}", lambda g: "NULL" if values[g[1]] is None else repr(float(values[g[1]])), m.formula)
    return con.execute(f"SELECT {sql}").fetchall()[0][0]


@pytest.fixture(scope="module")
def inspected(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:  # noqa: F811
    """The demo shop after a QC run with the shipped rules, so the QC figures have findings to list."""
    path = tmp_path_factory.mktemp("explained") / "demo.duckdb"
    shutil.copy(demo_db, path)
    with Warehouse.open(path) as wh:
        run_qc(wh.con, Settings(), load_rules())
        yield wh.con


def _keys(con: Any, grain: str) -> list[dict[str, Any]]:
    """Report rows to explain: the busiest account-days (and one with online time), a shop's first and last days."""
    rows = run_report(con, ReportSpec(grain=grain), Settings()).rows
    if grain == "shop_day":
        return [rows[0], rows[-1]]
    busiest = sorted(rows, key=lambda r: -(r["inquiry_buyers"] or 0))[:2]
    return busiest + [next(r for r in rows if r["online_hours"] and r["qc_findings"])]


@pytest.mark.parametrize("grain", ["account_day", "shop_day"])
def test_every_figure_is_reproduced_by_the_rows_explain_lists(inspected: Any, grain: str) -> None:
    # Hidden measures are not report columns: the figures built on them check them.
    ids = sorted(i for (g, i), m in METRICS_BY_ID.items() if g == grain and not m.hidden)
    for row in _keys(inspected, grain):
        who = {"account": row["account"]} if grain == "account_day" else {"shop": row["shop"]}
        for metric_id in ids:
            exp = explain(inspected, Settings(), metric_id, dt.date.fromisoformat(row["day"]), mask=False, **who)
            want = exp.value
            got = _figure(inspected, exp, exp.metric, grain)
            if want is None:  # null or zero: whether a figure with no rows is null is the report's rule, not theirs
                assert got in (None, 0), (metric_id, row["day"], got)
            else:
                assert got == pytest.approx(float(want)), (metric_id, row["day"], who)
