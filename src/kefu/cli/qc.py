"""`kefu qc run|rules|test`: quality inspection (质检) of the conversations with rule files."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any, Optional

import numpy as np
import typer
from rich.columns import Columns
from rich.markup import escape
from rich.table import Table

from kefu.cli.app import app, cli_account, cli_settings, connect_existing, console, emit, fail, parse_range, state
from kefu.output import to_csv, to_json
from kefu.qc.rules import RuleError, RuleSet, load_rules
from kefu.qc.summary import QcBrief, brief
from kefu.reports.names import short_account

qc_app = typer.Typer(help="质检：按规则检查客服聊天 / quality inspection of the chats", no_args_is_help=True)
app.add_typer(qc_app, name="qc")

# Finding columns as shown, with their Chinese and English headers.
COLUMNS: dict[str, tuple[str, str]] = {
    "time": ("时间", "time"), "shop": ("店铺", "shop"), "account": ("客服账号", "account"),
    "buyer": ("买家", "buyer"), "rule_id": ("规则", "rule"), "rule_name": ("规则名", "rule name"),
    "category": ("类别", "category"), "severity": ("严重度", "severity"), "points": ("扣分", "points"),
    "matched": ("命中", "matched"), "text": ("消息", "message"),
}


DEFAULT_FINDINGS = Path("质检结果.csv")  # where `qc run` writes the findings when shown as a summary


class QcFmt(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


def _rules(files: Optional[list[Path]], no_defaults: bool) -> RuleSet:
    try:
        return load_rules(files or [], defaults=not no_defaults)
    except RuleError as exc:
        fail(str(exc))


def _shown(rows: list[dict[str, Any]], zone: str) -> list[dict[str, Any]]:
    """Findings as people read them: the shop-local time instead of the UTC instant."""
    if not rows:
        return []
    from kefu.tz import utc_to_local

    local = utc_to_local(np.array([r["ts"] for r in rows], dtype="datetime64[us]"), zone)
    return [{"time": str(t.astype("datetime64[s]")).replace("T", " "), **{k: r[k] for k in COLUMNS if k != "time"}}
            for r, t in zip(rows, local)]


@qc_app.command("run")
def qc_run(
    day_from: Optional[str] = typer.Option(None, "--from", help="开始日期 YYYY-MM-DD（默认：最早）"),
    day_to: Optional[str] = typer.Option(None, "--to", help="结束日期 YYYY-MM-DD（默认：最晚）"),
    account: Optional[str] = typer.Option(None, "--account", help="只检查这个客服账号"),
    rules: Optional[list[Path]] = typer.Option(None, "--rules", help="追加规则文件(TOML)，可重复；同 id 覆盖内置规则"),
    no_defaults: bool = typer.Option(False, "--no-default-rules", help="不用内置规则，只用 --rules 的"),
    category: Optional[str] = typer.Option(None, "--category", help="只列出这个类别，如 风险会话（全部照常保存）"),
    fmt: QcFmt = typer.Option(QcFmt.table, "--format", help="输出格式 table|csv|json|xlsx"),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="写入文件（xlsx 必须给出）"),
    no_mask: bool = typer.Option(False, "--no-mask", help="显示完整买家昵称和手机号"),
    sets: Optional[list[str]] = typer.Option(None, "--set", help="设置 KEY=VALUE，可重复"),
    config: Optional[Path] = typer.Option(None, "--config", help="TOML 设置文件"),
) -> None:
    """运行质检并保存结果（同一范围重跑会替换旧结果） / run QC and store the findings."""
    from kefu.qc.runner import run_qc
    from kefu.qc.store import findings
    from kefu.reports.xlsx import date_cell, write_rows
    from kefu.report import NoData

    if fmt is QcFmt.xlsx and output is None:
        fail("xlsx 格式需要用 -o 指定输出文件 / --format xlsx needs -o FILE")
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
    zh = state.lang == "zh"
    headers = [COLUMNS[k][0 if zh else 1] for k in COLUMNS]
    summary = (f"质检 {run.run_id}：{run.scope.day_from}~{run.scope.day_to}，{len(run.rules.rules)} 条规则，"
               f"{run.messages:,} 条消息，发现 {len(run.findings):,} 条" if zh else
               f"QC {run.run_id}: {run.scope.day_from}..{run.scope.day_to}, {len(run.rules.rules)} rules, "
               f"{run.messages:,} messages, {len(run.findings):,} findings")
    if fmt is QcFmt.json:
        emit(to_json({"run_id": run.run_id, "day_from": run.scope.day_from.isoformat(),
                      "day_to": run.scope.day_to.isoformat(), "findings": rows}), output)
    elif fmt is QcFmt.csv:
        emit(to_csv(list(COLUMNS), rows, escape_formulas=settings.csv_escape_formulas), output)
    elif fmt is QcFmt.xlsx:
        assert output is not None
        write_rows(output, "质检" if zh else "QC", headers, ([date_cell(k, r[k]) for k in COLUMNS] for r in rows))
        console.print(summary, soft_wrap=True)
        console.print(f"已写入 {output}", soft_wrap=True)
    else:
        # On screen the run in brief; the findings themselves go to a file a manager can filter.
        target = output or DEFAULT_FINDINGS
        emit(to_csv(list(COLUMNS), rows, escape_formulas=settings.csv_escape_formulas), target)
        console.print(summary, soft_wrap=True)
        _print_brief(brief(rows), zh)
        console.print(f"全部 {len(rows):,} 条发现见 {target}" if zh else f"all {len(rows):,} findings: {target}",
                      soft_wrap=True)


def _print_brief(qc: QcBrief, zh: bool) -> None:
    """Findings by category and severity, by account, and the worst conversations (most points first)."""
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
def qc_rules(
    rules: Optional[list[Path]] = typer.Option(None, "--rules", help="追加的规则文件（TOML），可重复"),
    no_defaults: bool = typer.Option(False, "--no-default-rules", help="不用内置规则"),
) -> None:
    """列出生效的质检规则 / list the active rules."""
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


@qc_app.command("test")
def qc_test(
    sentence: str = typer.Argument(..., help="要测试的一句话"),
    sender: str = typer.Option("agent", "--sender", help="发送方 agent|bot|buyer"),
    rules: Optional[list[Path]] = typer.Option(None, "--rules", help="追加的规则文件（TOML），可重复"),
    no_defaults: bool = typer.Option(False, "--no-default-rules", help="不用内置规则"),
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
        met = re.search(r.expect, sentence) is not None
        if zh:
            line = "这句话说到了它要求的内容" if met else "这句话没有说到，会话里别处说到也可以"
        else:
            line = "this sentence meets it" if met else "not met here; elsewhere in the conversation will do"
        console.print(f"  {'[green]✓[/]' if met else '·'} {escape(r.name)}：{line}", soft_wrap=True)
