"""Vectorised validation of canonical string columns: typed values plus the first error of each row.

One DuckDB query turns the strings into typed values and an error per bad row; local
times are then turned into instants with kefu.tz (numpy), and the checks that need
instants (presence end after start) run on the converted arrays.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kefu.schema import EVALUATION_WORDS, Column, Table
from kefu.sqltext import ident as q
from kefu.sqltext import lit
from kefu.tz import local_to_utc

# yyyy-m-d (or /), optional time h:mm[:ss[.fraction]] after T or spaces, optional offset Z, ±hh, ±hhmm, ±hh:mm.
TIME_PATTERN = (
    r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})"
    r"(?:[Tt ]+(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d{1,9}))?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$"
)
# Instants outside these years are typos, and would make the zone's transition table huge.
FIRST_YEAR, LAST_YEAR = 1970, 2199

# Integer columns with a range: (low, high or None, Chinese rule, English rule).
INT_RULES: dict[tuple[str, str], tuple[int, int | None, str, str]] = {
    ("orders", "items"): (1, None, "数量应为不小于 1 的整数", "items must be an integer >= 1"),
    ("ratings", "service_score"): (1, 5, "服务评分应为 1-5 的整数", "service_score must be an integer from 1 to 5"),
}

MISSING = "缺少必填值 / missing required value"

# Columns kept exactly as written (apart from empty meaning missing): free text where spaces may matter.
UNTRIMMED = {"content"}

_MACROS = f"""
CREATE OR REPLACE TEMP MACRO kefu_tparts(s) AS
    regexp_extract(s, '{TIME_PATTERN}', ['y', 'mo', 'd', 'h', 'mi', 's', 'f', 'o']);
CREATE OR REPLACE TEMP MACRO kefu_toffset(p) AS CASE
    WHEN p.o = '' THEN NULL
    WHEN upper(p.o) = 'Z' THEN 0
    ELSE (CASE WHEN left(p.o, 1) = '-' THEN -1 ELSE 1 END)
        * (TRY_CAST(substr(p.o, 2, 2) AS INTEGER) * 3600
           + CASE WHEN length(replace(p.o, ':', '')) = 5 THEN TRY_CAST(right(p.o, 2) AS INTEGER) * 60 ELSE 0 END)
    END;
CREATE OR REPLACE TEMP MACRO kefu_toffset_ok(p) AS
    p.o = '' OR upper(p.o) = 'Z'
    OR (TRY_CAST(substr(p.o, 2, 2) AS INTEGER) <= 18
        AND (length(replace(p.o, ':', '')) = 3 OR TRY_CAST(right(p.o, 2) AS INTEGER) < 60));
CREATE OR REPLACE TEMP MACRO kefu_tlocal(p) AS CASE
    WHEN p.y <> '' AND (p.h = '' OR TRY_CAST(p.h AS INTEGER) < 24) AND kefu_toffset_ok(p)
    THEN TRY_CAST(p.y || '-' || p.mo || '-' || p.d || ' ' || coalesce(nullif(p.h, ''), '0') || ':'
                  || coalesce(nullif(p.mi, ''), '00') || ':' || coalesce(nullif(p.s, ''), '00') || '.'
                  || coalesce(nullif(p.f, ''), '0') AS TIMESTAMP)
    END;
"""


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create the temporary SQL macros the validation query uses."""
    for statement in _MACROS.split(";"):
        if statement.strip():
            con.execute(statement)


def _shown(raw: str) -> str:
    """SQL for a raw value shown in a reason: in double quotes."""
    return f"""'"' || {raw} || '"'"""


@dataclass
class _ColumnSql:
    """What one column adds to the validation query: levels of derived columns, typed value, error."""

    trimmed: str  # level 1: raw text trimmed, empty -> NULL, as <col>__t
    derived: list[list[str]] = field(default_factory=list)  # later levels, each SELECT *, <these>
    typed: list[str] = field(default_factory=list)  # final typed value(s)
    error: str | None = None  # the reason the value is bad, or NULL


def _time_sql(col: Column) -> _ColumnSql:
    """A time column: the contract's own forms by strptime, any other accepted form by the regex macros."""
    src, t = q(col.name), q(col.name + "__t")
    fast, p = q(col.name + "__fast"), q(col.name + "__p")
    local, off = q(col.name + "__local"), q(col.name + "__off")
    in_range = f"year({local}) BETWEEN {FIRST_YEAR} AND {LAST_YEAR}"
    return _ColumnSql(
        trimmed=f"nullif(trim({src}), '') AS {t}",
        derived=[
            [f"TRY_STRPTIME({t}, ['%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M:%S']) AS {fast}"],
            # Only texts strptime refuses pay for the regex; the offset of the others is NULL.
            [f"CASE WHEN {fast} IS NULL THEN kefu_tparts({t}) END AS {p}"],
            [f"coalesce({fast}, kefu_tlocal({p})) AS {local}", f"kefu_toffset({p}) AS {off}"],
        ],
        typed=[f"CASE WHEN {in_range} THEN {local} END AS {src}", off],
        error=(
            f"CASE WHEN {t} IS NULL THEN {lit(MISSING) if col.required else 'NULL'} "
            f"WHEN {local} IS NULL THEN '时间无法解析: ' || {_shown(t)} || ' / unparseable time' "
            f"WHEN NOT {in_range} "
            f"THEN '时间超出范围（{FIRST_YEAR}-{LAST_YEAR} 年）: ' || {_shown(t)} || ' / time out of range' END"
        ),
    )


