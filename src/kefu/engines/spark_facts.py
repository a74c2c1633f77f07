"""Facts on Spark: the stored fact tables computed from a Parquet export, kept as Parquet by shop and month.

`build_facts` writes each fact table to FACTS_DIR/<table>/shop=…/month=YYYY-MM (the month of the row's day;
tables without a shop or a day leave that level out) and a manifest of what they were computed from
(spark_facts_export). Built again over a newer export, it recomputes the shops whose export partitions
changed and rewrites, with Spark's dynamic partition overwrite, only the months those changes reach
(spark_facts_touched); other versions of kefu, other fact settings or an unfinished build rebuild everything.
`use_facts` lets a report's engine read the stored tables instead of computing them.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from kefu.config import Settings
from kefu.engines.spark import SparkEngine, to_spark_sql
from kefu.engines.spark_facts_export import (
    Export,
    Manifest,
    list_export,
    new_manifest,
    read_groups,
    read_manifest,
    same_files,
    write_manifest,
)
from kefu.engines.spark_facts_touched import Reach, export_reach, export_shops, fact_days, months
from kefu.export import hive_escape
from kefu.facts import FACTS, Fact
from kefu.facts_touched import DayRange, Touched, merge_touched
from kefu.models import render
from kefu.pruning import narrow
from kefu.sqltext import lit

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

# What DuckDB stores as tables, and the shop-scope models it keeps as views over account rows
# (models/reused.sql): Spark computes those whole (spark.REUSE_ACCOUNT_ROWS), so it stores them too.
SPARK_FACTS: tuple[Fact, ...] = tuple(f for f in FACTS if f.kind == "table" or f.model.reuses_in(f.scope, True))

# The day that places a fact row in a month: `day` but for orders, kept by the day they were created.
MONTH_OF = {"order_days": "created_day"}
ONLINE_HOURS = "online_hours"  # keyed by account: one table for every shop, by month alone
DAYLESS = ("shop_accounts",)  # facts without a day: a shop's partition is rewritten whole


class FactsError(RuntimeError):
    """A facts build cannot run as asked."""


@dataclass(frozen=True)
class Built:
    """What a build did: everything, or the partitions (shop or "", month or "") it rewrote or removed."""

    full: bool
    partitions: frozenset[tuple[str, str]]
    read: DayRange | None = None  # the days a partial build read (None: all of the touched shops' rows)


def build_facts(spark: SparkSession, settings: Settings, data: Path, facts_dir: Path, *, full: bool = False,
                shops: list[str] | None = None, days: DayRange | None = None) -> Built:
    """Bring the facts in facts_dir up to date with the export in data (all of them anew when full).

    shops and days name more to recompute than what changed: those days of those shops, every day of those
    shops (no days), or those days of every shop (no shops).
    """
    export = list_export(data)
    known = export_shops(export)
    unknown = sorted(set(shops or ()) - known)
    if unknown:
        raise FactsError(f"导出中没有店铺 {'、'.join(unknown)} / no shop {', '.join(unknown)} in the export")
    force: Touched = dict.fromkeys(shops or (sorted(known) if days else ()), days)
    previous = read_manifest(facts_dir)
    if previous is not None and not previous.matches(settings):
        previous = None  # its groups' days are of other settings, its facts of another kefu or settings
    _read_changed_groups(spark, settings, data, export, previous.export if previous else {})
    old = None if full else previous
    manifest = new_manifest(settings, export)
    read = None
    if old is None:
        write_manifest(facts_dir, manifest)  # incomplete until the end: a build that fails is redone whole
        partitions = _build_all(spark, settings, data, facts_dir, manifest)
    else:
        reach = export_reach(old.export, export)
        reach.touched = merge_touched(reach.touched, force)
        manifest.facts = old.facts
        partitions = set()
        if reach:
            write_manifest(facts_dir, manifest)
            partitions, read = _build_some(spark, settings, data, facts_dir, reach)
    manifest.complete = True
    write_manifest(facts_dir, manifest)
    return Built(old is None, frozenset(partitions), read)


def use_facts(engine: SparkEngine, data: str, facts_dir: str | None = None) -> str:
    """Let the engine read the stored facts when they are current; otherwise say why it computes them (Chinese
    first). The engine must have built nothing yet."""
    folder = facts_dir or f"{data.rstrip('/')}/facts"
    manifest = None if "://" in folder else read_manifest(Path(folder))
    if manifest is None:
        return ("没有事实表，本次临时计算；kefu facts build --data 导出目录 可生成"
                " / no facts stored: computed on the fly (kefu facts build stores them)")
    why = manifest.difference(engine.settings)
    if not why and "://" not in data and not same_files(manifest.export, list_export(Path(data))):
        why = "导出目录在事实表之后有变化 / the export changed after the facts were built"
    if why:
        return f"{why}；本次临时计算，kefu facts build 可更新 / computed on the fly (kefu facts build updates them)"
    for fact in SPARK_FACTS:
        read_fact(engine.spark, Path(folder) / fact.table, manifest.facts[fact.table]
                  ).createOrReplaceTempView(fact.table)
        engine.built[(fact.model.name, fact.scope)] = fact.table
    # The engine-defined models (msgs) as plain views: only models the facts replace read them.
    for fact in FACTS:
        if fact.kind == "temp":
            sql = to_spark_sql(render(fact.model, engine.settings, fact.scope or "account"), engine.settings)
            engine.spark.sql(sql).createOrReplaceTempView(fact.table)
            engine.built[(fact.model.name, fact.scope)] = fact.table
    return ""


def read_fact(spark: SparkSession, path: Path, meta: dict[str, Any]) -> DataFrame:
    """A stored fact table's rows in its columns (the manifest's schema: an empty table reads as one too)."""
    from pyspark.sql.types import StructType

    schema = StructType.fromJson(json.loads(meta["schema"]))
    return spark.read.schema(schema).parquet(str(path)).select(*meta["columns"])


# --- reading the export --------------------------------------------------------------------------------------

def _read_changed_groups(spark: SparkSession, settings: Settings, data: Path, export: Export, old: Export) -> None:
    """The groups of every leaf: the manifest's for leaves whose files are the same, read for the others."""
    for table, leaves in export.items():
        before = old.get(table, {})
        todo = {}
        for key, leaf in leaves.items():
            prev = before.get(key)
            if prev is not None and prev.files == leaf.files and prev.groups is not None:
                leaf.groups = prev.groups
            else:
                todo[key] = leaf
        if todo:
            read_groups(spark, data, table, todo, settings)


