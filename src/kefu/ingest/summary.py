"""What an import did: per-file counts, rejected rows, and the errors an import raises."""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kefu.output import defuse

COUNTS = ("rows_read", "inserted", "replaced", "duplicates", "rejected")


class InputError(ValueError):
    """The paths given to an import cannot be used (missing, unknown file name, ambiguous folder)."""


@dataclass(frozen=True)
class Rejection:
    """One row that was not imported: where it stands, which column is wrong, why, and its raw values."""

    file: Path
    line: int | None  # CSV: physical line where the row starts (header = 1); Parquet: row number from 1
    column: str
    reason: str
    values: dict[str, str | None]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {"file": str(self.file), "line": self.line, "column": self.column,
                "reason": self.reason, "values": dict(self.values)}


@dataclass
class FileSummary:
    """The outcome of one file: rows read, how many were inserted/replaced/skipped, and the rejects."""

    path: Path
    table: str
    format: str = "canonical"  # the format the file was read as (kefu formats)
    encoding: str | None = None  # the text encoding it was read in (None: not a text file)
    rows_read: int = 0
    inserted: int = 0
    replaced: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    error: str | None = None  # a file-level problem (unreadable, required column missing): nothing taken

    @property
    def rejected_count(self) -> int:
        """Number of rejected rows."""
        return len(self.rejected)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {"path": str(self.path), "table": self.table, "format": self.format, "encoding": self.encoding,
                "rows_read": self.rows_read,
                "inserted": self.inserted, "replaced": self.replaced, "duplicates": self.duplicates,
                "rejected": self.rejected_count, "error": self.error,
                "rejections": [r.to_dict() for r in self.rejected]}


@dataclass
class ImportSummary:
    """The outcome of one import_paths call."""

    files: list[FileSummary] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  # files in a folder whose format was not recognised
    timezone: str = ""
    dry_run: bool = False
    strict: bool = False
    committed: bool = False  # True once the rows are in the warehouse
    rejects_path: Path | None = None  # where rejected rows were written, if asked
    facts_shops: list[str] = field(default_factory=list)  # shops whose stored facts the import recomputed
    facts_note: str = ""  # said when the import rebuilt every shop's facts (new fact settings)

    @property
    def rejections(self) -> list[Rejection]:
        """Every rejected row of every file."""
        return [r for f in self.files for r in f.rejected]

    @property
    def errors(self) -> list[str]:
        """The file-level errors, each prefixed with its file."""
        return [f"{f.path}: {f.error}" for f in self.files if f.error]

    @property
    def ok(self) -> bool:
        """True when every row of every file was taken."""
        return not self.errors and not self.rejections

    def totals(self) -> dict[str, dict[str, int]]:
        """Counts summed per table, in the order the tables were met."""
        out: dict[str, dict[str, int]] = {}
        for f in self.files:
            t = out.setdefault(f.table, {k: 0 for k in COUNTS} | {"files": 0})
            t["files"] += 1
            t["rows_read"] += f.rows_read
            t["inserted"] += f.inserted
            t["replaced"] += f.replaced
            t["duplicates"] += f.duplicates
            t["rejected"] += f.rejected_count
        return out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {"timezone": self.timezone, "dry_run": self.dry_run, "strict": self.strict,
                "committed": self.committed, "ok": self.ok,
                "rejects_path": None if self.rejects_path is None else str(self.rejects_path),
                "facts_shops": self.facts_shops,
                "totals": self.totals(), "files": [f.to_dict() for f in self.files],
                "skipped": [str(p) for p in self.skipped], "errors": self.errors}


class ImportFailed(Exception):
    """A strict import met a rejected row or a file error; nothing was written."""

    def __init__(self, summary: ImportSummary) -> None:
        n = len(summary.rejections)
        super().__init__(
            f"严格模式：{n} 行被拒绝，{len(summary.errors)} 个文件出错，未写入任何数据"
            f" / strict import: {n} rejected rows, {len(summary.errors)} file errors; nothing was written"
        )
        self.summary = summary


def write_rejects(summary: ImportSummary, path: Path, escape_formulas: bool = True) -> None:
    """Write every rejected row (and file-level error) to a CSV that Excel opens (UTF-8 with BOM).

    The rows come from outside, so text a spreadsheet would run as a formula is defused unless told.
    """

    extra: dict[str, None] = {}  # original column names in order of first appearance, across files
    for r in summary.rejections:
        extra.update(dict.fromkeys(r.values))
    fixed = ["file", "line", "column", "reason"]
    # An original column that happens to be called like a fixed one must not overwrite it.
    extra_names = [c for c in extra if c not in fixed]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(fixed + extra_names)
        for f in summary.files:
            if f.error:
                writer.writerow([str(f.path), "", "", f.error] + [""] * len(extra_names))
            for r in f.rejected:
                row = [str(r.file), "" if r.line is None else r.line, r.column, r.reason]
                writer.writerow(row + [defuse(r.values.get(c) or "", escape_formulas) for c in extra_names])
