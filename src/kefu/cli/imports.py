"""`kefu import`: shop exports into the warehouse, with a progress bar and a summary; `kefu formats` lists formats."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from kefu.cli.app import app, cli_settings, console, err_console, fail, state
from kefu.cli.options import ConfigOpt, SetOpt
from kefu.config import SettingError
from kefu.workbook_limits import WorkbookLimits


@app.command("import")
def import_cmd(
    paths: list[Path] = typer.Argument(..., help="目录（递归）或文件，可混合多种格式"),
    format_: str | None = typer.Option(None, "--format", help="指定格式（见 kefu formats），默认按表头/版式识别"),
    shop: str | None = typer.Option(None, "--shop", help="来源没有店铺列时使用的店铺（主账号）"),
    account: str | None = typer.Option(None, "--account", help="单账号聊天记录的接待账号，如 店铺:子账号"),
    maps: list[str] | None = typer.Option(None, "--map", help="列映射 源列=目标列（可写 表.列），可重复"),
    profile: Path | None = typer.Option(None, "--profile", help="自定义格式文件 (TOML)，优先于内置格式"),
    encoding: str | None = typer.Option(None, "--encoding", help="文本编码，如 gb18030、utf-16；默认自动识别"),
    sheet: str | None = typer.Option(None, "--sheet", help="Excel 工作表名称或序号，默认第一个"),
    max_workbook_mb: int = typer.Option(WorkbookLimits.max_mb, "--max-workbook-mb", min=1,
                                        help="Excel 文件解压后的大小上限 (MB)，防止压缩炸弹"),
    max_workbook_rows: int = typer.Option(WorkbookLimits.max_rows, "--max-workbook-rows", min=1,
                                          help="每个工作表的行数上限"),
    strict: bool = typer.Option(False, "--strict", help="有任何坏行就整体失败，仓库不变"),
    rejects: Path | None = typer.Option(None, "--rejects", help="把被拒绝的行写入此 CSV 文件"),
    dry_run: bool = typer.Option(False, "--dry-run", help="只检查并统计，不写入仓库"),
    config: ConfigOpt = None,
    sets: SetOpt = None,
) -> None:
    """导入店铺导出文件到仓库 / import shop exports (chats, orders, refunds; CSV, Excel, text) into the warehouse."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from kefu.ingest.canonical import ImportFailed, import_paths
    from kefu.ingest.options import ImportOptions
    from kefu.store import Warehouse, WarehouseError

    settings = cli_settings(config, sets)
    options = ImportOptions(format=format_, shop=shop, account=account, maps=tuple(maps or ()), profile=profile,
                            encoding=encoding, sheet=sheet,
                            workbook=WorkbookLimits(max_mb=max_workbook_mb, max_rows=max_workbook_rows))
    for p in paths:
        if not p.exists():
            fail(f"路径不存在：{p} / path not found")
    new_file = _new_warehouse_file(state.db)
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,} 行"),
                  TimeElapsedColumn(), console=err_console, transient=True) as progress:
        tasks: dict[Path, Any] = {}

        def on_progress(file: Path, done: int, total: int) -> None:
            if file not in tasks:
                tasks[file] = progress.add_task(f"导入 {file.name}", total=max(total, 1))
            progress.update(tasks[file], completed=done, total=max(total, 1))

        try:
            with Warehouse.open(state.db) as wh:
                summary = import_paths(wh, list(paths), settings, options=options, strict=strict,
                                       rejects_path=rejects, dry_run=dry_run, progress=on_progress)
        except ImportFailed as exc:
            progress.stop()
            _remove_if_unused(new_file)
            _print_import_summary(exc.summary)
            fail(f"{exc}（仓库未作任何改动 / nothing was written）")
        except (SettingError, ValueError, WarehouseError) as exc:
            _remove_if_unused(new_file)
            fail(str(exc))
    wrote = summary.committed and any(f.inserted or f.replaced for f in summary.files)
    if not wrote:
        _remove_if_unused(new_file)
    _print_import_summary(summary)
    if dry_run:
        console.print("[yellow]试运行：仓库未作任何改动 / dry run: nothing written[/]")
    failed = [f for f in summary.files if f.error]
    if failed:
        taken = "；其余文件的行已写入 / rows from the other files were written" if wrote else ""
        fail(f"{len(failed)} 个文件整体未能导入（原因见上）{taken} / {len(failed)} file(s) could not be imported")


