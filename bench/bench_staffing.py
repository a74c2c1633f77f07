"""Staffing at scale: demand from the stored facts against the same demand rebuilt from the canonical rows.

    python -m bench.bench_staffing [--messages 10000000] [--repeat 3] [--db PATH]

Measured in one run, each figure the best of --repeat runs, on the generated shops (bench/generate.py: 28 days,
one shop per 500,000 messages): the import (facts included, once); 4 weeks of one shop's demand and of every
shop's, read from the stored facts; the same one-shop demand with the models built on the fly (a fact setting
that differs), the cost the stored facts save; the Erlang C plan of a week (336 intervals), the CP-SAT roster
of that plan with the shipped templates, and one interval simulated by ciw.
"""
from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bench.facts import best
from bench.generate import generate, write
from kefu.config import Settings
from kefu.ingest.canonical import import_paths
from kefu.report import prepared_engine
from kefu.staffing.demand import DemandSpec, measure
from kefu.staffing.model import Traffic, evaluate
from kefu.staffing.plan import make_plan
from kefu.staffing.roster import roster_of_plan
from kefu.staffing.service import settings_target
from kefu.staffing.shifts import load_templates, shipped_templates
from kefu.store import Warehouse

SETTINGS = Settings()


def demand_of(db: Path, spec: DemandSpec, settings: Settings = SETTINGS):  # type: ignore[no-untyped-def]
    """The measured demand of a spec on a read-only warehouse."""
    with Warehouse.open(db, read_only=True) as wh:
        return measure(prepared_engine(wh.con, settings), settings, spec)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", type=Path, help="keep the warehouse here, and reuse it when it exists")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="kefu-bench-staffing-"))
    try:
        db = args.db or root / "shops.duckdb"
        figures: dict[str, float] = {}
        if not db.exists():
            tables = generate(args.messages)
            write(tables, root / "data", "parquet")
            del tables
            t = time.perf_counter()
            with Warehouse.open(db) as wh:
                import_paths(wh, [root / "data"], SETTINGS)
            figures["import_s"] = time.perf_counter() - t
        with Warehouse.open(db, read_only=True) as wh:
            figures["messages"] = wh.con.execute("SELECT count(*) FROM messages").fetchone()[0]
            shop = wh.con.execute("SELECT min(shop) FROM accounts").fetchone()[0]
        one = DemandSpec(shops=(shop,))
        figures["demand_one_shop_s"] = best(args.repeat, lambda: demand_of(db, one))
        figures["demand_all_shops_s"] = best(args.repeat, lambda: demand_of(db, DemandSpec()))
        rebuilt = replace(SETTINGS, conversion_window_days=2)  # a fact setting: the models are built on the fly
        figures["demand_one_shop_rebuilt_s"] = best(args.repeat, lambda: demand_of(db, one, rebuilt))
        demand = demand_of(db, one)
        target = settings_target(SETTINGS)
        figures["plan_erlang_s"] = best(args.repeat, lambda: make_plan(demand, target))
        plan = make_plan(demand, target)
        templates = load_templates(shipped_templates())
        t = time.perf_counter()
        roster = roster_of_plan(plan, templates)
        figures["roster_s"] = time.perf_counter() - t
        busiest = max(plan.cells, key=lambda c: c.cell.arrivals_mean)
        traffic = Traffic(busiest.cell.arrivals_mean / 1800, busiest.handle_s, plan.concurrency,
                          demand.handle_sample())
        figures["simulate_one_interval_s"] = best(args.repeat, lambda: evaluate(busiest.required, traffic, target,
                                                                                "simulation"))
        figures.update(arrivals_per_week=sum(c.cell.arrivals_mean for c in plan.cells),
                       scheduled_hours=plan.needed_hours(), roster_hours=roster.agent_hours,
                       roster_shortfall=roster.shortfall)
        figures["stored_vs_rebuilt"] = figures["demand_one_shop_rebuilt_s"] / figures["demand_one_shop_s"]
        print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}, indent=1))
        print(f"demand of one shop from the stored facts: {figures['demand_one_shop_s']:.3f} s "
              f"({figures['stored_vs_rebuilt']:.0f}× faster than rebuilding the models: "
              f"{figures['demand_one_shop_rebuilt_s']:.2f} s); every shop: {figures['demand_all_shops_s']:.3f} s")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
