"""Import files into the warehouse: read each in its format, validate, key, upsert, all in one transaction."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from kefu import facts
from kefu.config import Settings
from kefu.facts_touched import Touched, merge_touched, touched_days
from kefu.ingest.detect import discover
from kefu.ingest.options import ImportOptions
from kefu.ingest.readers import ReadFile, SourceFile, read_source
from kefu.ingest.summary import FileSummary, ImportFailed, ImportSummary, Rejection, write_rejects
from kefu.ingest.tabular import read_profiled
from kefu.ingest.validate import install_macros, mark_bad, validate
from kefu.schema import Table
from kefu.sqltext import ident as q
from kefu.store import Warehouse, WarehouseError

Progress = Callable[[Path, int, int], None]

# Each import's messages get seqs in a fresh block of 2**32, above every earlier import's.
SEQ_BLOCK = 1 << 32

# The message fields whose equality makes two id-less rows "identical" (the natural key's parts).
_MSG_IDENTITY = ("shop", "buyer", "account", "sender", "ts", "content")


def _seq_base(con: duckdb.DuckDBPyConnection) -> int:
    """The first seq of this import: the block after the highest stored seq."""
    top = con.execute("SELECT max(seq) FROM messages").fetchall()[0][0]
    return 0 if top is None else (int(top) // SEQ_BLOCK + 1) * SEQ_BLOCK


# A reason an account row is refused: its nick is already another shop's account (data.md: keys are
# scoped to a shop). The other shop is not named: a manager of one shop need not learn another's.
FOREIGN_ACCOUNT = "账号已属于另一个店铺，不能改到本店铺 / the account belongs to another shop"


def _refuse_foreign_accounts(con: duckdb.DuckDBPyConnection, typed: pa.Table) -> pa.Table:
    """Mark as bad each valid account row whose account is stored under another shop."""
    con.register("kefu_typed", typed)
    try:
        foreign = con.execute(
            "SELECT t._row FROM kefu_typed t JOIN accounts a ON a.account = t.account WHERE a.shop <> t.shop"
        ).fetchall()
    finally:
        con.unregister("kefu_typed")
    if not foreign:
        return typed
    bad = pc.is_in(typed.column("_row"), pa.array([r[0] for r in foreign], pa.int64()))
    return mark_bad(typed, bad, "shop", FOREIGN_ACCOUNT)


def _rejections(typed: pa.Table, read: ReadFile) -> list[Rejection]:
    """A Rejection for every row that failed validation, with its line and raw values."""
    bad = typed.filter(typed.column("_err_col").is_valid())
    if bad.num_rows == 0:
        return []
    assert read.raw is not None
    rows = bad.column("_row").to_numpy()
    raw_rows = read.raw.take(pa.array(rows)).to_pylist()
    lines = read.lines[rows]
    return [
        Rejection(read.source.path, int(line), col, reason, values)
        for line, col, reason, values in zip(
            lines, bad.column("_err_col").to_pylist(), bad.column("_err_reason").to_pylist(), raw_rows
        )
    ]


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    """The single integer a counting query returns."""
    # fetchall, not fetchone: DuckDB 2 keeps a half-fetched result open and blocks the connection.
    return int(con.execute(sql).fetchall()[0][0])


def _write_keyed(con: duckdb.DuckDBPyConnection, table: Table, summary: FileSummary, good: int,
                 timezone: str) -> Touched:
    """Upsert the good rows of kefu_typed into a keyed table (the last row of a key wins); say what it touched.

    Rows equal to the stored row of their key, or repeated word for word in the file, count as duplicates.

    The facts touched are those of the rows that differ from the stored ones, and of the stored rows they
    replace (an order paid later leaves the day it was first paid).
    """
    cols = ", ".join(q(c) for c in table.stored_names)
    key = ", ".join(q(k) for k in table.key)
    good_rows = "SELECT *" + "".join(f", {sql} AS {q(name)}" for name, sql in table.derived)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE kefu_new AS SELECT {cols} FROM ("
        f"SELECT *, row_number() OVER (PARTITION BY {key} ORDER BY _row DESC) AS kefu_rn "
        f"FROM ({good_rows} FROM kefu_typed WHERE _err_col IS NULL)) WHERE kefu_rn = 1"
    )
    distinct = _count(con, "SELECT count(*) FROM kefu_new")
    match = " AND ".join(f"s.{q(k)} = n.{q(k)}" for k in table.key)
    existing = _count(
        con, f"SELECT count(*) FROM kefu_new n WHERE EXISTS (SELECT 1 FROM {table.name} s WHERE {match})"
    )
    # Only rows that differ from the stored ones change facts: a daily accounts file sent again is no change.
    same = " AND ".join(f"s.{q(c)} IS NOT DISTINCT FROM n.{q(c)}" for c in table.stored_names)
    con.execute("CREATE OR REPLACE TEMP TABLE kefu_changed AS SELECT n.* FROM kefu_new n "
                f"WHERE NOT EXISTS (SELECT 1 FROM {table.name} s WHERE {same})")
    unchanged = distinct - _count(con, "SELECT count(*) FROM kefu_changed")
    # A row repeated word for word within the file is a duplicate; one that differs replaces the earlier one.
    distinct_rows = _count(con, f"SELECT count(*) FROM (SELECT DISTINCT {cols} FROM ({good_rows} "
                                "FROM kefu_typed WHERE _err_col IS NULL))")
    replaced = f"(SELECT s.* FROM {table.name} s SEMI JOIN kefu_changed n ON {match})"
    touched = merge_touched(touched_days(con, "kefu_changed", table.name, timezone),
                            touched_days(con, replaced, table.name, timezone))
    con.execute(f"INSERT OR REPLACE INTO {table.name} ({cols}) SELECT {cols} FROM kefu_new")
    con.execute("DROP TABLE kefu_new")
    con.execute("DROP TABLE kefu_changed")
    summary.inserted = distinct - existing
    summary.replaced = (distinct_rows - distinct) + (existing - unchanged)
    summary.duplicates = (good - distinct_rows) + unchanged
    return touched


def _write_messages(con: duckdb.DuckDBPyConnection, summary: FileSummary, good: int, seq_base: int) -> None:
    """Insert the good rows of kefu_typed into messages, skipping keys already taken in the file or store."""
    identity = ", ".join(
        "CAST(epoch_us(ts) AS VARCHAR)" if c == "ts" else f"coalesce({q(c)}, '')" for c in _MSG_IDENTITY
    )
    # Without a msg_id the key is a hash of the row plus its rank among identical rows of the file,
    # so re-importing the same export gives the same keys, and two identical messages stay two.
    # Such keys are unique within the file by construction; only given msg_ids need the in-file check.
    # Ranks and repeats are looked for by grouping, and only repeated rows are numbered: sorting every
    # row of a large file by its key would cost more than the rest of the import.
    inserted = con.execute(
        "INSERT INTO messages "
        "WITH good AS (SELECT * FROM kefu_typed WHERE _err_col IS NULL), "
        f"hashed AS (SELECT *, md5(concat_ws(chr(31), {identity})) AS kefu_h FROM good WHERE msg_id IS NULL), "
        "repeated_h AS (SELECT kefu_h FROM hashed GROUP BY kefu_h HAVING count(*) > 1), "
        "ranked AS ("
        "SELECT h.*, 1 AS kefu_rank FROM hashed h ANTI JOIN repeated_h r USING (kefu_h) "
        "UNION ALL "
        "SELECT h.*, row_number() OVER (PARTITION BY h.kefu_h ORDER BY h._row) "
        "FROM hashed h SEMI JOIN repeated_h r USING (kefu_h)), "
        "repeated_id AS (SELECT shop, msg_id, min(_row) AS first_row FROM good WHERE msg_id IS NOT NULL "
        "GROUP BY shop, msg_id HAVING count(*) > 1), "
        "keyed AS ("
        "SELECT * EXCLUDE (kefu_h, kefu_rank), 'h:' || md5(kefu_h || chr(31) || CAST(kefu_rank AS VARCHAR)) AS msg_key "
        "FROM ranked "
        "UNION ALL "
        "SELECT g.*, g.msg_id AS msg_key FROM good g WHERE g.msg_id IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM repeated_id r WHERE r.shop = g.shop AND r.msg_id = g.msg_id AND r.first_row <> g._row)) "
        f"SELECT shop, msg_key, msg_id, buyer, account, sender, ts, {seq_base} + _row AS seq, content, msg_type "
        "FROM keyed k WHERE NOT EXISTS "
        "(SELECT 1 FROM messages m WHERE m.shop = k.shop AND m.msg_key = k.msg_key)"
    ).fetchall()[0][0]
    summary.inserted = int(inserted)
    summary.duplicates = good - summary.inserted


def _import_file(
    con: duckdb.DuckDBPyConnection, read: ReadFile, summary: FileSummary, timezone: str, seq_base: int
) -> Touched:
    """Validate one read file, write its good rows, and say which shops' and days' facts they change."""
    assert read.canon is not None
    table = read.source.table
    typed = validate(con, read.canon, table, timezone)
    if table.name == "accounts":
        typed = _refuse_foreign_accounts(con, typed)
    rejected = _rejections(typed, read)
    read.release()
    summary.rejected.extend(rejected)
    good = typed.num_rows - len(rejected)
    con.register("kefu_typed", typed)
    try:
        if table.name == "messages":
            good_rows = "(SELECT * FROM kefu_typed WHERE _err_col IS NULL)"
            touched = touched_days(con, good_rows, "messages", timezone)
            _write_messages(con, summary, good, seq_base)
        else:
            touched = _write_keyed(con, table, summary, good, timezone)
        return touched if summary.inserted or summary.replaced else {}
    finally:
        con.unregister("kefu_typed")


def _known_accounts(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    """The warehouse's accounts (those imported earlier in this transaction too): account -> (shop, kind)."""
    return {a: (s, k) for a, s, k in con.execute("SELECT account, shop, kind FROM accounts").fetchall()}