def _new_warehouse_file(db: Path) -> Path | None:
    """The warehouse path when this import is about to create it, else None."""
    return None if str(db) == ":memory:" or db.exists() else db


def _remove_if_unused(new_file: Path | None) -> None:
    """Delete a warehouse file this import created but wrote nothing to, so no empty warehouse is left behind."""
    if new_file is None:
        return
    for path in (new_file, new_file.with_name(new_file.name + ".wal")):
        path.unlink(missing_ok=True)


def _print_import_summary(summary: Any) -> None:
    """Print per-file and per-table counts, skipped files, file errors and the first rejected rows of an import."""
    table = Table(title="导入结果 / import summary", header_style="bold cyan")
    # A file name is never broken across lines: it is what a user searches for; a long one is shortened.
    longest = max((len(f.path.name) for f in summary.files), default=4)
    table.add_column("文件", no_wrap=True, overflow="ellipsis", min_width=min(longest, 28))
    table.add_column("格式 → 表", no_wrap=True)
    for col in ("读取", "写入", "更新", "重复", "拒绝"):
        table.add_column(col, justify="right", no_wrap=True, min_width=4)
    for f in summary.files:
        # UTF-8 is what every canonical file is: only another encoding is worth a word; a canonical file's
        # name already says its table.
        encoding = f" ({f.encoding})" if f.encoding and f.encoding.lower() not in ("utf-8", "utf-8-sig") else ""
        into = "" if f.format == "canonical" and f.table else f" → {f.table or '—'}"
        table.add_row(f.path.name, f.format + encoding + into,
                      f"{f.rows_read:,}", f"{f.inserted:,}", f"{f.replaced:,}", f"{f.duplicates:,}",
                      f"{len(f.rejected):,}")
    console.print(table)
    if len(summary.files) > 1 or summary.dry_run:
        totals = Table(title="按表汇总 / per table", header_style="bold cyan")
        for col in ("表", "文件数", "读取", "写入", "更新", "重复", "拒绝"):
            totals.add_column(col, justify="left" if col == "表" else "right")
        for name, t in summary.totals().items():
            totals.add_row(name, *(f"{t[k]:,}" for k in ("files", "rows_read", "inserted", "replaced", "duplicates",
                                                           "rejected")))
        console.print(totals)
    if summary.skipped:
        names = "、".join(p.name for p in summary.skipped[:10]) + ("……" if len(summary.skipped) > 10 else "")
        console.print(f"[yellow]未识别格式，已跳过 {len(summary.skipped)} 个文件[/]：{names}", soft_wrap=True)
    for error in summary.errors:
        console.print(f"[red]文件错误[/] {error}", soft_wrap=True)
    if summary.facts_note:
        console.print(f"[yellow]{summary.facts_note}[/]", soft_wrap=True)
    if summary.facts_shops and summary.committed:
        console.print(f"已更新 {len(summary.facts_shops)} 个店铺的事实表，报表可直接读取"
                      f" / facts updated for {len(summary.facts_shops)} shop(s)", soft_wrap=True)
    shown = 0
    for f in summary.files:
        for r in f.rejected:
            if shown == 10:
                console.print("……更多被拒绝的行请用 --rejects 文件查看")
                return
            # One unbroken line per rejected row, so file:line stays searchable however narrow the terminal.
            console.print(f"[red]拒绝[/] {r.file}:{r.line} 列 {r.column}：{r.reason}", soft_wrap=True)
            shown += 1


