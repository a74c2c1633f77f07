"""`kefu staffing …`: measured demand, the agents each interval needs, shift rosters and the what-if calculator."""
from __future__ import annotations

from contextlib import nullcontext as _quiet
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from kefu.cli.app import (
    app,
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
from kefu.cli.options import ConfigOpt, OutputOpt, SetOpt
from kefu.output import to_csv, to_json

if TYPE_CHECKING:
    import duckdb

    from kefu.config import Settings
    from kefu.staffing.demand import Demand
    from kefu.staffing.plan import Plan
    from kefu.staffing.target import Target

staffing_app = typer.Typer(help="排班与人力需求 / staffing from measured demand", no_args_is_help=True)
app.add_typer(staffing_app, name="staffing")


class OutFmt(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


class Unit(str, Enum):
    rounds = "rounds"
    inquiries = "inquiries"


class ModelName(str, Enum):
    erlang = "erlang"
    simulation = "simulation"


def _measure(con: duckdb.DuckDBPyConnection, settings: Settings, shop: str | None, group: str | None,
             weeks: int, interval: int, unit: Unit, day_to: str | None) -> Demand:
    """The demand the options ask for, measured on the warehouse (stored facts when the settings match)."""
    from kefu.report import NoData, prepared_engine
    from kefu.staffing.demand import DemandSpec, measure

    try:
        spec = DemandSpec(weeks=weeks, interval_min=interval, shops=(cli_shop(con, shop),) if shop else (),
                          group=group, unit=unit.value, day_to=parse_day(day_to, "--to"))
    except ValueError as exc:
        fail(str(exc))
    try:
        engine = prepared_engine(con, settings)
        return measure(engine, settings, spec)
    except NoData as exc:
        fail(str(exc))


def _target(target: str | None, rate: float | None, within: float | None, settings: Settings) -> Target:
    """--target, or --target-rate within --target-s; by default the settings' platform_threshold_s and
    staffing_target_rate."""
    from kefu.staffing.target import Target, TargetError, parse_target

    try:
        if target:
            return parse_target(target)
        from kefu.staffing.service import settings_target

        if within is None:
            return settings_target(settings, rate)
        return Target(rate=settings.staffing_target_rate if rate is None else rate, within_s=within)
    except TargetError as exc:
        fail(str(exc))


def _grid_table(demand: Demand, slots: list[int], cell_text: Any) -> Table:
    """A time-of-day × weekday table, one row per interval with anything in it."""
    from kefu.staffing.rows import weekday_name

    table = Table()
    table.add_column("时段" if state.lang == "zh" else "interval", no_wrap=True, min_width=5)
    for weekday in range(1, 8):
        table.add_column(weekday_name(weekday, state.lang), justify="right", no_wrap=True)
    for slot in slots:
        table.add_row(demand.interval_label(slot), *(cell_text(slot, weekday) for weekday in range(1, 8)))
    return table


def _emit_rows(columns: tuple[str, ...], rows: list[dict[str, Any]], fmt: OutFmt, output: Path | None,
               extra: dict[str, Any]) -> None:
    """csv (headers in the chosen language) or json (ids) of long-form rows."""
    from kefu.staffing.rows import label

    if fmt is OutFmt.json:
        emit(to_json({**extra, "rows": rows}), output)
        return
    named = [{label(c, state.lang): r[c] for c in columns} for r in rows]
    emit(to_csv([label(c, state.lang) for c in columns], named), output)


# The options every warehouse command of the group shares.
ShopOpt = Annotated[str | None, typer.Option("--shop", help="只看这个店铺（默认：全部）")]
GroupOpt = Annotated[str | None, typer.Option("--group", help="只看这个客服组（accounts.csv 的 group）")]
WeeksOpt = Annotated[int, typer.Option("--weeks", min=1, help="用最近几周的数据")]
IntervalOpt = Annotated[int, typer.Option("--interval", help="时段长度（分钟），须整除一天，如 15、30、60")]
UnitOpt = Annotated[Unit, typer.Option("--unit", help="进线口径：rounds 平台口径咨询轮次 | inquiries 询单")]
ToOpt = Annotated[str | None, typer.Option("--to", help="窗口的最后一天 YYYY-MM-DD（默认：数据的最后一天）")]
FmtOpt = Annotated[OutFmt, typer.Option("--format", help="输出格式 table|csv|json")]


@staffing_app.command("demand")
def demand_cmd(shop: ShopOpt = None, group: GroupOpt = None, weeks: WeeksOpt = 4, interval: IntervalOpt = 30,
               unit: UnitOpt = Unit.rounds, day_to: ToOpt = None, sets: SetOpt = None, config: ConfigOpt = None,
               fmt: FmtOpt = OutFmt.table, output: OutputOpt = None) -> None:
    """每个星期几 × 时段的进线量、每次接待占用时长、同时接待数与在线人数 / measured demand per weekday × interval."""
    from kefu.staffing.rows import DEMAND_COLUMNS, demand_rows

    settings = cli_settings(config, sets)
    demand = _measure(connect_existing(settings), settings, shop, group, weeks, interval, unit, day_to)
    if fmt is not OutFmt.table:
        _emit_rows(DEMAND_COLUMNS, demand_rows(demand, state.lang), fmt, output,
                   {"day_from": demand.day_from.isoformat(), "day_to": demand.day_to.isoformat(),
                    "interval_min": interval, "unit": unit.value, "concurrency": demand.concurrency})
        return
    from kefu.reports.staffing_section import window_line

    cells = {(c.slot, c.weekday): c for c in demand.cells}
    slots = sorted({c.slot for c in demand.cells if c.arrivals_mean > 0})

    def text(slot: int, weekday: int) -> str:
        cell = cells.get((slot, weekday))
        if cell is None or cell.arrivals_mean == 0:
            return ""
        spread = f"±{cell.arrivals_sd:.1f}" if cell.arrivals_sd is not None else ""
        return f"{cell.arrivals_mean:.1f}{spread}"

    title = "平均进线（±周间标准差）" if state.lang == "zh" else "mean arrivals (± sd across weeks)"
    with table_target(output) as target:
        target.print(window_line(demand, state.lang), soft_wrap=True)
        target.print(title)
        target.print(_grid_table(demand, slots, text))


def _plan(settings: Settings, demand: Demand, target: Target, concurrency: str, shrinkage: float | None,
          max_occupancy: float | None, model: ModelName, all_hours: bool, latency: bool) -> Plan:
    """The plan of the demand, with a progress bar when the simulation runs."""
    from rich.progress import Progress

    from kefu.staffing.service import settings_plan

    if concurrency != "auto" and not (concurrency.isdigit() and int(concurrency) >= 1):
        fail(f"--concurrency 须为 auto 或正整数，得到 {concurrency!r} / --concurrency must be auto or a whole number")
    options: dict[str, Any] = dict(concurrency=None if concurrency == "auto" else int(concurrency),
                                   shrinkage=shrinkage, max_occupancy=max_occupancy, all_hours=all_hours,
                                   latency=latency)
    try:
        if model is ModelName.erlang:
            return settings_plan(demand, settings, target, **options)
        with Progress(console=err_console, transient=True) as progress:
            task = progress.add_task("模拟各时段 / simulating", total=len(demand.cells))
            return settings_plan(demand, settings, target, model=model.value, **options,
                                 progress=lambda done, _: progress.update(task, completed=done))
    except ValueError as exc:
        fail(str(exc))


TargetOpt = Annotated[str | None, typer.Option("--target", help="目标，如「3分钟人工响应率>=0.9」")]
TargetRateOpt = Annotated[float | None, typer.Option(
    "--target-rate", help="目标达标率，如 0.8（默认：设置 staffing_target_rate）")]
TargetSOpt = Annotated[float | None, typer.Option(
    "--target-s", help="目标时长（秒）（默认：设置 platform_threshold_s）")]
ConcurrencyOpt = Annotated[str, typer.Option("--concurrency", help="每人同时接待的会话数：auto（实测）或整数")]
ShrinkageOpt = Annotated[float | None, typer.Option(
    "--shrinkage", help="缺勤率（休息、培训、离线）（默认：设置 staffing_shrinkage）")]
OccupancyOpt = Annotated[float | None, typer.Option(
    "--max-occupancy", help="最高占用率（默认：设置 staffing_max_occupancy）")]
ModelOpt = Annotated[ModelName, typer.Option(
    "--model", help="erlang（Erlang C，秒出）| simulation（离散事件模拟，用实测接待时长）")]
LatencyOpt = Annotated[bool, typer.Option(
    "--latency/--no-latency", help="计入客服自己的回复速度（低负荷时段实测）；--no-latency 为纯 Erlang C")]
AllHoursOpt = Annotated[bool, typer.Option(
    "--all-hours", help="全天都按目标配人（默认只在 platform_hours 考核时段内）")]


@staffing_app.command("plan")
def plan_cmd(target: TargetOpt = None, target_rate: TargetRateOpt = None, target_s: TargetSOpt = None,
             concurrency: ConcurrencyOpt = "auto", shrinkage: ShrinkageOpt = None, max_occupancy: OccupancyOpt = None,
             model: ModelOpt = ModelName.erlang, all_hours: AllHoursOpt = False, latency: LatencyOpt = True,
             shop: ShopOpt = None, group: GroupOpt = None, weeks: WeeksOpt = 4, interval: IntervalOpt = 30,
             unit: UnitOpt = Unit.rounds, day_to: ToOpt = None, sets: SetOpt = None, config: ConfigOpt = None,
             fmt: FmtOpt = OutFmt.table, output: OutputOpt = None) -> None:
    """每个时段为达到目标需要的在线人数，对比实际在线：缺口与富余 / agents needed per interval vs agents online."""
    from kefu.staffing.rows import PLAN_COLUMNS, backtest_rows, plan_rows
    from kefu.staffing.service import checks_of

    settings = cli_settings(config, sets)
    goal = _target(target, target_rate, target_s, settings)
    demand = _measure(connect_existing(settings), settings, shop, group, weeks, interval, unit, day_to)
    plan = _plan(settings, demand, goal, concurrency, shrinkage, max_occupancy, model, all_hours, latency)
    checked = checks_of(plan, settings)
    checks = backtest_rows(checked)
    summary = {"target": goal.text(), "target_rate": goal.rate, "target_s": goal.within_s, "model": plan.model,
               "concurrency": plan.concurrency, "shrinkage": plan.shrinkage, "max_occupancy": plan.max_occupancy,
               "day_from": demand.day_from.isoformat(), "day_to": demand.day_to.isoformat(),
               "interval_min": interval, "unit": unit.value, "latency": _latency_summary(plan),
               "unreachable_intervals": plan.unreachable(),
               "weekly_hours": {"scheduled": round(plan.needed_hours(), 1), "online": round(plan.online_hours(), 1),
                                "under": round(plan.under_hours(), 1), "over": round(plan.over_hours(), 1)}}
    if fmt is OutFmt.json:
        emit(to_json({**summary, "rows": plan_rows(plan), "backtest": checks}), output)
        return
    if fmt is OutFmt.csv:
        _emit_rows(PLAN_COLUMNS, plan_rows(plan, state.lang), fmt, output, summary)
        return
    with table_target(output) as out:
        _print_plan(out, plan)
        if checked:
            from kefu.reports.staffing_section import backtest_table

            table = Table(title="回测：在线人数下的预测达标率 vs 实测平台口径" if state.lang == "zh" else "backtest",
                          title_justify="left")
            headers, cells = backtest_table(checked, state.lang)
            for i, header in enumerate(headers):
                table.add_column(header, justify="left" if i == 0 else "right")
            for row in cells:
                table.add_row(*row)
            out.print(table)


def _latency_summary(plan: Plan) -> dict[str, Any] | None:
    """The reply latency the plan assumed: rounds measured and the share answered within the target's time."""
    if not plan.latency:
        return None
    measured = plan.demand.latency
    return {"rounds": measured.total, "within_target_s": round(measured.within(plan.target.within_s), 4)}


def _print_plan(out: Any, plan: Plan) -> None:
    """The plan as a weekday × interval grid of 需/在 (needed / online), coloured as the reports colour it."""
    from kefu.reports.staffing_section import cell_text, legend_line, notes, summary_line, tone, window_line
    from kefu.staffing.rows import busy_slots, grid

    cells = grid(plan)
    styles = {"off": "dim", "short": "bold red", "spare": "green", "": ""}

    def text(slot: int, weekday: int) -> str:
        cell = cells.get((slot, weekday))
        if cell is None:
            return ""
        style = styles[tone(cell)]
        return f"[{style}]{cell_text(cell)}[/]" if style else cell_text(cell)

    out.print(summary_line(plan, state.lang), soft_wrap=True)
    out.print(window_line(plan.demand, state.lang), soft_wrap=True)
    for line in notes(plan, state.lang):
        out.print(line, soft_wrap=True)
    out.print(legend_line(state.lang), soft_wrap=True)
    out.print(_grid_table(plan.demand, busy_slots(plan), text))


@staffing_app.command("shifts")
def shifts_cmd(templates: Annotated[Path | None, typer.Option(
                   "--templates", help="班次模板 TOML（默认：内置示例 早班/中班/晚班/周末晚班）")] = None,
               time_limit: Annotated[float, typer.Option("--time-limit", help="求解时限（秒）")] = 10.0,
               target: TargetOpt = None, target_rate: TargetRateOpt = None, target_s: TargetSOpt = None,
               concurrency: ConcurrencyOpt = "auto", shrinkage: ShrinkageOpt = None,
               max_occupancy: OccupancyOpt = None, model: ModelOpt = ModelName.erlang,
               all_hours: AllHoursOpt = False, latency: LatencyOpt = True, shop: ShopOpt = None,
               group: GroupOpt = None, weeks: WeeksOpt = 4,
               interval: IntervalOpt = 30, unit: UnitOpt = Unit.rounds, day_to: ToOpt = None, sets: SetOpt = None,
               config: ConfigOpt = None, fmt: FmtOpt = OutFmt.table, output: OutputOpt = None) -> None:
    """用最少的工时排出覆盖需求的班次（CP-SAT 求解）/ a shift roster covering the plan with the fewest agent-hours."""
    from kefu.staffing.roster import roster_of_plan, roster_rows
    from kefu.staffing.shifts import ShiftError, load_templates, shipped_templates

    settings = cli_settings(config, sets)
    goal = _target(target, target_rate, target_s, settings)
    path = templates or shipped_templates()
    if not path.exists():
        fail(f"找不到班次模板文件 {path} / shift templates not found: {path}")
    try:
        shift_templates = load_templates(path, interval)
    except ShiftError as exc:
        fail(str(exc))
    demand = _measure(connect_existing(settings), settings, shop, group, weeks, interval, unit, day_to)
    plan = _plan(settings, demand, goal, concurrency, shrinkage, max_occupancy, model, all_hours, latency)
    with console.status("求解排班 / solving the roster", spinner="dots") if fmt is OutFmt.table else _quiet():
        try:
            roster = roster_of_plan(plan, shift_templates, time_limit)
        except ShiftError as exc:
            fail(str(exc))
    rows, uncovered = roster_rows(roster, plan, shift_templates, state.lang)
    summary = {"templates": str(path.name), "status": roster.status, "agent_hours": round(roster.agent_hours, 1),
               "needed_hours": round(plan.needed_hours(), 1), "shortfall_intervals": roster.shortfall,
               "target": goal.text(), "shrinkage": plan.shrinkage}
    if fmt is OutFmt.json:
        emit(to_json({**summary, "rows": rows, "uncovered": uncovered}), output)
        return
    if fmt is OutFmt.csv:
        _emit_rows(("weekday", "shift", "time", "agents", "hours"), rows, fmt, output, summary)
        return
    with table_target(output) as out:
        _print_roster(out, summary, rows, uncovered)


def _print_roster(out: Any, summary: dict[str, Any], rows: list[dict[str, Any]],
                  uncovered: list[dict[str, Any]]) -> None:
    """The roster by weekday and shift, its hours, and what it leaves uncovered."""
    from kefu.staffing.rows import label

    table = Table(title=f"排班（{summary['templates']}）" if state.lang == "zh" else f"roster ({summary['templates']})",
                  title_justify="left")
    for column in ("weekday", "shift", "time", "agents", "hours"):
        table.add_column(label(column, state.lang), justify="right" if column in ("agents", "hours") else "left")
    for row in rows:
        table.add_row(row["weekday"], row["shift"], row["time"], str(row["agents"]), f"{row['hours']:.1f}")
    out.print(table)
    solved = "最优解" if summary["status"] == "optimal" else "时限内的可行解（未证明最优）"
    out.print(f"每周排班 {summary['agent_hours']:.1f} 工时（需求 {summary['needed_hours']:.1f} 工时，含缺勤率），"
              f"{solved}", soft_wrap=True)
    if not uncovered:
        out.print("所有时段都已覆盖 / every interval is covered")
        return
    out.print(f"[bold red]模板覆盖不到的时段（共缺 {summary['shortfall_intervals']} 人·时段）：[/]")
    for item in uncovered:
        out.print(f"  {item['weekday']} {item['interval']} 缺 {item['short']} 人", soft_wrap=True)


@staffing_app.command("calc")
def calc_cmd(arrivals_per_hour: Annotated[float, typer.Option("--arrivals-per-hour", help="每小时进线量")],
             handle_s: Annotated[float, typer.Option("--handle-s", help="每次接待占用时长（秒）")],
             target_rate: Annotated[float, typer.Option("--target-rate", help="目标达标率，如 0.8")],
             target_s: Annotated[float, typer.Option("--target-s", help="目标时长（秒）")],
             concurrency: Annotated[int, typer.Option("--concurrency", min=1, help="每人同时接待的会话数")] = 1,
             max_occupancy: Annotated[float, typer.Option("--max-occupancy", help="最高占用率")] = 1.0,
             model: Annotated[ModelName, typer.Option("--model", help="erlang | simulation")] = ModelName.erlang,
             fmt: Annotated[OutFmt, typer.Option("--format", help="输出格式 table|json")] = OutFmt.table) -> None:
    """假设计算：给定进线量与接待时长，达到目标最少需要几人 / the what-if calculator."""
    from kefu.staffing.model import Traffic, needed
    from kefu.staffing.target import Target, TargetError

    if arrivals_per_hour < 0 or handle_s <= 0:
        fail("--arrivals-per-hour 不能为负，--handle-s 须大于 0 / arrivals must be >= 0 and handle time > 0")
    if not 0 < max_occupancy <= 1:
        fail(f"--max-occupancy 须在 0 与 1 之间 / --max-occupancy must be in (0, 1]: {max_occupancy}")
    try:
        goal = Target(rate=target_rate, within_s=target_s)
    except TargetError as exc:
        fail(str(exc))
    traffic = Traffic(arrivals_per_hour / 3600, handle_s, concurrency)
    result = needed(traffic, goal, max_occupancy, model.value)
    payload = {"agents": result.agents, "service_level": round(result.service_level, 6),
               "prob_wait": round(result.prob_wait, 6), "avg_wait_s": round(result.avg_wait_s, 3),
               "occupancy": round(result.occupancy, 6), "erlangs": round(traffic.queue.erlangs, 6),
               "model": model.value, "concurrency": concurrency}
    if fmt is OutFmt.json:
        emit(to_json(payload), None)
        return
    if fmt is OutFmt.csv:
        fail("calc 只支持 table 与 json / calc prints table or json")
    console.print(f"话务量 {payload['erlangs']:g} Erlang：至少需要 [bold]{result.agents}[/] 人"
                  f"（每人同时 {concurrency} 个会话）", soft_wrap=True)
    console.print(f"{target_s:g} 秒内接起比例 {result.service_level:.1%}，需要等待的概率 {result.prob_wait:.1%}，"
                  f"平均等待 {result.avg_wait_s:.1f} 秒，占用率 {result.occupancy:.1%}", soft_wrap=True)
