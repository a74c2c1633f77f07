"""`kefu metrics list|show`: the metric declarations, their definitions and SQL."""
from __future__ import annotations

import sys
from enum import Enum

import typer
from rich.table import Table

from kefu.cli.app import Grain, app, cli_settings, console, fail, state
from kefu.cli.options import ConfigOpt, SetOpt
from kefu.metrics.catalog import metric, metrics_of


class Dialect(str, Enum):
    duckdb = "duckdb"
    spark = "spark"


metrics_app = typer.Typer(help="指标定义：列出、查看公式与 SQL / metric definitions", no_args_is_help=True)
app.add_typer(metrics_app, name="metrics")


@metrics_app.command("list")
def metrics_list(
    grain: Grain | None = typer.Option(None, "--grain", help="只列出一个粒度"),
    fmt: str = typer.Option("table", "--format", help="table|markdown|json"),
) -> None:
    """列出全部指标 / list every metric: id, 中文名, unit, definition."""
    from kefu.docs import metrics_json, metrics_markdown

    grains = [grain.value] if grain else ["account_day", "shop_day"]
    if fmt == "markdown":
        sys.stdout.write(metrics_markdown(grains))
        return
    if fmt == "json":
        sys.stdout.write(metrics_json(grains) + "\n")
        return
    for g in grains:
        table = Table(title=f"{g} 指标", header_style="bold cyan")
        for col in ("id", "中文", "单位", "定义"):
            table.add_column(col, overflow="fold")
        for m in metrics_of(g):
            table.add_row(m.id, m.label_zh, m.unit, m.definition_zh if state.lang == "zh" else m.definition_en)
        console.print(table)


@metrics_app.command("show")
def metrics_show(
    metric_id: str = typer.Argument(..., help="指标 id"),
    grain: Grain | None = typer.Option(None, "--grain", help="粒度（同名指标在两个粒度都有时）"),
    sql: bool = typer.Option(False, "--sql", help="显示计算它的 SQL"),
    dialect: Dialect = typer.Option(Dialect.duckdb, "--dialect", help="SQL 方言 duckdb|spark"),
    sets: SetOpt = None,
    config: ConfigOpt = None,
) -> None:
    """查看一个指标的完整定义和 SQL / show a metric's definition and SQL."""
    from kefu.docs import metric_sql_text

    try:
        m = metric(metric_id, grain.value if grain else None)
    except KeyError:
        fail(f"未知指标 {metric_id!r}，用 kefu metrics list 查看 / unknown metric")
    g = grain.value if grain else m.grains[0]
    console.print(f"[bold]{m.label_zh}[/] / {m.label_en}  ([cyan]{m.id}[/])")
    console.print(f"粒度 grains: {', '.join(m.grains)}    单位 unit: {m.unit}")
    console.print(f"定义：{m.definition_zh}")
    console.print(f"Definition: {m.definition_en}")
    if sql:
        sys.stdout.write("\n" + metric_sql_text(m, g, cli_settings(config, sets), dialect.value) + "\n")
