"""The warehouse as the web app uses it: one process-wide connection, a cursor per reader, cached reports.

DuckDB lets a single process write a file. The server opens the warehouse once (read-write); every request
reads through its own cursor (its own transaction and TEMP models), and imports go one at a time through
the import worker (see jobs.py) on another cursor. Readers keep seeing the last committed data while an
import runs; when it commits, `generation` moves on and cached reports of the old data are dropped.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from kefu.config import Settings
from kefu.explain import Explanation, explain
from kefu.metrics.compile import ReportSpec
from kefu.report import Report, run_report
from kefu.store import Warehouse

CACHE_SIZE = 64


class WebWarehouse:
    """The server's warehouse: readers on cursors, reports cached per data generation."""

    def __init__(self, path: Path | str, settings: Settings) -> None:
        self.warehouse = Warehouse.open(path)
        self.settings = settings
        self.generation = 0
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[int, ReportSpec], Report] = OrderedDict()
        self._computing: dict[tuple[int, ReportSpec], threading.Lock] = {}

    def close(self) -> None:
        """Close the warehouse connection."""
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

    def data_changed(self) -> None:
        """An import committed: forget reports of the old data."""
        with self._lock:
            self.generation += 1
            self._cache.clear()

    def report(self, spec: ReportSpec) -> Report:
        """run_report on a cursor, computed once per (data generation, spec) even under concurrent requests."""
        key = (self.generation, spec)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            computing = self._computing.setdefault(key, threading.Lock())
        with computing:
            with self._lock:
                if key in self._cache:
                    return self._cache[key]
            with self.reader() as cur:
                report = run_report(cur, spec, self.settings)
            with self._lock:
                if key[0] == self.generation:
                    self._cache[key] = report
                    while len(self._cache) > CACHE_SIZE:
                        self._cache.popitem(last=False)
                self._computing.pop(key, None)
        return report

    def explain(self, metric_id: str, day: Any, *, account: str | None = None, shop: str | None = None,
                mask: bool = True) -> Explanation:
        """explain() on a reader cursor."""
        with self.reader() as cur:
            return explain(cur, self.settings, metric_id, day, account=account, shop=shop, mask=mask)

    def account_shops(self) -> dict[str, str]:
        """Every known account and its shop."""
        with self.reader() as cur:
            return {str(a): str(s) for a, s in cur.execute("SELECT account, shop FROM accounts").fetchall()}

    def accounts(self) -> list[dict[str, Any]]:
        """The accounts table as dicts (account, shop, agent_name, group, kind)."""
        with self.reader() as cur:
            cursor = cur.execute('SELECT account, shop, agent_name, "group", kind FROM accounts ORDER BY shop, account')
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, r)) for r in cursor.fetchall()]

    def shops(self) -> list[str]:
        """Every shop in the warehouse."""
        with self.reader() as cur:
            return Warehouse(cur, self.warehouse.path, read_only=True).shops()

    def day_range(self) -> tuple[str, str] | None:
        """First and last local day with messages, or None when empty."""
        try:
            report = self.report(ReportSpec(grain="shop_day", period="all"))
        except LookupError:
            return None
        if not report.rows:
            return None
        return min(r["from"] for r in report.rows), max(r["to"] for r in report.rows)
