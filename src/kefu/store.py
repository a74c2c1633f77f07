"""The warehouse: one DuckDB file holding the canonical tables as stored by schema.WAREHOUSE_DDL."""
from __future__ import annotations

import errno
import logging
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from types import TracebackType

import duckdb

from kefu.busy import busy_message, holder, web_busy_message
from kefu.config import SettingError, Settings
from kefu.schema import ADDED_COLUMNS, TABLES, WAREHOUSE_DDL
from kefu.sqltext import ident

log = logging.getLogger(__name__)

DATA_TABLES: tuple[str, ...] = tuple(t.name for t in TABLES)
"""The canonical tables, in contract order (kefu_meta is bookkeeping, not data)."""

IMPORT_TIMEZONE_KEY = "import_timezone"

# Tables with a shop column, for listing the shops a warehouse knows.
_SHOP_TABLES: tuple[str, ...] = tuple(t.name for t in TABLES if "shop" in t.column_names)


def read_meta(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    """The kefu_meta value stored under key, if any."""
    # fetchall, not fetchone: DuckDB 2 keeps a half-fetched result open and blocks the connection.
    rows = con.execute("SELECT value FROM kefu_meta WHERE key = ?", [key]).fetchall()
    return str(rows[0][0]) if rows else None


def write_meta(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    """Store value under key in kefu_meta (replacing any earlier value)."""
    con.execute("INSERT OR REPLACE INTO kefu_meta (key, value) VALUES (?, ?)", [key, value])


def warehouse_timezone(con: duckdb.DuckDBPyConnection) -> str:
    """The time zone the stored data was imported in (the default one before any import recorded it)."""
    return read_meta(con, IMPORT_TIMEZONE_KEY) or Settings().timezone


def catalog(con: duckdb.DuckDBPyConnection) -> str:
    """The quoted catalog name of the warehouse file, to reach its tables past TEMP objects of the same name."""
    return ident(str(con.execute("SELECT current_database()").fetchall()[0][0]))


def shops_of(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every shop named in any canonical table, sorted."""
    union = " UNION ".join(f"SELECT shop FROM {t}" for t in _SHOP_TABLES)
    rows = con.execute(f"SELECT shop FROM ({union}) WHERE shop IS NOT NULL ORDER BY shop").fetchall()
    return [r[0] for r in rows]


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run a block in one transaction: commit on success, roll back on any exception."""
    con.begin()
    try:
        yield con
    except BaseException:
        con.rollback()
        raise
    con.commit()


# DuckDB's words when a process opens a file it already holds with another configuration (read-only vs not).
_SAME_PROCESS_WRITER = "different configuration than existing connections"


class WarehouseError(RuntimeError):
    """The warehouse file cannot be opened or is not a kefu warehouse."""


class WarehouseBusy(WarehouseError):
    """Another process holds the warehouse file: a writer keeps everyone out, readers keep writers out."""

    def __init__(self, path: Path, who: tuple[int, str], *, to_write: bool) -> None:
        super().__init__(busy_message(path, who, to_write=to_write))
        self.web_text = web_busy_message(who[0], to_write=to_write)


DISK_FULL = ("写入失败：磁盘已满或超出了文件大小上限。仓库保持这次操作之前的状态，腾出空间后重试即可"
             " / could not write: the disk is full or a file size limit was hit; the warehouse is as it was"
             " before, free some space and try again")
_DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}
# DuckDB reports a failed write as text; these are the operating system's words for a full disk.
_DISK_FULL_TEXTS = (os.strerror(errno.ENOSPC), os.strerror(errno.EFBIG), os.strerror(errno.EDQUOT))


def is_disk_full(exc: BaseException) -> bool:
    """True when exc (an OSError or a DuckDB error) says a write found no room."""
    if isinstance(exc, OSError) and exc.errno in _DISK_FULL_ERRNOS:
        return True
    return isinstance(exc, duckdb.Error) and any(text in str(exc) for text in _DISK_FULL_TEXTS)


class TimezoneMismatch(SettingError):
    """The time zone asked for differs from the one the stored data was imported in."""


class Warehouse:
    """An open kefu warehouse: a DuckDB connection whose session time zone is UTC."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, read_only: bool) -> None:
        self.con = con
        self.path = path
        self.read_only = read_only

    @classmethod
    def open(cls, path: Path | str, *, read_only: bool = False) -> Warehouse:
        """Open (and, unless read_only, create) the warehouse file at path."""
        in_memory = str(path) == ":memory:"
        path = Path(path)
        if not in_memory:
            if read_only and not path.exists():
                raise WarehouseError(f"数据仓库不存在: {path} / warehouse not found: {path}")
            if not read_only:
                path.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = duckdb.connect(":memory:" if in_memory else str(path), read_only=read_only)
        except duckdb.ConnectionException as exc:
            if not (read_only and _SAME_PROCESS_WRITER in str(exc)):
                raise WarehouseError(f"无法打开数据仓库 {path}: {exc} / cannot open warehouse {path}: {exc}") from exc
            # This process already holds the file read-write (DuckDB allows one configuration per process):
            # a reader shares that connection's database; it only reads, as asked.
            con = duckdb.connect(str(path))
        except duckdb.Error as exc:
            who = holder(exc)
            if who is not None:
                raise WarehouseBusy(path, who, to_write=not read_only) from exc
            raise WarehouseError(
                f"无法打开数据仓库 {path}（文件可能已损坏，或不是 DuckDB 文件）: {exc}"
                f" / cannot open warehouse {path}: {exc}"
            ) from exc
        # Stored times are naive UTC; a UTC session keeps any TIMESTAMPTZ arithmetic consistent with them.
        con.execute("SET TimeZone='UTC'")
        wh = cls(con, path, read_only)
        if read_only:
            if "messages" not in wh._table_names():
                con.close()
                raise WarehouseError(
                    f"{path} 不是 kefu 数据仓库（没有 messages 表），请先导入数据"
                    f" / {path} is not a kefu warehouse (no messages table)"
                )
        else:
            for ddl in WAREHOUSE_DDL.values():
                con.execute(ddl)
            wh._migrate_columns()
            wh._migrate_keys()
        return wh

    def outdated(self) -> bool:
        """True when an older kefu wrote the file: tables, columns or keys that opening it read-write adds."""
        if any(name not in self._table_names() for name in WAREHOUSE_DDL):
            return True
        present = self._columns()
        if any(key not in present for key in ADDED_COLUMNS):
            return True
        return any(t.key and self._primary_key(t.name) not in ((), t.key) for t in TABLES)

    def _primary_key(self, table: str) -> tuple[str, ...]:
        """The columns of a stored table's primary key."""
        rows = self.con.execute(
            "SELECT constraint_column_names FROM duckdb_constraints() "
            "WHERE schema_name = 'main' AND table_name = ? AND constraint_type = 'PRIMARY KEY'", [table]
        ).fetchall()
        return tuple(rows[0][0]) if rows else ()

    def _migrate_columns(self) -> None:
        """Add the columns a warehouse of an older kefu lacks (their rows take the column's default)."""
        present = self._columns()
        for (table, column), stored in ADDED_COLUMNS.items():
            if (table, column) not in present:
                log.info("adding %s.%s", table, column)
                self.con.execute(f'ALTER TABLE {table} ADD COLUMN "{column}" {stored}')

    def _migrate_keys(self) -> None:
        """Re-key tables a warehouse of an older kefu keyed by id alone: their keys are now scoped to a shop."""
        for table in TABLES:
            if not table.key or self._primary_key(table.name) in ((), table.key):
                continue
            log.info("migrating %s to the primary key (%s)", table.name, ", ".join(table.key))
            cols = ", ".join(f'"{c}"' for c in table.column_names)
            with self.transaction() as con:
                con.execute(f"ALTER TABLE {table.name} RENAME TO kefu_old_{table.name}")
                con.execute(WAREHOUSE_DDL[table.name])
                con.execute(f"INSERT INTO {table.name} ({cols}) SELECT {cols} FROM kefu_old_{table.name}")
                con.execute(f"DROP TABLE kefu_old_{table.name}")

    def _columns(self) -> set[tuple[str, str]]:
        """(table, column) of every column in the main schema."""
        return set(self.con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main' AND NOT internal"
        ).fetchall())

    def _table_names(self) -> set[str]:
        """Names of the tables in the main schema."""
        rows = self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
        return {r[0] for r in rows}

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def transaction(self) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
        """Run a block in one transaction: commit on success, roll back on any exception."""
        return transaction(self.con)

    def meta(self, key: str) -> str | None:
        """The kefu_meta value stored under key, if any."""
        return read_meta(self.con, key)

    def set_meta(self, key: str, value: str) -> None:
        """Store value under key in kefu_meta (replacing any earlier value)."""
        write_meta(self.con, key, value)

    @property
    def import_timezone(self) -> str | None:
        """The time zone the stored data was imported in, if any import was made."""
        return self.meta(IMPORT_TIMEZONE_KEY)

    def check_timezone(self, timezone: str) -> None:
        """Raise TimezoneMismatch when stored data was imported in another time zone."""
        recorded = self.import_timezone
        if recorded is None or recorded == timezone or self.is_empty():
            return
        raise TimezoneMismatch(
            f"数据仓库中的数据是按时区 {recorded} 导入的，当前设置为 {timezone}；"
            f"请使用 --set timezone={recorded}，或为新时区另建数据仓库"
            f" / the warehouse holds data imported in time zone {recorded}, but the setting is {timezone};"
            f" use --set timezone={recorded} or a new warehouse"
        )

    def record_import_timezone(self, timezone: str) -> None:
        """Remember the time zone local times were read in (checked by later imports and reports)."""
        self.set_meta(IMPORT_TIMEZONE_KEY, timezone)

    def counts(self) -> dict[str, int]:
        """Rows per canonical table."""
        sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in DATA_TABLES)
        return {name: int(n) for name, n in self.con.execute(sql).fetchall()}

    def is_empty(self) -> bool:
        """True when no canonical table holds a row."""
        return not any(self.counts().values())

    def shops(self) -> list[str]:
        """Every shop named in any table, sorted."""
        return shops_of(self.con)