def _engine(spark: SparkSession, settings: Settings, data: Path) -> SparkEngine:
    """An engine in a session of its own over the export, writing partitions by Spark's dynamic overwrite."""
    engine = SparkEngine.open(spark, settings, str(data))
    engine.spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
    return engine


def _prepare(engine: SparkEngine) -> None:
    """Prepare the engine; rows without a day (accounts alone) still get their facts, over no day (as facts.py)."""
    if not engine.prepare():
        engine.first_day = engine.last_day = dt.date(1970, 1, 1)
        engine.define()


def _cut_to_shops(engine: SparkEngine, shops: list[str]) -> None:
    """Let the engine see only these shops' rows, as facts.py cuts the warehouse's for a shop's refresh.

    Presence has no shop column: an account's intervals belong to the shop that lists it, that talks
    through it, or whose nick it extends. It is cut first, while accounts and messages hold every shop.
    """
    names = ", ".join(lit(s) for s in shops)
    engine.cut("presence", f"account IN (SELECT account FROM accounts WHERE shop IN ({names})) "
                           f"OR account IN (SELECT account FROM messages WHERE shop IN ({names})) "
                           f"OR (split_part(account, ':', 1) IN ({names}) "
                           f"AND account NOT IN (SELECT account FROM accounts))")
    for table in ("messages", "orders", "refunds", "complaints", "ratings", "evaluations", "blocklist", "accounts"):
        engine.cut(table, f"shop IN ({names})")


# --- building ------------------------------------------------------------------------------------------------

def _build_all(spark: SparkSession, settings: Settings, data: Path, facts_dir: Path,
               manifest: Manifest) -> set[tuple[str, str]]:
    """Compute every fact from the whole export and write each table anew.

    Each fact is written as soon as it is defined and its later readers read it back from Parquet (the columns
    each needs), so no model is computed twice and none is kept in the executors' memory besides.
    """
    engine = _engine(spark, settings, data)
    facts = {f.table: f for f in SPARK_FACTS}
    written: set[tuple[str, str]] = set()

    def store(table: str, df: DataFrame) -> DataFrame | None:
        fact = facts.get(table)
        if fact is None:
            return None
        out, parts = _with_month(df, fact)
        shutil.rmtree(facts_dir / table, ignore_errors=True)
        written.update(_write(out, parts, facts_dir / table))
        manifest.facts[table] = {"columns": df.columns, "schema": out.schema.json()}
        return read_fact(engine.spark, facts_dir / table, manifest.facts[table])

    try:
        _prepare(engine)
        engine.store = store
        engine.build([(f.model.name, f.scope) for f in SPARK_FACTS])
        return written
    finally:
        engine.close()


