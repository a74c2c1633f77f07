"""绩效方案 scorecards: plans in TOML, scores per agent or group over a period, bonuses in 元."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from kefu.scoring.plan import Plan, PlanError, load_plan
from kefu.scoring.score import Scorecard, parse_period, score


def example_plan(name: str) -> Path:
    """The path of a shipped example plan ('售前', '售前-淘宝' or '售后')."""
    return Path(str(resources.files("kefu.scoring").joinpath("plans", f"{name}.toml")))


def example_plans() -> list[str]:
    """The names of the shipped example plans."""
    return sorted(p.name.removesuffix(".toml") for p in resources.files("kefu.scoring").joinpath("plans").iterdir()
                  if p.name.endswith(".toml"))


__all__ = ["Plan", "PlanError", "Scorecard", "example_plan", "example_plans", "load_plan", "parse_period", "score"]
