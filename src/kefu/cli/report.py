"""`kefu report` and `kefu explain`: the KPI table and the rows behind one figure."""
from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from kefu.cli.app import (
    By,
    Compare,
    Fmt,
    Grain,
    Period,
    app,
    cli_account,
    cli_settings,
    cli_shop,
    connect_existing,
    console,
    emit,
    err_console,
    fail,
    parse_day,
    state,
    table_target,
)
from kefu.cli.options import ConfigOpt, FromOpt, OutputOpt, SetOpt, ToOpt
from kefu.metrics.catalog import metric
from kefu.metrics.compile import ReportError, ReportSpec
from kefu.output import print_table, to_csv, to_json

if TYPE_CHECKING:
    from kefu.config import Settings
    from kefu.report import Report


class EngineName(str, Enum):
    duckdb = "duckdb"
    spark = "spark"


@app.command("report")
def report_cmd(
    grain: Grain = typer.Option(Grain("account_day"), "--grain", help="粒度：account_day 客服日 / shop_day 店铺日"),
    day_from: FromOpt = None,
    day_to: ToOpt = None,
    period: Period = typer.Option(Period("day"), "--period", help="汇总周期 day|week|month|all"),
    by: By | None = typer.Option(None, "--by", help="汇总对象 account|group|shop"),
    shop: str | None = typer.Option(None, "--shop", help="只看这个店铺"),
    metrics: str | None = typer.Option(None, "--metrics", help="只列这些指标，逗号分隔的 id（默认：全部）"),
    sets: SetOpt = None,
    config: ConfigOpt = None,
    fmt: Fmt = typer.Option(Fmt.table, "--format", help="输出格式 table|csv|json|xlsx"),
    output: OutputOpt = None,
    compare: Compare | None = typer.Option(None, "--compare", help="previous：加上上一周期的数值与变化"),
    engine_name: EngineName = typer.Option(EngineName.duckdb, "--engine", help="计算引擎 duckdb（默认）| spark"),
    data: str | None = typer.Option(None, "--data", help="Spark 引擎读取的 Parquet 目录（kefu export parquet）"),
    master: str = typer.Option("local[*]", "--master", help="Spark master，如 local[*] 或 spark://主机:7077"),
    remote: str | None = typer.Option(None, "--remote",
                                      help="Spark Connect 服务地址，如 sc://主机:15002（代替 --master）"),
    facts_dir: str | None = typer.Option(None, "--facts",
                                         help="Spark 引擎读取的事实表目录（kefu facts build；默认 --data 下的 facts）"),
) -> None:
    """计算 KPI 报表 / compute the KPI report."""
    from kefu.report import NoData, run_report
    from kefu.reports.compare import with_previous

    settings = cli_settings(config, sets)
    try:
        spec = ReportSpec(grain=grain.value, by=by.value if by else None, period=period.value,
                          day_from=parse_day(day_from, "--from"), day_to=parse_day(day_to, "--to"))
    except ReportError as exc:
        fail(str(exc))
    try:
        if engine_name is EngineName.spark:
            if compare:
                fail("--compare 目前只在 DuckDB 引擎上可用 / --compare runs on the DuckDB engine only")
            report = _spark_report(spec, settings, data, master, remote, facts_dir)
        else:
            con = connect_existing(settings)
            report = run_report(con, spec, settings)
            if compare is Compare.previous:
                report = with_previous(con, report, settings)
    except NoData as exc:
        fail(str(exc))
    rows = [r for r in report.rows if shop is None or r["shop"] == shop]
    if not rows:
        fail("所选范围内没有数据行 / no rows in the chosen range")
    if metrics:
        report = _only(report, [m.strip() for m in metrics.split(",") if m.strip()])
        rows = [{c: r[c] for c in report.columns} for r in rows]
    if fmt is Fmt.xlsx:
        from kefu.reports.excel import write_report_xlsx

        if output is None:
            fail("--format xlsx 需要 -o 文件.xlsx / --format xlsx needs -o FILE.xlsx")
        write_report_xlsx(output, replace(report, rows=rows), state.lang)
        err_console.print(f"已写入 {output}")
    elif fmt is Fmt.json:
        payload = {"grain": spec.grain, "period": spec.period, "by": spec.group_by,
                   **({"compare": compare.value} if compare else {}), "settings": settings.as_dict(), "rows": rows}
        emit(to_json(payload), output)
    elif fmt is Fmt.csv:
        emit(to_csv(report.columns, rows, escape_formulas=settings.csv_escape_formulas), output)
    else:
        title = {"account_day": "客服报表", "shop_day": "店铺报表"}[spec.grain] if state.lang == "zh" else spec.grain
        with table_target(output) as target:
            print_table(target, title, spec.grain, report.columns, rows, state.lang, report.settings,
                        spec.adds_up_days)


def _only(report: Report, chosen: list[str]) -> Report:
    """The report with its key columns and the chosen metrics' columns, in the order asked (comparisons follow)."""
    from kefu.metrics.catalog import metrics_of
    from kefu.output import KEY_COLUMNS, split_compare

    known = [m.id for m in metrics_of(report.spec.grain)]
    for metric_id in chosen:
        if metric_id not in known:
            close = difflib.get_close_matches(metric_id, known, n=3, cutoff=0.5)
            hint = f"；最接近的：{'、'.join(close)}" if close else "；用 kefu metrics list 查看"
            fail(f"--metrics：粒度 {report.spec.grain} 没有指标 {metric_id}{hint} / unknown metric {metric_id}")
    keys = [c for c in report.columns if c in KEY_COLUMNS]
    columns = [c for metric_id in chosen for c in report.columns
               if c not in KEY_COLUMNS and split_compare(c)[0] == metric_id]
    return replace(report, columns=keys + columns)


