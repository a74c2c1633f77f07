"""The `kefu` command line: thin over the library, Chinese first; one module per command group."""
from kefu.cli import (  # noqa: F401  (each module registers its commands)
    exam, export, facts, html, imports, metrics, misc, outputs, qc, report, serve)
from kefu.cli.app import app, err_console
from kefu.store import DISK_FULL, is_disk_full

__all__ = ["app", "run"]


def run() -> None:
    """The `kefu` command: the Typer app, with a write that found the disk full told in one line, not a traceback."""
    try:
        app()
    except Exception as exc:
        if not is_disk_full(exc):
            raise
        err_console.print(f"[bold red]错误[/]: {DISK_FULL}（{exc}）", soft_wrap=True)
        raise SystemExit(1) from None
