"""The `kefu` command line: thin over the library, Chinese first."""
from __future__ import annotations

import datetime as dt
import sys
from enum import Enum
from pathlib import Path
from typing import Any, NoReturn, Optional

import duckdb
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kefu import __version__
from kefu.config import SETTINGS, Settings, SettingError, load_settings
from kefu.metrics.catalog import metric, metrics_of
from kefu.metrics.compile import ReportError, ReportSpec
from kefu.output import print_table, to_csv, to_json

app = typer.Typer(help="kefu 客服绩效：导入店铺聊天、订单与退款数据，按平台规则计算客服 KPI。",
                  no_args_is_help=True, add_completion=False, rich_markup_mode=None)
metrics_app = typer.Typer(help="指标定义：列出、查看公式与 SQL / metric definitions", no_args_is_help=True)
app.add_typer(metrics_app, name="metrics")

console = Console()
err_console = Console(stderr=True)


class Lang(str, Enum):
    zh = "zh"
    en = "en"


class Grain(str, Enum):
    account_day = "account_day"
    shop_day = "shop_day"


class Period(str, Enum):
    day = "day"
    week = "week"
    month = "month"
    all = "all"


class By(str, Enum):
    account = "account"
    group = "group"
    shop = "shop"


class Fmt(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


class State:
    """Options shared by every command."""

    db: Path = Path("kefu.duckdb")
    lang: str = "zh"


state = State()


def fail(message: str, code: int = 1) -> NoReturn:
    """Print a clear error (no traceback) and exit."""
    err_console.print(f"[bold red]错误[/]: {message}")
    raise typer.Exit(code)


def _day(value: Optional[str], option: str) -> Optional[dt.date]:
    """Parse a YYYY-MM-DD option value with a clear error."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option} 需要 YYYY-MM-DD 格式的日期，得到 {value!r} / {option} expects YYYY-MM-DD")


def _settings(config: Optional[Path], sets: Optional[list[str]]) -> Settings:
    """Load settings from --config and --set, turning bad values into a clear error."""
    path = config
    if path is None and Path("kefu.toml").exists():
        path = Path("kefu.toml")
    try:
        return load_settings(path, sets or [])
    except SettingError as exc:
        fail(str(exc))


def _connect_existing() -> duckdb.DuckDBPyConnection:
    """Open the warehouse for reading; a missing file is a clear error."""
    if not state.db.exists():
        fail(f"找不到仓库文件 {state.db}，请先运行 kefu --db {state.db} import 目录 / warehouse not found")
    from kefu.store import Warehouse, WarehouseError

    try:
        return Warehouse.open(state.db).con
    except WarehouseError as exc:
        fail(str(exc))


def _emit(text: str, output: Optional[Path]) -> None:
    """Write text to a file (UTF-8 with BOM for CSV so Excel opens it) or stdout."""
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    encoding = "utf-8-sig" if output.suffix.lower() == ".csv" else "utf-8"
    output.write_text(text, encoding=encoding)
    err_console.print(f"已写入 {output}")


@app.callback()
def main(
    db: Path = typer.Option(Path("kefu.duckdb"), "--db", envvar="KEFU_DB", help="仓库文件 (DuckDB) / warehouse file"),
    lang: Lang = typer.Option(Lang.zh, "--lang", help="界面语言 zh|en / labels language"),
) -> None:
    """kefu 客服绩效 / customer-service KPIs for online shops."""
    state.db = db
    state.lang = lang.value


@app.command("version")
def version() -> None:
    """显示版本 / print the version."""
    console.print(f"kefu {__version__}")


@app.command("import")
def import_cmd(
    paths: list[Path] = typer.Argument(..., help="目录或文件（canonical CSV / Parquet）"),
    strict: bool = typer.Option(False, "--strict", help="有任何坏行就整体失败，仓库不变"),
    rejects: Optional[Path] = typer.Option(None, "--rejects", help="把被拒绝的行写入此 CSV 文件"),
    dry_run: bool = typer.Option(False, "--dry-run", help="只检查并统计，不写入仓库"),
    config: Optional[Path] = typer.Option(None, "--config", help="TOML 设置文件"),
    sets: Optional[list[str]] = typer.Option(None, "--set", help="设置 KEY=VALUE，可重复"),
) -> None:
    """导入店铺数据到仓库 / import canonical CSV or Parquet files into the warehouse."""
    from kefu.ingest.canonical import ImportFailed, import_paths
    from kefu.store import Warehouse, WarehouseError

    settings = _settings(config, sets)
    for p in paths:
        if not p.exists():
            fail(f"路径不存在：{p} / path not found")
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,} 行"),
                  TimeElapsedColumn(), console=err_console, transient=True) as progress:
        tasks: dict[Path, Any] = {}

        def on_progress(file: Path, done: int, total: int) -> None:
            if file not in tasks:
                tasks[file] = progress.add_task(f"导入 {file.name}", total=max(total, 1))
            progress.update(tasks[file], completed=done, total=max(total, 1))

        try:
            with Warehouse.open(state.db) as wh:
                summary = import_paths(wh, list(paths), settings, strict=strict, rejects_path=rejects,
                                       dry_run=dry_run, progress=on_progress)
        except ImportFailed as exc:
            progress.stop()
            _print_import_summary(exc.summary)
            fail(f"{exc}（仓库未作任何改动 / nothing was written）")
        except (SettingError, ValueError, WarehouseError) as exc:
            fail(str(exc))
    _print_import_summary(summary)
    if dry_run:
        console.print("[yellow]试运行：仓库未作任何改动 / dry run: nothing written[/]")


def _print_import_summary(summary: Any) -> None:
    """Print per-file counts and the first rejected rows of an import."""
    table = Table(title="导入结果 / import summary", header_style="bold cyan")
    for col in ("文件", "表", "读取", "写入", "更新", "重复", "拒绝"):
        table.add_column(col, justify="left" if col in ("文件", "表") else "right")
    for f in summary.files:
        table.add_row(str(f.path), f.table or "—", f"{f.rows_read:,}", f"{f.inserted:,}", f"{f.replaced:,}",
                      f"{f.duplicates:,}", f"{len(f.rejected):,}")
    console.print(table)
    shown = 0
    for f in summary.files:
        for r in f.rejected:
            if shown == 10:
                console.print("……更多被拒绝的行请用 --rejects 文件查看")
                return
            console.print(f"[red]拒绝[/] {r.file}:{r.line} 列 {r.column}：{r.reason}")
            shown += 1


@app.command("report")
def report_cmd(
    grain: Grain = typer.Option(Grain.account_day, "--grain", help="粒度：account_day 客服日 / shop_day 店铺日"),
    day_from: Optional[str] = typer.Option(None, "--from", help="开始日期 YYYY-MM-DD（默认：最早）"),
    day_to: Optional[str] = typer.Option(None, "--to", help="结束日期 YYYY-MM-DD（默认：最晚）"),
    period: Period = typer.Option(Period.day, "--period", help="汇总周期 day|week|month|all"),
    by: Optional[By] = typer.Option(None, "--by", help="汇总对象 account|group|shop"),
    shop: Optional[str] = typer.Option(None, "--shop", help="只看这个店铺"),
    sets: Optional[list[str]] = typer.Option(None, "--set", help="设置 KEY=VALUE，可重复"),
    config: Optional[Path] = typer.Option(None, "--config", help="TOML 设置文件"),
    fmt: Fmt = typer.Option(Fmt.table, "--format", help="输出格式 table|csv|json"),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="写入文件"),
) -> None:
    """计算 KPI 报表 / compute the KPI report."""
    from kefu.report import NoData, run_report

    settings = _settings(config, sets)
    try:
        spec = ReportSpec(grain=grain.value, by=by.value if by else None, period=period.value,
                          day_from=_day(day_from, "--from"), day_to=_day(day_to, "--to"))
    except ReportError as exc:
        fail(str(exc))
    con = _connect_existing()
    try:
        report = run_report(con, spec, settings)
    except NoData as exc:
        fail(str(exc))
    rows = [r for r in report.rows if shop is None or r["shop"] == shop]
    if not rows:
        fail("所选范围内没有数据行 / no rows in the chosen range")
    if fmt is Fmt.json:
        payload = {"grain": spec.grain, "period": spec.period, "by": spec.group_by,
                   "settings": settings.as_dict(), "rows": rows}
        _emit(to_json(payload), output)
    elif fmt is Fmt.csv:
        _emit(to_csv(report.columns, rows), output)
    else:
        title = {"account_day": "客服报表", "shop_day": "店铺报表"}[spec.grain] if state.lang == "zh" else spec.grain
        target = Console(file=output.open("w", encoding="utf-8"), width=200) if output else console
        print_table(target, title, spec.grain, report.columns, rows, state.lang)


@app.command("explain")
def explain_cmd(
    metric_id: str = typer.Option(..., "--metric", help="指标 id，如 reply_rate"),
    day: str = typer.Option(..., "--day", help="日期 YYYY-MM-DD"),
    account: Optional[str] = typer.Option(None, "--account", help="客服账号（客服日指标）"),
    shop: Optional[str] = typer.Option(None, "--shop", help="店铺（店铺日指标）"),
    no_mask: bool = typer.Option(False, "--no-mask", help="显示完整买家昵称"),
    sets: Optional[list[str]] = typer.Option(None, "--set", help="设置 KEY=VALUE，可重复"),
    config: Optional[Path] = typer.Option(None, "--config", help="TOML 设置文件"),
) -> None:
    """解释一个数字：背后的买家、提问与响应时间、订单 / the rows behind one figure."""
    from kefu.explain import UnknownRow, explain
    from kefu.output import EVIDENCE_LABELS, human_value
    from kefu.report import NoData

    if not account and not shop:
        fail("需要 --account（客服日指标）或 --shop（店铺日指标） / give --account or --shop")
    settings = _settings(config, sets)
    grain = "account_day" if account else "shop_day"
    try:
        metric(metric_id, grain)
    except KeyError:
        fail(f"粒度 {grain} 没有指标 {metric_id!r}，用 kefu metrics list 查看 / unknown metric")
    con = _connect_existing()
    try:
        exp = explain(con, settings, metric_id, _day(day, "--day") or dt.date.min, account=account, shop=shop,
                      mask=not no_mask)
    except (NoData, UnknownRow) as exc:
        fail(str(exc))
    m = exp.metric
    who = " ".join(f"{k}={v}" for k, v in exp.key.items())
    console.print(f"[bold]{m.label_zh}[/] ({m.id}) {who} = [bold green]{human_value(m.id, grain, exp.value)}[/]")
    console.print(f"定义：{m.definition_zh}")
    for ev in exp.evidence:
        table = Table(title=f"{ev.measure.label_zh} ({ev.measure.id})：{len(ev.rows)} 行", header_style="bold cyan")
        for c in ev.columns:
            table.add_column(EVIDENCE_LABELS.get(c, c) if state.lang == "zh" else c, overflow="fold")
        for r in ev.rows:
            table.add_row(*["—" if v is None else str(v) for v in r])
        console.print(table)


@metrics_app.command("list")
def metrics_list(
    grain: Optional[Grain] = typer.Option(None, "--grain", help="只列出一个粒度"),
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
    grain: Optional[Grain] = typer.Option(None, "--grain", help="粒度（同名指标在两个粒度都有时）"),
    sql: bool = typer.Option(False, "--sql", help="显示计算它的 SQL"),
    sets: Optional[list[str]] = typer.Option(None, "--set", help="设置 KEY=VALUE，可重复"),
    config: Optional[Path] = typer.Option(None, "--config", help="TOML 设置文件"),
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
        sys.stdout.write("\n" + metric_sql_text(m, g, _settings(config, sets)) + "\n")


@app.command("settings")
def settings_cmd() -> None:
    """列出全部设置及默认值 / every setting with its default and help."""
    table = Table(title="设置 / settings", header_style="bold cyan")
    for col in ("名称", "类型", "默认值", "说明"):
        table.add_column(col, overflow="fold")
    for s in SETTINGS:
        allowed = f"（可选：{', '.join(s.choices)}）" if s.choices else ""
        help_text = (s.help_zh if state.lang == "zh" else s.help_en) + allowed
        table.add_row(s.name, s.type.__name__, str(s.default), help_text)
    console.print(table)
    console.print("用法：--set 名称=值，或在 kefu.toml 中写 名称 = 值 / use --set NAME=VALUE or kefu.toml")


@app.command("demo")
def demo_cmd(
    directory: Path = typer.Argument(Path("demo-shop"), help="输出目录"),
    days: int = typer.Option(14, "--days", min=1, help="天数"),
    buyers_per_day: int = typer.Option(40, "--buyers-per-day", min=1, help="每天咨询买家数"),
    seed: int = typer.Option(7, "--seed", help="随机种子（相同种子生成相同数据）"),
) -> None:
    """生成一个逼真的演示店铺（canonical CSV） / generate a realistic demo shop."""
    from kefu.demo import generate_demo

    summary = generate_demo(directory, days=days, buyers_per_day=buyers_per_day, seed=seed)
    console.print(str(summary))

