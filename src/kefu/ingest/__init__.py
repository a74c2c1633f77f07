"""Importers: every source ends in the canonical tables of the data contract."""
from __future__ import annotations

from kefu.ingest.canonical import import_paths
from kefu.ingest.options import ImportOptions
from kefu.ingest.summary import FileSummary, ImportFailed, ImportSummary, InputError, Rejection, write_rejects

__all__ = [
    "FileSummary",
    "ImportFailed",
    "ImportOptions",
    "ImportSummary",
    "InputError",
    "Rejection",
    "import_paths",
    "write_rejects",
]
