"""One benchmark step per process (so its peak RSS is its own); prints its figures as one JSON line."""
from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from kefu.config import Settings
from kefu.ingest.canonical import import_paths
from kefu.metrics.compile import ReportSpec
from kefu.report import prepared_engine, run_report
from kefu.store import Warehouse

SETTINGS = Settings()
# The Spark step's driver (in local mode also its executors): room for the kept models of 10M messages.
SPARK_DRIVER_MEMORY = "6g"
# The standalone cluster's two one-core workers (on this machine): each executor's share of the rows.
CLUSTER_WORKER_MEMORY = "4g"
CLUSTER_EXECUTOR_MEMORY = "3g"


def _rss_gib() -> float:
    """This process's resident memory now (Linux /proc)."""
    with open("/proc/self/status", encoding="ascii") as f:
        kib = next(int(line.split()[1]) for line in f if line.startswith("VmRSS"))
    return kib / 2 ** 20


class Phases:
    """Seconds and peak resident memory of each phase of an import, told apart by its progress calls.

    A file is read (and parsed) before its first progress call, validated and written before its
    second; what follows the last one is the facts' recomputation.
    """

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.figures: dict[str, dict[str, float]] = {}
        self._peak = _rss_gib()
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            self._peak = max(self._peak, _rss_gib())

    def end(self, name: str) -> None:
        """Name the phase that ends now (its seconds and peak memory) and start the next one."""
        now = time.perf_counter()
        self.figures[name] = {"seconds": now - self.start, "rss_gib": max(self._peak, _rss_gib())}
        self.start, self._peak = now, _rss_gib()

    def progress(self, path: Path, done: int, total: int) -> None:
        """The importer's progress hook: the first call of a file ends its reading, the second its writing."""
        self.end(f"validate+write {path.stem}" if done else f"read {path.stem}")

    def finish(self) -> dict[str, dict[str, float]]:
        """The figures, the phase after the last file ending as the facts' recomputation."""
        self.end("facts")
        self._stop.set()
        return self.figures


def import_step(src: str, db: str) -> dict[str, Any]:
    """Import a canonical folder (CSV or Parquet) into a new warehouse, with each phase's time and memory."""
    Path(db).unlink(missing_ok=True)
    with Warehouse.open(db) as wh:
        phases = Phases()
        t = time.perf_counter()
        summary = import_paths(wh, [Path(src)], SETTINGS, progress=phases.progress)
        seconds = time.perf_counter() - t
        figures = phases.finish()
        rows = wh.con.execute("SELECT count(*) FROM messages").fetchone()[0]
    return {"seconds": seconds, "messages": rows, "rejected": len(summary.rejections), "phases": figures}


def report_step(db: str) -> dict[str, Any]:
    """Both grains, every KPI, from the warehouse's stored facts."""
    with Warehouse.open(db, read_only=True) as wh:
        t = time.perf_counter()
        engine = prepared_engine(wh.con, SETTINGS)
        account = run_report(wh.con, ReportSpec("account_day"), SETTINGS, engine)
        t_account = time.perf_counter() - t
        shop = run_report(wh.con, ReportSpec("shop_day"), SETTINGS, engine)
        seconds = time.perf_counter() - t
    return {"seconds": seconds, "account_day_seconds": t_account, "account_rows": len(account.rows),
            "shop_rows": len(shop.rows)}


def models_step(db: str) -> dict[str, Any]:
    """Seconds to build each model of both grains from the canonical rows, in build order (the facts' cost)."""
    from kefu.engines.duckdb import DuckDBEngine
    from kefu.metrics.compile import model_tables
    from kefu.models import build_order

    with Warehouse.open(db, read_only=True) as wh:
        engine = DuckDBEngine(wh.con, SETTINGS)
        engine.prepare()
        seconds: dict[str, float] = {}
        for model, scope in build_order(model_tables("account_day") + model_tables("shop_day")):
            t = time.perf_counter()
            engine.build([(model.name, scope or "account")])
            seconds[model.table(scope)] = time.perf_counter() - t
    return {"seconds": sum(seconds.values()), "models": seconds}