def _build_some(spark: SparkSession, settings: Settings, data: Path, facts_dir: Path,
                reach: Reach) -> tuple[set[tuple[str, str]], DayRange | None]:
    """Recompute the touched shops and rewrite the partitions their changes reach; with the days read.

    When every touched shop changed on some days only, the engine reads only what the rewritten months need
    (kefu.pruning, the rule of a report on those days), so the cost follows the months rewritten, not the
    shops' history; a shop changed on every day (None) is recomputed from all its rows.
    """
    done: set[tuple[str, str]] = set()
    read: DayRange | None = None
    if reach.touched:
        engine = _engine(spark, settings, data)
        try:
            _cut_to_shops(engine, sorted(reach.touched))
            _prepare(engine)
            ranges = {s: r for s, r in reach.touched.items() if r is not None}
            paid = _paid_ends(engine, ranges, settings.conversion_window_days)
            targets = _target_months(reach.touched, settings.conversion_window_days, paid)
            if len(ranges) == len(reach.touched) and engine.first_day and engine.last_day:
                lo, hi = _month_span(m for shops in targets.values() for ms in shops.values() for m in ms or ())
                read = max(lo, engine.first_day), min(hi, engine.last_day)
                narrow(engine, *read)
            engine.build([(f.model.name, f.scope) for f in SPARK_FACTS])
            for fact in SPARK_FACTS:
                if fact.table == ONLINE_HOURS:
                    continue
                out, parts = _with_month(engine.spark.table(fact.table), fact)
                # A table without months (DAYLESS: built from every day before the cut) is rewritten whole.
                wanted: dict[str | None, set[str] | None] = {
                    s: (targets[fact.table][s] if "month" in parts else None) for s in reach.touched}
                done |= _replace(engine.spark, out, parts, facts_dir / fact.table, wanted)
        finally:
            engine.close()
    if reach.online:
        done |= _rebuild_online(spark, settings, data, facts_dir, set().union(*map(months, reach.online)))
    return done, read


def _target_months(touched: Touched, window: int, paid: dict[str, dt.date]) -> dict[str, dict[str, set[str] | None]]:
    """Per fact table with days, per touched shop, the months its changes reach (None: every month)."""
    def reached(name: str, shop: str, days: DayRange | None) -> set[str] | None:
        return None if days is None else months(fact_days(name, days, window, paid.get(shop)))

    return {fact.table: {shop: reached(fact.model.name, shop, days) for shop, days in touched.items()}
            for fact in SPARK_FACTS if fact.table not in (ONLINE_HOURS, *DAYLESS)}


def _month_span(named: Iterable[str]) -> DayRange:
    """The first day of the earliest and the last day of the latest of these months (YYYY-MM)."""
    named = list(named)
    first = dt.date.fromisoformat(min(named) + "-01")
    last = (dt.date.fromisoformat(max(named) + "-01") + dt.timedelta(days=32)).replace(day=1)
    return first, last - dt.timedelta(days=1)


def _rebuild_online(spark: SparkSession, settings: Settings, data: Path, facts_dir: Path,
                    wanted: set[str]) -> set[tuple[str, str]]:
    """Rewrite these months of online hours from every account's presence (its rows depend on nothing else)."""
    engine = _engine(spark, settings, data)
    try:
        # The calendar of the months' days: online hours have a row only for a day with online time.
        engine.first_day, engine.last_day = _month_span(wanted)
        engine.define()
        engine.build([(ONLINE_HOURS, "")])
        fact = next(f for f in SPARK_FACTS if f.table == ONLINE_HOURS)
        out, parts = _with_month(engine.spark.table(ONLINE_HOURS), fact)
        return _replace(engine.spark, out, parts, facts_dir / ONLINE_HOURS, {None: wanted})
    finally:
        engine.close()


