"""The warehouse as the web app uses it: one process-wide connection, cursors for readers, cached reports.

DuckDB lets one process write a file, or any number of processes read it. The server holds the warehouse
read-only, so `kefu report`, `html`, `export` and the other read commands run beside it; only an import (or a
QC run) switches the server's connection to read-write for as long as it writes, then back (`writing`). The
switch waits for the readers in flight and holds new ones for the moment it takes; while the import runs,
readers read on cursors of the read-write connection and keep seeing the last committed data. When another
process holds the file at the switch, the server keeps reading and retries, then names that process.

Reports read the stored facts (kefu.facts) on one cursor, one computation at a time, cached per data
generation; only a server started with other fact settings than the warehouse's builds the models there
(TEMP tables, allowed on a read-only connection). After a commit the cached reports are recomputed on the
new data first and then swapped in at once (`generation` moves on), so dashboards never wait for a cold cache.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import zoneinfo
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from kefu import facts
from kefu.config import Settings
from kefu.engines.duckdb import DuckDBEngine
from kefu.explain import Explanation, explain
from kefu.metrics.compile import ReportSpec
from kefu.report import NoData, Report, prepared_engine, run_report
from kefu.staffing.demand import DemandSpec
from kefu.staffing.service import StaffingView, staffing_view
from kefu.store import Warehouse, WarehouseBusy

CACHE_SIZE = 64
WRITE_WAIT_S = 60.0
"""How long an import waits for other processes (a long `kefu report`) to let go of the file."""
log = logging.getLogger(__name__)


class WebWarehouse:
    """The server's warehouse: readers on cursors, reports cached per data generation."""

    def __init__(self, path: Path | str, settings: Settings, *, write_wait_s: float = WRITE_WAIT_S) -> None:
        self.path = Path(path)
        self.in_memory = str(path) == ":memory:"
        if self.in_memory:
            self._warehouse: Warehouse | None = Warehouse.open(path)
        else:
            if not self.path.exists():
                Warehouse.open(self.path).close()  # a new, empty warehouse the first upload fills
            self._warehouse = facts.open_reading(self.path, log.info)
        self.settings = settings
        self.write_wait_s = write_wait_s
        self.generation = 0
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[int, ReportSpec], Report] = OrderedDict()
        self._compute = threading.Lock()  # one report computation at a time, on the built models
        self._models: tuple[duckdb.DuckDBPyConnection, DuckDBEngine] | None = None
        self._lookups: dict[tuple[int, str], Any] = {}
        # Readers in flight, counted so a connection switch waits for them; re-entrant per thread.
        self._gate = threading.Condition()
        self._readers = 0
        self._switching = False
        self._held = threading.local()
        self._writer = threading.Lock()  # one writer at a time: the import worker, or a request such as a QC review

    def close(self) -> None:
        """Close the warehouse connection."""
        self._drop_models()
        if self._warehouse is not None:
            self._warehouse.close()

    @contextmanager
    def _reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The current connection, held open for the block (waits while a switch is under way)."""
        depth = getattr(self._held, "depth", 0)
        with self._gate:
            while self._switching and depth == 0:
                self._gate.wait()
            if self._warehouse is None:
                self._warehouse = facts.open_reading(self.path, log.info)  # WarehouseBusy when held for writing
            self._readers += 1
            con = self._warehouse.con
        self._held.depth = depth + 1
        try:
            yield con
        finally:
            self._held.depth = depth
            with self._gate:
                self._readers -= 1
                self._gate.notify_all()

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of its own for one request (cursors are cheap; connections are not shared by threads)."""
        with self._reading() as con:
            cur = con.cursor()
            cur.execute("SET TimeZone='UTC'")
            try:
                yield cur
            finally:
                cur.close()

    def _switch(self, read_only: bool) -> None:
        """Reopen the file read-only or read-write, once the readers in flight are done.

        Raises WarehouseBusy when another process holds the file; a failed switch to read-write leaves the
        server reading as before, a failed switch back leaves it closed until a reader can open it again.
        """
        with self._gate:
            self._switching = True
            try:
                while self._readers:
                    self._gate.wait()
                self._drop_models()
                if self._warehouse is not None:
                    self._warehouse.close()
                    self._warehouse = None
                try:
                    self._warehouse = (facts.open_reading(self.path, log.info) if read_only
                                       else Warehouse.open(self.path))
                except WarehouseBusy:
                    if not read_only:
                        self._warehouse = facts.open_reading(self.path, log.info)
                    raise
            finally:
                self._switching = False
                self._gate.notify_all()

    @contextmanager
    def writing(self) -> Iterator[Warehouse]:
        """The warehouse read-write on a fresh cursor while one writer (the import worker, a review) writes."""
        with self._writer:
            if not self.in_memory:
                self._open_for_writing()
            try:
                with self._reading() as con:
                    cur = con.cursor()
                    cur.execute("SET TimeZone='UTC'")
                    try:
                        yield Warehouse(cur, self.path, read_only=False)
                    finally:
                        cur.close()
            finally:
                if not self.in_memory:
                    self._switch(read_only=True)

    def _open_for_writing(self) -> None:
        """Switch to read-write, retrying while another process reads the file; WarehouseBusy after write_wait_s."""
        deadline = time.monotonic() + self.write_wait_s
        pause = 0.05
        while True:
            try:
                return self._switch(read_only=False)
            except WarehouseBusy:
                if time.monotonic() + pause > deadline:
                    raise
                log.info("warehouse held by another process; retrying in %.2f s", pause)
                time.sleep(pause)
                pause = min(pause * 2, 2.0)

    def _drop_models(self) -> None:
        """Close the cursor the report models were built on (they belong to the connection being closed)."""
        if self._models is not None:
            self._models[0].close()
            self._models = None

    def _new_models(self, con: duckdb.DuckDBPyConnection) -> tuple[duckdb.DuckDBPyConnection, DuckDBEngine]:
        """A cursor with an engine prepared on the data as committed now (NoData when empty)."""
        cur = con.cursor()
        cur.execute("SET TimeZone='UTC'")
        try:
            return cur, prepared_engine(cur, self.settings)
        except BaseException:
            cur.close()
            raise

    def data_changed(self) -> None:
        """An import committed: recompute the cached reports on the new data, then switch to them at once."""
        # Lock order everywhere: a reader's hold on the connection first, then _compute (see _switch).
        with self._reading() as con, self._compute:
            with self._lock:
                specs = [spec for _, spec in self._cache]
            try:
                models: tuple[duckdb.DuckDBPyConnection, DuckDBEngine] | None = self._new_models(con)
            except NoData:
                models = None
            fresh = [(spec, run_report(models[0], spec, self.settings, models[1])) for spec in specs] if models else []
            with self._lock:
                self.generation += 1
                self._cache = OrderedDict(((self.generation, spec), report) for spec, report in fresh)
                self._lookups.clear()
            self._drop_models()
            self._models = models

    def report(self, spec: ReportSpec) -> Report:
        """run_report on the built models, computed once per (data generation, spec)."""
        key = (self.generation, spec)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        with self._reading() as con, self._compute:
            with self._lock:
                key = (self.generation, spec)
                if key in self._cache:
                    return self._cache[key]
            if self._models is None:
                self._models = self._new_models(con)
            report = run_report(self._models[0], spec, self.settings, self._models[1])
            with self._lock:
                self._cache[key] = report
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        return report

    def staffing(self, spec: DemandSpec) -> StaffingView:
        """The staffing view of a demand spec on the built models, computed once per data generation."""
        key = (self.generation, f"staffing\x1f{spec!r}")
        with self._lock:
            if key in self._lookups:
                return self._lookups[key]
        with self._reading() as con, self._compute:
            if self._models is None:
                self._models = self._new_models(con)
            view = staffing_view(self._models[1], self.settings, spec)
        with self._lock:
            if key[0] == self.generation:
                self._lookups[key] = view
        return view

    def explain(self, metric_id: str, day: Any, *, account: str | None = None, shop: str | None = None,
                mask: bool = True) -> Explanation:
        """explain() on a reader cursor."""
        with self.reader() as cur:
            return explain(cur, self.settings, metric_id, day, account=account, shop=shop, mask=mask)

    def now(self) -> dt.datetime:
        """The shop's wall clock now (the server's time zone setting), for what pages say happened when."""
        return dt.datetime.now(zoneinfo.ZoneInfo(self.settings.timezone)).replace(tzinfo=None, microsecond=0)

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
        return list(self._memo("shops", lambda cur: Warehouse(cur, self.path, read_only=True).shops()))
