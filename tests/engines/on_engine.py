"""Reports of a test warehouse on one engine: DuckDB on the warehouse itself, or Spark over its Parquet export."""
from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import duckdb

from kefu import pruning
from kefu.config import Settings
from kefu.engines.duckdb import DuckDBEngine
from kefu.engines.spark import SparkEngine
from kefu.export import export_parquet
from kefu.metrics.compile import ReportSpec
from kefu.report import Report, run_report


class OnEngine(Protocol):
    """What a test asks of an engine: its name, a prepared engine on a warehouse, and a report."""

    name: str

    def opened(self, con: duckdb.DuckDBPyConnection, settings: Settings) -> AbstractContextManager[Any]:
        """A context holding a prepared engine over the warehouse's rows, none cut, nothing built."""
        ...

    def reports(self, con: duckdb.DuckDBPyConnection, specs: list[ReportSpec], settings: Settings) -> list[Report]:
        """The reports of the same days as `kefu report` computes them on this engine."""
        ...


@dataclass
class OnDuckDB:
    """The warehouse's own engine: reports read the stored facts when the settings are theirs."""

    name: str = "duckdb"

    @contextmanager
    def opened(self, con: duckdb.DuckDBPyConnection, settings: Settings) -> Iterator[DuckDBEngine]:
        # A cursor of its own: the views a cut leaves are its own and go with it.
        cursor = con.cursor()
        try:
            engine = DuckDBEngine(cursor, settings)
            assert engine.prepare()
            yield engine
        finally:
            cursor.close()

    def reports(self, con: duckdb.DuckDBPyConnection, specs: list[ReportSpec], settings: Settings) -> list[Report]:
        return [run_report(con, spec, settings) for spec in specs]


@dataclass
class OnSpark:
    """Spark in local mode over a fresh `kefu export parquet` of the warehouse, as `--engine spark` runs."""

    spark: Any
    folder: Path
    name: str = "spark"
    exports: Iterator[int] = field(default_factory=itertools.count)

    @contextmanager
    def opened(self, con: duckdb.DuckDBPyConnection, settings: Settings) -> Iterator[SparkEngine]:
        data = self.folder / f"parquet{next(self.exports)}"
        export_parquet(con, data)
        engine = SparkEngine.open(self.spark, settings, str(data))
        try:
            assert engine.prepare()
            yield engine
        finally:
            engine.close()

    def reports(self, con: duckdb.DuckDBPyConnection, specs: list[ReportSpec], settings: Settings) -> list[Report]:
        # One engine serves them all, reusing the models they share: a Spark report costs its plans, not its rows.
        (days,) = {(spec.day_from, spec.day_to) for spec in specs}
        with self.opened(con, settings) as engine:
            pruning.narrow(engine, *days)  # a day range reads only the rows its days need
            return [run_report(None, spec, settings, engine) for spec in specs]
