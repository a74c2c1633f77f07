"""The staffing view reports and the web show: demand, plan and backtest under a shop's settings."""
from __future__ import annotations

from dataclasses import dataclass

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


def staffing_view(engine: DuckDBEngine, settings: Settings, spec: DemandSpec = DemandSpec(),
                  target: Target | None = None) -> StaffingView:
    """The Erlang C plan of the spec's demand at the settings' target, shrinkage and occupancy, with its backtest."""
    demand = measure(engine, settings, spec)
    goal = target or settings_target(settings)
    plan = make_plan(demand, goal, shrinkage=settings.staffing_shrinkage,
                     max_occupancy=settings.staffing_max_occupancy, hours=judged_hours(settings))
    checks = backtest(demand, settings.platform_threshold_s, plan.concurrency) if spec.unit == "rounds" else []

    return StaffingView(plan, tuple(checks))
