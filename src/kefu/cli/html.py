"""`kefu html`: the offline HTML report with charts, one self-contained file."""
from __future__ import annotations

import os
from pathlib import Path

import typer

from kefu.cli.app import app, cli_settings, cli_shop, connect_existing, err_console, fail, parse_range, state
from kefu.cli.options import ConfigOpt, FromOpt, SetOpt, ToOpt


@app.command("html")
def html_cmd(
    output: Path = typer.Option(Path("报表.html"), "-o", "--output", help="写入的 HTML 文件（默认 报表.html）"),
    day_from: FromOpt = None,
    day_to: ToOpt = None,
    shops: list[str] | None = typer.Option(None, "--shop", help="只含这些店铺，可重复（默认：全部）"),
    sets: SetOpt = None,
    config: ConfigOpt = None,
) -> None:
    """生成离线 HTML 报表（图表内嵌，断网可打开） / write the offline HTML report with charts."""
    from kefu.report import NoData
    from kefu.reports.html import render_html

    settings = cli_settings(config, sets)
    lo, hi = parse_range(day_from, day_to)
    con = connect_existing(settings)
    chosen = [cli_shop(con, s) for s in shops] if shops else None
    try:
        page = render_html(con, settings, lo, hi, lang=state.lang, shops=chosen)
    except NoData as exc:
        fail(str(exc))
    # Written next to the target and renamed, so a failed run never leaves half a report.
    tmp = output.with_name(output.name + ".tmp")
    try:
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, output)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        fail(f"无法写入 {output}：{exc.strerror} / cannot write {output}")
    err_console.print(f"已写入 {output}（{len(page.encode('utf-8')) / 1e6:.1f} MB，离线可打开）")
