"""Stored facts at scale: a day's report and a day's import on a month of history, against that day alone.

    python -m bench.facts [--messages 2000000]

Measured in one run, each figure the best of --repeat runs: importing the month (facts included); one more
day into the month's other days against that day into an empty warehouse; a one-day report (both grains) on
the month against the same report on a warehouse holding only that day; the full report from the stored facts
against the same report computed on the fly from the canonical rows (as before facts were stored).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bench.generate import generate
from kefu.config import Settings
from kefu.engines.duckdb import DuckDBEngine
from kefu.ingest.canonical import import_paths
from kefu.metrics.compile import ReportSpec
from kefu.report import prepared_engine, run_report
from kefu.store import Warehouse

SETTINGS = Settings()
DAY_COLUMN = {"messages": "ts", "orders": "created_at", "presence": "start", "refunds": "created_at",
              "complaints": "created_at", "ratings": "rated_at"}


def split(tables: dict[str, pa.Table], day: str, root: Path) -> tuple[Path, Path, Path]:
    """Parquet folders: every row, the rows of `day` alone, and every row but those of `day`."""
    folders = (root / "all", root / "day", root / "rest")
    for folder in folders:
        folder.mkdir(parents=True)
    for name, table in tables.items():
        col = DAY_COLUMN.get(name)
        on_day = pc.starts_with(table.column(col), day) if col else None
        pq.write_table(table, folders[0] / f"{name}.parquet")
        pq.write_table(table.filter(on_day) if col else table, folders[1] / f"{name}.parquet")
        pq.write_table(table.filter(pc.invert(on_day)) if col else table, folders[2] / f"{name}.parquet")
    return folders


def best(repeat: int, run: Callable[[], Any]) -> float:
    """The fastest of `repeat` timed runs of run()."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    return min(times)


def imported(folders: list[Path], db: Path) -> float:
    """Seconds to import the folders, one import each, into a new warehouse at db (the last one timed)."""
    db.unlink(missing_ok=True)
    with Warehouse.open(db) as wh:
        for folder in folders[:-1]:
            import_paths(wh, [folder], SETTINGS)
        t = time.perf_counter()
        import_paths(wh, [folders[-1]], SETTINGS)
        return time.perf_counter() - t


def day_report(db: Path, day: Any, settings: Settings = SETTINGS, pruned: bool = True) -> None:
    """Both grains for one day; settings other than the stored facts' build the models on the fly."""
    with Warehouse.open(db, read_only=True) as wh:
        engine = prepared_engine(wh.con, settings, *((day, day) if pruned else (None, None)))
        for grain in ("account_day", "shop_day"):
            run_report(wh.con, ReportSpec(grain, day_from=day, day_to=day), settings, engine)


def full_report(db: Path, stored: bool) -> None:
    with Warehouse.open(db, read_only=True) as wh:
        if stored:
            engine = prepared_engine(wh.con, SETTINGS)
        else:
            engine = DuckDBEngine(wh.con, SETTINGS)
            engine.prepare()
        for grain in ("account_day", "shop_day"):
            run_report(wh.con, ReportSpec(grain), SETTINGS, engine)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="kefu-bench-facts-"))
    try:
        tables = generate(args.messages)
        last = pc.max(pc.utf8_slice_codeunits(tables["messages"].column("ts"), 0, 10)).as_py()
        all_dir, day_dir, rest_dir = split(tables, last, root)
        month, alone = root / "month.duckdb", root / "day.duckdb"
        figures: dict[str, float] = {"messages": tables["messages"].num_rows}
        figures["import_month_s"] = imported([all_dir], month)
        figures["import_day_alone_s"] = min(imported([day_dir], alone) for _ in range(args.repeat))
        figures["import_day_on_month_s"] = min(imported([rest_dir, day_dir], root / "grow.duckdb")
                                               for _ in range(max(1, args.repeat - 1)))
        imported([day_dir], alone)
        day = dt.date.fromisoformat(last)
        figures["day_report_month_s"] = best(args.repeat, lambda: day_report(month, day))
        figures["day_report_alone_s"] = best(args.repeat, lambda: day_report(alone, day))
        other = Settings(attribution="first_touch")
        figures["day_other_settings_month_s"] = best(args.repeat, lambda: day_report(month, day, other))
        figures["day_other_settings_alone_s"] = best(args.repeat, lambda: day_report(alone, day, other))
        figures["day_other_settings_unpruned_s"] = best(1, lambda: day_report(month, day, other, pruned=False))
        figures["full_report_facts_s"] = best(args.repeat, lambda: full_report(month, True))
        figures["full_report_on_the_fly_s"] = best(1, lambda: full_report(month, False))
        figures["day_report_ratio"] = figures["day_report_month_s"] / figures["day_report_alone_s"]
        figures["day_other_settings_ratio"] = (figures["day_other_settings_month_s"]
                                               / figures["day_other_settings_alone_s"])
        figures["day_import_ratio"] = figures["import_day_on_month_s"] / figures["import_day_alone_s"]
        figures["facts_speedup"] = figures["full_report_on_the_fly_s"] / figures["full_report_facts_s"]
        for key, value in figures.items():
            print(f"{key:28s} {value:,.3f}" if isinstance(value, float) else f"{key:28s} {value:,}")
        print(json.dumps(figures))
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
