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
from kefu.engines.spark import to_spark_sql
from kefu.metrics.compile import ReportSpec, report_sql
from kefu.models import MODELS, SCOPES, render

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("KEFU_UPDATE_GOLDEN") == "1"
SETTINGS = Settings()


def _queries() -> dict[str, str]:
    """Every model in every scope, and the report queries of both grains, in the models' dialect."""
    out = {}
    for model in MODELS:
        for scope in (SCOPES if model.scoped else ("",)):
            out[model.table(scope)] = render(model, SETTINGS, scope or "account")
    for grain, period, scope in (("account_day", "day", "account"), ("shop_day", "week", "shop")):
        tables = {m.name: m.table(scope) for m in MODELS}
        out[f"report_{grain}_{period}"] = report_sql(ReportSpec(grain, period=period), SETTINGS, tables,
                                                     dt.date(2026, 11, 1))
    return out


QUERIES = _queries()


@pytest.mark.parametrize("dialect", ["duckdb", "spark"])
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_generated_sql_matches_golden(name: str, dialect: str) -> None:
    sql = QUERIES[name] if dialect == "duckdb" else to_spark_sql(QUERIES[name], SETTINGS)
    path = GOLDEN / dialect / f"{name}.sql"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sql.rstrip() + "\n", encoding="utf-8")
    assert path.exists(), f"{path} missing: run with KEFU_UPDATE_GOLDEN=1"
    assert sql.rstrip() + "\n" == path.read_text(encoding="utf-8")


def test_spark_sql_parses_as_spark_with_no_engine_function_left() -> None:
    for name, sql in QUERIES.items():
        tree = sqlglot.parse_one(to_spark_sql(sql, SETTINGS), read="spark")
        calls = {str(f.this).lower() for f in tree.find_all(exp.Anonymous)}
        assert not calls & {"local_day", "local_time", "add_days", "seconds_between", "regexp_matches"}, name
        assert not list(tree.find_all(exp.PercentileCont)), name
