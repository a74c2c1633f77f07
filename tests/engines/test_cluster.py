"""kefu report --engine spark on a standalone cluster and through Spark Connect gives the spec examples' rows.

Each report runs as its own `kefu` process, a driver of its own: the cluster's executors, not the driver,
read the Parquet export.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kefu.cli import app
from kefu.config import Settings
from tests.conftest import EXAMPLES
from tests.engines.spark_cluster import Cluster, cluster_fixture, connect_fixture, free_port  # noqa: F401 (fixtures)
from tests.test_examples import compare_rows, settings_for

KEFU = [sys.executable, "-c", "from kefu.cli import run; run()"]
REPORT_TIMEOUT_S = 900
"""A bound for one report (a few seconds alone; minutes on two cores busy with other work), not a hang forever."""

# The core cases: both grains of both examples under the default settings, and one other settings file.
# One export holds both examples (each shop's rows are its own), so each settings and grain is one report.
CASES = [EXAMPLES / "basic" / "expected.json", EXAMPLES / "generated-7" / "expected.json",
         EXAMPLES / "generated-7" / "expected-first_touch-window2.json"]
SETTINGS = sorted({settings_for(case) for case in CASES}, key=repr)
# Each grain once and each settings file once: a report costs a Spark application, so two cover the pairs
# the cluster could get wrong (both grains, both settings) without running all four.
RUNS = list(zip(SETTINGS, ["account_day", "shop_day"]))


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples imported into one warehouse and exported with `kefu export parquet`."""
    runner = CliRunner()
    root = tmp_path_factory.mktemp("examples")
    db, pq = str(root / "shop.duckdb"), root / "pq"
    for args in (["import", *sorted({str(case.parent) for case in CASES})], ["export", "parquet", str(pq)]):
        done = runner.invoke(app, ["--db", db, *args])
        assert done.exit_code == 0, done.output
    return pq


def set_options(settings: Settings) -> list[str]:
    """The --set options that give `settings`."""
    defaults = Settings().as_dict()
    return [opt for k, v in settings.as_dict().items() if v != defaults[k] for opt in ("--set", f"{k}={v}")]


def report(where: list[str], data: Path, grain: str, settings: Settings, cwd: Path,
           env: dict[str, str]) -> list[dict[str, Any]]:
    """The rows of `kefu report --engine spark --format json` run in a process of its own."""
    args = ["report", "--engine", "spark", "--data", str(data), *where, "--grain", grain, "--format", "json",
            *set_options(settings)]
    done = subprocess.run(KEFU + args, cwd=cwd, env=env, capture_output=True, text=True, encoding="utf-8",
                          timeout=REPORT_TIMEOUT_S)
    assert done.returncode == 0, f"kefu {' '.join(args)}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    rows: list[dict[str, Any]] = json.loads(done.stdout)["rows"]
    return rows


def assert_expected_rows(got: list[dict[str, Any]], settings: Settings, grain: str) -> None:
    """A report's rows of each shop with an expected file for these settings, compared as tests/test_examples.py."""
    cases = [case for case in CASES if settings_for(case) == settings]
    assert cases
    for case in cases:
        want = json.loads(case.read_text(encoding="utf-8"))[grain]
        compare_rows([g for g in got if g["shop"] in {w["shop"] for w in want}], want, f"{case.parent.name} {grain}")


def executor_logs(cluster_root: Path) -> dict[Path, str]:
    """Each executor's log on the workers, by its file."""
    return {p: p.read_text(encoding="utf-8", errors="replace")
            for p in sorted(cluster_root.glob("worker*/app-*/*/stderr"))}


def settings_id(settings: Settings) -> str:
    defaults = Settings().as_dict()
    return "-".join(f"{k}={v}" for k, v in settings.as_dict().items() if v != defaults[k]) or "defaults"


@pytest.mark.parametrize(("settings", "grain"), RUNS, ids=[f"{settings_id(s)}-{g}" for s, g in RUNS])
def test_cluster_report_gives_the_expected_rows(spark_cluster: Cluster, export: Path, settings: Settings,
                                                grain: str, tmp_path: Path) -> None:
    before = set(executor_logs(spark_cluster.root))
    got = report(["--master", spark_cluster.master_url], export, grain, settings, tmp_path, spark_cluster.env)
    assert_expected_rows(got, settings, grain)
    # The report's application ran executors on the workers, and they read the export's files themselves.
    new = {p: text for p, text in executor_logs(spark_cluster.root).items() if p not in before}
    assert new, f"the report ran no executor on the cluster\n{spark_cluster.logs()}"
    assert any(f"Reading File path: file://{export}/messages/" in text for text in new.values()), (
        "no executor read the export's messages")


def test_spark_connect_report_gives_the_expected_rows(spark_connect: str, spark_cluster: Cluster, export: Path,
                                                      tmp_path: Path) -> None:
    # One case: what differs on Connect (the session, its views and settings) is the same for every report.
    settings = Settings()
    got = report(["--remote", spark_connect], export, "shop_day", settings, tmp_path, spark_cluster.env)
    assert_expected_rows(got, settings, "shop_day")


def test_remote_must_be_a_spark_connect_url(tmp_path: Path) -> None:
    done = CliRunner().invoke(app, ["report", "--engine", "spark", "--data", str(tmp_path), "--remote",
                                    "spark://127.0.0.1:7077"])
    assert done.exit_code == 1
    assert "sc://" in done.output


def test_an_unreachable_spark_connect_server_is_a_clear_error(tmp_path: Path) -> None:
    from kefu.engines.spark import spark_unavailable_reason

    if spark_unavailable_reason(connect=True):
        pytest.skip("no Spark Connect client here")
    url = f"sc://127.0.0.1:{free_port()}"
    done = CliRunner().invoke(app, ["report", "--engine", "spark", "--data", str(tmp_path), "--remote", url])
    assert done.exit_code == 1
    assert f"无法连接 Spark Connect 服务 {url}" in done.output