def pandas_step(db: str) -> dict[str, Any]:
    """The pandas baseline (timed from tables in memory), checked against kefu's account-day figures."""
    from bench.pandas_baseline import baseline

    with Warehouse.open(db, read_only=True) as wh:
        tables = {name: wh.con.execute(f"SELECT * FROM {name}").df()
                  for name in ("messages", "orders", "presence", "accounts", "blocklist")}
        t = time.perf_counter()
        got = baseline(tables, SETTINGS.timezone)
        seconds = time.perf_counter() - t
        want = run_report(wh.con, ReportSpec("account_day"), SETTINGS).rows
    want_rows = {(r["shop"], r["account"], r["day"]): r for r in want if r["inquiry_buyers"]}
    got_rows = {(r.shop, r.account, r.day.date().isoformat()): r for r in got.itertuples()}
    mismatches = 0
    for key, w in want_rows.items():
        g = got_rows.get(key)
        if g is None or not all(_same(w[k], getattr(g, k)) for k in ("reply_rate", "avg_response_s",
                                                                       "conversion_rate")):
            mismatches += 1
    mismatches += len(set(got_rows) - set(want_rows))
    return {"seconds": seconds, "rows": len(want_rows), "mismatches": mismatches}


def _same(want: Any, got: Any) -> bool:
    if want is None:
        return got is None or (isinstance(got, float) and math.isnan(got))
    return math.isclose(want, got, rel_tol=1e-9, abs_tol=1e-9)


def spark_step(db: str, parquet: str, where: str = "local") -> dict[str, Any]:
    """Export to Parquet, build the facts on Spark (local[2], driver memory bounded; or a standalone cluster of two
    one-core workers on this machine), then both grains from them, checked against DuckDB's rows; beside it DuckDB
    computing the same models from the canonical rows."""
    import shutil

    from kefu.engines.duckdb import DuckDBEngine
    from kefu.export import export_parquet

    shutil.rmtree(parquet, ignore_errors=True)
    with Warehouse.open(db, read_only=True) as wh:
        t = time.perf_counter()
        export_parquet(wh.con, Path(parquet))
        export_s = time.perf_counter() - t
        t = time.perf_counter()
        fly = DuckDBEngine(wh.con, SETTINGS)
        fly.prepare()
        want = {g: run_report(wh.con, ReportSpec(g), SETTINGS, fly).rows for g in ("account_day", "shop_day")}
        duckdb_s = time.perf_counter() - t
    if where == "local":
        figures = _spark_facts_and_reports(parquet, "local[2]", want)
    else:
        # The tests' cluster of a master and two workers, here with room for the benchmark's rows.
        from tests.engines.spark_cluster import standalone_cluster

        with tempfile.TemporaryDirectory() as root, standalone_cluster(
                Path(root), worker_memory=CLUSTER_WORKER_MEMORY, executor_memory=CLUSTER_EXECUTOR_MEMORY,
                small=False) as cluster:
            os.environ.update({k: v for k, v in cluster.env.items() if k.startswith(("SPARK_", "PYSPARK_"))})
            figures = _spark_facts_and_reports(parquet, cluster.master_url, want)
    return {**figures, "export_seconds": export_s, "duckdb_seconds": duckdb_s, "load_average": os.getloadavg()[0]}


def _spark_facts_and_reports(parquet: str, master: str, want: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The facts built anew on a new Spark session, then both grains read from them, compared with `want`."""
    from bench.spark_models import jvm_cpu_seconds
    from kefu.engines.spark import SparkEngine, spark_session
    from kefu.engines.spark_facts import build_facts, use_facts

    t = time.perf_counter()
    spark = spark_session(master, driver_memory=SPARK_DRIVER_MEMORY)
    start_s = time.perf_counter() - t
    t, cpu = time.perf_counter(), jvm_cpu_seconds()
    build_facts(spark, SETTINGS, Path(parquet), Path(parquet) / "facts", full=True)
    facts_s, facts_cpu = time.perf_counter() - t, jvm_cpu_seconds() - cpu
    t, cpu = time.perf_counter(), jvm_cpu_seconds()
    engine = SparkEngine.open(spark, SETTINGS, parquet)
    engine.prepare()
    assert use_facts(engine, parquet) == "", "the reports read the facts just built"
    got = {g: run_report(None, ReportSpec(g), SETTINGS, engine).rows for g in ("account_day", "shop_day")}
    reports_s, reports_cpu = time.perf_counter() - t, jvm_cpu_seconds() - cpu
    engine.close()
    spark.stop()
    same = all(len(want[g]) == len(got[g]) and all(
        all(w[k] == v[k] or (isinstance(w[k], float) and math.isclose(w[k], v[k], rel_tol=1e-12)) for k in w)
        for w, v in zip(want[g], got[g])) for g in want)
    return {"seconds": facts_s + reports_s, "facts_seconds": facts_s, "reports_seconds": reports_s,
            "cpu_seconds": facts_cpu + reports_cpu, "session_seconds": start_s, "same_rows": same}


STEPS = {"import": import_step, "report": report_step, "models": models_step, "pandas": pandas_step,
         "spark": spark_step}

if __name__ == "__main__":
    print(json.dumps(STEPS[sys.argv[1]](*sys.argv[2:])))
