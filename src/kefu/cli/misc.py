"""Small commands: `kefu version`, `kefu settings`, `kefu presets`, `kefu demo`."""
from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from kefu.cli.app import app, console, fail, state
from kefu.config import SETTINGS, SettingError


@app.command("version")
def version() -> None:
    """显示版本 / print the version."""
    from kefu import __version__

    console.print(f"kefu {__version__}")


@app.command("settings")
def settings_cmd(
    markdown: bool = typer.Option(False, "--markdown", help="输出 docs/cli.md 里的 Markdown 设置表"),
) -> None:
    """列出全部设置及默认值 / every setting with its default and help."""
    if markdown:
        from kefu.docs import settings_markdown

        console.print(settings_markdown(), end="", markup=False, soft_wrap=True)
        return
    table = Table(title="设置 / settings", header_style="bold cyan")
    for col in ("名称", "类型", "默认值", "说明"):
        table.add_column(col, overflow="fold")
    for s in SETTINGS:
        allowed = f"（可选：{', '.join(s.choices)}）" if s.choices else ""
        help_text = (s.help_zh if state.lang == "zh" else s.help_en) + allowed
        table.add_row(s.name, s.type.__name__, str(s.default), help_text)
    console.print(table)
    console.print("用法：--set 名称=值，或在 kefu.toml 中写 名称 = 值 / use --set NAME=VALUE or kefu.toml")
    _print_stored_settings()


@app.command("presets")
def presets_cmd(
    config: Path | None = typer.Option(None, "--config", help="TOML 设置文件（其中的 [presets.名称] 一并列出）"),
) -> None:
    """列出平台口径预设：取值、规则与来源 / the platform presets: their values, rule and source."""
    from kefu.config import read_config
    from kefu.presets import all_presets

    path = config if config is not None else Path("kefu.toml") if Path("kefu.toml").exists() else None
    try:
        own = read_config(path)[1] if path is not None else {}
    except SettingError as exc:
        fail(str(exc))
    table = Table(title="平台口径预设 / platform presets（preset = 名称）", header_style="bold cyan", show_lines=True)
    for col in ("名称", "平台", "取值", "规则", "来源"):
        table.add_column(col, overflow="fold")
    for name, preset in all_presets(own).items():
        values = "\n".join(f"{k} = {str(v).lower() if isinstance(v, bool) else v}" for k, v in preset.settings.items())
        labels = "\n".join(f"{k}：{v}" for k, v in preset.labels.items())
        table.add_row(name, preset.title, values + ("\n" + labels if labels else ""), preset.rule, preset.source)
    console.print(table)
    console.print("用法：--set preset=名称，或在 kefu.toml 中写 preset = \"名称\"；"
                  "明确给出的 platform_* 设置覆盖预设 / use --set preset=NAME; platform_* settings given override it",
                  soft_wrap=True)


def _print_stored_settings() -> None:
    """The settings the warehouse's stored facts were computed under, when there is a warehouse."""
    from kefu import facts
    from kefu.store import Warehouse, WarehouseError

    if not state.db.exists():
        return
    try:
        with Warehouse.open(state.db, read_only=True) as wh:
            recorded = facts.recorded_settings(wh.con)
    except WarehouseError:
        return
    if recorded is None:
        console.print(f"仓库 {state.db} 还没有当前版本的事实表 / no current facts in {state.db}", soft_wrap=True)
        return
    shown = "，".join(f"{k}={v}" for k, v in recorded.items())
    console.print(f"仓库 {state.db} 的事实表按 {shown} 计算；其他取值的报表临时计算，"
                  f"kefu rebuild --set … 可按新设置重建 / stored facts were computed under these settings",
                  soft_wrap=True)


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
