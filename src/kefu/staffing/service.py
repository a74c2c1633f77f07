"""The staffing view reports and the web show: demand, plan and backtest under a shop's settings."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kefu.config import Settings, hours_seconds
from kefu.engines.duckdb import DuckDBEngine
from kefu.metrics.platform import platform_label
from kefu.staffing.backtest import WeekCheck, backtest
from kefu.staffing.demand import Demand, DemandSpec, measure
from kefu.staffing.plan import Plan, make_plan
from kefu.staffing.target import Target


@dataclass(frozen=True)
class StaffingView:
    """A plan with the demand it came from and how well the model matched the past weeks."""

    plan: Plan
    checks: tuple[WeekCheck, ...]

    @property
    def demand(self) -> Demand:
        """The measured demand behind the plan."""
        return self.plan.demand


def settings_target(settings: Settings, rate: float | None = None) -> Target:
    """The platform N-second rate of the settings at staffing_target_rate (or the rate given)."""
    return Target(rate=settings.staffing_target_rate if rate is None else rate,
                  within_s=float(settings.platform_threshold_s),
                  label=platform_label("platform_fast_rate", settings) or "")


def judged_hours(settings: Settings, all_hours: bool = False) -> tuple[int, int]:
    """The seconds of the day the platform judges (platform_hours), or the whole day."""
    hours = (0, 86400) if all_hours else hours_seconds(settings.platform_hours)
    assert hours is not None, "settings are validated when made"
    return hours


def settings_plan(demand: Demand, settings: Settings, target: Target, *, shrinkage: float | None = None,
                  max_occupancy: float | None = None, all_hours: bool = False, **options: Any) -> Plan:
    """The plan of a demand with the settings' shrinkage, occupancy and judged hours, unless given otherwise
    (options: concurrency, model, latency, progress, as make_plan takes them)."""
    return make_plan(demand, target, hours=judged_hours(settings, all_hours),
                     shrinkage=settings.staffing_shrinkage if shrinkage is None else shrinkage,
                     max_occupancy=settings.staffing_max_occupancy if max_occupancy is None else max_occupancy,
                     **options)


def checks_of(plan: Plan, settings: Settings) -> list[WeekCheck]:
    """The plan's backtest: its model, concurrency and latency at the platform threshold the measured rate counts
    (none when arrivals are inquiries, which the platform does not time)."""
    if plan.demand.spec.unit != "rounds":
        return []
    return backtest(plan.demand, settings.platform_threshold_s, plan.concurrency, plan.model, plan.latency)


def staffing_view(engine: DuckDBEngine, settings: Settings, spec: DemandSpec = DemandSpec(),
                  target: Target | None = None) -> StaffingView:
    """The Erlang C plan of the spec's demand at the settings' target, shrinkage and occupancy, with its backtest."""
    plan = settings_plan(measure(engine, settings, spec), settings, target or settings_target(settings))
    return StaffingView(plan, tuple(checks_of(plan, settings)))
