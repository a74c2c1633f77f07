"""The SQL each engine runs, generated from the one definition, matches the golden files per dialect.

Regenerate after a deliberate change: KEFU_UPDATE_GOLDEN=1 pytest tests/engines/test_sql_golden.py
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from kefu.config import Settings
from kefu.engines.spark import REUSE_ACCOUNT_ROWS, to_spark_sql
from kefu.metrics.compile import ReportSpec, report_sql
from kefu.models import MODELS, SCOPES, build_order, render

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("KEFU_UPDATE_GOLDEN") == "1"
SETTINGS = Settings()


def _queries(reuse: bool) -> dict[str, str]:
    """Every model in every scope, and the report queries of both grains, in the models' dialect."""
    out = {}
    for model, scope in build_order([(m.name, s) for m in MODELS for s in SCOPES], reuse):
        out[model.table(scope)] = render(model, SETTINGS, scope or "account", reuse)
    for grain, period, scope in (("account_day", "day", "account"), ("shop_day", "week", "shop")):
        tables = {m.name: m.table(scope) for m in MODELS}
        out[f"report_{grain}_{period}"] = report_sql(ReportSpec(grain, period=period), SETTINGS, tables,
                                                     dt.date(2026, 11, 1))
    return out


# Each engine's build graph: DuckDB's shop scope reuses account rows, Spark's computes it whole.
QUERIES = {"duckdb": _queries(reuse=True), "spark": _queries(reuse=REUSE_ACCOUNT_ROWS)}
CASES = sorted((dialect, name) for dialect, queries in QUERIES.items() for name in queries)


@pytest.mark.parametrize(("dialect", "name"), CASES)
def test_generated_sql_matches_golden(name: str, dialect: str) -> None:
    sql = QUERIES[dialect][name] if dialect == "duckdb" else to_spark_sql(QUERIES[dialect][name], SETTINGS)
    path = GOLDEN / dialect / f"{name}.sql"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sql.rstrip() + "\n", encoding="utf-8")
    assert path.exists(), f"{path} missing: run with KEFU_UPDATE_GOLDEN=1"
    assert sql.rstrip() + "\n" == path.read_text(encoding="utf-8")


def test_spark_sql_parses_as_spark_with_no_engine_function_left() -> None:
    for name, sql in QUERIES["spark"].items():
        tree = sqlglot.parse_one(to_spark_sql(sql, SETTINGS), read="spark")
        calls = {str(f.this).lower() for f in tree.find_all(exp.Anonymous)}
        assert not calls & {"local_day", "local_time", "add_days", "seconds_between", "regexp_matches"}, name
        assert not list(tree.find_all(exp.PercentileCont)), name
