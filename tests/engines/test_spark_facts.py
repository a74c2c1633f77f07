"""Facts on Spark: DuckDB's rows, a newer export rewrites only the partitions it reaches, reports read them."""
from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kefu import facts
from kefu.cli import app
from kefu.config import Settings
from kefu.engines.spark import SparkEngine
from kefu.engines.spark_facts import SPARK_FACTS, build_facts, use_facts
from kefu.engines.spark_facts_export import FACT_INPUTS, Leaf, read_manifest
from kefu.engines.spark_facts_touched import export_reach, fact_days, months
from kefu.export import EXPORT_TABLES, export_parquet
from kefu.ingest import import_paths
from kefu.metrics.compile import ReportSpec
from kefu.models import build_order, render
from kefu.models.lineage import parse, tables_read
from kefu.report import run_report
from kefu.sqltext import ident
from kefu.store import Warehouse
from tests.conftest import EXAMPLES
from tests.engines.random_shop import random_shop
from tests.test_facts import split_by_day

runner = CliRunner()
SHOP = "山野户外专营店"  # the generated-7 example's shop: orders from January, messages in March
LATE = "2026-03-17"  # its last day, imported after the first facts build
EARLY = [str(dt.date(2025, 12, 1) + dt.timedelta(days=i)) for i in range(400) if
         str(dt.date(2025, 12, 1) + dt.timedelta(days=i)) != LATE]


# --- the reach, without Spark --------------------------------------------------------------------------------

def test_the_fact_inputs_are_the_tables_the_models_read() -> None:
    read = {t for m, s in build_order([(f.model.name, f.scope) for f in SPARK_FACTS], reuse=False)
            for t in tables_read(parse(render(m, Settings(), s or "account", False)))}
    assert read & set(EXPORT_TABLES) == set(FACT_INPUTS)


def test_every_fact_with_days_has_a_reach_rule() -> None:
    days = (dt.date(2026, 3, 10), dt.date(2026, 3, 12))
    for fact in SPARK_FACTS:
        if fact.model.name not in ("shop_accounts",):
            lo, hi = fact_days(fact.model.name, days, 1, dt.date(2026, 4, 2))
            assert lo <= days[0] and hi >= days[1], fact.table
    assert fact_days("after_sales", days, 1, dt.date(2026, 4, 2)) == (days[0], dt.date(2026, 4, 2) + dt.timedelta(179))
    assert fact_days("conversion", days, 2, None) == (dt.date(2026, 3, 8), dt.date(2026, 3, 14))
    assert months((dt.date(2026, 1, 31), dt.date(2026, 3, 1))) == {"2026-01", "2026-02", "2026-03"}


def _leaf(name: str, groups: dict[str, list[Any]]) -> Leaf:
    return Leaf([[name, 1, 1]], groups)


def test_a_new_export_reaches_the_shops_and_days_its_changed_rows_name() -> None:
    old = {"messages": {"shop=A/month=2026-03": _leaf("a", {"A:1": [3, "7", "2026-03-01", "2026-03-05"]}),
                        "shop=B/month=2026-03": _leaf("b", {"B:1": [2, "8", "2026-03-02", "2026-03-02"]})},
           "presence": {"month=2026-03": _leaf("p", {"A:1": [1, "9", "2026-03-01", "2026-03-01"]})},
           "blocklist": {"shop=B": _leaf("k", {"": [1, "5", None, None]})}}
    # A's messages of one more day; presence of B's account for the first time: every day of B.
    new = {"messages": {"shop=A/month=2026-03": _leaf("a2", {"A:1": [4, "6", "2026-03-01", "2026-03-06"]}),
                        "shop=B/month=2026-03": old["messages"]["shop=B/month=2026-03"]},
           "presence": {"month=2026-03": _leaf("p2", {"A:1": [1, "9", "2026-03-01", "2026-03-01"],
                                                      "B:1": [1, "4", "2026-03-09", "2026-03-09"]})},
           "blocklist": old["blocklist"]}
    reach = export_reach(old, new)
    assert reach.touched == {"A": (dt.date(2026, 3, 1), dt.date(2026, 3, 6)), "B": None}
    assert reach.online == [(dt.date(2026, 3, 9), dt.date(2026, 3, 9))]
    new["blocklist"] = {"shop=B": _leaf("k2", {"": [2, "3", None, None]})}
    new["presence"] = old["presence"]
    assert export_reach(old, new).touched == {"A": (dt.date(2026, 3, 1), dt.date(2026, 3, 6)), "B": None}
    assert not export_reach(old, old)


# --- on Spark ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Warehouse, Path, Path]]:
    """A warehouse with a random shop and the generated-7 example but its last day, its export, the late day."""
    root = tmp_path_factory.mktemp("spark_facts")
    random_shop(root / "random1", 1)
    early, late = split_by_day(EXAMPLES / "generated-7", root / "g7", [EARLY, [LATE]])
    wh = Warehouse.open(root / "kefu.duckdb")
    assert not import_paths(wh, [root / "random1", early], Settings()).rejections
    export_parquet(wh.con, root / "pq")
    yield wh, root / "pq", late
    wh.close()


def _norm(v: Any) -> Any:
    return float(v) if isinstance(v, Decimal) else v


