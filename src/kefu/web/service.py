"""The warehouse as the web app uses it: one process-wide connection, cursors for readers, cached reports.

DuckDB lets a single process write a file. The server opens the warehouse once (read-write). Reports read
the stored facts (kefu.facts) on one cursor, one computation at a time, cached per data generation; only a
server started with other fact settings than the warehouse's builds the models there (TEMP tables).
Explanations and lookups read on cursors of their own. Imports go one at a time through the import worker
(see jobs.py) on another cursor, so readers keep seeing the last committed data while an import runs. After
a commit the cached reports are recomputed on the new data first and then swapped in at once (`generation`
moves on), so dashboards never wait for a cold cache.
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable

import duckdb

from kefu import facts
from kefu.config import Settings
from kefu.explain import Explanation, explain
from kefu.metrics.compile import ReportSpec
from kefu.engines.duckdb import DuckDBEngine
from kefu.report import NoData, Report, prepared_engine, run_report
from kefu.store import Warehouse

CACHE_SIZE = 64
log = logging.getLogger(__name__)


class WebWarehouse:
    """The server's warehouse: readers on cursors, reports cached per data generation."""

    def __init__(self, path: Path | str, settings: Settings) -> None:
        self.warehouse = Warehouse.open(path)
        facts.ensure_current(self.warehouse.con, log.info)
        self.settings = settings
        self.generation = 0
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[int, ReportSpec], Report] = OrderedDict()
        self._compute = threading.Lock()  # one report computation at a time, on the built models
        self._models: tuple[duckdb.DuckDBPyConnection, DuckDBEngine] | None = None
        self._lookups: dict[tuple[int, str], Any] = {}

    def close(self) -> None:
        """Close the warehouse connection."""
        if self._models is not None:
            self._models[0].close()
        self.warehouse.close()

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of its own for one request (cursors are cheap; connections are not shared by threads)."""
        cur = self.warehouse.con.cursor()
        cur.execute("SET TimeZone='UTC'")
        try:
            yield cur
        finally:
            cur.close()

    def writer(self) -> Warehouse:
        """A Warehouse on a fresh cursor for the import worker (the only writer)."""
        cur = self.warehouse.con.cursor()
        cur.execute("SET TimeZone='UTC'")
        return Warehouse(cur, self.warehouse.path, read_only=False)

    def _new_models(self) -> tuple[duckdb.DuckDBPyConnection, DuckDBEngine]:
        """A cursor with an engine prepared on the data as committed now (NoData when empty)."""
        cur = self.warehouse.con.cursor()
        cur.execute("SET TimeZone='UTC'")
        try:
            return cur, prepared_engine(cur, self.settings)
        except BaseException:
            cur.close()
            raise

    def data_changed(self) -> None:
        """An import committed: recompute the cached reports on the new data, then switch to them at once."""
        with self._compute:
            with self._lock:
                specs = [spec for _, spec in self._cache]
            try:
                models: tuple[duckdb.DuckDBPyConnection, DuckDBEngine] | None = self._new_models()
            except NoData:
                models = None
            fresh = [(spec, run_report(models[0], spec, self.settings, models[1])) for spec in specs] if models else []
            with self._lock:
                self.generation += 1
                self._cache = OrderedDict(((self.generation, spec), report) for spec, report in fresh)
                self._lookups.clear()
            if self._models is not None:
                self._models[0].close()
            self._models = models

    def report(self, spec: ReportSpec) -> Report:
        """run_report on the built models, computed once per (data generation, spec)."""
        key = (self.generation, spec)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        with self._compute:
            with self._lock:
                key = (self.generation, spec)
                if key in self._cache:
                    return self._cache[key]
            if self._models is None:
                self._models = self._new_models()
            report = run_report(self._models[0], spec, self.settings, self._models[1])
            with self._lock:
                self._cache[key] = report
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        return report

    def explain(self, metric_id: str, day: Any, *, account: str | None = None, shop: str | None = None,
                mask: bool = True) -> Explanation:
        """explain() on a reader cursor."""
        with self.reader() as cur:
            return explain(cur, self.settings, metric_id, day, account=account, shop=shop, mask=mask)

    def _memo(self, name: str, compute: Callable[[duckdb.DuckDBPyConnection], Any]) -> Any:
        """A small lookup computed once per data generation (every request needs the account map)."""
        key = (self.generation, name)
        with self._lock:
            if key in self._lookups:
                return self._lookups[key]
        with self.reader() as cur:
            value = compute(cur)
        with self._lock:
            if key[0] == self.generation:
                self._lookups = {k: v for k, v in self._lookups.items() if k[0] == self.generation}
                self._lookups[key] = value
        return value

    def account_shops(self) -> dict[str, str]:
        """Every known account and its shop."""
        return dict(self._memo("account_shops", lambda cur: {
            str(a): str(s) for a, s in cur.execute("SELECT account, shop FROM accounts").fetchall()}))

    def accounts(self) -> list[dict[str, Any]]:
        """The accounts table as dicts (account, shop, agent_name, group, kind)."""
        def read(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
            cursor = cur.execute('SELECT account, shop, agent_name, "group", kind FROM accounts ORDER BY shop, account')
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, r)) for r in cursor.fetchall()]
        return list(self._memo("accounts", read))

    def shops(self) -> list[str]:
        """Every shop in the warehouse."""
        return list(self._memo("shops", lambda cur: Warehouse(cur, self.warehouse.path, read_only=True).shops()))

    def day_range(self) -> tuple[str, str] | None:
        """First and last local day with messages, or None when empty."""
        try:
            report = self.report(ReportSpec(grain="shop_day", period="all"))
        except LookupError:
            return None
        if not report.rows:
            return None
        return min(r["from"] for r in report.rows), max(r["to"] for r in report.rows)
