"""`kefu qc run|rules|test`: quality inspection (质检) of the conversations with rule files."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.columns import Columns
from rich.markup import escape
from rich.table import Table

from kefu.cli.app import app, cli_account, cli_settings, connect_existing, console, emit, fail, parse_range, state
from kefu.cli.options import (
    AccountOpt,
    ConfigOpt,
    FromOpt,
    NoDefaultRulesOpt,
    NoMaskOpt,
    OutputOpt,
    RulesOpt,
    SetOpt,
    ToOpt,
)
from kefu.output import to_csv, to_json

if TYPE_CHECKING:
    from kefu.qc.reviews import Precision
    from kefu.qc.rules import RuleSet
    from kefu.qc.summary import QcBrief

qc_app = typer.Typer(help="质检：按规则检查客服聊天 / quality inspection of the chats", no_args_is_help=True)
app.add_typer(qc_app, name="qc")

# Finding columns as shown, with their Chinese and English headers.
COLUMNS: dict[str, tuple[str, str]] = {
    "time": ("时间", "time"), "shop": ("店铺", "shop"), "account": ("客服账号", "account"),
    "buyer": ("买家", "buyer"), "rule_id": ("规则", "rule"), "rule_name": ("规则名", "rule name"),
    "category": ("类别", "category"), "severity": ("严重度", "severity"), "points": ("扣分", "points"),
    "matched": ("命中", "matched"), "text": ("消息", "message"), "finding_id": ("编号", "id"),
    "decision": ("复核", "review"), "emotion": ("买家情绪", "buyer emotion"),
}


DEFAULT_FINDINGS = Path("质检结果.csv")  # where `qc run` writes the findings when shown as a summary


class QcFmt(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


QcFmtOpt = Annotated[QcFmt, typer.Option("--format", help="输出格式 table|csv|json|xlsx")]
CategoryOpt = Annotated[str | None, typer.Option("--category", help="只列出这个类别，如 风险会话")]


def _check_target(fmt: QcFmt, output: Path | None) -> None:
    """xlsx goes to a file only: say so before any work is done."""
    if fmt is QcFmt.xlsx and output is None:
        fail("xlsx 格式需要用 -o 指定输出文件 / --format xlsx needs -o FILE")


def _rules(files: list[Path] | None, no_defaults: bool) -> RuleSet:
    from kefu.qc.rules import RuleError, load_rules

    try:
        return load_rules(files or [], defaults=not no_defaults)
    except RuleError as exc:
        fail(str(exc))


def _shown(rows: list[dict[str, Any]], zone: str) -> list[dict[str, Any]]:
    """Findings as people read them: the shop-local time instead of the UTC instant."""
    if not rows:
        return []
    import numpy as np

    from kefu.qc.reviews import decision_word
    from kefu.tz import utc_to_local

    local = utc_to_local(np.array([r["ts"] for r in rows], dtype="datetime64[us]"), zone)
    zh = state.lang == "zh"
    return [{"time": str(t.astype("datetime64[s]")).replace("T", " "),
             **{k: r[k] for k in COLUMNS if k not in ("time", "decision")},
             "decision": decision_word(r["decision"], zh) or ""}
            for r, t in zip(rows, local)]


def _cell(key: str, row: dict[str, Any]) -> str:
    """A finding's value as the on-screen list shows it."""
    from kefu.reports.names import short_account

    value = row[key]
    if key == "account":
        return short_account(row["shop"], value)
    if key == "time":
        return value[:16]
    if key == "emotion":
        return "—" if value is None else f"{value:+.2f}"
    return str(value)


def _emit_findings(rows: list[dict[str, Any]], fmt: QcFmt, output: Path | None, summary: str,
                   escape_formulas: bool, about: dict[str, Any]) -> None:
    """Shown findings as JSON, CSV or xlsx, or on screen in brief with the findings in a CSV file."""
    from kefu.qc.summary import brief
    from kefu.reports.xlsx import date_cell, write_rows

    zh = state.lang == "zh"
    headers = [COLUMNS[k][0 if zh else 1] for k in COLUMNS]
    if fmt is QcFmt.json:
        emit(to_json({**about, "findings": rows}), output)
    elif fmt is QcFmt.csv:
        emit(to_csv(list(COLUMNS), rows, escape_formulas=escape_formulas), output)
    elif fmt is QcFmt.xlsx:
        assert output is not None
        write_rows(output, "质检" if zh else "QC", headers, ([date_cell(k, r[k]) for k in COLUMNS] for r in rows))
        console.print(summary, soft_wrap=True)
        console.print(f"已写入 {output}", soft_wrap=True)
    else:
        # On screen the findings in brief; the findings themselves go to a file a manager can filter.
        target = output or DEFAULT_FINDINGS
        emit(to_csv(list(COLUMNS), rows, escape_formulas=escape_formulas), target)
        console.print(summary, soft_wrap=True)
        _print_brief(brief(rows), zh)
        console.print(f"全部 {len(rows):,} 条发现见 {target}（复核：kefu qc review 编号 --confirm|--dismiss）" if zh
                      else f"all {len(rows):,} findings: {target} (review: kefu qc review ID --confirm|--dismiss)",
                      soft_wrap=True)


