"""Read an export through its profile: rows of strings (CSV, Excel, Parquet, chat text) -> canonical columns."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kefu.config import Settings
from kefu.ingest import chat_text
from kefu.ingest.cleaners import clean
from kefu.ingest.encoding import EncodingError, decode
from kefu.ingest.excel import EXCEL_SUFFIXES, ExcelError, read_sheet
from kefu.ingest.options import ImportOptions
from kefu.ingest.profiles import Profile
from kefu.ingest.readers import ReadFile, SourceFile, read_csv, read_parquet
from kefu.ingest.senders import ChatContext, ChatRow, assemble
from kefu.ingest.summary import Rejection

# Canonical columns an import option fills where the source has no value.
_OPTION_COLUMNS = ("shop", "account")
_CHAT_TEXT_COLUMNS = ("消息对象", "发送人", "时间", "内容")


def read_rows(source: SourceFile) -> ReadFile:
    """The file's rows as strings under its own header, with each row's line (CSV) or sheet row (Excel)."""
    suffix = source.path.suffix.lower()
    if suffix == ".parquet":
        return read_parquet(source)
    if suffix not in EXCEL_SUFFIXES:
        return read_csv(source, delimiter=None)
    out = ReadFile(source)
    try:
        header, rows, numbers = read_sheet(source.path, source.sheet, limits=source.workbook)
    except ExcelError as exc:
        out.error = str(exc)
        return out
    columns = [pa.array([r[i] for r in rows], pa.string()) for i in range(len(header))]
    out.raw = pa.Table.from_arrays(columns, names=header)
    out._lines = np.asarray(numbers, dtype=np.int64)
    return out


def read_chat_text(source: SourceFile) -> tuple[ReadFile, list[ChatRow]]:
    """A chat text file's messages: raw columns 消息对象/发送人/时间/内容 and the parsed rows."""
    out = ReadFile(source)
    try:
        text, out.encoding = decode(source.path.read_bytes(), source.encoding)
    except EncodingError as exc:
        out.error = str(exc)
        return out, []
    rows, lines = chat_text.parse(text, chat_text.Layout.of(source.profile))
    values = [[r.partner for r in rows], [r.nick for r in rows], [r.ts for r in rows], [r.content for r in rows]]
    out.raw = pa.Table.from_arrays([pa.array(v, pa.string()) for v in values], names=list(_CHAT_TEXT_COLUMNS))
    out._lines = np.asarray(lines, dtype=np.int64)
    return out, rows


def _mapped(read: ReadFile, profile: Profile) -> dict[str, pa.Array]:
    """Each target column the file has, cleaned and value-mapped as the profile says."""
    assert read.raw is not None
    out: dict[str, pa.Array] = {}
    for target, index in profile.match(read.raw.column_names).items():
        values = read.raw.column(index).combine_chunks()
        values = clean(values, profile.cleaners + profile.column_cleaners.get(target, ()))
        mapping = profile.values.get(target)
        if mapping:
            keys = [k for k in mapping if k != "*"]
            found = pc.take(pa.array([mapping[k] for k in keys], pa.string()),
                            pc.index_in(pc.fill_null(values, ""), value_set=pa.array(keys, pa.string())))
            values = pc.coalesce(found, pa.scalar(mapping["*"]) if "*" in mapping else values)
        out[target] = values
    return out


def _completed_by(cols: dict[str, pa.Array], n: int, settings: Settings) -> pa.Array:
    """Who finished each refund: open -> empty, disputed -> platform, else the refund_completed_by setting."""
    finished = pc.fill_null(pc.not_equal(pc.utf8_trim_whitespace(cols.get("finished_at", pa.nulls(n, pa.string()))),
                                         ""), False)
    disputed = pc.fill_null(pc.is_in(pc.utf8_lower(cols.get("disputed", pa.nulls(n, pa.string()))),
                                     value_set=pa.array(["true", "1"])), False)
    derived = pc.if_else(disputed, "platform", settings.refund_completed_by)
    derived = pc.if_else(finished, derived, pa.scalar(None, pa.string()))
    given = cols.get("completed_by")
    return derived if given is None else pc.coalesce(pc.if_else(pc.equal(given, ""), None, given), derived)


def _missing(profile: Profile, cols: dict[str, pa.Array], options: ImportOptions) -> str | None:
    """A file error naming required columns the file lacks (and the option that supplies shop/account)."""
    needed = [c.name for c in profile.table.columns if c.required and c.default is None]
    if profile.kind == "chat_table":
        needed = ["ts"]
    lacking = [c for c in needed if c not in cols and not (c in _OPTION_COLUMNS and getattr(options, c))]
    if not lacking:
        return None
    names = {c: "/".join(profile.columns.get(c, (c,))) for c in lacking}
    hint = "".join(f"；文件中没有{c}列，请加 --{c}" for c in lacking if c in _OPTION_COLUMNS)
    return (f"缺少必需的列: {', '.join(f'{c}（{names[c]}）' for c in lacking)}{hint}"
            f" / missing required columns: {', '.join(lacking)}"
            + "".join(f"; add --{c}" for c in lacking if c in _OPTION_COLUMNS))


