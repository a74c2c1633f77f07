"""The `kefu` command line: thin over the library, Chinese first; one module per command group."""
from kefu.cli import html, imports, metrics, misc, report, serve  # noqa: F401  (each module registers its commands)
from kefu.cli.app import app

__all__ = ["app"]
