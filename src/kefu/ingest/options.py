"""What a user can tell an import besides the paths: format, shop, account, maps, profile, encoding, sheet, limits."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kefu.workbook_limits import WorkbookLimits


@dataclass(frozen=True)
class ImportOptions:
    """Import options; None means detect or take from the file."""

    format: str | None = None  # a format name from `kefu formats`; None: recognised per file
    shop: str | None = None  # the shop of rows whose source lacks it
    account: str | None = None  # the shop account of a one-account chat export
    maps: tuple[str, ...] = ()  # --map 源列=目标列 pairs
    profile: Path | None = None  # a user's TOML profile, tried before the shipped ones
    encoding: str | None = None  # text encoding; None: detected
    sheet: str | None = None  # workbook sheet name or number; None: the first
    workbook: WorkbookLimits = field(default_factory=WorkbookLimits)  # how big a workbook may unpack
