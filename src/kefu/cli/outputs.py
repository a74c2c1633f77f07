"""`kefu export xlsx`, `kefu lost` and `kefu score`: the workbook, the lost-buyer list, the scorecards."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from kefu.cli.app import (
    Fmt,
    app,
    cli_account,
    cli_settings,
    cli_shop,
    connect_existing,
    console,
    emit,
    err_console,
    export_app,
    fail,
    parse_day,
    parse_range,
    state,
    table_target,
)
from kefu.cli.options import ConfigOpt, FromOpt, OutputOpt, SetOpt, ToOpt
from kefu.output import to_csv, to_json


class ScoreBy(str, Enum):
    account = "account"
    group = "group"


def _need_file(fmt: Fmt, output: Path | None) -> None:
    """xlsx is a file format: it needs -o."""
    if fmt is Fmt.xlsx and output is None:
        fail("--format xlsx 需要 -o 文件.xlsx / --format xlsx needs -o FILE.xlsx")


@export_app.command("xlsx")
def export_xlsx_cmd(
    output: Path = typer.Option(..., "-o", "--output", help="写入的 .xlsx 文件"),
    day_from: FromOpt = None,
    day_to: ToOpt = None,
    shops: list[str] | None = typer.Option(None, "--shop", help="只含这些店铺，可重复（默认：全部）"),
    sets: SetOpt = None,
    config: ConfigOpt = None,
) -> None:
    """导出 Excel 工作簿：概览、客服日报、客服汇总、询单流失、质检、排班、指标说明 / the manager's workbook."""
    from kefu.report import NoData
    from kefu.reports.excel import write_workbook

    settings = cli_settings(config, sets)
    first, last = parse_range(day_from, day_to)
    con = connect_existing(settings)
    chosen = [cli_shop(con, s) for s in shops] if shops else None
    try:
        write_workbook(output, con, settings, first, last, state.lang, shops=chosen)
    except NoData as exc:
        fail(str(exc))
    err_console.print(f"已写入 {output}")


@app.command("lost")
def lost_cmd(
    day: str | None = typer.Option(None, "--day", help="日期 YYYY-MM-DD（默认：数据的最后一天）"),
    account: str | None = typer.Option(None, "--account", help="只看这个客服账号（子账号名唯一时可只写子账号）"),
    no_mask: bool = typer.Option(False, "--no-mask", help="显示完整买家昵称"),
    fmt: Fmt = typer.Option(Fmt.table, "--format", help="输出格式 table|csv|json|xlsx"),
    output: OutputOpt = None,
    sets: SetOpt = None,
    config: ConfigOpt = None,
) -> None:
    """询单流失跟进名单：当天咨询、窗口内未付款的买家，最值得跟进的在前 / the lost-buyer follow-up list."""
    from kefu.report import NoData
    from kefu.reports.lost import COLUMN_LABELS, COLUMNS, last_day, lost_buyers, status_text
    from kefu.reports.names import short_account

    _need_file(fmt, output)
    settings = cli_settings(config, sets)
    con = connect_existing(settings)
    account = cli_account(con, account)
    try:
        the_day = parse_day(day, "--day") or last_day(con, settings)
        if the_day is None:
            fail("仓库里还没有数据 / the warehouse holds no data yet")
        if day is None:
            err_console.print(f"日期：{the_day}（数据的最后一天，可用 --day 指定） / day: the latest")
        rows = lost_buyers(con, settings, the_day, account, mask=not no_mask)
    except NoData as exc:
        fail(str(exc))
    if fmt is Fmt.json:
        emit(to_json({"day": the_day.isoformat(), "account": account, "rows": rows}), output)
    elif fmt is Fmt.csv:
        emit(to_csv(list(COLUMNS), rows, escape_formulas=settings.csv_escape_formulas), output)
    elif fmt is Fmt.xlsx:
        from kefu.reports.excel import write_lost_xlsx

        write_lost_xlsx(output, rows, state.lang)  # type: ignore[arg-type]
        err_console.print(f"已写入 {output}")
    elif not rows:
        console.print(f"{the_day} 没有询单流失的买家 / no lost buyers on {the_day}")
    else:
        idx = 0 if state.lang == "zh" else 1
        shown = ("account", "buyer", "status", "first_ts", "last_ts", "order_value", "goods", "last_messages")
        table = Table(title=f"询单流失 · {the_day} · {len(rows)} 人" if idx == 0 else f"lost buyers · {the_day}",
                      header_style="bold cyan", show_lines=True)
        for c in shown:
            table.add_column(COLUMN_LABELS[c][idx], overflow="fold", ratio=4 if c == "last_messages" else None,
                             no_wrap=c in ("first_ts", "last_ts"))
        for r in rows:
            cells = {**r, "status": status_text(r["status"], state.lang),
                     "account": short_account(r["shop"], r["account"]),
                     "first_ts": r["first_ts"][11:], "last_ts": (r["last_ts"] or "")[11:] or None,
                     "order_value": None if r["order_value"] is None else f"{r['order_value']:,.2f}"}
            # Text, not markup: a buyer's "[...]" must print as written.
            table.add_row(*[Text("—" if cells[c] is None else str(cells[c])) for c in shown])
        with table_target(output) as target:
            target.print(table)


