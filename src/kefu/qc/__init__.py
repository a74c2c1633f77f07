"""Quality inspection (质检): rule files, a fast matcher, structural checks, findings stored per run."""
from __future__ import annotations

from typing import Any

from kefu.qc.matcher import Hit, Matcher
from kefu.qc.rules import Rule, RuleError, RuleSet, load_rules
from kefu.qc.store import findings

__all__ = ["Hit", "Matcher", "QcRun", "Rule", "RuleError", "RuleSet", "findings", "load_rules", "run_qc"]


def __getattr__(name: str) -> Any:
    # The runner needs the engine, whose models need kefu.filters, which needs this package's matcher:
    # importing the runner lazily keeps that chain free of a cycle.
    if name in ("run_qc", "QcRun"):
        from kefu.qc import runner

        return getattr(runner, name)
    raise AttributeError(name)
