"""The `kefu` command line: thin over the library, Chinese first; one module per command group."""
from kefu.cli import (  # noqa: F401  (each module registers its commands)
    exam, export, facts, html, imports, metrics, misc, outputs, qc, report, serve)
from kefu.cli.app import app

__all__ = ["app"]