def _plan_path(plan: str) -> Path:
    """A plan file, or the name of a shipped example plan (售前, 售前-淘宝, 售后)."""
    from kefu.scoring import example_plan

    path = Path(plan)
    if not path.exists() and example_plan(plan).exists():
        return example_plan(plan)
    return path


@app.command("score")
def score_cmd(
    plan: str = typer.Option(..., "--plan", help="方案文件 plan.toml，或内置示例名 售前 / 售前-淘宝 / 售后"),
    period: str = typer.Option(..., "--period", help="周期：2026-11 或 2026-11-01..2026-11-30"),
    by: ScoreBy = typer.Option(ScoreBy.account, "--by", help="按 account 客服 或 group 分组评分"),
    explain: bool = typer.Option(False, "--explain", help="列出每人每项的计算过程"),
    fmt: Fmt = typer.Option(Fmt.table, "--format", help="输出格式 table|csv|json|xlsx"),
    output: OutputOpt = None,
    sets: SetOpt = None,
    config: ConfigOpt = None,
) -> None:
    """绩效方案评分：每项得分、总分、排名与奖金 / score agents against a plan and compute bonuses."""
    from kefu.report import NoData
    from kefu.scoring import PlanError, load_plan, score

    _need_file(fmt, output)
    settings = cli_settings(config, sets)
    try:
        card = score(connect_existing(settings), settings, load_plan(_plan_path(plan)), period, by.value)
    except (PlanError, NoData) as exc:
        fail(str(exc))
    columns, rows = card.flat()
    note = card.coverage_note(state.lang)
    if note:
        err_console.print(f"[yellow]{note}[/]", soft_wrap=True, markup=True, highlight=False)
    if fmt is Fmt.json:
        payload: dict[str, Any] = {"plan": card.plan.name, "period": period, "from": card.day_from.isoformat(),
                                   "to": card.day_to.isoformat(), "by": card.by, "note": note or None, "rows": rows}
        if explain:
            payload["explain"] = {r[card.by]: r["explain"] for r in card.rows}
        emit(to_json(payload), output)
    elif fmt is Fmt.csv:
        emit(to_csv(columns, rows, escape_formulas=settings.csv_escape_formulas), output)
    elif fmt is Fmt.xlsx:
        from kefu.reports.excel import write_score_xlsx

        write_score_xlsx(output, card, state.lang)  # type: ignore[arg-type]
        err_console.print(f"已写入 {output}")
    else:
        from kefu.scoring.table import score_table

        with table_target(output) as target:
            target.print(score_table(card, state.lang, target.width))
            for r in card.rows if explain else []:
                name = f"（{r['agent_name']}）" if r.get("agent_name") else ""
                target.print(f"\n{r['rank']}. {r[card.by]}{name}", style="bold", markup=False, highlight=False)
                target.print(r["explain"], markup=False, highlight=False, soft_wrap=True)
