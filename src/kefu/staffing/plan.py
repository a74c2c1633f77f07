"""A staffing plan: the agents each weekday × interval needs to meet the target, beside those who were online."""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from kefu.staffing.demand import Cell, Demand
from kefu.staffing.model import Staffing, Traffic, needed
from kefu.staffing.target import Target

MIN_HANDLE_ARRIVALS = 20
"""A cell with fewer arrivals over the weeks takes the window's mean handle time: a handful of chats is noise."""


@dataclass(frozen=True)
class PlanCell:
    """One weekday × interval of the plan."""

    cell: Cell
    handle_s: float
    staffing: Staffing  # the agents needed (online, before shrinkage) and what they achieve
    scheduled: int  # agents to schedule so that `needed` are online after shrinkage
    judged: bool  # the interval starts within the platform's hours, where the target applies

    @property
    def required(self) -> int:
        """Agents needed online."""
        return self.staffing.agents

    @property
    def gap(self) -> float:
        """Agents online minus agents needed: below 0 a shortfall (缺口), above 0 a surplus (富余)."""
        return self.cell.agents_online - self.required


@dataclass(frozen=True)
class Plan:
    """The plan of a measured demand under a target and model."""

    demand: Demand
    target: Target
    model: str
    concurrency: int
    latency: bool
    shrinkage: float
    max_occupancy: float
    cells: tuple[PlanCell, ...]

    @property
    def interval_h(self) -> float:
        """The interval length in hours."""
        return self.demand.spec.interval_min / 60

    def unreachable(self) -> int:
        """Judged intervals with arrivals where no staffing meets the target (the reply latency alone misses it)."""
        return sum(1 for c in self.cells if c.judged and c.required and not c.staffing.reachable)

    def under_hours(self) -> float:
        """Agent-hours a week short of the need (缺口工时)."""
        return sum(max(0.0, -c.gap) for c in self.cells) * self.interval_h

    def over_hours(self) -> float:
        """Agent-hours a week online beyond the need (富余工时)."""
        return sum(max(0.0, c.gap) for c in self.cells) * self.interval_h

    def needed_hours(self) -> float:
        """Agent-hours a week to schedule (after shrinkage)."""
        return sum(c.scheduled for c in self.cells) * self.interval_h

    def online_hours(self) -> float:
        """Agent-hours a week that were online, on average over the weeks measured."""
        return sum(c.cell.agents_online for c in self.cells) * self.interval_h


def _mean_handle(demand: Demand) -> float:
    """The window's slot time per arrival (0 when nothing arrived)."""
    arrivals = sum(sd.arrivals for sd in demand.slot_days)
    return sum(sd.held_s for sd in demand.slot_days) / arrivals if arrivals else 0.0


def make_plan(demand: Demand, target: Target, *, concurrency: int | None = None, shrinkage: float = 0.3,
              max_occupancy: float = 0.85, model: str = "erlang", hours: tuple[int, int] = (0, 86400),
              latency: bool = True, progress: Callable[[int, int], None] | None = None) -> Plan:
    """Plan every weekday × interval of a measured demand; concurrency None takes the measured one.

    The target applies to the intervals that start within `hours` (seconds after local midnight, the
    platform_hours a platform judges); the others need nobody, as the platform counts nothing there.
    With latency, a reply also takes the agents' measured reply latency (demand.latency) after any wait.
    """
    if not 0 <= shrinkage < 1:
        raise ValueError(f"shrinkage 须在 0 与 1 之间 / shrinkage must be in [0, 1): {shrinkage}")
    if not 0 < max_occupancy <= 1:
        raise ValueError(f"max-occupancy 须在 0 与 1 之间 / max-occupancy must be in (0, 1]: {max_occupancy}")
    slots = concurrency or max(1, round(demand.concurrency))
    mean_handle = _mean_handle(demand)
    sample = demand.handle_sample() if model == "simulation" else ()
    out = []
    for i, cell in enumerate(demand.cells):
        judged = hours[0] <= cell.slot * demand.spec.interval_s < hours[1]
        handle = cell.handle_s if cell.handle_s is not None and cell.arrivals_mean * cell.days >= \
            MIN_HANDLE_ARRIVALS else mean_handle
        rate = cell.arrivals_mean / demand.spec.interval_s if judged else 0.0
        traffic = Traffic(rate, handle, slots, sample, demand.latency if latency else None)
        staffing = needed(traffic, target, max_occupancy, model)
        out.append(PlanCell(cell, handle, staffing, math.ceil(staffing.agents / (1 - shrinkage) - 1e-9), judged))
        if progress:
            progress(i + 1, len(demand.cells))
    return Plan(demand, target, model, slots, latency, shrinkage, max_occupancy, tuple(out))
