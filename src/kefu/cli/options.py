"""The options several commands share, declared once as Annotated aliases."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

SetOpt = Annotated[list[str] | None, typer.Option("--set", help="设置 KEY=VALUE，可重复")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="TOML 设置文件")]
FromOpt = Annotated[str | None, typer.Option("--from", help="开始日期 YYYY-MM-DD（默认：最早）")]
ToOpt = Annotated[str | None, typer.Option("--to", help="结束日期 YYYY-MM-DD（默认：最晚）")]
AccountOpt = Annotated[str | None, typer.Option("--account", help="只看这个客服账号（唯一的简称也可以，如 小王）")]
OutputOpt = Annotated[Path | None, typer.Option("-o", "--output", help="写入文件")]
NoMaskOpt = Annotated[bool, typer.Option("--no-mask", help="显示完整买家昵称和手机号")]
RulesOpt = Annotated[list[Path] | None, typer.Option(
    "--rules", help="追加规则文件(TOML)，可重复；同 id 覆盖内置规则")]
NoDefaultRulesOpt = Annotated[bool, typer.Option("--no-default-rules", help="不用内置规则，只用 --rules 的")]
