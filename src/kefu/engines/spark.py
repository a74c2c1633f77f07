"""The Spark engine: the same SQL models and metric declarations, transpiled to Spark SQL and run on PySpark.

Only what Spark spells differently lives here: the engine functions the models call
(local_time, local_day, add_days, seconds_between, micros_between) and the quantile aggregate. Every
other piece of SQL is the models' own text, transpiled by sqlglot.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import logging
import os
import shutil
import socket
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import sqlglot
from sqlglot import exp

from kefu.config import Settings
from kefu.engines.common import SPAN_SQL, calendar_columns, local_days
from kefu.export import EXPORT_TABLES
from kefu.models import MODELS, MODELS_BY_NAME, SCOPES, Model, build_order, render

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

log = logging.getLogger(__name__)

# The shop scope is computed over all its conversations here, not from the account scope's
# rows (models/reused.sql): in local mode the union plans made the shop report several times
# slower and ran the driver out of memory.
REUSE_ACCOUNT_ROWS = False


LOG_CONFIG = Path(__file__).with_name("spark-log4j2.properties")
"""The driver's logging when the engine starts the JVM: errors only."""


class SparkDataError(RuntimeError):
    """The data folder cannot be read as a kefu Parquet export."""


class SparkUnavailable(RuntimeError):
    """PySpark or Java is missing on this machine."""


def spark_unavailable_reason(connect: bool = False) -> str | None:
    """Why the Spark engine (a Spark Connect client when `connect`) cannot start here (Chinese first), or None."""
    if importlib.util.find_spec("pyspark") is None:
        return "未安装 PySpark：pip install 'kefu[spark]' / PySpark is not installed: pip install 'kefu[spark]'"
    if connect:
        # The client needs no Java, only the gRPC and Arrow packages of pyspark[connect].
        missing = [m for m in ("grpc", "google.rpc", "pyarrow", "pandas") if importlib.util.find_spec(m) is None]
        if not missing:
            return None
        return (f"Spark Connect 客户端缺少 {'、'.join(missing)}：pip install 'kefu[spark]'"
                f" / the Spark Connect client needs {', '.join(missing)}: pip install 'kefu[spark]'")
    java_home = os.environ.get("JAVA_HOME")
    if not shutil.which("java") and not (java_home and Path(java_home, "bin", "java").exists()):
        return ("找不到 Java（Spark 需要 Java 17+），Debian/Ubuntu: apt-get install openjdk-17-jre-headless"
                " / Java not found (Spark needs Java 17+)")
    return None


def spark_functions(settings: Settings) -> dict[str, str]:
    """The engine functions in Spark SQL; `_0`, `_1` stand for the arguments.

    Spark runs with a UTC session time zone, so a TIMESTAMP holds the UTC wall clock
    the warehouse stores and from_utc_timestamp gives the shop-local one.
    """
    zone = settings.timezone.replace("'", "''")
    local_time = f"from_utc_timestamp(_0, '{zone}')"
    return {
        "local_time": local_time,
        "local_day": f"CAST({local_time} AS DATE)",
        "add_days": "date_add(_0, _1)",
        # Whole microseconds, then one division: the same double DuckDB's epoch_us arithmetic gives.
        "seconds_between": "CAST(unix_micros(_1) - unix_micros(_0) AS DOUBLE) / 1000000.0",
        "micros_between": "unix_micros(_1) - unix_micros(_0)",
    }


def _rewriter(functions: dict[str, exp.Expr]) -> Any:
    """A sqlglot transform expanding engine functions and mapping quantile_cont to Spark's percentile."""

    def rewrite(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Anonymous) and str(node.this).lower() in functions:
            args = {f"_{i}": a for i, a in enumerate(node.expressions)}
            body = functions[str(node.this).lower()].copy()
            return body.transform(
                lambda n: args[n.name].copy() if isinstance(n, exp.Column) and n.name in args else n)
        if isinstance(node, exp.PercentileCont):
            # Spark's exact percentile interpolates between adjacent ranks like DuckDB's quantile_cont.
            return exp.Anonymous(this="percentile", expressions=[node.this.copy(), node.expression.copy()])
        return node

    return rewrite


