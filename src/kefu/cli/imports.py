"""`kefu import`: files into the warehouse, with a progress bar and a summary of rejected rows."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from kefu.cli.app import app, cli_settings, console, err_console, fail, state
from kefu.config import SettingError


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

    settings = cli_settings(config, sets)
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
            # One unbroken line per rejected row, so file:line stays searchable however narrow the terminal.
            console.print(f"[red]拒绝[/] {r.file}:{r.line} 列 {r.column}：{r.reason}", soft_wrap=True)
            shown += 1
