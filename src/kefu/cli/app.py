"""The `kefu` Typer app and what every command shares: options, errors, settings, the warehouse."""
from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, overload

import typer
from rich.console import Console
from rich.markup import escape

from kefu.config import SettingError, Settings, load_settings
from kefu.metrics.compile import BY_CHOICES, GRAINS, PERIODS

if TYPE_CHECKING:
    import duckdb

app = typer.Typer(help="kefu 客服绩效：导入店铺聊天、订单与退款数据，按平台规则计算客服 KPI。",
                  no_args_is_help=True, add_completion=False, rich_markup_mode=None,
                  result_callback=lambda *_, **__: close_opened())

# `kefu export …`: one group for every export format.
export_app = typer.Typer(help="导出 / export the warehouse or its reports", no_args_is_help=True)
app.add_typer(export_app, name="export")

console = Console()
err_console = Console(stderr=True)


class Lang(str, Enum):
    zh = "zh"
    en = "en"


# The report's choices as the report code declares them (mypy cannot see the members of an Enum built so).
Grain = Enum("Grain", [(g, g) for g in GRAINS], type=str)  # type: ignore[misc]
Period = Enum("Period", [(p, p) for p in PERIODS], type=str)  # type: ignore[misc]
_BY = dict.fromkeys(b for choices in BY_CHOICES.values() for b in choices)  # every grain's, in order
By = Enum("By", [(b, b) for b in _BY], type=str)  # type: ignore[misc]


class Fmt(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


class Compare(str, Enum):
    previous = "previous"


class State:
    """Options shared by every command, and the warehouse connections it opened."""

    db: Path = Path("kefu.duckdb")
    lang: str = "zh"

    def __init__(self) -> None:
        self.opened: list[duckdb.DuckDBPyConnection] = []


state = State()


def close_opened(*_: object) -> None:
    """Close the warehouse connections the command opened: in one process (tests, scripts) one left open would
    pin its configuration on the file for whatever opens it next."""
    while state.opened:
        state.opened.pop().close()


def fail(message: str, code: int = 1) -> NoReturn:
    """Print a clear error (no traceback) and exit, closing the connections the command opened."""
    close_opened()
    # One unbroken line (the terminal wraps it): paths and names stay searchable; [extras] print verbatim.
    err_console.print(f"[bold red]错误[/]: {escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


def parse_day(value: str | None, option: str) -> dt.date | None:
    """Parse a YYYY-MM-DD option value with a clear error."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option} 需要 YYYY-MM-DD 格式的日期，得到 {value!r} / {option} expects YYYY-MM-DD")


def parse_range(day_from: str | None, day_to: str | None) -> tuple[dt.date | None, dt.date | None]:
    """Parse --from/--to, refusing a range that ends before it starts."""
    first, last = parse_day(day_from, "--from"), parse_day(day_to, "--to")
    if first and last and first > last:
        fail("开始日期晚于结束日期 / --from is after --to")
    return first, last


def cli_settings(config: Path | None, sets: list[str] | None) -> Settings:
    """Load settings from --config and --set, turning bad values into a clear error."""
    path = config
    if path is None and Path("kefu.toml").exists():
        path = Path("kefu.toml")
    try:
        return load_settings(path, sets or [])
    except SettingError as exc:
        fail(str(exc))


def connect_existing(settings: Settings | None = None, *, write: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse (read-only unless write, so it runs beside kefu serve); a missing file is a clear error.

    Facts of an older kefu are rebuilt first. Given the command's settings, says in one line when they differ
    from those of the stored facts. A file another process holds ends with who holds it and what to do.
    """
    if not state.db.exists():
        fail(f"找不到仓库文件 {state.db}，请先运行 kefu --db {state.db} import 目录 / warehouse not found")
    from kefu import facts
    from kefu.store import Warehouse, WarehouseError

    def notify(line: str) -> None:
        err_console.print(line, soft_wrap=True)

    try:
        if write:
            con = Warehouse.open(state.db).con
            facts.ensure_current(con, notify)
        else:
            con = facts.open_reading(state.db, notify).con
    except WarehouseError as exc:
        fail(str(exc))
    note = facts.difference(con, settings) if settings is not None else ""
    if note:
        err_console.print(f"[yellow]{note}[/]", soft_wrap=True)
    state.opened.append(con)
    return con


def cli_account(con: duckdb.DuckDBPyConnection, text: str | None, shop: str | None = None) -> str | None:
    """A typed --account as its full id (a unique short name such as 小王 is enough); unknown names end clearly."""
    from kefu.accounts import UnknownName, resolve_account

    if text is None:
        return None
    try:
        return resolve_account(con, text, shop)
    except UnknownName as exc:
        fail(str(exc))


@overload
def cli_shop(con: duckdb.DuckDBPyConnection, text: str) -> str: ...
@overload
def cli_shop(con: duckdb.DuckDBPyConnection, text: None) -> None: ...
def cli_shop(con: duckdb.DuckDBPyConnection, text: str | None) -> str | None:
    """A typed --shop checked against the warehouse (closest names suggested)."""
    from kefu.accounts import UnknownName, resolve_shop

    if text is None:
        return None
    try:
        return resolve_shop(con, text)
    except UnknownName as exc:
        fail(str(exc))


@contextmanager
def table_target(output: Path | None) -> Iterator[Console]:
    """Where a table goes: the terminal, or a file (closed when the table is written)."""
    if output is None:
        yield console
        return
    with output.open("w", encoding="utf-8") as handle:
        yield Console(file=handle, width=200)


def emit(text: str, output: Path | None) -> None:
    """Write text to a file (UTF-8 with BOM for CSV so Excel opens it) or stdout."""
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    encoding = "utf-8-sig" if output.suffix.lower() == ".csv" else "utf-8"
    output.write_text(text, encoding=encoding)
    err_console.print(f"已写入 {output}")


def _print_version(value: bool) -> None:
    """Print kefu's version and exit (the eager --version option)."""
    if value:
        from kefu import __version__

        console.print(f"kefu {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    db: Path = typer.Option(Path("kefu.duckdb"), "--db", envvar="KEFU_DB", help="仓库文件 (DuckDB) / warehouse file"),
    lang: Lang = typer.Option(Lang.zh, "--lang", help="界面语言 zh|en / labels language"),
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_print_version,
                                 help="显示版本后退出 / show the version and exit"),
) -> None:
    """kefu 客服绩效 / customer-service KPIs for online shops."""
    close_opened()
    state.db = db
    state.lang = lang.value


