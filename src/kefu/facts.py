"""Persisted facts: the models reports read, stored in the warehouse and kept current by every import.

Each model is stored in one of three ways (FACTS):
- `table`: its rows are stored, one shop at a time; an import recomputes the shops it touched.
- `view`: a stored view over stored tables and canonical rows that other commands write (exams, QC),
  or a shop-scope model that reuses account rows (models/reused.sql): always current, nothing to maintain.
- `temp`: defined per connection by the engine (msgs needs the engine's time-zone functions).

The warehouse records the fact schema version and the settings the facts were computed under
(kefu_meta). A report whose fact-affecting settings match reads the stored rows; any other report
computes its models on the fly, as before facts existed.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from kefu.config import Settings
from kefu.engines.duckdb import DuckDBEngine
from kefu.facts_range import RangeRefresh
from kefu.facts_touched import DayRange, Touched
from kefu.models import MODELS, MODELS_BY_NAME, SCOPES, Model, build_order, render
from kefu.sqltext import lit
from kefu.store import Warehouse, catalog, read_meta, shops_of, transaction, warehouse_timezone, write_meta

log = logging.getLogger(__name__)

FACTS_VERSION = 9
"""Move it whenever a model's SQL or the stored layout changes: older warehouses then rebuild their facts."""

FACT_SETTINGS = ("timezone", "conversion_window_days", "attribution", "session_gap_s", "qc_confirmed_only")
"""The settings the models read; the others only change how stored facts are aggregated or shown."""

VERSION_KEY = "facts_version"
SETTINGS_KEY = "facts_settings"

# Models read by commands that write no canonical rows (exams, QC runs): stored as views so they
# follow those writes without maintenance.
_LIVE = {"exam_scores", "account_days", "account_online", "qc_days", "qc_finding_rows", "qc_emotion_rows"}
_TEMP = {"msgs"}

Notify = Callable[[str], None]


@dataclass(frozen=True)
class Fact:
    """How one (model, scope) is kept in the warehouse."""

    model: Model
    scope: str
    kind: str  # table | view | temp

    @property
    def table(self) -> str:
        """The stored table or view name (the model's table in its scope)."""
        return self.model.table(self.scope)


def _facts() -> tuple[Fact, ...]:
    """Every model in every scope reports read, dependencies first, with how it is stored."""
    needed = [(m.name, s) for m in MODELS for s in (SCOPES if m.scoped else ("",))]
    out = []
    for model, scope in build_order(needed):
        if model.name in _TEMP:
            kind = "temp"
        elif model.name in _LIVE or model.reuses_in(scope, True):
            kind = "view"
        else:
            kind = "table"
        out.append(Fact(model, scope, kind))
    return tuple(out)


FACTS: tuple[Fact, ...] = _facts()
STORED_TABLES: tuple[Fact, ...] = tuple(f for f in FACTS if f.kind == "table")
STORED_VIEWS: tuple[Fact, ...] = tuple(f for f in FACTS if f.kind == "view")


def models_digest() -> str:
    """A digest of every model's SQL: the stale-facts test pins it to FACTS_VERSION."""
    text = "\n".join(f"{f.model.name}@{f.scope}:{f.kind}:{f.model.source(f.scope or 'account')}" for f in FACTS)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fact_settings(settings: Settings) -> dict[str, object]:
    """The fact-affecting part of settings."""
    return {name: getattr(settings, name) for name in FACT_SETTINGS}


def recorded_settings(con: duckdb.DuckDBPyConnection) -> dict[str, object] | None:
    """The fact-affecting settings the stored facts were computed under (None: no current facts)."""
    if read_meta(con, VERSION_KEY) != str(FACTS_VERSION):
        return None
    raw = read_meta(con, SETTINGS_KEY)
    return None if raw is None else dict(json.loads(raw))


def usable(con: duckdb.DuckDBPyConnection, settings: Settings) -> bool:
    """True when the stored facts are current and were computed under these settings."""
    return recorded_settings(con) == fact_settings(settings)


def difference(con: duckdb.DuckDBPyConnection, settings: Settings) -> str:
    """One line saying why a report with these settings is computed on the fly (empty when it is not)."""
    recorded = recorded_settings(con)
    if recorded is None:
        return ("仓库中没有当前版本的事实表，本次临时计算；运行 kefu rebuild 可保存"
                " / no current facts stored: computed on the fly (kefu rebuild stores them)")
    wanted = fact_settings(settings)
    changed = [f"{k}={wanted[k]}（仓库为 {recorded.get(k)}）" for k in FACT_SETTINGS if wanted[k] != recorded.get(k)]
    if not changed:
        return ""
    return (f"设置与仓库事实表不同：{'，'.join(changed)}，本次按所给设置临时计算；"
            f"用 kefu rebuild --set … 可按新设置重建 / settings differ from the stored facts: computed on the fly")