def to_spark_sql(sql: str, settings: Settings, pretty: bool = True) -> str:
    """A query of the models' (DuckDB) dialect as Spark SQL, engine functions expanded."""
    functions: dict[str, exp.Expr] = {name: sqlglot.parse_one(body, read="spark")
                                      for name, body in spark_functions(settings).items()}
    tree = sqlglot.parse_one(sql, read="duckdb")
    # A replaced node's arguments are not revisited, so expand until no engine function call is left.
    while any(str(n.this).lower() in functions for n in tree.find_all(exp.Anonymous)) or tree.find(exp.PercentileCont):
        tree = tree.transform(_rewriter(functions))
    return tree.sql(dialect="spark", pretty=pretty)


def spark_session(master: str = "local[*]", shuffle_partitions: int | None = None,
                  driver_memory: str = "2g", remote: str | None = None) -> SparkSession:
    """A Spark session configured the way the engine needs (UTC session time, partition values as text).

    With `remote` (sc://host:port) a new Spark Connect session on that server, else a classic one on `master`.
    """
    from pyspark.sql import SparkSession

    sql_conf: dict[str, bool | float | int | str | None] = {
        "spark.sql.session.timeZone": "UTC",
        # Partition folders hold text (a shop called 12345 stays the text '12345').
        "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
        # Adaptive execution sizes each shuffle from the bytes its map side wrote (a few partitions in local
        # mode, as many as the data needs on a cluster), turns a join whose side proved small into a broadcast
        # join, and splits a skewed partition (one busy shop) of a sort-merge join.
        "spark.sql.adaptive.enabled": "true",
        "spark.sql.adaptive.coalescePartitions.enabled": "true",
        "spark.sql.adaptive.skewJoin.enabled": "true",
    }
    if shuffle_partitions:
        sql_conf["spark.sql.shuffle.partitions"] = str(shuffle_partitions)
    if remote:
        # Each session created is a server-side session of its own (temp views, settings); the server owns the
        # JVM, its memory and its logging, so only the SQL settings apply.
        return SparkSession.builder.remote(remote).config(map=sql_conf).create()
    builder = (SparkSession.builder.master(master).appName("kefu")
               # The kept models of a report live in the driver in local mode; Spark's default 1g is tight.
               .config("spark.driver.memory", driver_memory)
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config(map=sql_conf))
    with _launch_options():
        spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _driver_java_options() -> str:
    """The options kefu gives the driver's JVM when this process starts it: errors-only logging (unless Spark's
    config folder says how) and the class-data-sharing archive of Spark's classes (spark_cds)."""
    import pyspark

    from kefu.engines.spark_cds import java_options

    home = os.environ.get("SPARK_HOME")
    conf_dir = os.environ.get("SPARK_CONF_DIR") or (home and str(Path(home, "conf")))
    opts = os.environ.get("SPARK_SUBMIT_OPTS", "")
    extra = []
    if not (conf_dir and Path(conf_dir, "log4j2.properties").exists()) and "log4j2.configurationFile" not in opts:
        # setLogLevel comes only after start-up, whose warnings (hostname, native library, default profile) would
        # otherwise open every report's output.
        extra.append(f"-Dlog4j2.configurationFile={LOG_CONFIG.as_uri()}")
    if "SharedArchiveFile" not in opts and "ArchiveClassesAtExit" not in opts:
        extra.append(java_options(f"{pyspark.__version__} {Path(pyspark.__file__).parent}"))
    return " ".join(e for e in extra if e)


@contextlib.contextmanager
def _launch_options() -> Iterator[None]:
    """SPARK_SUBMIT_OPTS with the driver's options while the JVM is launched, as it was afterwards.

    The launcher passes SPARK_SUBMIT_OPTS to the driver's JVM before any spark.driver.extraJavaOptions, so these
    override none of the user's own settings; restored, they are not inherited by the processes kefu starts later
    (two JVMs must not write one archive).
    """
    saved = os.environ.get("SPARK_SUBMIT_OPTS")
    extra = _driver_java_options()
    if extra:
        os.environ["SPARK_SUBMIT_OPTS"] = f"{saved or ''} {extra}".strip()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("SPARK_SUBMIT_OPTS", None)
        else:
            os.environ["SPARK_SUBMIT_OPTS"] = saved


