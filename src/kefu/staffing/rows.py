"""The staffing figures as rows and grids, with the column names managers read (Chinese first)."""
from __future__ import annotations

from typing import Any

from kefu.staffing.backtest import WeekCheck
from kefu.staffing.demand import Demand
from kefu.staffing.plan import Plan

WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

LABELS: dict[str, tuple[str, str]] = {
    "weekday": ("星期", "weekday"), "interval": ("时段", "interval"), "weeks": ("周数", "weeks"),
    "arrivals_mean": ("平均进线", "mean arrivals"), "arrivals_sd": ("进线标准差", "arrivals sd"),
    "arrivals_min": ("最少进线", "min arrivals"), "arrivals_max": ("最多进线", "max arrivals"),
    "handle_s": ("每次接待占用(秒)", "handle per arrival (s)"),
    "concurrency": ("人均同时接待", "chats per online agent"), "agents_online": ("平均在线人数", "agents online"),
    "required": ("需在线人数", "agents needed online"), "scheduled": ("需排班人数", "agents to schedule"),
    "service_level": ("预计达标率", "predicted service level"), "avg_wait_s": ("预计平均等待(秒)", "mean wait (s)"),
    "occupancy": ("预计占用率", "occupancy"), "gap": ("缺口(-)/富余(+)", "short (-) / surplus (+)"),
    "week_start": ("周起始", "week of"), "intervals": ("时段", "intervals"), "rounds": ("轮次", "rounds"),
    "measured": ("实测", "measured"), "predicted": ("预测", "predicted"),
    "shift": ("班次", "shift"), "time": ("上下班时间", "hours"), "agents": ("人数", "agents"),
    "hours": ("工时", "agent-hours"), "mae": ("时段误差", "interval MAE"),
    "noise": ("其中偶然误差", "of which chance"), "bias": ("偏差", "bias"),
    "judged": ("考核时段", "judged"), "reachable": ("目标可达", "target reachable"),
}

DEMAND_COLUMNS = ("weekday", "interval", "weeks", "arrivals_mean", "arrivals_sd", "arrivals_min", "arrivals_max",
                  "handle_s", "concurrency", "agents_online")
PLAN_COLUMNS = ("weekday", "interval", "arrivals_mean", "handle_s", "required", "scheduled", "service_level",
                "avg_wait_s", "occupancy", "agents_online", "gap", "judged",
                "reachable")
BACKTEST_COLUMNS = ("week_start", "intervals", "rounds", "measured", "predicted", "bias", "mae", "noise")


def label(column: str, lang: str = "zh") -> str:
    """A column's name in the language asked."""
    zh, en = LABELS[column]
    return zh if lang == "zh" else en


def weekday_name(weekday: int, lang: str = "zh") -> str:
    """周一 (or Mon) for ISO weekday 1."""
    return (WEEKDAYS_ZH if lang == "zh" else WEEKDAYS_EN)[weekday - 1]


def _round(value: float | None, places: int = 2) -> float | None:
    """A figure rounded for reading; None stays None."""
    return None if value is None else round(value, places)


def demand_rows(demand: Demand, lang: str = "zh") -> list[dict[str, Any]]:
    """One row per weekday × interval of the measured demand."""
    return [{
        "weekday": weekday_name(c.weekday, lang), "interval": demand.interval_label(c.slot), "weeks": c.days,
        "arrivals_mean": _round(c.arrivals_mean), "arrivals_sd": _round(c.arrivals_sd),
        "arrivals_min": c.arrivals_min, "arrivals_max": c.arrivals_max, "handle_s": _round(c.handle_s, 1),
        "concurrency": _round(c.concurrency), "agents_online": _round(c.agents_online),
    } for c in demand.cells]


def plan_rows(plan: Plan, lang: str = "zh") -> list[dict[str, Any]]:
    """One row per weekday × interval of the plan."""
    return [{
        "weekday": weekday_name(p.cell.weekday, lang), "interval": plan.demand.interval_label(p.cell.slot),
        "arrivals_mean": _round(p.cell.arrivals_mean), "handle_s": _round(p.handle_s, 1), "required": p.required,
        "scheduled": p.scheduled, "service_level": _round(p.staffing.service_level, 4),
        "avg_wait_s": _round(p.staffing.avg_wait_s, 1), "occupancy": _round(p.staffing.occupancy, 4),
        "agents_online": _round(p.cell.agents_online), "gap": _round(p.gap),
        "judged": p.judged, "reachable": p.staffing.reachable,
    } for p in plan.cells]


def backtest_rows(weeks: list[WeekCheck]) -> list[dict[str, Any]]:
    """One row per week of the backtest."""
    return [{"week_start": w.week_start.isoformat(), "intervals": w.intervals, "rounds": w.rounds,
             "measured": round(w.measured, 4), "predicted": round(w.predicted, 4), "bias": round(w.bias, 4),
             "mae": round(w.mae, 4), "noise": round(w.noise, 4)} for w in weeks]


SHOWN_ONLINE = 0.05
"""Fewer agents online on average than this (three minutes in an hour) is nobody, for what a grid shows."""


def busy_slots(plan: Plan) -> list[int]:
    """The intervals of the day worth a row: judged with arrivals on some weekday, or with someone online."""
    return sorted({p.cell.slot for p in plan.cells
                   if (p.judged and p.cell.arrivals_mean > 0) or p.cell.agents_online >= SHOWN_ONLINE})


def grid(plan: Plan) -> dict[tuple[int, int], Any]:
    """The plan's cells by (slot, weekday), for heatmaps."""
    return {(p.cell.slot, p.cell.weekday): p for p in plan.cells}
