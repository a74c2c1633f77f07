"""The `kefu` command line: thin over the library, Chinese first; one module per command group."""
from typing import NoReturn

from rich.markup import escape

from kefu.cli import exam, export, facts, html, imports, metrics, misc, outputs, qc, report, serve, staffing  # noqa: F401  (each module registers its commands)
from kefu.cli.app import app, err_console
from kefu.cli.usage import kind_of, usage_message

__all__ = ["app", "run"]


def run() -> None:
    """The `kefu` command: usage errors told Chinese first, a full disk in one line, never a traceback for either."""
    try:
        code = app(standalone_mode=False, prog_name="kefu")
    except Exception as exc:
        _exit_clearly(exc)
    raise SystemExit(code if isinstance(code, int) else 0)


def _exit_clearly(exc: Exception) -> NoReturn:
    """End the command on an error a user can fix, in one or two lines; re-raise anything else."""
    from kefu.store import DISK_FULL, is_disk_full

    kind = kind_of(exc)
    if kind == "NoArgsIsHelpError":  # a group called without a command: its help is the answer
        exc.show()  # type: ignore[attr-defined]
    elif kind in ("MissingParameter", "NoSuchOption", "BadParameter", "UsageError"):
        ctx = getattr(exc, "ctx", None)
        where = ctx.command_path if ctx is not None else "kefu"
        err_console.print(f"[bold red]错误[/]: {escape(usage_message(exc))}", soft_wrap=True)
        err_console.print(f"用法见 {where} --help / see {where} --help", soft_wrap=True)
    elif kind == "Abort":
        err_console.print("已取消 / aborted")
        raise SystemExit(1) from None
    elif kind == "ClickException":
        exc.show()  # type: ignore[attr-defined]
    elif is_disk_full(exc):
        err_console.print(f"[bold red]错误[/]: {DISK_FULL}（{exc}）", soft_wrap=True)
        raise SystemExit(1) from None
    else:
        raise exc
    raise SystemExit(getattr(exc, "exit_code", 2)) from None
