"""The `kefu` command line: thin over the library, Chinese first; one module per command group."""
from kefu.cli import exam, html, imports, metrics, misc, outputs, qc, report  # noqa: F401  (modules register commands)
from kefu.cli.app import app

__all__ = ["app"]