def stored_tables(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    """(model, scope) -> table of every stored fact (tables and views) the warehouse holds."""
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary "
        "UNION ALL SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' AND NOT temporary"
    ).fetchall()
    present = {r[0] for r in rows}
    return {(f.model.name, f.scope): f.table for f in FACTS if f.kind != "temp" and f.table in present}


# The canonical tables the facts of some shops read, each cut to those shops ({shops}: a list of literals).
# Presence has no shop column: an account's intervals belong to the shop that lists it, that talks through
# it, or whose nick it extends.
_SHOP_ROWS = {
    "messages": "shop IN ({shops})",
    "orders": "shop IN ({shops})",
    "refunds": "shop IN ({shops})",
    "complaints": "shop IN ({shops})",
    "ratings": "shop IN ({shops})",
    "evaluations": "shop IN ({shops})",
    "blocklist": "shop IN ({shops})",
    "accounts": "shop IN ({shops})",
    "presence": ("account IN (SELECT account FROM {db}.main.accounts WHERE shop IN ({shops}) "
                 "UNION SELECT DISTINCT account FROM {db}.main.messages WHERE shop IN ({shops})) "
                 "OR (split_part(account, ':', 1) IN ({shops}) "
                 "AND account NOT IN (SELECT account FROM {db}.main.accounts))"),
}


def _rows_of(table: str, db: str, shops: list[str]) -> str:
    """The condition that cuts a canonical table to the rows of these shops."""
    return _SHOP_ROWS[table].format(db=db, shops=", ".join(lit(s) for s in shops))


def _build_all(con: duckdb.DuckDBPyConnection, settings: Settings, db: str) -> None:
    """Build every stored table from all the canonical rows, straight into the warehouse."""
    engine = _prepared(DuckDBEngine(con, settings, store_in=db))
    engine.build([(f.model.name, f.scope) for f in STORED_TABLES])
    con.execute("DROP VIEW IF EXISTS temp.main.msgs")
    con.execute("DROP TABLE IF EXISTS temp.main.calendar")


def _refresh_shops(con: duckdb.DuckDBPyConnection, settings: Settings, db: str, shops: list[str]) -> None:
    """Recompute these shops' stored facts whole: the models over their rows, replacing their stored rows."""
    for table in _SHOP_ROWS:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT * FROM {db}.main.{table} "
                    f"WHERE {_rows_of(table, db, shops)}")
    engine = _prepared(DuckDBEngine(con, settings))
    engine.build([(f.model.name, f.scope) for f in STORED_TABLES])
    owners = ", ".join(lit(s) for s in shops)
    for fact in STORED_TABLES:  # they exist: facts are recorded only once a rebuild made them all
        target = f"{db}.main.{fact.table}"
        # online_hours is keyed by account (an account nick names one shop's account).
        if fact.model.name == "online_hours":
            con.execute(f"DELETE FROM {target} WHERE account IN (SELECT account FROM temp.main.online_hours)")
        else:
            con.execute(f"DELETE FROM {target} WHERE shop IN ({owners})")
        con.execute(f"INSERT INTO {target} SELECT * FROM temp.main.{fact.table}")
    _drop_temp(con, engine)


def _prepared(engine: DuckDBEngine) -> DuckDBEngine:
    """The engine ready to build; rows without a date (accounts alone) still get their facts, over no day."""
    if not engine.prepare():
        engine.first_day = engine.last_day = dt.date(1970, 1, 1)
        engine.define()
    return engine


def _drop_temp(con: duckdb.DuckDBPyConnection, engine: DuckDBEngine) -> None:
    """Drop what a refresh defined on the connection, so later reads see the stored facts."""
    for (name, scope), table in reversed(list(engine.built.items())):
        kind = "VIEW" if MODELS_BY_NAME[name].is_view(scope) else "TABLE"
        con.execute(f"DROP {kind} IF EXISTS temp.main.{table}")
    con.execute("DROP TABLE IF EXISTS temp.main.calendar")
    for table in _SHOP_ROWS:
        con.execute(f"DROP VIEW IF EXISTS temp.main.{table}")