def _paid_ends(engine: SparkEngine, ranges: dict[str, DayRange], window: int) -> dict[str, dt.date]:
    """Per shop, the latest day an order created on its days lo..hi+w was paid (facts_range's E), from the orders
    themselves: it says which months to read, so it comes before any model is built."""
    if not ranges:
        return {}
    w = dt.timedelta(days=window)
    made = " OR ".join(f"(shop = {lit(s)} AND local_day(created_at) BETWEEN DATE '{lo}' AND DATE '{hi + w}')"
                       for s, (lo, hi) in sorted(ranges.items()))
    _, rows = engine.fetch(f"SELECT shop, max(local_day(paid_at)) FROM orders WHERE {made} GROUP BY shop")
    return {shop: paid for shop, paid in rows if paid is not None}


# --- writing -------------------------------------------------------------------------------------------------

def _with_month(df: DataFrame, fact: Fact) -> tuple[DataFrame, list[str]]:
    """The fact's rows with their month column, and the partition columns of its table."""
    from pyspark.sql import functions as F

    day = MONTH_OF.get(fact.model.name, "day")
    parts = [c for c in ("shop",) if c in df.columns]
    if day in df.columns:
        df = df.withColumn("month", F.date_format(F.col(day), "yyyy-MM"))
        parts.append("month")
    return df, parts


def _write(out: DataFrame, parts: list[str], path: Path) -> set[tuple[str, str]]:
    """Write rows as Parquet partitioned by parts, replacing the partitions they fall in; those partitions.

    Spark names every file it writes anew, so the partitions written are those whose files changed.
    """
    before = _partitions(path, parts)
    out.write.mode("overwrite").partitionBy(*parts).parquet(str(path))
    path.mkdir(parents=True, exist_ok=True)  # a table without rows is still a folder readers find
    return {label for label, files in _partitions(path, parts).items() if before.get(label) != files}


def _replace(spark: SparkSession, out: DataFrame, parts: list[str], path: Path,
             targets: dict[str | None, set[str] | None]) -> set[tuple[str, str]]:
    """Rewrite the target partitions (shop -> months, None: all of them; shop None: a table by month alone) with
    the rows of out that fall in them, and remove those left without rows; the partitions rewritten or removed."""
    from pyspark.sql import functions as F

    if "shop" in parts:
        rows = [(s, m) for s, ms in targets.items() for m in (sorted(ms) if ms is not None else [None])]
        wanted = spark.createDataFrame(rows, "t_shop STRING, t_month STRING")
        cond = F.col("shop") == F.col("t_shop")
        if "month" in parts:
            cond = cond & (F.col("t_month").isNull() | (F.col("month") == F.col("t_month")))
        out = out.join(F.broadcast(wanted), cond, "left_semi")
    else:
        out = out.where(F.col("month").isin(sorted(targets[None] or ())))
    before = _partitions(path, parts)
    written = _write(out, parts, path)
    stale = {label for label in before if _targeted(label, parts, targets)} - written
    for shop, month in stale:
        folder = path / f"shop={hive_escape(shop)}" if shop else path
        shutil.rmtree(folder / f"month={month}" if month else folder)
        if shop and folder.exists() and not any(folder.iterdir()):
            folder.rmdir()
    return written | stale


def _targeted(label: tuple[str, str], parts: list[str], targets: dict[str | None, set[str] | None]) -> bool:
    """True when the partition (shop or "", month or "") is one of the targets."""
    shop, month = label
    if "shop" not in parts:
        return month in (targets.get(None) or ())
    if shop not in targets:
        return False
    months_of = targets[shop]
    return months_of is None or "month" not in parts or month in months_of


def _partitions(path: Path, parts: list[str]) -> dict[tuple[str, str], frozenset[str]]:
    """Each partition folder of a fact table, as (shop or "", month or ""), with the names of its files."""
    out = {}
    for folder in path.glob("/".join(["*"] * len(parts))) if parts and path.exists() else ():
        names = folder.relative_to(path).parts
        if folder.is_dir() and all(n.split("=", 1)[0] == c for n, c in zip(names, parts)):
            values = tuple(unquote(n.split("=", 1)[1]) for n in names)
            out[_label(parts, values)] = frozenset(f.name for f in folder.iterdir())
    return out


def _label(parts: list[str], values: tuple[str, ...]) -> tuple[str, str]:
    """(shop or "", month or "") of a partition's values."""
    named = dict(zip(parts, values))
    return named.get("shop", ""), named.get("month", "")