def _read(con: duckdb.DuckDBPyConnection, source: SourceFile, options: ImportOptions, settings: Settings) -> ReadFile:
    """Read one file in its format into canonical string columns."""
    if source.profile is None:
        return read_source(source)
    known = _known_accounts(con) if source.table.name == "messages" else {}
    return read_profiled(source, options, settings, known)


def import_paths(
    wh: Warehouse,
    paths: list[Path],
    settings: Settings,
    *,
    options: ImportOptions | None = None,
    strict: bool = False,
    rejects_path: Path | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    keep_facts: bool = True,
) -> ImportSummary:
    """Import folders/files of any known format into the warehouse in one transaction and say what happened.

    The stored facts of the shops whose rows changed are recomputed in the same transaction
    (keep_facts=False leaves them alone, for a throw-away staging warehouse).
    """
    if wh.read_only:
        raise WarehouseError("数据仓库以只读方式打开，不能导入 / the warehouse is open read-only; cannot import")
    options = options or ImportOptions()
    sources, skipped = discover([Path(p) for p in paths], options)
    wh.check_timezone(settings.timezone)
    summary = ImportSummary(skipped=skipped, timezone=settings.timezone, dry_run=dry_run, strict=strict)
    con = wh.con
    con.begin()
    try:
        install_macros(con)
        seq_next = _seq_base(con)
        touched: Touched = {}
        for source in sources:
            read = _read(con, source, options, settings)
            fs = FileSummary(source.path, source.table.name, source.format, read.encoding,
                             rows_read=read.num_rows + len(read.bad))
            summary.files.append(fs)
            fs.rejected.extend(read.bad)
            if progress is not None:
                progress(source.path, 0, fs.rows_read)
            if read.error is not None:
                fs.error = read.error
            elif read.canon is not None:
                rows = read.num_rows
                touched = merge_touched(touched, _import_file(con, read, fs, settings.timezone, seq_next))
                if source.table.name == "messages":
                    seq_next += rows
            fs.rejected.sort(key=lambda r: (r.line is None, r.line or 0))
            if progress is not None:
                progress(source.path, fs.rows_read, fs.rows_read)
        if any(f.inserted or f.replaced for f in summary.files):
            wh.record_import_timezone(settings.timezone)
        failed = strict and not summary.ok
        if keep_facts and touched and not (dry_run or failed):
            summary.facts_note = facts.refresh(con, settings, touched)
            summary.facts_shops = sorted(touched)
    except BaseException:
        con.rollback()
        raise
    if dry_run or failed:
        con.rollback()
    else:
        con.commit()
        summary.committed = True
    if rejects_path is not None:
        write_rejects(summary, Path(rejects_path), settings.csv_escape_formulas)
        summary.rejects_path = Path(rejects_path)
    if failed:
        raise ImportFailed(summary)
    return summary


__all__ = ["ImportFailed", "ImportSummary", "Progress", "SEQ_BLOCK", "import_paths"]