@qc_app.command("run")
def qc_run(
    day_from: FromOpt = None,
    day_to: ToOpt = None,
    account: AccountOpt = None,
    rules: RulesOpt = None,
    no_defaults: NoDefaultRulesOpt = False,
    category: CategoryOpt = None,
    fmt: QcFmtOpt = QcFmt.table,
    output: OutputOpt = None,
    no_mask: NoMaskOpt = False,
    sets: SetOpt = None,
    config: ConfigOpt = None,
) -> None:
    """运行质检并保存结果（同一范围重跑会替换旧结果，复核结论保留） / run QC and store the findings."""
    from kefu.qc.runner import run_qc
    from kefu.qc.store import findings
    from kefu.report import NoData

    _check_target(fmt, output)
    settings = cli_settings(config, sets)
    rule_set = _rules(rules, no_defaults)
    start, end = parse_range(day_from, day_to)
    con = connect_existing(settings, write=True)
    account = cli_account(con, account)
    try:
        run = run_qc(con, settings, rule_set, day_from=start, day_to=end, account=account)
    except NoData as exc:
        fail(str(exc))
    rows = _shown(findings(con, run.scope.day_from, run.scope.day_to, account, mask=not no_mask,
                           category=category), settings.timezone)
    compared = [e for e in run.emotions if e["worsened"] is not None]
    worse = sum(1 for e in compared if e["worsened"])
    share = f"{worse / len(compared):.1%}" if compared else "—"
    summary = (f"质检 {run.run_id}：{run.scope.day_from}~{run.scope.day_to}，{len(run.rules.rules)} 条规则，"
               f"{run.messages:,} 条消息，发现 {len(run.findings):,} 条；买家情绪可比的 {len(compared):,} 个会话中"
               f"恶化 {worse:,} 个（{share}）" if state.lang == "zh" else
               f"QC {run.run_id}: {run.scope.day_from}..{run.scope.day_to}, {len(run.rules.rules)} rules, "
               f"{run.messages:,} messages, {len(run.findings):,} findings; the buyer ended more negative in "
               f"{worse:,} of {len(compared):,} conversations ({share})")
    _emit_findings(rows, fmt, output, summary, settings.csv_escape_formulas,
                   {"run_id": run.run_id, "day_from": run.scope.day_from.isoformat(),
                    "day_to": run.scope.day_to.isoformat()})


class Decision(str, Enum):
    pending = "pending"
    confirmed = "confirmed"
    dismissed = "dismissed"


@qc_app.command("findings")
def qc_findings(
    day_from: FromOpt = None,
    day_to: ToOpt = None,
    account: AccountOpt = None,
    category: CategoryOpt = None,
    rule: str | None = typer.Option(None, "--rule", help="只列出这条规则（id，见 kefu qc rules）"),
    decision: Decision | None = typer.Option(None, "--decision", help="按复核：pending 待复核|confirmed|dismissed"),
    limit: int = typer.Option(50, "--limit", min=1, help="屏幕上显示的条数（文件中为全部）"),
    fmt: QcFmtOpt = QcFmt.table,
    output: OutputOpt = None,
    no_mask: NoMaskOpt = False,
    sets: SetOpt = None,
    config: ConfigOpt = None,
) -> None:
    """列出已保存的质检发现（不重新质检），带编号和复核结论 / list the stored findings with their ids."""
    from kefu.qc.store import RISK_CATEGORY, findings

    _check_target(fmt, output)
    settings = cli_settings(config, sets)
    start, end = parse_range(day_from, day_to)
    con = connect_existing(settings)
    account = cli_account(con, account)
    rows = _shown(findings(con, start, end, account, mask=not no_mask, category=category, rule_id=rule,
                           decision=decision.value if decision else None), settings.timezone)
    pending = sum(1 for r in rows if not r["decision"])
    zh = state.lang == "zh"
    summary = (f"{len(rows):,} 条质检发现，{pending:,} 条待复核" if zh else
               f"{len(rows):,} findings, {pending:,} not reviewed yet")
    if fmt is not QcFmt.table or output is not None:
        _emit_findings(rows, fmt, output, summary, settings.csv_escape_formulas,
                       {"findings_total": len(rows), "pending": pending})
        return
    # On screen the newest findings with their ids, to review them one by one.
    shown = ("finding_id", "time", "account", "buyer", "rule_name", "matched",
             *(("emotion",) if category == RISK_CATEGORY else ()), "decision")
    table = Table(title=summary, header_style="bold cyan")
    for key in shown:
        table.add_column(COLUMNS[key][0 if zh else 1], overflow="fold", no_wrap=key in ("finding_id", "time"))
    for r in rows[:limit]:
        table.add_row(*(escape(_cell(k, r)) for k in shown))
    console.print(table)
    if len(rows) > limit:
        console.print(f"只显示前 {limit} 条；--limit 改条数，-o 文件.csv 导出全部" if zh else
                      f"the first {limit} shown; --limit for more, -o FILE.csv for all", soft_wrap=True)


