"""DuckDB and Spark give the same rows: the spec examples and random shops, under several settings."""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kefu import pruning
from kefu.config import Settings
from kefu.engines.spark import SparkEngine
from kefu.export import export_parquet
from kefu.ingest.canonical import import_paths
from kefu.metrics.compile import ReportSpec
from kefu.report import run_report
from kefu.store import Warehouse
from tests.conftest import EXAMPLES
from tests.engines.random_shop import random_shop
from tests.test_examples import settings_for

# Every example's settings variants (as its expected files' names spell them), plus combinations that
# move every other switch: attribution, window, thresholds, session gap, and a zone with a DST change.
EXAMPLE_SETTINGS = sorted({settings_for(p) for p in EXAMPLES.glob("*/expected*.json")}, key=repr)
SETTINGS = EXAMPLE_SETTINGS + [
    Settings(attribution="all_touch", conversion_window_days=0, slow_threshold_s=5, fast_first_response_s=3,
             session_gap_s=60, timezone="America/New_York", platform_hours="08:00-23:00", platform_unit="message",
             platform_reply="agent_or_bot", platform_first_only=True, platform_cap_s=120,
             platform_unanswered="cap", platform_threshold_s=30),
]
# Day rows of both grains under every settings; periods and groups (settings-independent code) once.
DAY_SPECS = [ReportSpec("account_day"), ReportSpec("shop_day")]
PERIOD_SPECS = [ReportSpec("account_day", by="group", period="week"), ReportSpec("shop_day", period="month")]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Warehouse, Path]]:
    """One warehouse holding every spec example and three random shops, and its Parquet export."""
    root = tmp_path_factory.mktemp("parity")
    folders = sorted(p for p in EXAMPLES.iterdir() if p.is_dir())
    for seed in (1, 2, 3):
        random_shop(root / f"random{seed}", seed)
        folders.append(root / f"random{seed}")
    wh = Warehouse.open(root / "all.duckdb")
    for folder in folders:
        assert not import_paths(wh, [folder], Settings()).rejections, folder
    export_parquet(wh.con, root / "parquet")
    yield wh, root / "parquet"
    wh.close()


# Figures that sum or interpolate doubles (seconds, hours): their last bits depend on the order a
# distributed engine adds partial sums in, and Spark's percentile interpolates as (1-f)*lo + f*hi where
# DuckDB's quantile_cont takes lo + f*(hi-lo). Every other figure (counts, DECIMAL money, rates of
# counts, nulls) must be bit-for-bit equal.
DOUBLE_SUMS = frozenset({
    "avg_response_s", "median_response_s", "p90_response_s", "avg_first_response_s", "online_hours",
    "avg_online_hours", "avg_refund_hours_28d", "platform_avg_response_s",
})


def same(column: str, a: Any, b: Any) -> bool:
    """Equal: exactly, or to 1e-12 relative for the figures built from sums of doubles."""
    if column in DOUBLE_SUMS and isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: "-".join(
    f"{k}={v}" for k, v in s.as_dict().items() if v != Settings().as_dict()[k]) or "defaults")
def test_duckdb_and_spark_rows_are_the_same(warehouse: tuple[Warehouse, Path], spark: Any,
                                             settings: Settings) -> None:
    wh, parquet = warehouse
    engine = SparkEngine.open(spark, settings, str(parquet))
    try:
        assert engine.prepare()
        for spec in DAY_SPECS + (PERIOD_SPECS if settings == Settings() else []):
            want = run_report(wh.con, spec, settings).rows
            got = run_report(None, spec, settings, engine).rows
            assert len(got) == len(want) > 0, spec
            for w, g in zip(want, got):
                assert list(w) == list(g), spec
                diffs = {k: (w[k], g[k]) for k in w if not same(k, w[k], g[k])}
                assert not diffs, f"{spec} {[w[k] for k in list(w)[:3]]}: {diffs}"
    finally:
        engine.close()


def test_spark_reading_only_the_rows_a_day_range_needs_gives_the_same_rows(
        warehouse: tuple[Warehouse, Path], spark: Any) -> None:
    wh, parquet = warehouse
    settings = SETTINGS[-1]  # every switch moved, a zone with a DST change inside the range
    day_from, day_to = dt.date(2026, 3, 7), dt.date(2026, 3, 8)  # random shops' days, over New York's DST change
    engine = SparkEngine.open(spark, settings, str(parquet))
    try:
        assert engine.prepare()
        (stored,), = engine.fetch("SELECT count(*) FROM messages")[1]
        pruning.narrow(engine, day_from, day_to)
        (read,), = engine.fetch("SELECT count(*) FROM messages")[1]
        assert 0 < read < stored  # the other days' messages (the examples' November among them) are not read
        for grain in ("account_day", "shop_day"):
            spec = ReportSpec(grain, day_from=day_from, day_to=day_to)
            want = run_report(wh.con, spec, settings).rows
            got = run_report(None, spec, settings, engine).rows
            assert len(got) == len(want) > 0
            for w, g in zip(want, got):
                assert list(w) == list(g), spec
                diffs = {k: (w[k], g[k]) for k in w if not same(k, w[k], g[k])}
                assert not diffs, f"{spec} {[w[k] for k in list(w)[:3]]}: {diffs}"
    finally:
        engine.close()


def test_the_parity_data_has_every_kind_of_row(warehouse: tuple[Warehouse, Path]) -> None:
    wh, _ = warehouse
    rows = run_report(wh.con, ReportSpec("shop_day"), Settings()).rows
    shops = {r["shop"] for r in rows}
    assert {"随机店1", "随机店2", "随机店3"} <= shops and len(shops) >= 5
    for column in ("filtered_blocklist", "filtered_sub_account", "filtered_internal", "filtered_ad", "refunds_28d",
                   "paid_buyers", "silent_sales", "refunded_orders", "platform_rounds"):
        assert any(r[column] for r in rows), column
