"""A small generated demo shop imported once per test session, shared by the report and scoring tests."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from kefu.config import Settings
from kefu.demo import generate_demo
from kefu.ingest.canonical import import_paths
from kefu.store import Warehouse


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The path of a warehouse holding a 10-day demo shop that starts on a Monday (a whole week, then three days)."""
    root = tmp_path_factory.mktemp("demo")
    generate_demo(root / "csv", days=10, buyers_per_day=20, seed=3, start=dt.date(2026, 11, 2))
    path = root / "demo.duckdb"
    wh = Warehouse.open(path)
    import_paths(wh, [root / "csv"], Settings())
    wh.close()
    yield path


@pytest.fixture
def demo_con(demo_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the demo warehouse."""
    wh = Warehouse.open(demo_db)
    yield wh.con
    wh.close()
