"""Random shops with every setting moved, in a zone that changes its clocks: a day range read narrowed on either
engine gives, value for value and type for type, the rows DuckDB computes over the whole history."""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from typing import Any

import pytest

from kefu import pruning
from kefu.config import Settings
from kefu.ingest.canonical import import_paths
from kefu.metrics.compile import ReportSpec
from kefu.report import run_report
from kefu.store import Warehouse
from tests.engines.on_engine import OnDuckDB, OnEngine
from tests.engines.random_shop import random_shop

# Every switch away from its default (the examples run the defaults and their own settings), and a zone
# whose clocks move forward on 2026-03-08, inside the days reported.
SETTINGS = Settings(attribution="all_touch", conversion_window_days=0, slow_threshold_s=5, fast_first_response_s=3,
                    session_gap_s=60, timezone="America/New_York", platform_hours="08:00-23:00",
                    platform_unit="message", platform_reply="agent_or_bot", platform_first_only=True,
                    platform_cap_s=120, platform_unanswered="cap", platform_threshold_s=30)
DAY_FROM, DAY_TO = dt.date(2026, 3, 7), dt.date(2026, 3, 9)  # the random shops' days but their first
SPECS = [ReportSpec("account_day", day_from=DAY_FROM, day_to=DAY_TO),
         ReportSpec("shop_day", period="week", day_from=DAY_FROM, day_to=DAY_TO)]

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


@pytest.fixture(scope="module")
def whole_history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Warehouse, list[list[dict[str, Any]]]]]:
    """A warehouse of three random shops, and each spec's rows computed by DuckDB over all their rows."""
    root = tmp_path_factory.mktemp("random")
    wh = Warehouse.open(root / "random.duckdb")
    for seed in (1, 2, 3):
        random_shop(root / f"random{seed}", seed)
        # Read in the default zone: the shops' local times fall in New York's skipped hour too.
        assert not import_paths(wh, [root / f"random{seed}"], Settings()).rejections
    with OnDuckDB().opened(wh.con, SETTINGS) as whole:
        wants = [run_report(None, spec, SETTINGS, whole).rows for spec in SPECS]
    yield wh, wants
    wh.close()


def test_the_days_reported_have_every_kind_of_row(whole_history: tuple[Warehouse, list[list[dict[str, Any]]]]) -> None:
    _, (accounts, shops) = whole_history
    assert {r["shop"] for r in shops} == {"随机店1", "随机店2", "随机店3"}
    for column in ("filtered_blocklist", "filtered_sub_account", "filtered_internal", "filtered_ad", "refunds_28d",
                   "paid_buyers", "silent_sales", "refunded_orders", "platform_rounds"):
        assert any(r[column] for r in shops), column
    assert {r["day"] for r in accounts} == {"2026-03-07", "2026-03-08", "2026-03-09"}


def test_a_day_range_read_narrowed_gives_the_whole_historys_rows(
        whole_history: tuple[Warehouse, list[list[dict[str, Any]]]], engine: OnEngine) -> None:
    wh, wants = whole_history
    with engine.opened(wh.con, SETTINGS) as narrowed:
        (stored,), = narrowed.fetch("SELECT count(*) FROM messages")[1]
        pruning.narrow(narrowed, DAY_FROM, DAY_TO)
        (read,), = narrowed.fetch("SELECT count(*) FROM messages")[1]
        assert 0 < read < stored  # the first evening's messages are not read
        for spec, want in zip(SPECS, wants):
            got = run_report(None, spec, SETTINGS, narrowed).rows
            assert len(got) == len(want) > 0, spec
            for w, g in zip(want, got):
                assert list(w) == list(g), spec
                diffs = {k: (w[k], g[k]) for k in w if not same(k, w[k], g[k])}
                assert not diffs, f"{spec} {[w[k] for k in list(w)[:3]]}: {diffs}"