@dataclass
class SparkEngine:
    """Runs the SQL models on a Spark session (its own temp views) over a Parquet export of the warehouse."""

    spark: SparkSession
    settings: Settings
    built: dict[tuple[str, str], str] = field(default_factory=dict)
    kept: list[DataFrame] = field(default_factory=list)
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    # Called with each model's table and rows as it is defined: the rows written somewhere, read back from there
    # (a facts build), or None to define the model as usual.
    store: Callable[[str, DataFrame], DataFrame | None] | None = None

    @classmethod
    def open(cls, spark: SparkSession, settings: Settings, data: str) -> SparkEngine:
        """An engine reading the export at `data`, in temp views of its own.

        A classic `spark` gives the engine a fresh session of it; a Spark Connect session (which has no
        newSession before Spark 4.3, nor the builder's settings after) is taken as it is: open one per engine.
        """
        engine = cls(spark if is_connect(spark) else spark.newSession(), settings)
        engine.load(data)
        return engine

    def load(self, data: str) -> None:
        """Register each table of a `kefu export parquet` folder (local or s3a://…) as a view."""
        from pyspark.sql.types import TimestampNTZType

        base = data.rstrip("/")
        for name in EXPORT_TABLES:
            path = f"{base}/{name}"
            try:
                df = self.spark.read.parquet(path)
                fields = df.schema.fields  # Spark Connect reads lazily: a missing path fails here
            except Exception as exc:  # pyspark raises AnalysisException subclasses for missing paths
                raise SparkDataError(
                    f"无法读取 {path}：不是 kefu export parquet 导出的目录？ / cannot read {path}: {exc}") from exc
            # Parquet's UTC wall-clock times arrive without a zone; in the UTC session they are the same instants.
            cols = [f"CAST(`{f.name}` AS TIMESTAMP) AS `{f.name}`" if isinstance(f.dataType, TimestampNTZType)
                    else f"`{f.name}`" for f in fields if f.name != "month"]
            df.selectExpr(*cols).createOrReplaceTempView(name)

    def prepare(self) -> bool:
        """Find the data's days and build the calendar; False when the data holds nothing."""
        ((lo, hi),) = self.spark.sql(
            f"SELECT CAST(lo AS STRING), CAST(hi AS STRING) FROM ({to_spark_sql(SPAN_SQL, self.settings)})"
        ).collect()
        if lo is None:
            return False
        self.first_day, self.last_day = local_days(lo.replace(" ", "T"), hi.replace(" ", "T"), self.settings.timezone)
        self.define()
        return True

    def define(self) -> None:
        """The calendar of the days first_day..last_day (the engine functions are rewritten into each query)."""
        assert self.first_day is not None and self.last_day is not None
        cols = calendar_columns(self.first_day, self.last_day, self.settings.timezone)
        rows = [(d.isoformat(), _iso(s), _iso(e)) for d, s, e in zip(cols["day"], cols["day_start"], cols["day_end"])]
        self.spark.createDataFrame(rows, "day STRING, day_start STRING, day_end STRING").selectExpr(
            "CAST(day AS DATE) AS day", "CAST(day_start AS TIMESTAMP) AS day_start",
            "CAST(day_end AS TIMESTAMP) AS day_end").createOrReplaceTempView("calendar")

    def cut(self, table: str, where: str) -> None:
        """Replace a canonical table's view with its rows that meet `where` (kefu.pruning)."""
        self.spark.sql(to_spark_sql(f"SELECT * FROM {table} WHERE {where}", self.settings)
                       ).createOrReplaceTempView(table)

    def build(self, needed: list[tuple[str, str]]) -> dict[str, str]:
        """Define the models needed and their dependencies as views; returns model name -> view.

        The models that two or more queries read are computed once and kept (`keeps`); any other stays a
        view, which Spark plans into the one query that reads it.
        """
        wanted = wanted_keys(needed)
        # Readers among every report's models, or among the models asked for when more of them read one
        # (a facts build asks for the shared scope, which no report reads).
        readers = READERS | count_readers(needed)
        tables: dict[str, str] = {}
        for model, scope in build_order(needed, reuse=REUSE_ACCOUNT_ROWS):
            if (model.name, scope) not in self.built:
                self.add(model, scope, keeps(model, scope, wanted, readers))
            tables[model.name] = model.table(scope)
        return tables

    def add(self, model: Model, scope: str, keep_rows: bool) -> None:
        """Define one model's view (its dependencies defined before); with keep_rows, compute and keep its rows."""
        table = model.table(scope)
        df = self.spark.sql(to_spark_sql(render(model, self.settings, scope or "account", REUSE_ACCOUNT_ROWS),
                                         self.settings))
        stored = self.store(table, df) if self.store else None
        if stored is not None:
            df = stored
        elif keep_rows:
            log.debug("computing %s", table)
            df = keep(df)
            self.kept.append(df)
        df.createOrReplaceTempView(table)
        self.built[(model.name, scope)] = table

    def fetch(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Column names and rows of a query written in the models' dialect."""
        df = self.spark.sql(to_spark_sql(sql, self.settings, pretty=False))
        return df.columns, [tuple(r) for r in df.collect()]

    def close(self) -> None:
        """Drop the models' views, and with them the last references to the kept rows (Spark's cleaner frees them)."""
        for table in self.built.values():
            self.spark.catalog.dropTempView(table)
        self.kept.clear()
        self.built.clear()


def keep(df: DataFrame) -> DataFrame:
    """The rows of `df` computed now and kept by the executors, as a DataFrame whose plan is a scan of them.

    A cached DataFrame would keep the whole lineage in every later plan: each cached model's plan holds its
    inputs' cached plans, so the plans of the last models and of the report grew into thousands of nodes,
    which adaptive execution re-plans and re-describes after every stage (minutes of driver time per report).
    A local checkpoint cuts the lineage; its rows live in the executors' block stores (memory, then disk).
    """
    return df.localCheckpoint(eager=True)


def count_readers(needed: list[tuple[str, str]]) -> Counter[tuple[str, str]]:
    """How many models read each (model, scope) in the engine's build graph of the models needed."""
    count: Counter[tuple[str, str]] = Counter()
    for model, scope in build_order(needed, reuse=REUSE_ACCOUNT_ROWS):
        for dep in model.deps_in(scope, REUSE_ACCOUNT_ROWS):
            name, _, dep_scope = dep.partition("@")
            count[(name, (dep_scope or scope or "account") if MODELS_BY_NAME[name].scoped else "")] += 1
    return count


def wanted_keys(needed: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """The (model, scope) keys of the models a caller names (an unscoped model's scope is "")."""
    return {(name, scope if MODELS_BY_NAME[name].scoped else "") for name, scope in needed}


def keeps(model: Model, scope: str, wanted: set[tuple[str, str]], readers: Counter[tuple[str, str]] | None = None
          ) -> bool:
    """Whether the engine keeps a model's rows: when two or more queries read them, the caller's own counting
    as one when it names the model (a report reads its rowset twice: for its days, then for its rows).

    Projections (views) never: Spark reads their columns straight from Parquet, pruned to what each reader needs.
    """
    key = (model.name, scope)
    return not model.view and (READERS if readers is None else readers)[key] + (key in wanted) >= 2


READERS = count_readers([(m.name, s) for m in MODELS for s in SCOPES])
"""Readers in the graph of every model in every scope a report reads."""


def open_spark_engine(data: str, master: str, settings: Settings, remote: str | None = None) -> SparkEngine:
    """A prepared engine on a new (or the running) Spark session, or on a new session of the Spark Connect server
    at `remote`; NoData when the export is empty."""
    from kefu.report import NoData

    reason = spark_unavailable_reason(connect=remote is not None)
    if reason:
        raise SparkUnavailable(reason)
    if remote is not None:
        reach(remote)
    engine = SparkEngine.open(spark_session(master, remote=remote), settings, data)
    if not engine.prepare():
        raise NoData(f"{data} 中没有数据 / no data in {data}")
    return engine


def reach(remote: str) -> None:
    """Fail at once when nothing listens at a Spark Connect URL (the client would retry for minutes, silent)."""
    url = urllib.parse.urlsplit(remote)
    try:
        socket.create_connection((url.hostname or "localhost", url.port or 15002), timeout=10).close()
    except (OSError, ValueError) as exc:
        raise SparkUnavailable(f"无法连接 Spark Connect 服务 {remote}：{exc} / cannot reach the Spark Connect server "
                               f"at {remote}: {exc}") from exc


def is_connect(spark: SparkSession) -> bool:
    """Whether `spark` is a Spark Connect client session (no SparkContext, no JVM of its own)."""
    return type(spark).__module__.startswith("pyspark.sql.connect.")


def _iso(value: Any) -> str:
    """An instant (datetime or datetime64) as text Spark casts to TIMESTAMP."""
    return str(np.datetime64(value, "us")).replace("T", " ")