def _create_views(con: duckdb.DuckDBPyConnection, settings: Settings, db: str) -> None:
    """(Re)define the stored views over the stored tables."""
    for fact in STORED_VIEWS:
        sql = render(fact.model, settings, fact.scope or "account")
        con.execute(f"CREATE OR REPLACE VIEW {db}.main.{fact.table} AS\n{sql}")


def _record(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    write_meta(con, VERSION_KEY, str(FACTS_VERSION))
    write_meta(con, SETTINGS_KEY, json.dumps(fact_settings(settings), ensure_ascii=False, sort_keys=True))


def rebuild(con: duckdb.DuckDBPyConnection, settings: Settings, notify: Notify | None = None) -> None:
    """Recompute every stored fact under settings (call inside a transaction: it is all or nothing)."""
    db = catalog(con)
    for fact in reversed(FACTS):
        if fact.kind == "view":
            con.execute(f"DROP VIEW IF EXISTS {db}.main.{fact.table}")
        elif fact.kind == "table":
            con.execute(f"DROP TABLE IF EXISTS {db}.main.{fact.table}")
    if notify is not None:
        notify(f"计算事实表：{len(shops_of(con))} 个店铺 / building facts")
    _build_all(con, settings, db)
    _create_views(con, settings, db)
    _record(con, settings)


def _shops_with_facts(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The shops whose facts are stored (those with shop-days)."""
    return {r[0] for r in con.execute("SELECT DISTINCT shop FROM shop_days").fetchall()}


def refresh(con: duckdb.DuckDBPyConnection, settings: Settings, touched: Touched,
            notify: Notify | None = None) -> str:
    """Bring the stored facts up to date after rows of these shops and days changed; says what it did.

    A shop's facts are recomputed for the days its changed rows name, widened by what reaches across
    days (facts_range), or whole when a change reaches every day. Facts missing, of an older version
    or under other fact settings are rebuilt whole under settings.
    """
    recorded = recorded_settings(con)
    if recorded is None or recorded != fact_settings(settings):
        note = ("" if recorded is None and read_meta(con, VERSION_KEY) is None else
                "事实表按本次导入的设置全部重建 / facts rebuilt under this import's settings")
        rebuild(con, settings, notify)
        return note
    db = catalog(con)
    stored = _shops_with_facts(con)
    whole = sorted(shop for shop, days in touched.items() if days is None or shop not in stored)
    if whole:
        _refresh_shops(con, settings, db, whole)
    # Shops whose changes name the same days (one day's exports of many shops) share one build.
    by_days: dict[DayRange, list[str]] = {}
    for shop, days in sorted(touched.items()):
        if days is not None and shop in stored:
            by_days.setdefault(days, []).append(shop)
    for days, shops in sorted(by_days.items()):
        RangeRefresh(con, settings, db, shops, _rows_of("presence", db, shops)).run(*days)
    _create_views(con, settings, db)
    return ""


def is_current(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the stored facts are this kefu's (or there is no data to build them from)."""
    return read_meta(con, VERSION_KEY) == str(FACTS_VERSION) or not shops_of(con)


def open_reading(path: Path, notify: Notify | None = None) -> Warehouse:
    """The warehouse read-only, so readers share it; an older kefu's file is first upgraded read-write.

    Raises WarehouseBusy (naming the process) when a writer holds the file, or when the upgrade needs it.
    """
    wh = Warehouse.open(path, read_only=True)
    if not wh.outdated() and is_current(wh.con):
        return wh
    wh.close()
    with Warehouse.open(path) as upgrading:
        ensure_current(upgrading.con, notify)
    return Warehouse.open(path, read_only=True)


def ensure_current(con: duckdb.DuckDBPyConnection, notify: Notify | None = None) -> bool:
    """Rebuild facts written by an older kefu (or never written) under the settings they had; True if rebuilt.

    Without recorded fact settings, the defaults apply, in the time zone the data was imported in.
    """
    if is_current(con):
        return False
    raw = read_meta(con, SETTINGS_KEY)
    values: dict[str, object] = dict(json.loads(raw)) if raw is not None else {}
    values.setdefault("timezone", warehouse_timezone(con))
    if notify is not None:
        notify("事实表由旧版本生成或尚未生成，正在重建… / facts are from an older kefu or missing: rebuilding")
    with transaction(con):
        rebuild(con, Settings(**values), notify)  # type: ignore[arg-type]
    return True