def _column_sql(table: Table, col: Column) -> _ColumnSql:
    """The validation SQL of one column."""
    if col.kind == "time":
        return _time_sql(col)
    src, t = q(col.name), q(col.name + "__t")
    trimmed = src if col.name in UNTRIMMED else f"trim({src})"
    out = _ColumnSql(trimmed=f"nullif({trimmed}, '') AS {t}")
    default = f"coalesce({t}, {lit(col.default)})" if col.default is not None else t
    bad: str | None = None  # condition (on a present value) that makes the row bad, and its reason
    reason = ""
    if col.kind == "enum":
        value = f"lower({default})"
        bad = f"{value} NOT IN ({', '.join(map(lit, col.choices))})"
        reason = (f"'取值无效: ' || {_shown(t)} || '，应为 {'/'.join(col.choices)}"
                  f" / invalid value, expected one of {', '.join(col.choices)}'")
    elif col.kind == "bool":
        low = f"lower({default})"
        value = f"CASE WHEN {low} IN ('true', '1') THEN true WHEN {low} IN ('false', '0') THEN false END"
        bad = f"{value} IS NULL"
        reason = f"'取值无效: ' || {_shown(t)} || '，应为 true/false/1/0 / invalid value, expected true/false/1/0'"
    elif col.kind == "decimal":
        value = f"TRY_CAST({default} AS DECIMAL(18,4))"
        bad = f"NOT regexp_full_match({default}, '[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?') OR {value} IS NULL"
        reason = f"'数字无法解析: ' || {_shown(t)} || ' / not a number'"
    elif col.kind == "integer":
        value = f"TRY_CAST({default} AS BIGINT)"
        ok = f"regexp_full_match({default}, '[+-]?\\d+') AND {value} IS NOT NULL"
        rule = INT_RULES.get((table.name, col.name))
        if rule is None:
            bad = f"NOT ({ok})"
            reason = f"'整数无法解析: ' || {_shown(t)} || ' / not an integer'"
        else:
            least, most, zh, en = rule
            bounds = f"{value} >= {least}" + (f" AND {value} <= {most}" if most is not None else "")
            bad = f"NOT ({ok} AND {bounds})"
            reason = f"'{zh}: ' || {_shown(t)} || ' / {en}'"
    elif col.kind == "level":
        words = " ".join(f"WHEN {lit(w)} THEN {n}" for w, n in EVALUATION_WORDS.items())
        value = f"CASE {default} {words} ELSE TRY_CAST({default} AS INTEGER) END"
        bad = f"NOT (regexp_full_match({default}, '[1-5]') OR {default} IN ({', '.join(map(lit, EVALUATION_WORDS))}))"
        reason = (f"'评价等级应为 1-5 或 {'/'.join(EVALUATION_WORDS)}: ' || {_shown(t)}"
                  " || ' / level must be 1-5 or one of the five words'")
    else:
        value = default
    if table.name in ("accounts", "messages", "evaluations") and col.name == "shop":
        # The shop defaults to the account's main nick: the part before ':' (the whole nick without one).
        account = q("account__t")
        value = default = f"coalesce({t}, nullif(split_part({account}, ':', 1), ''), {account})"
    out.typed = [f"{value} AS {src}"]
    checks = []
    if col.required:
        checks.append(f"WHEN {default} IS NULL THEN {lit(MISSING)}")
    if bad is not None:
        checks.append(f"WHEN {default} IS NOT NULL AND ({bad}) THEN {reason}")
    out.error = f"CASE {' '.join(checks)} END" if checks else None
    return out


def validation_sql(table: Table, source: str) -> str:
    """SQL reading canonical string columns from source: typed columns, __off offsets, _err_col, _err_reason."""
    parts = [_column_sql(table, c) for c in table.columns]
    levels = [f"l1 AS (SELECT _row, {', '.join(p.trimmed for p in parts)} FROM {source})"]
    for i in range(max(len(p.derived) for p in parts)):
        items = [item for p in parts if i < len(p.derived) for item in p.derived[i]]
        levels.append(f"l{i + 2} AS (SELECT *, {', '.join(items)} FROM l{i + 1})")
    errors = [(c.name, p.error) for c, p in zip(table.columns, parts) if p.error is not None]
    typed = ["_row"] + [item for p in parts for item in p.typed] + [f"{e} AS {q(n + '__e')}" for n, e in errors]
    levels.append(f"typed AS (SELECT {', '.join(typed)} FROM l{len(levels)})")
    names = ["_row"] + [q(c.name) for c in table.columns]
    names += [q(c.name + "__off") for c in table.columns if c.kind == "time"]
    err_col = "CASE " + " ".join(f"WHEN {q(n + '__e')} IS NOT NULL THEN {lit(n)}" for n, _ in errors) + " END"
    err_reason = f"coalesce({', '.join(q(n + '__e') for n, _ in errors)})"
    return (
        f"WITH {', '.join(levels)} "
        f"SELECT {', '.join(names)}, {err_col} AS _err_col, {err_reason} AS _err_reason FROM typed"
    )