@qc_app.command("review")
def qc_review(
    ids: list[str] = typer.Argument(..., help="质检发现的编号（kefu qc findings 的“编号”列），可多个"),
    confirm: bool = typer.Option(False, "--confirm", help="确认：确实是问题"),
    dismiss: bool = typer.Option(False, "--dismiss", help="驳回：误判，不扣分"),
    undo: bool = typer.Option(False, "--undo", help="撤销复核，回到待复核"),
    note: str | None = typer.Option(None, "--note", help="复核说明"),
    reviewer: str | None = typer.Option(None, "--by", help="复核人（默认：当前系统用户）"),
) -> None:
    """复核质检发现：确认或驳回（驳回的不扣分；qc rules 显示每条规则的复核精确率） / confirm or dismiss findings."""
    import getpass

    from kefu.qc.reviews import DECISIONS, ReviewError, review

    chosen = [d for d, on in (("confirmed", confirm), ("dismissed", dismiss), (None, undo)) if on]
    if len(chosen) != 1:
        fail("请给出 --confirm、--dismiss 或 --undo 之一 / give one of --confirm, --dismiss, --undo")
    con = connect_existing(write=True)
    try:
        n = review(con, ids, chosen[0], reviewer or getpass.getuser(), note)
    except ReviewError as exc:
        fail(str(exc))
    zh = state.lang == "zh"
    if chosen[0] is None:
        console.print(f"已撤销 {n} 条发现的复核" if zh else f"review withdrawn for {n} finding(s)", soft_wrap=True)
    else:
        word = DECISIONS[chosen[0]][0 if zh else 1]
        console.print(f"已{word} {n} 条发现" if zh else f"{word} {n} finding(s)", soft_wrap=True)


def _print_brief(qc: QcBrief, zh: bool) -> None:
    """Findings by category and severity, by account, and the worst conversations (most points first)."""
    from kefu.reports.names import short_account

    if not qc.by_category:
        return
    cats = Table(title="按类别 / by category", header_style="bold cyan")
    for col in (("类别", "严重度", "条数") if zh else ("category", "severity", "findings")):
        cats.add_column(col, justify="right" if col in ("条数", "findings") else "left")
    for category, severity, n in qc.by_category:
        cats.add_row(category, severity, f"{n:,}")
    people = Table(title="按客服 / by account", header_style="bold cyan")
    for col in (("客服账号", "条数", "扣分") if zh else ("account", "findings", "points")):
        people.add_column(col, justify="left" if col in ("客服账号", "account") else "right")
    for shop, account, n, points in qc.by_account:
        people.add_row(short_account(shop, account), f"{n:,}", f"{points:g}")
    console.print(Columns([cats, people]))
    worst = Table(title="扣分最多的会话 / worst conversations", header_style="bold cyan")
    for col in (("日期", "客服账号", "买家", "条数", "扣分", "规则") if zh else
                ("day", "account", "buyer", "findings", "points", "rules")):
        worst.add_column(col, justify="right" if col in ("条数", "扣分", "findings", "points") else "left",
                         no_wrap=col in ("日期", "day"), overflow="fold")
    for c in qc.worst:
        worst.add_row(c.day, short_account(c.shop, c.account), c.buyer, str(c.findings), f"{c.points:g}",
                      "、".join(c.rules))
    console.print(worst)