@app.command("formats")
def formats_cmd(
    name: str | None = typer.Argument(None, help="格式名：显示它读取的列、清洗规则和示例"),
    profile: Path | None = typer.Option(None, "--profile", help="同时列出这个自定义格式文件 (TOML)"),
) -> None:
    """列出可导入的格式及各自读取的列 / list the import formats and the columns each reads."""
    from kefu.ingest.profiles import ProfileError, builtin_profiles, load_profile

    try:
        profiles = ([load_profile(profile)] if profile else []) + list(builtin_profiles())
    except ProfileError as exc:
        fail(str(exc))
    if name is None:
        _print_format_list(profiles)
        return
    chosen = next((p for p in profiles if p.name == name), None)
    if chosen is None:
        fail(f"未知格式 {name!r}，可用：{', '.join(p.name for p in profiles)} / unknown format")
    _print_format(chosen)


def _print_format_list(profiles: list[Any]) -> None:
    """One row per format: name, title, table, the columns that recognise it (Chinese, or English with --lang en)."""
    zh = state.lang == "zh"
    table = Table(title="导入格式 / import formats", header_style="bold cyan")
    for col in (("格式", "说明", "目标表", "识别依据") if zh else ("format", "description", "table", "recognised by")):
        table.add_column(col, overflow="fold")
    table.add_row("canonical", "标准表文件：按文件名识别（messages.csv、orders.csv…，或同名 .parquet）" if zh
                  else "canonical table files, by name (messages.csv, orders.csv, … or .parquet)",
                  "按文件名" if zh else "by name", "文件名" if zh else "file name")
    for p in profiles:
        if p.kind == "chat_text":
            how = "消息头行：昵称 + 时间" if zh else "message header lines: nick + time"
        else:
            how = "、".join(p.columns[c][0] if c in p.columns else c for c in p.detect)
        table.add_row(p.name, p.title if zh else p.title_en, p.table.name, how)
    console.print(table)
    console.print("详情与示例：kefu formats 格式名 / details and an example: kefu formats NAME")


def _print_format(p: Any) -> None:
    """A format's columns (target ← header names), cleaners, value maps, text layout and example."""
    console.print(f"[bold]{p.name}[/]：{p.title} / {p.title_en}（写入表 {p.table.name}）")
    if p.columns:
        table = Table(header_style="bold cyan")
        for col in ("目标列", "读取的表头（任一）", "清洗"):
            table.add_column(col, overflow="fold")
        for target, aliases in p.columns.items():
            cleaners = [*p.cleaners, *p.column_cleaners.get(target, ())]
            mapped = p.values.get(target)
            if mapped:
                cleaners.append("取值：" + "，".join(f"{k or '空'}→{v}" for k, v in mapped.items()))
            mark = "*" if target in p.detect else ""
            table.add_row(target + mark, "、".join(aliases), "，".join(cleaners) or "—")
        console.print(table)
        if p.detect:
            console.print("* 识别此格式所需的列 / columns that recognise this format")
    if p.rules:
        console.print("completed_by：未完结为空；客服介入（小二）→ platform；"
                      "否则按设置 refund_completed_by（默认 merchant）", soft_wrap=True)
    if p.kind == "chat_text":
        console.print("消息头行（昵称在时间前或后，时间可带括号）：2026-11-11 10:00:05 昵称 ｜ "
                      "昵称 (2026/11/11 10:00:05): ｜ 昵称 2026-1-5 9:03:07；其后各行为消息内容，直到下一个消息头。",
                      soft_wrap=True)
        console.print("对象行：消息对象: 买家昵称 ｜ 与 买家昵称 的聊天记录；"
                      "账号行：导出账号: 店铺:子账号（同 --account）", soft_wrap=True)
    if p.markers is not None:
        m = p.markers
        console.print(f"发送方：店铺:子账号 或 主账号 → agent；{('、'.join(m.bot_nicks))} 或账号 kind=bot → bot；"
                      f"以 {'、'.join(m.auto_prefixes[:3])}… 开头 → auto；{'、'.join(m.system_nicks[:2])}…、转交/撤回/"
                      "订单卡片 → system；其余 → buyer", soft_wrap=True)
    if p.example:
        console.print("示例 / example:")
        console.print(p.example, markup=False, highlight=False, soft_wrap=True)