def map_table(read: ReadFile, profile: Profile, options: ImportOptions, settings: Settings) -> None:
    """Set read.canon from a table-kind profile, or read.error when a required column is missing."""
    assert read.raw is not None
    cols = _mapped(read, profile)
    error = _missing(profile, cols, options)
    if error:
        read.error = error
        return
    n = read.raw.num_rows
    for name in _OPTION_COLUMNS:
        given = getattr(options, name)
        if given and name in profile.table.column_names:
            present = cols.get(name, pa.nulls(n, pa.string()))
            cols[name] = pc.coalesce(pc.if_else(pc.equal(present, ""), None, present), pa.scalar(given))
    if "refund_completed_by" in profile.rules:
        cols["completed_by"] = _completed_by(cols, n, settings)
    arrays = [cols.get(c, pa.nulls(n, pa.string())) for c in profile.table.column_names]
    read.canon = pa.Table.from_arrays(arrays, names=list(profile.table.column_names))


def chat_rows(mapped: dict[str, pa.Array], n: int) -> tuple[list[ChatRow], dict[str, list[str | None]]]:
    """ChatRows from a chat table's n rows of mapped columns, and its msg_id/msg_type columns."""
    cols = {k: v.to_pylist() for k, v in mapped.items()}

    def col(name: str) -> list[str | None]:
        return [v or None for v in cols[name]] if name in cols else [None] * n

    nick, to, ts, content = col("sender_nick"), col("receiver_nick"), col("ts"), cols.get("content", [None] * n)
    account, buyer, shop = col("account"), col("buyer"), col("shop")
    rows = [ChatRow(nick=nick[i], ts=ts[i], content=content[i], receiver=to[i], account=account[i],
                    buyer=buyer[i], shop=shop[i]) for i in range(n)]
    return rows, {k: col(k) for k in ("msg_id", "msg_type") if k in cols}


def map_chat(read: ReadFile, rows: list[ChatRow], ctx: ChatContext, extra: dict[str, list[str | None]]) -> None:
    """Set read.canon to canonical messages of rows; rows lacking buyer or account go to read.bad."""
    assert read.raw is not None
    if not rows:
        read.canon = pa.Table.from_arrays([pa.nulls(0, pa.string())] * len(read.source.table.column_names),
                                          names=list(read.source.table.column_names))
        return
    try:
        msgs = assemble(rows, ctx)
    except ValueError as exc:
        read.error = str(exc)
        return
    lines = read.lines
    keep = np.array([m.error is None for m in msgs], dtype=bool)
    bad = np.flatnonzero(~keep)
    for i, values in zip(bad, read.raw.take(pa.array(bad, pa.int64())).to_pylist()):
        column, reason = msgs[i].error or ("", "")
        read.bad.append(Rejection(read.source.path, int(lines[i]), column, reason, values))
    good = [m for m in msgs if m.error is None]
    ts = [r.ts for r, k in zip(rows, keep) if k]
    columns = {
        "msg_id": [v for v, k in zip(extra.get("msg_id", [None] * len(rows)), keep) if k],
        "shop": [m.shop for m in good], "buyer": [m.buyer for m in good], "account": [m.account for m in good],
        "sender": [m.sender for m in good], "ts": ts, "content": [m.content for m in good],
        "msg_type": [v for v, k in zip(extra.get("msg_type", [None] * len(rows)), keep) if k],
    }
    read.canon = pa.Table.from_arrays([pa.array(columns[c], pa.string()) for c in read.source.table.column_names],
                                      names=list(read.source.table.column_names))
    read.raw = read.raw.filter(pa.array(keep))
    read._lines = lines[keep]


def read_profiled(source: SourceFile, options: ImportOptions, settings: Settings,
                  known: dict[str, tuple[str, str]]) -> ReadFile:
    """Read a file in its profile's format into canonical columns (known: the warehouse's accounts)."""
    profile: Profile = source.profile
    extra: dict[str, list[str | None]] = {}
    if profile.kind == "chat_text":
        read, rows = read_chat_text(source)
    else:
        read = read_rows(source)
        if read.error is not None or read.raw is None:
            return read
        if profile.kind == "table":
            map_table(read, profile, options, settings)
            return read
        mapped = _mapped(read, profile)
        read.error = _missing(profile, mapped, options)
        rows, extra = chat_rows(mapped, read.raw.num_rows) if read.error is None else ([], {})
    if read.error is None:
        assert profile.markers is not None  # every profile but a table's has markers (profiles.py)
        map_chat(read, rows, ChatContext(profile.markers, options.shop, options.account, known), extra)
    return read
