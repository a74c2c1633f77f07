"""A report computed on the fly (settings other than the stored facts') reads only the rows its days need.

Each pruned report must equal the same report over the whole history, cut to its days.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from kefu.config import Settings
from kefu.demo import generate_demo
from kefu.engines.duckdb import DuckDBEngine
from kefu.ingest import import_paths
from kefu.metrics.compile import ReportSpec
from kefu.report import prepared_engine, run_report
from kefu.reports.compare import with_previous
from kefu.store import Warehouse, catalog
from tests.conftest import EXAMPLES
from tests.engines import random_shop as random_shop_module
from tests.engines.random_shop import random_shop
from tests.test_facts import same_rows

START = dt.date(2026, 10, 25)  # the demo's days span the end of summer time in New York (2026-11-01)
DAYS = 21
RANDOM_START = random_shop_module.START.date()  # random shops: orders paid up to 3 days after they were made


@dataclass
class Shops:
    """A warehouse, the zone it was imported in, and the first day of its data."""

    wh: Warehouse
    zone: str
    start: dt.date


@pytest.fixture(scope="module", params=[("demo", "Asia/Shanghai"), ("demo", "America/New_York"),
                                        ("random", "America/New_York")])
def shops(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shops]:
    kind, zone = request.param
    root = tmp_path_factory.mktemp("pruning")
    if kind == "demo":
        generate_demo(root / "shop", days=DAYS, buyers_per_day=25, start=START)
        folders = [root / "shop"]
    else:
        folders = [root / f"s{seed}" for seed in (3, 4, 5)]
        for seed, folder in zip((3, 4, 5), folders):
            random_shop(folder, seed)
        # The examples add shops whose agents have presence rows on some days only, orders on others.
        folders += sorted(p for p in EXAMPLES.iterdir() if p.is_dir()) if EXAMPLES.is_dir() else []
    with Warehouse.open(root / "kefu.duckdb") as w:
        import_paths(w, folders, Settings(timezone=zone))
        yield Shops(w, zone, START if kind == "demo" else RANDOM_START)


def _whole_history(wh: Warehouse, spec: ReportSpec, settings: Settings) -> list[dict[str, object]]:
    cur = wh.con.cursor()
    engine = DuckDBEngine(cur, settings)
    assert engine.prepare()
    rows = run_report(None, spec, settings, engine).rows
    cur.close()
    return rows


@pytest.mark.parametrize("first, last", [(0, 0), (6, 6), (7, 13), (DAYS - 1, DAYS - 1), (0, DAYS - 1), (3, 17)])
@pytest.mark.parametrize("changed", [{"attribution": "first_touch", "conversion_window_days": 1},
                                     {"attribution": "last_touch", "conversion_window_days": 3},
                                     {"attribution": "all_touch", "conversion_window_days": 2}])
def test_a_pruned_report_equals_the_whole_history_cut_to_its_days(shops: Shops, first: int, last: int,
                                                                  changed: dict[str, object]) -> None:
    wh = shops.wh
    settings = Settings(timezone=shops.zone, **changed)  # type: ignore[arg-type]
    if shops.start == RANDOM_START:  # four days of talks, orders paid until the ninth
        first, last = first % 9, min(last % 9 + first % 9, 8)
    day_from, day_to = shops.start + dt.timedelta(days=first), shops.start + dt.timedelta(days=last)
    for grain in ("account_day", "shop_day"):
        spec = ReportSpec(grain=grain, day_from=day_from, day_to=day_to)
        cur = wh.con.cursor()
        engine = prepared_engine(cur, settings, day_from, day_to)
        assert engine.note, "these settings differ from the stored facts: the report is computed on the fly"
        pruned = run_report(None, spec, settings, engine).rows
        cur.close()
        assert same_rows(pruned, _whole_history(wh, spec, settings)), (grain, day_from, day_to)


def test_a_one_day_report_reads_only_the_days_around_it(shops: Shops) -> None:
    wh = shops.wh
    settings = Settings(timezone=shops.zone, attribution="first_touch")
    day = shops.start + dt.timedelta(days=2)
    cur = wh.con.cursor()
    engine = prepared_engine(cur, settings, day, day)
    (read,) = cur.execute("SELECT count(*) FROM messages").fetchone() or (0,)
    (stored,) = cur.execute(f"SELECT count(*) FROM {catalog(cur)}.main.messages").fetchone() or (0,)
    cur.close()
    assert 0 < read < stored
    if shops.start == START:  # the demo's 21 days: a window of days around the one asked, not the history
        assert read < stored / 3 and engine.last_day is not None and engine.last_day < START + dt.timedelta(days=6)


def test_compare_previous_on_the_fly_reads_the_previous_days_too(shops: Shops) -> None:
    settings = Settings(timezone=shops.zone, attribution="first_touch", conversion_window_days=2)
    day = shops.start + dt.timedelta(days=3)
    spec = ReportSpec(grain="shop_day", day_from=day, day_to=day)
    cur = shops.wh.con.cursor()
    compared = with_previous(cur, run_report(cur, spec, settings), settings).rows
    cur.close()
    before = _whole_history(shops.wh, ReportSpec(grain="shop_day", day_from=day - dt.timedelta(days=1),
                                                 day_to=day - dt.timedelta(days=1)), settings)
    assert compared and before
    by_shop = {r["shop"]: r for r in before}
    for row in compared:
        assert same_rows([{k[:-5]: v for k, v in row.items() if k.endswith("_prev")}],
                         [{k: v for k, v in by_shop[row["shop"]].items() if f"{k}_prev" in row}])


def test_a_pruned_report_knows_the_accounts_of_the_days_it_cut(make_shop: Any) -> None:
    """A buyer named as an account that talked only on another day is internal on a pruned day too (§1)."""
    day1, day2 = "2026-11-01", "2026-11-10"
    con = make_shop(messages="msg_id,shop,buyer,account,sender,ts,content\n"
                             f"m1,店,b1,kf01,buyer,{day1} 10:00:00,在吗\n"
                             f"m2,店,b1,kf01,agent,{day1} 10:00:10,在的\n"
                             f"m3,店,kf01,kf02,buyer,{day2} 10:00:00,测试一下\n"
                             f"m4,店,b2,kf02,buyer,{day2} 10:01:00,在吗\n")
    settings = Settings(attribution="first_touch")
    day = dt.date.fromisoformat(day2)
    cur = con.cursor()
    engine = prepared_engine(cur, settings, day, day)
    (read,) = cur.execute("SELECT count(*) FROM messages").fetchone() or (0,)
    assert engine.note and read == 2  # computed on the fly from the second day's messages alone
    (row,) = run_report(None, ReportSpec(grain="shop_day", day_from=day, day_to=day), settings, engine).rows
    cur.close()
    assert (row["filtered_internal"], row["inquiry_buyers"]) == (1, 1)
