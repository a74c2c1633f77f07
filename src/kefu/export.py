"""Export the warehouse's canonical tables as Parquet, Hive-style partitioned by shop and month."""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import duckdb

from kefu.schema import WAREHOUSE_DDL

# Every table the models may read: the canonical ones and those other features keep (exam attempts, …).
EXPORT_TABLES: tuple[str, ...] = tuple(name for name in WAREHOUSE_DDL if name != "kefu_meta")

# The instant that places a row in a month (UTC, as stored); tables without one are split by shop only.
MONTH_COLUMN: dict[str, str] = {
    "messages": "ts", "orders": "created_at", "refunds": "created_at", "complaints": "created_at",
    "ratings": "rated_at", "presence": "start", "evaluations": "coalesce(invited_at, rated_at)",
    "exam_attempts": "taken_at",
}


# The characters Hive and Spark escape in a partition folder name (as %XX); everything else, Chinese
# included, stays as it is. DuckDB percent-encodes every non-ASCII byte, which Spark would decode byte by
# byte into the wrong characters, so the folders are renamed to this spelling, which all three readers decode.
_ESCAPED = set(map(chr, range(1, 32))) | set('"#%\'*/:=?\\\x7f{[]^')


def hive_escape(value: str) -> str:
    """A partition value as Spark/Hive spell it in a folder name."""
    return "".join(f"%{ord(ch):02X}" if ch in _ESCAPED else ch for ch in value)


STAGING = ".kefu-staging"  # where an update writes before it moves changed partitions over (readers skip it)


class ExportError(RuntimeError):
    """The export folder cannot be written."""


@dataclass(frozen=True)
class ExportedTable:
    """One table written: its folder, rows and files."""

    table: str
    path: Path
    rows: int
    files: int
    kept: int = 0  # partitions an update left as they were


def partition_columns(table: str, columns: list[str]) -> list[str]:
    """The Hive partition keys of a table: shop when it has one, then month when it has an instant."""
    return [c for c in ("shop",) if c in columns] + (["month"] if table in MONTH_COLUMN else [])


def export_parquet(con: duckdb.DuckDBPyConnection, out_dir: Path, *, overwrite: bool = False,
                   update: bool = False) -> list[ExportedTable]:
    """Write every table to out_dir/<table>/shop=…/month=YYYY-MM/*.parquet (Hive style, where it has those).

    With update, an existing export is brought up to date partition by partition: the files of a partition
    whose rows are the same are kept as they are (their times too), so `kefu facts build` reads and recomputes
    only what changed.
    """
    targets = [out_dir / t for t in EXPORT_TABLES]
    existing = [p for p in targets if p.exists()]
    if existing and not (overwrite or update):
        raise ExportError(f"{existing[0]} 已存在，加 --overwrite 覆盖或 --update 更新 / {existing[0]} exists: "
                          "use --overwrite or --update")
    if update:
        return _update(con, out_dir)
    for p in existing:
        shutil.rmtree(p)
    return _write(con, out_dir)


def _write(con: duckdb.DuckDBPyConnection, out_dir: Path) -> list[ExportedTable]:
    """Write every table into out_dir, where none of them is."""
    targets = [out_dir / t for t in EXPORT_TABLES]
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for table, path in zip(EXPORT_TABLES, targets):
        columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
        month = f", strftime({MONTH_COLUMN[table]}, '%Y-%m') AS month" if table in MONTH_COLUMN else ""
        select = f"SELECT *{month} FROM {table}"
        (rows,) = con.execute(f"SELECT count(*) FROM {table}").fetchone() or (0,)
        keys = partition_columns(table, columns)
        if rows and keys:
            con.execute(f"COPY ({select}) TO '{_quote(path)}' (FORMAT PARQUET, PARTITION_BY ({', '.join(keys)}))")
            if "shop" in keys:
                for folder in list(path.iterdir()):
                    folder.rename(path / ("shop=" + hive_escape(unquote(folder.name.removeprefix("shop=")))))
        else:
            # One file for a table without partition keys; an empty table is still one file, so readers learn its
            # columns.
            path.mkdir(parents=True)
            name = "data.parquet" if rows else "empty.parquet"
            con.execute(f"COPY ({select}) TO '{_quote(path / name)}' (FORMAT PARQUET)")
        files = sum(1 for _ in path.rglob("*.parquet"))
        written.append(ExportedTable(table, path, rows, files))
    return written


def _update(con: duckdb.DuckDBPyConnection, out_dir: Path) -> list[ExportedTable]:
    """Export into a staging folder, then move over only the partitions whose rows differ from out_dir's."""
    staging = out_dir / STAGING
    shutil.rmtree(staging, ignore_errors=True)
    try:
        fresh = _write(con, staging)
        written = []
        for table in fresh:
            path = out_dir / table.table
            kept = _merge(con, table.path, path)
            files = sum(1 for _ in path.rglob("*.parquet"))
            written.append(ExportedTable(table.table, path, table.rows, files, kept))
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _leaves(table_dir: Path) -> dict[str, list[Path]]:
    """The partition folders of an exported table (relative paths, "." for its own folder) and their files."""
    out: dict[str, list[Path]] = {}
    for path in sorted(table_dir.rglob("*.parquet")) if table_dir.exists() else []:
        out.setdefault(path.parent.relative_to(table_dir).as_posix(), []).append(path)
    return out


def _merge(con: duckdb.DuckDBPyConnection, new: Path, old: Path) -> int:
    """Make the table folder old hold new's rows, keeping each partition whose rows are the same; how many kept."""
    fresh, stale = _leaves(new), _leaves(old)
    same = {key for key, files in stale.items() if key in fresh and _same_rows(con, files, fresh[key])}
    for key, files in stale.items():
        if key not in same:
            for f in files:
                f.unlink()
    for key, files in fresh.items():
        if key not in same:
            (old / key).mkdir(parents=True, exist_ok=True)
            for f in files:
                shutil.move(f, old / key / f.name)
    for folder in sorted((p for p in old.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    return len(same)


def _same_rows(con: duckdb.DuckDBPyConnection, a: list[Path], b: list[Path]) -> bool:
    """True when two sets of Parquet files hold the same columns and the same rows (in any order)."""
    def read(files: list[Path]) -> str:
        names = ", ".join(f"'{_quote(f)}'" for f in files)
        return f"read_parquet([{names}], hive_partitioning = false)"

    if con.execute(f"DESCRIBE SELECT * FROM {read(a)}").fetchall() != \
            con.execute(f"DESCRIBE SELECT * FROM {read(b)}").fetchall():
        return False
    (differ,) = con.execute(f"SELECT (SELECT count(*) FROM (FROM {read(a)} EXCEPT ALL FROM {read(b)})) + "
                            f"(SELECT count(*) FROM (FROM {read(b)} EXCEPT ALL FROM {read(a)}))").fetchone() or (1,)
    return bool(differ == 0)


def _quote(path: Path) -> str:
    """A path as the inside of a SQL string literal."""
    return str(path).replace("'", "''")
