"""绩效方案 scorecards: plans in TOML, scores per agent or group over a period, bonuses in 元."""
from __future__ import annotations

from importlib import resources
from pathlib import Path

from kefu.scoring.plan import Plan, PlanError, load_plan
from kefu.scoring.score import Scorecard, parse_period, score


def example_plan(name: str) -> Path:
    """The path of a shipped example plan ('售前' or '售后')."""
    return Path(str(resources.files("kefu.scoring").joinpath("plans", f"{name}.toml")))


__all__ = ["Plan", "PlanError", "Scorecard", "example_plan", "load_plan", "parse_period", "score"]
