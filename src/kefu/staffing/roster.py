"""A plan's requirement handed to the shift solver, and the roster read back as rows."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kefu.staffing.plan import Plan
from kefu.staffing.rows import weekday_name
from kefu.staffing.shifts import Requirement, Roster, Template, solve_roster


def requirement_of(plan: Plan) -> Requirement:
    """The agents to schedule per weekday (0 = Monday) and slot: the plan's needs after shrinkage."""
    needed = {(p.cell.weekday - 1, p.cell.slot): p.scheduled for p in plan.cells if p.scheduled}
    return Requirement(plan.demand.spec.interval_min, needed)


def roster_of_plan(plan: Plan, templates: Sequence[Template], time_limit_s: float = 10.0) -> Roster:
    """The roster with the fewest agent-hours covering the plan's scheduled agents."""
    return solve_roster(requirement_of(plan), templates, time_limit_s=time_limit_s)


def _clock(minutes: int) -> str:
    """'15:00' for minutes after midnight; past midnight as '次日 00:30'."""
    day, rest = divmod(minutes, 1440)
    text = f"{rest // 60:02d}:{rest % 60:02d}"
    return f"次日 {text}" if day else text


def roster_rows(roster: Roster, plan: Plan, templates: Sequence[Template],
                lang: str = "zh") -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The roster's assignments as rows, and the intervals it leaves short."""
    by_name = {t.name: t for t in templates}
    rows = []
    for a in roster.assignments:
        t = by_name[a.shift]
        rows.append({"weekday": weekday_name(a.weekday + 1, lang), "shift": a.shift,
                     "time": f"{_clock(t.start_min)}–{_clock(t.end_min)}", "agents": a.agents,
                     "hours": round(a.agents * t.hours, 2)})
    uncovered = [{"weekday": weekday_name(d + 1, lang), "interval": plan.demand.interval_label(slot), "short": short}
                 for d, slot, short in roster.uncovered]
    return rows, uncovered
