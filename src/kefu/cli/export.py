"""`kefu export parquet`: the warehouse's canonical tables as partitioned Parquet."""
from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from kefu.cli.app import connect_existing, console, export_app, fail, state


@export_app.command("parquet")
def export_parquet_cmd(
    out_dir: Path = typer.Argument(..., help="输出目录，每个表一个子目录（按 shop=…/month=… 分区）"),
    overwrite: bool = typer.Option(False, "--overwrite", help="覆盖目录中已有的表"),
    update: bool = typer.Option(False, "--update", help="更新已有的导出：只改写行有变化的分区，未变的分区文件原样保留"
                                                        "（kefu facts build 据此只重算变化的部分）"),
) -> None:
    """导出为 Parquet（Hive 分区：店铺、月份），供 Spark / DuckDB / pandas 读取 / export as partitioned Parquet."""
    from kefu.export import ExportError, export_parquet

    con = connect_existing()
    try:
        written = export_parquet(con, out_dir, overwrite=overwrite, update=update)
    except ExportError as exc:
        fail(str(exc))
    zh = state.lang == "zh"
    table = Table(title="导出结果 / export summary" if zh else "export summary", header_style="bold cyan")
    for col in (("表", "目录", "行数", "文件数") if zh else ("table", "folder", "rows", "files")):
        table.add_column(col, justify="right" if col in ("行数", "文件数", "rows", "files") else "left")
    for t in written:
        table.add_row(t.table, str(t.path), str(t.rows), str(t.files))
    console.print(table)
    if update:
        kept = sum(t.kept for t in written)
        console.print(f"{kept} 个分区未变，文件原样保留 / {kept} unchanged partitions kept as they were")
