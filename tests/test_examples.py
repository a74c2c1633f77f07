"""Golden cases: every folder of spec/examples reproduces its expected*.json rows exactly, on DuckDB and on Spark."""
from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

from kefu.config import Settings
from kefu.ingest.canonical import import_paths
from kefu.metrics.compile import ReportSpec
from kefu.store import Warehouse
from tests.conftest import EXAMPLES, SHARED
from tests.engines.on_engine import OnEngine

CASES = sorted(EXAMPLES.glob("*/expected*.json")) if EXAMPLES.exists() else []

# How an expected file's name spells the settings that differ from the defaults.
_TOKENS: list[tuple[str, str, type]] = [
    (r"(last_touch|first_touch|all_touch)", "attribution", str),
    (r"window(\d+)", "conversion_window_days", int),
    (r"slow(\d+)", "slow_threshold_s", int),
    (r"fast(\d+)", "fast_first_response_s", int),
    (r"gap(\d+)", "session_gap_s", int),
]


def settings_for(expected: Path) -> Settings:
    """The settings an expected file's name asks for: expected-first_touch-window2.json, …"""
    values: dict[str, Any] = {}
    for token in expected.stem.split("-")[1:]:
        for pattern, name, kind in _TOKENS:
            found = re.fullmatch(pattern, token)
            if found:
                values[name] = kind(found.group(1))
                break
        else:
            raise AssertionError(f"{expected.name}: unknown settings token {token!r}")
    return Settings(**values)


def same(want: Any, got: Any) -> bool:
    """Equal as the contract means it: nulls exactly, numbers to 1e-9 relative."""
    if want is None or got is None or isinstance(want, str):
        return want == got
    return math.isclose(want, got, rel_tol=1e-9, abs_tol=1e-9)


def test_the_examples_are_there() -> None:
    assert len(CASES) >= 3, f"no spec examples found under {EXAMPLES}"


@pytest.mark.skipif(not (SHARED / "spec" / "examples").is_dir(), reason="../shared/spec/examples is not here")
def test_the_copied_examples_are_the_specs() -> None:
    shared = SHARED / "spec" / "examples"
    files = sorted(p.relative_to(shared) for p in shared.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(EXAMPLES) for p in EXAMPLES.rglob("*") if p.is_file()), (
        "tests/data/examples differs from ../shared/spec/examples: copy the spec's examples again")
    changed = [f for f in files if (shared / f).read_bytes() != (EXAMPLES / f).read_bytes()]
    assert not changed, f"copy the spec's examples again: {changed}"


@pytest.mark.parametrize("expected", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_example_matches_expected_rows(expected: Path, tmp_path: Path, engine: OnEngine) -> None:
    settings = settings_for(expected)
    want = json.loads(expected.read_text(encoding="utf-8"))
    with Warehouse.open(tmp_path / "shop.duckdb") as wh:
        summary = import_paths(wh, [expected.parent], settings)
        assert not summary.rejections
        reports = engine.reports(wh.con, [ReportSpec(grain=grain) for grain in want], settings)
        for (grain, rows), report in zip(want.items(), reports):
            compare_rows(report.rows, rows, grain)


def compare_rows(got: list[dict[str, Any]], want: list[dict[str, Any]], label: str) -> None:
    """A report's rows equal an expected file's rows, matched by shop, account and day."""
    assert len(got) == len(want), label
    for g, w in zip(sorted(got, key=_key), sorted(want, key=_key)):
        # The contract's columns in its order; features' own metrics (QC, exams) follow, empty without data,
        # and so do the §7 platform figures, newer than the examples (tests/metrics/test_platform_rules.py).
        assert list(g)[:len(w)] == list(w), "columns and their order follow the contract"
        assert all(g[k] in (None, 0) for k in list(g)[len(w):] if not k.startswith("platform_")), label
        diffs = {k: (w[k], g[k]) for k in w if not same(w[k], g[k])}
        assert not diffs, f"{label} {_key(w)}: {diffs}"


def _key(row: dict[str, Any]) -> tuple[str, str, str]:
    return row["shop"], row.get("account", ""), row["day"]
