"""How big an imported workbook may be: a leaf module, so the CLI states the defaults without loading importers."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WorkbookLimits:
    """How big a workbook may be once unpacked: a small file can hold a million rows (a workbook bomb)."""

    max_mb: int = 512  # the .xlsx parts' uncompressed size
    max_rows: int = 1_048_576  # rows of the sheet read (Excel's own limit by default)