def _sorted(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted((tuple(_norm(v) for v in r) for r in rows),
                  key=lambda r: repr(tuple(round(v, 6) if isinstance(v, float) else v for v in r)))


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return bool(a == b)


def _duckdb_facts(con: Any) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    out = {}
    for fact in SPARK_FACTS:
        cols = con.execute(f"DESCRIBE {fact.table}").fetchall()
        sel = ", ".join(f"epoch_us({ident(c[0])})" if c[1].startswith("TIMESTAMP") else ident(c[0]) for c in cols)
        out[fact.table] = ([c[0] for c in cols], _sorted(con.execute(f"SELECT {sel} FROM {fact.table}").fetchall()))
    return out


def _stored_facts(con: Any, folder: Path) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """The rows of the Parquet facts in folder, read back by DuckDB (the partition columns from the folders)."""
    manifest = read_manifest(folder)
    assert manifest is not None and manifest.complete
    out = {}
    for fact in SPARK_FACTS:
        cols = manifest.facts[fact.table]["columns"]
        if not any((folder / fact.table).rglob("*.parquet")):
            out[fact.table] = (cols, [])
            continue
        src = (f"read_parquet('{folder / fact.table}/**/*.parquet', hive_partitioning = true, "
               "hive_types_autocast = false)")
        types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {src})").fetchall())
        sel = ", ".join(f"epoch_us({ident(c)})" if types[c].startswith("TIMESTAMP") else ident(c) for c in cols)
        out[fact.table] = (cols, _sorted(con.execute(f"SELECT {sel} FROM {src}").fetchall()))
    return out


def assert_same_facts(con: Any, folder: Path) -> None:
    want, got = _duckdb_facts(con), _stored_facts(con, folder)
    for table, (cols, rows) in want.items():
        assert got[table][0] == cols, table
        assert len(got[table][1]) == len(rows), table
        bad = [(w, g) for w, g in zip(rows, got[table][1]) if not all(map(_close, w, g))]
        assert not bad, f"{table}: {bad[:2]}"
    assert sum(len(rows) for _, rows in want.values()) > 1000


def _files(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*.parquet")}


def test_spark_facts_follow_the_export_and_equal_duckdb(export: tuple[Warehouse, Path, Path], spark: Any) -> None:
    wh, parquet, late = export
    assert "没有事实表" in use_facts(SparkEngine(spark, Settings()), str(parquet))
    built = build_facts(spark, Settings(), parquet, parquet / "facts")
    assert built.full and (SHOP, "2026-01") in built.partitions and ("随机店1", "2026-03") in built.partitions
    assert_same_facts(wh.con, parquet / "facts")

    # The late day: imported, exported again keeping unchanged partitions, built again by the command.
    before = _files(parquet / "facts")
    assert not import_paths(wh, [late], Settings()).rejections
    assert sum(t.kept for t in export_parquet(wh.con, parquet, update=True)) > 0
    assert "导出目录在事实表之后有变化" in use_facts(SparkEngine(spark, Settings()), str(parquet))
    result = runner.invoke(app, ["facts", "build", "--data", str(parquet), "--master", "local[2]"])
    assert result.exit_code == 0, result.output
    rebuilt, read = result.stdout.splitlines()[:2]
    assert f"{SHOP} 2026-03" in rebuilt and "随机店1" not in rebuilt and "2026-02" not in rebuilt
    # What March's rows need (the day before its first inquiry, March's orders), not the history since January.
    assert read.startswith("只读取了这些店铺 2026-02-01~"), read
    after = _files(parquet / "facts")
    untouched = [p for p in before if "随机店1" in p or "month=2026-01" in p or "month=2026-02" in p]
    assert untouched and all(after.get(p) == before[p] for p in untouched)
    assert any(after.get(p) != before[p] for p in before if f"{SHOP}/month=2026-03" in p)
    with wh.transaction() as con:  # DuckDB's facts from all the rows, not kept by the imports
        facts.rebuild(con, Settings())
    assert_same_facts(wh.con, parquet / "facts")
    again = runner.invoke(app, ["facts", "build", "--data", str(parquet), "--master", "local[2]"])
    assert "事实表已是最新" in again.stdout and _files(parquet / "facts") == after

    engine = SparkEngine.open(spark, Settings(), str(parquet))
    try:
        assert engine.prepare() and use_facts(engine, str(parquet)) == ""
        want = run_report(wh.con, ReportSpec("shop_day"), Settings()).rows
        got = run_report(None, ReportSpec("shop_day"), Settings(), engine).rows
        assert len(got) == len(want) > 0 and all(g.keys() == w.keys() and all(_close(g[k], w[k]) for k in w)
                                                 for g, w in zip(got, want))
    finally:
        engine.close()


def test_a_report_on_spark_reads_the_facts_and_gives_duckdbs_rows(export: tuple[Warehouse, Path, Path],
                                                                 spark: Any) -> None:
    wh, parquet, _ = export
    if not (parquet / "facts" / "manifest.json").exists():
        build_facts(spark, Settings(), parquet, parquet / "facts")
    args = ["report", "--grain", "account_day", "--period", "week", "--format", "json"]
    on_spark = runner.invoke(app, [*args, "--engine", "spark", "--data", str(parquet), "--master", "local[2]"])
    assert on_spark.exit_code == 0, on_spark.output
    assert "临时计算" not in on_spark.output  # read from the facts, not computed
    want = run_report(wh.con, ReportSpec("account_day", period="week"), Settings()).rows
    got = json.loads(on_spark.stdout[on_spark.stdout.index("{"):])["rows"]
    assert len(got) == len(want) > 0 and all(g.keys() == w.keys() and all(_close(g[k], w[k]) for k in w)
                                             for g, w in zip(got, want))
    # Under other fact settings a report computes its models, and says so.
    assert "conversion_window_days=2" in use_facts(SparkEngine(spark, Settings(conversion_window_days=2)), str(parquet))
