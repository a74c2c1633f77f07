"""kefu report --engine spark prints what the DuckDB engine prints; clear errors without --data."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from kefu.cli import app
from tests.conftest import EXAMPLES

runner = CliRunner()


def test_spark_report_without_data_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--db", str(tmp_path / "x.duckdb"), "report", "--engine", "spark"])
    assert result.exit_code == 1
    assert "--data" in result.output


def test_spark_report_json_equals_duckdb(tmp_path: Path, spark: Any) -> None:
    db = str(tmp_path / "shop.duckdb")
    assert runner.invoke(app, ["--db", db, "import", str(EXAMPLES / "basic")]).exit_code == 0
    assert runner.invoke(app, ["--db", db, "export", "parquet", str(tmp_path / "pq")]).exit_code == 0
    args = ["report", "--grain", "shop_day", "--period", "week", "--format", "json"]
    duck = runner.invoke(app, ["--db", db, *args])
    on_spark = runner.invoke(app, [*args, "--engine", "spark", "--data", str(tmp_path / "pq"), "--master", "local[2]"])
    assert duck.exit_code == 0 and on_spark.exit_code == 0, on_spark.output
    want = json.loads(duck.stdout)
    assert want["rows"] and json.loads(on_spark.stdout[on_spark.stdout.index("{"):]) == want