@qc_app.command("rules")
def qc_rules(rules: RulesOpt = None, no_defaults: NoDefaultRulesOpt = False) -> None:
    """列出生效的质检规则，及复核过的发现中确认的比例（精确率） / list the active rules and their reviewed precision."""
    from kefu.qc.reviews import precision

    rule_set = _rules(rules, no_defaults)
    zh = state.lang == "zh"
    table = Table(title="质检规则 / QC rules", header_style="bold cyan")
    for col in (("id", "名称", "类别", "严重度", "扣分", "适用", "方式", "说明") if zh else
                ("id", "name", "category", "severity", "points", "applies to", "matcher", "description")):
        table.add_column(col, overflow="fold", no_wrap=col == "id")
    for r in rule_set.rules:
        matcher = f"check:{r.check}" if r.check else f"{r.kind}({len(r.words)})" if r.words else r.kind
        table.add_row(r.id, r.name, r.category, r.severity, f"{r.points:g}", ",".join(r.applies_to), matcher,
                      r.description)
    console.print(table)
    console.print(("规则文件：" if zh else "rule files: ") + ", ".join(rule_set.sources))
    # The precision comes from the warehouse's reviews when there is one; the rules alone need none.
    reviewed = precision(connect_existing()) if state.db.exists() else {}
    _print_precision([(r.id, r.name, reviewed[r.id]) for r in rule_set.rules
                      if r.id in reviewed and reviewed[r.id].rate is not None], zh)


def _print_precision(rows: list[tuple[str, str, Precision]], zh: bool) -> None:
    """Each reviewed rule's confirmed, dismissed and pending findings and its precision (confirmed ÷ reviewed)."""
    if not rows:
        return
    table = Table(title="复核精确率 / precision over reviewed findings", header_style="bold cyan")
    for col in (("id", "名称", "确认", "驳回", "待复核", "精确率") if zh else
                ("id", "name", "confirmed", "dismissed", "pending", "precision")):
        table.add_column(col, justify="left" if col in ("id", "名称", "name") else "right", no_wrap=True)
    for rule_id, name, p in rows:
        table.add_row(rule_id, name, str(p.confirmed), str(p.dismissed), str(p.pending), f"{p.rate:.0%}")
    console.print(table)


@qc_app.command("test")
def qc_test(
    sentence: str = typer.Argument(..., help="要测试的一句话"),
    sender: str = typer.Option("agent", "--sender", help="发送方 agent|bot|buyer"),
    rules: RulesOpt = None,
    no_defaults: NoDefaultRulesOpt = False,
) -> None:
    """显示一句话会触发哪些规则 / which rules a sentence triggers."""
    import re

    from kefu.qc.matcher import Matcher

    rule_set = _rules(rules, no_defaults)
    hits = Matcher(rule_set.rules, normalize=True).match(sentence, sender)
    zh = state.lang == "zh"
    if hits:
        # A buyer's sentence is not the agent's fault: it marks a risky conversation.
        verdict = ("风险" if sender == "buyer" else "违规") if zh else ("risk" if sender == "buyer" else "violation")
        console.print(f"[bold red]{verdict}[/]：这句话触发 {len(hits)} 条规则" if zh else
                      f"[bold red]{verdict}[/]: {len(hits)} rule(s) fire", soft_wrap=True)
    else:
        console.print("[bold green]没有问题[/]：这句话不触发任何词表或正则规则" if zh else
                      "[bold green]fine[/]: no word-list or regex rule fires", soft_wrap=True)
    for hit in hits:
        r = hit.rule
        console.print(f"  [red]✗[/] {escape(r.name)}（{r.category}·{r.severity}·扣 {r.points:g} 分，{r.id}）"
                      f"命中“{escape(hit.matched)}”", soft_wrap=True)
    # Structural checks judge whole conversations: a sentence alone cannot break them, only meet what they ask.
    checks = [r for r in rule_set.rules if r.check and r.expect and sender in r.applies_to]
    if checks:
        console.print("按整段会话判定的检查（单句不会违反，只看它是否说到要求的内容）：" if zh else
                      "checks judged on the whole conversation (a sentence only meets them or not):", soft_wrap=True)
    for r in checks:
        assert r.expect is not None  # checks were chosen for having one
        met = re.search(r.expect, sentence) is not None
        if zh:
            line = "这句话说到了它要求的内容" if met else "这句话没有说到，会话里别处说到也可以"
        else:
            line = "this sentence meets it" if met else "not met here; elsewhere in the conversation will do"
        console.print(f"  {'[green]✓[/]' if met else '·'} {escape(r.name)}：{line}", soft_wrap=True)