def _spark_report(spec: ReportSpec, settings: Settings, data: str | None, master: str, remote: str | None,
                  facts_dir: str | None = None) -> Report:
    """The report computed by the Spark engine over a Parquet export, on `master` or a Spark Connect server."""
    from kefu import pruning
    from kefu.engines.spark import SparkDataError, SparkUnavailable, open_spark_engine
    from kefu.engines.spark_facts import use_facts
    from kefu.report import run_report

    if not data:
        fail("--engine spark 需要 --data 目录（先运行 kefu export parquet 目录） / --engine spark needs --data DIR")
    if remote is not None and not remote.startswith("sc://"):
        fail(f"--remote 应形如 sc://主机:15002，收到 {remote!r} / --remote takes sc://host:port")
    try:
        engine = open_spark_engine(data, master, settings, remote)
    except (SparkUnavailable, SparkDataError) as exc:
        fail(str(exc))
    try:
        note = use_facts(engine, data, facts_dir)  # the facts kefu facts build stored, when they are current
        if note:
            err_console.print(f"[yellow]{note}[/]", soft_wrap=True)
            pruning.narrow(engine, spec.day_from, spec.day_to)  # a day range reads only the rows its days need
        return run_report(None, spec, settings, engine)
    finally:
        engine.close()


class ExplainFmt(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


def _explain_text(exp: Any, fmt: ExplainFmt, settings: Settings) -> str:
    """An explanation as JSON (the figure and each part's rows) or as one CSV (a part column, then every column)."""
    from kefu.output import evidence_cell

    if fmt is ExplainFmt.json:
        return to_json({"metric": exp.metric.id, "grain": exp.grain, **exp.key, "value": exp.value,
                        "evidence": [{"measure": ev.measure.id, "heading": ev.heading(state.lang),
                                      "columns": ev.columns, "rows": [dict(zip(ev.columns, r)) for r in ev.rows]}
                                     for ev in exp.evidence]})
    columns = list(dict.fromkeys(c for ev in exp.evidence for c in ev.columns))
    rows = [{"part": ev.heading(state.lang), **{c: evidence_cell(v, state.lang, c) for c, v in zip(ev.columns, r)}}
            for ev in exp.evidence for r in ev.rows]
    return to_csv(["part", *columns], rows, escape_formulas=settings.csv_escape_formulas)


@app.command("explain")
def explain_cmd(
    metric_id: str = typer.Option(..., "--metric", help="指标 id，如 reply_rate"),
    day: str = typer.Option(..., "--day", help="日期 YYYY-MM-DD"),
    account: str | None = typer.Option(None, "--account", help="客服账号（客服日指标）"),
    shop: str | None = typer.Option(None, "--shop", help="店铺（店铺日指标）"),
    no_mask: bool = typer.Option(False, "--no-mask", help="显示完整买家昵称"),
    fmt: ExplainFmt = typer.Option(ExplainFmt.table, "--format", help="输出格式 table|csv|json"),
    output: Path | None = typer.Option(None, "-o", "--output", help="写入文件（csv/json）"),
    sets: SetOpt = None,
    config: ConfigOpt = None,
) -> None:
    """解释一个数字：背后的买家、提问与响应时间、订单 / the rows behind one figure."""
    from kefu.explain import UnknownRow, explain
    from kefu.output import EVIDENCE_LABELS, evidence_cell, human_value, label
    from kefu.report import NoData

    if not account and not shop:
        fail("需要 --account（客服日指标）或 --shop（店铺日指标） / give --account or --shop")
    settings = cli_settings(config, sets)
    grain = "account_day" if account else "shop_day"
    try:
        metric(metric_id, grain)
    except KeyError:
        fail(f"粒度 {grain} 没有指标 {metric_id!r}，用 kefu metrics list 查看 / unknown metric")
    con = connect_existing(settings)
    shop = cli_shop(con, shop)
    account = cli_account(con, account, shop)
    try:
        exp = explain(con, settings, metric_id, parse_day(day, "--day") or dt.date.min, account=account, shop=shop,
                      mask=not no_mask)
    except (NoData, UnknownRow) as exc:
        fail(str(exc))
    if fmt is not ExplainFmt.table:
        emit(_explain_text(exp, fmt, settings), output)
        return
    m = exp.metric
    who = " ".join(f"{k}={v}" for k, v in exp.key.items())
    value = human_value(m.id, grain, exp.value)
    console.print(f"[bold]{label(m.id, grain, state.lang, settings)}[/] ({m.id}) {who} = [bold green]{value}[/]")
    console.print(f"定义：{m.definition_zh}")
    for ev in exp.evidence:
        table = Table(title=f"{ev.heading(state.lang)} ({ev.measure.id})：{len(ev.rows)} 行", header_style="bold cyan")
        for c in ev.columns:
            table.add_column(EVIDENCE_LABELS.get(c, c) if state.lang == "zh" else c, overflow="fold")
        for r in ev.rows:
            table.add_row(*[evidence_cell(v, state.lang, c) for c, v in zip(ev.columns, r)])
        console.print(table)