def to_instants(local: np.ndarray, offset_s: np.ndarray, timezone: str) -> np.ndarray:
    """Instants (naive UTC datetime64[us]) of local times: by their offset when given, else in timezone.

    offset_s holds seconds east of UTC, NaN where the text had no offset.
    """
    local = local.astype("datetime64[us]")
    out = np.full(local.shape, np.datetime64("NaT"), dtype="datetime64[us]")
    has_offset = ~np.isnan(offset_s)
    with_offset = has_offset & ~np.isnat(local)
    shift = (offset_s[with_offset].astype(np.int64) * 1_000_000).astype("timedelta64[us]")
    out[with_offset] = local[with_offset] - shift
    zoned = ~has_offset & ~np.isnat(local)
    if zoned.any():
        # One call per calendar year keeps each zone-transition table to about a year of changes.
        years = local.astype("datetime64[Y]")
        for year in np.unique(years[zoned]):
            part = zoned & (years == year)
            out[part] = local_to_utc(local[part], timezone)
    return out


def convert_times(typed: pa.Table, table: Table, timezone: str) -> pa.Table:
    """Replace each time column's local values with instants and drop the __off columns."""
    for col in table.columns:
        if col.kind != "time":
            continue
        local = typed.column(col.name).to_numpy(zero_copy_only=False).astype("datetime64[us]")
        offset = typed.column(col.name + "__off").to_numpy(zero_copy_only=False).astype("float64")
        instants = pa.array(to_instants(local, offset, timezone), type=pa.timestamp("us"), from_pandas=True)
        typed = typed.set_column(typed.schema.get_field_index(col.name), col.name, instants)
        typed = typed.drop_columns([col.name + "__off"])
    return typed


def post_checks(typed: pa.Table, table: Table) -> pa.Table:
    """Cross-column checks: presence ends after it starts; an evaluation is invited or rated, a level iff rated."""
    if table.name == "presence":
        start, end = typed.column("start"), typed.column("end")
        return mark_bad(typed, pc.less_equal(end, start), "end", "结束时间应晚于开始时间 / end must be after start")
    if table.name == "evaluations":
        invited, rated, level = (pc.is_valid(typed.column(c)) for c in ("invited_at", "rated_at", "level"))
        typed = mark_bad(typed, pc.invert(pc.or_(invited, rated)), "invited_at",
                         "邀评时间和评价时间至少要有一个 / needs invited_at or rated_at")
        typed = mark_bad(typed, pc.and_(rated, pc.invert(level)), "level",
                         "有评价时间时评价等级必填 / level is required when rated_at is given")
        return mark_bad(typed, pc.and_(level, pc.invert(rated)), "rated_at",
                        "有评价等级时评价时间必填 / rated_at is required when level is given")
    return typed


def mark_bad(typed: pa.Table, bad: pa.ChunkedArray | pa.Array, column: str, reason: str) -> pa.Table:
    """Give each still-valid row where bad holds the error (column, reason)."""
    bad = pc.fill_null(pc.and_(pc.is_null(typed.column("_err_col")), bad), False)
    err_col = pc.if_else(bad, pa.scalar(column), typed.column("_err_col"))
    err_reason = pc.if_else(bad, pa.scalar(reason), typed.column("_err_reason"))
    typed = typed.set_column(typed.schema.get_field_index("_err_col"), "_err_col", err_col)
    return typed.set_column(typed.schema.get_field_index("_err_reason"), "_err_reason", err_reason)


def validate(con: duckdb.DuckDBPyConnection, canon: pa.Table, table: Table, timezone: str) -> pa.Table:
    """Typed rows of one file: _row, the table's columns (times as UTC instants), _err_col, _err_reason."""
    source = canon.append_column("_row", pa.array(np.arange(canon.num_rows, dtype=np.int64)))
    con.register("kefu_src", source)
    try:
        typed = con.sql(validation_sql(table, "kefu_src")).to_arrow_table()
    finally:
        con.unregister("kefu_src")
    return post_checks(convert_times(typed, table, timezone), table)


_TIMES = Table("times", "时间", (Column("value", "time", required=False),))


def parse_times(
    values: Sequence[str | None], timezone: str, con: duckdb.DuckDBPyConnection | None = None
) -> np.ndarray:
    """Instants (naive UTC datetime64[us], NaT when bad) of time texts, read exactly as an import reads them."""
    own = con is None
    con = duckdb.connect() if con is None else con
    try:
        install_macros(con)
        typed = validate(con, pa.table({"value": pa.array(list(values), pa.string())}), _TIMES, timezone)
        typed = typed.sort_by("_row")  # row order is not promised by the query
    finally:
        if own:
            con.close()
    return typed.column("value").to_numpy(zero_copy_only=False).astype("datetime64[us]")
