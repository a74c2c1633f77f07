"""Quality inspection (质检): rule files, a fast matcher, structural checks, findings stored per run.

Runs are kefu.qc.runner's (run_qc, QcRun), not exported here: the runner needs the engine, whose models need
kefu.filters, which needs this package's matcher — importing the runner here would close that loop.
"""
from __future__ import annotations

from kefu.qc.matcher import Hit, Matcher
from kefu.qc.rules import Rule, RuleError, RuleSet, load_rules
from kefu.qc.store import findings

__all__ = ["Hit", "Matcher", "Rule", "RuleError", "RuleSet", "findings", "load_rules"]
