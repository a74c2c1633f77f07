"""`kefu rebuild`: recompute the warehouse's stored facts, atomically; `kefu facts build`: facts on Spark."""
from __future__ import annotations

import time
from pathlib import Path

import typer

from kefu.cli.app import app, cli_settings, console, err_console, fail, parse_range, state
from kefu.cli.options import ConfigOpt, SetOpt
from kefu.cli.report import EngineName


@app.command("rebuild")
def rebuild_cmd(
    sets: SetOpt = None,
    config: ConfigOpt = None,
) -> None:
    """按设置重新计算仓库中保存的事实表（全部或全不） / recompute the stored facts under these settings."""
    from kefu import facts
    from kefu.store import Warehouse, WarehouseError

    settings = cli_settings(config, sets)
    if not state.db.exists():
        fail(f"找不到仓库文件 {state.db} / warehouse not found")
    started = time.perf_counter()
    try:
        with Warehouse.open(state.db) as wh:
            wh.check_timezone(settings.timezone)
            with wh.transaction() as con:
                facts.rebuild(con, settings, lambda line: err_console.print(line, soft_wrap=True))
    except (WarehouseError, ValueError) as exc:
        fail(str(exc))
    shown = "，".join(f"{k}={v}" for k, v in facts.fact_settings(settings).items())
    console.print(f"事实表已按 {shown} 重建（{time.perf_counter() - started:.1f} 秒） / facts rebuilt", soft_wrap=True)


# `kefu facts …`: facts kept outside the warehouse (on Spark, beside a Parquet export).
facts_app = typer.Typer(help="事实表 / stored facts (kefu facts build: on Spark, beside a Parquet export)",
                        no_args_is_help=True)
app.add_typer(facts_app, name="facts")


@facts_app.command("build")
def facts_build_cmd(
    engine_name: EngineName = typer.Option(EngineName.spark, "--engine",
                                           help="计算引擎：spark（DuckDB 的事实表由导入维护）"),
    data: Path = typer.Option(..., "--data", help="kefu export parquet 的导出目录"),
    facts_dir: Path | None = typer.Option(None, "--facts", help="事实表目录（默认：导出目录/facts）"),
    shops: str | None = typer.Option(None, "--shops", help="另外重算这些店铺，逗号分隔（默认：只重算有变化的）"),
    day_from: str | None = typer.Option(None, "--from",
                                        help="另外重算从这天起 YYYY-MM-DD（与 --shops 合用：这些店铺的这些天）"),
    day_to: str | None = typer.Option(None, "--to", help="另外重算到这天为止 YYYY-MM-DD"),
    full: bool = typer.Option(False, "--full", help="全部重算"),
    master: str = typer.Option("local[*]", "--master", help="Spark master，如 local[*] 或 spark://主机:7077"),
    sets: SetOpt = None,
    config: ConfigOpt = None,
) -> None:
    """在 Spark 上计算事实表，按店铺、月份写成 Parquet；再次运行只重算导出中有变化的分区 / facts on Spark."""
    if engine_name is not EngineName.spark:
        fail("DuckDB 仓库的事实表由 kefu import 维护，kefu rebuild 可全部重算 / on DuckDB, kefu import keeps the facts")
    settings = cli_settings(config, sets)
    first, last = parse_range(day_from, day_to)
    if "://" in str(data) or not data.is_dir():
        fail(f"找不到本地导出目录 {data}（先运行 kefu export parquet） / no local export folder {data}")
    from kefu.engines.spark import SparkDataError, SparkUnavailable, spark_session, spark_unavailable_reason
    from kefu.engines.spark_facts import FactsError, build_facts

    reason = spark_unavailable_reason()
    if reason:
        fail(reason)
    started = time.perf_counter()
    lo, hi = first or last, last or first  # one of --from/--to alone is that one day
    days = (lo, hi) if lo and hi else None
    try:
        built = build_facts(spark_session(master), settings, data, facts_dir or data / "facts", full=full,
                            shops=[s.strip() for s in shops.split(",") if s.strip()] if shops else None,
                            days=days)
    except (SparkUnavailable, SparkDataError, FactsError) as exc:
        fail(str(exc))
    took = f"{time.perf_counter() - started:.1f}"
    n = len(built.partitions)
    if built.full:
        console.print(f"全部重建：{n} 个分区（{took} 秒） / rebuilt everything: {n} partitions ({took} s)",
                      soft_wrap=True)
    elif not n:
        console.print(f"事实表已是最新，未重建（{took} 秒） / facts are current: nothing rebuilt", soft_wrap=True)
    else:
        shown = [f"{shop or '各账号在线时长'} {month}".strip() for shop, month in sorted(built.partitions)]
        listed = "、".join(shown[:_LISTED]) + (" 等" if n > _LISTED else "")
        console.print(f"重建 {n} 个分区：{listed}（{took} 秒） / rebuilt {n} partitions ({took} s)", soft_wrap=True)
        if built.read is not None:
            lo, hi = built.read
            console.print(f"只读取了这些店铺 {lo}~{hi} 所需的行 / read only the rows days {lo}..{hi} need",
                          soft_wrap=True)


_LISTED = 30  # partitions named in the summary line
