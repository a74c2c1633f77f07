"""Where the Spark engine spends its time: each model of both reports built and run on its own, in build order.

    .venv/bin/python -m bench.spark_models EXPORT [--master local[2]] [--explain conv_msgs_account,...]

EXPORT is a `kefu export parquet` folder (bench/run.py leaves one per size in its data folder). Each model of
both reports is defined in build order the way the engine defines it for them (kept or a view, `keeps`), then
all of its rows are computed without moving them to Python, so a model's seconds are its own plus those of the
views it reads (which the engine does not keep); the two reports then run on the models. `--explain` prints, on
stderr, the physical plan Spark chose for the named tables' queries once they ran (adaptive execution's final
plan). Prints one JSON line; JVM CPU seconds beside wall seconds tell a plan's cost apart from a busy machine.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import time
from typing import Any

from kefu.config import Settings
from kefu.engines.spark import REUSE_ACCOUNT_ROWS, SparkEngine, keeps, spark_session, to_spark_sql, wanted_keys
from kefu.metrics.compile import ReportSpec, model_tables
from kefu.models import build_order, render
from kefu.report import run_report

GRAINS = ("account_day", "shop_day")


def jvm_cpu_seconds() -> float:
    """CPU seconds (user + system) used so far by this process's children, the Spark JVM among them (Linux /proc).

    Other work on a shared machine stretches wall time but not these, so they tell a plan's cost apart from load.
    """
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        ticks[int(entry)] = int(fields[11]) + int(fields[12])

    def descends(pid: int) -> bool:
        while pid > 1:
            pid = parents.get(pid, 0)
            if pid == os.getpid():
                return True
        return False

    return sum(t for pid, t in ticks.items() if descends(pid)) / os.sysconf("SC_CLK_TCK")


def plan_of(df: Any) -> str:
    """The formatted physical plan of a DataFrame (its final adaptive plan once it has run)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        df.explain("formatted")
    return out.getvalue()


def probe(data: str, master: str, explain: set[str]) -> dict[str, Any]:
    """Seconds per model and per report on one Spark session; the plans asked for on stderr."""
    settings = Settings()
    t = time.perf_counter()
    spark = spark_session(master)
    session_s = time.perf_counter() - t
    t0 = time.perf_counter()
    engine = SparkEngine.open(spark, settings, data)
    engine.prepare()
    prepare_s = time.perf_counter() - t0
    needed = [pair for grain in GRAINS for pair in model_tables(grain)]
    models: dict[str, float] = {}
    cpu: dict[str, float] = {}
    wanted = wanted_keys(needed)
    kept: list[str] = []
    for model, scope in build_order(needed, reuse=REUSE_ACCOUNT_ROWS):
        t, c = time.perf_counter(), jvm_cpu_seconds()
        table = model.table(scope)
        if keeps(model, scope, wanted):
            kept.append(table)
        engine.add(model, scope, table in kept)
        df = engine.spark.table(table)
        # Every row computed without moving it to Python: the one way to time a model that is not kept.
        df._jdf.queryExecution().toRdd().count()
        models[table] = time.perf_counter() - t
        cpu[table] = jvm_cpu_seconds() - c
        print(f"{table:32s} {models[table]:8.2f} s {cpu[table]:8.2f} CPU s{' kept' if table in kept else ''}",
              file=sys.stderr, flush=True)
        if table in explain:
            # A kept model's view is a scan of its rows: the plan that computed them is its query's, run again.
            query = engine.spark.sql(to_spark_sql(render(model, settings, scope or "account", REUSE_ACCOUNT_ROWS),
                                                  settings))
            query._jdf.queryExecution().toRdd().count()
            print(f"===== {table} ({models[table]:.1f} s, {'kept' if table in kept else 'view'})\n{plan_of(query)}",
                  file=sys.stderr)
    reports: dict[str, float] = {}
    rows: dict[str, int] = {}
    for grain in GRAINS:
        t, c = time.perf_counter(), jvm_cpu_seconds()
        rows[grain] = len(run_report(None, ReportSpec(grain), settings, engine).rows)
        reports[grain] = time.perf_counter() - t
        cpu[grain] = jvm_cpu_seconds() - c
        print(f"report {grain:25s} {reports[grain]:8.2f} s {cpu[grain]:8.2f} CPU s", file=sys.stderr, flush=True)
    total_s = time.perf_counter() - t0
    engine.close()
    spark.stop()
    return {"session_seconds": session_s, "prepare_seconds": prepare_s, "models": models, "reports": reports,
            "cpu_seconds": cpu, "kept": kept, "rows": rows, "seconds": total_s, "load_average": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", help="a kefu export parquet folder")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--explain", default="", help="tables whose physical plan to print, comma-separated")
    args = parser.parse_args()
    print(json.dumps(probe(args.data, args.master, {t for t in args.explain.split(",") if t})))


if __name__ == "__main__":
    main()
