"""The options several commands share, declared once as Annotated aliases."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

SetOpt = Annotated[Optional[list[str]], typer.Option("--set", help="设置 KEY=VALUE，可重复")]
ConfigOpt = Annotated[Optional[Path], typer.Option("--config", help="TOML 设置文件")]
FromOpt = Annotated[Optional[str], typer.Option("--from", help="开始日期 YYYY-MM-DD（默认：最早）")]
ToOpt = Annotated[Optional[str], typer.Option("--to", help="结束日期 YYYY-MM-DD（默认：最晚）")]
AccountOpt = Annotated[Optional[str], typer.Option("--account", help="只看这个客服账号（唯一的简称也可以，如 小王）")]
OutputOpt = Annotated[Optional[Path], typer.Option("-o", "--output", help="写入文件")]
NoMaskOpt = Annotated[bool, typer.Option("--no-mask", help="显示完整买家昵称和手机号")]
RulesOpt = Annotated[Optional[list[Path]], typer.Option(
    "--rules", help="追加规则文件(TOML)，可重复；同 id 覆盖内置规则")]
NoDefaultRulesOpt = Annotated[bool, typer.Option("--no-default-rules", help="不用内置规则，只用 --rules 的")]
