"""Shared fixtures: build a small shop from CSV text, import it, and read report rows on either engine."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from kefu.config import Settings
from kefu.ingest.canonical import import_paths
from kefu.metrics.compile import ReportSpec
from kefu.store import Warehouse
from tests.engines.on_engine import OnDuckDB, OnEngine, OnSpark

SHARED = Path(__file__).resolve().parents[2] / "shared"
"""The specification and data beside the project root (../shared); tests that need it skip without it."""
EXAMPLES = Path(__file__).resolve().parent / "data" / "examples"
"""A copy of ../shared/spec/examples, so that the suite stands alone (test_examples checks it is current)."""

MESSAGE_HEADER = "msg_id,buyer,account,sender,ts,content"


def message_csv(*lines: str) -> str:
    """messages.csv from 'buyer|account|sender|ts|content' lines (content optional), ids m1, m2, …"""
    out = [MESSAGE_HEADER]
    for i, line in enumerate(lines, start=1):
        parts = line.split("|")
        parts += [""] * (5 - len(parts))
        out.append(",".join([f"m{i}"] + parts))
    return "\n".join(out) + "\n"


@pytest.fixture
def make_shop(tmp_path: Path) -> Iterator[Callable[..., duckdb.DuckDBPyConnection]]:
    """A factory: make_shop(messages=..., orders=..., ...) imports the CSV texts and returns the connection."""
    opened: list[Warehouse] = []

    def make(settings: Settings | None = None, **tables: str) -> duckdb.DuckDBPyConnection:
        folder = tmp_path / f"shop{len(opened)}"
        folder.mkdir()
        for name, text in tables.items():
            (folder / f"{name}.csv").write_text(text.strip() + "\n", encoding="utf-8")
        wh = Warehouse.open(tmp_path / f"shop{len(opened)}.duckdb")
        opened.append(wh)
        summary = import_paths(wh, [folder], settings or Settings())
        assert not summary.rejections, summary.rejections
        return wh.con

    yield make
    for wh in opened:
        wh.close()


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One Spark session for every Spark test (local mode, small shuffles, no UI), started by the first that asks."""
    from kefu.engines.spark import spark_unavailable_reason

    reason = spark_unavailable_reason()
    if reason:
        pytest.skip(f"Spark 引擎测试跳过 / Spark tests skipped: {reason}")
    from kefu.engines.spark import spark_session

    # Each test's cached models are released, but the JVM's managed memory is reclaimed lazily:
    # with the default 2g the later Spark tests ran out of it.
    session = spark_session("local[2]", shuffle_partitions=2, driver_memory="4g")
    yield session
    session.stop()


@pytest.fixture(params=["duckdb", "spark"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> OnEngine:
    """The engine a test's reports run on: each test asking for it runs on DuckDB and on Spark."""
    if request.param == "spark":
        return OnSpark(request.getfixturevalue("spark"), tmp_path)
    return OnDuckDB()


def report_rows(con: duckdb.DuckDBPyConnection, grain: str = "account_day", settings: Settings | None = None,
                engine: OnEngine | None = None, **spec: Any) -> dict[tuple[str, ...], dict[str, Any]]:
    """Report rows keyed by (account or shop, day or period), computed on `engine` (DuckDB unless told)."""
    (report,) = (engine or OnDuckDB()).reports(con, [ReportSpec(grain=grain, **spec)], settings or Settings())
    out: dict[tuple[str, ...], dict[str, Any]] = {}
    for row in report.rows:
        who = row.get("account") or row.get("group") or row["shop"]
        out[(who, row.get("day") or row["period"])] = row
    return out


from tests.browser import browser, watched_page  # noqa: E402,F401  (shared real-browser fixtures)
