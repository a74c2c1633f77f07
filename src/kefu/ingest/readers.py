"""Read canonical and delimited files into all-string Arrow tables, with each row's line number."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from kefu.ingest.encoding import EncodingError, decode, detect_encoding
from kefu.ingest.excel import WorkbookLimits
from kefu.ingest.summary import Rejection
from kefu.schema import TABLES_BY_NAME, Table

SUFFIXES = (".csv", ".parquet")
CUT_SHORT = ("文件在这一行中途结束（最后一个字符不完整，文件可能没有传完），这一行未导入"
             " / the file ends inside this line (cut short): the line was not imported")


@dataclass(frozen=True)
class SourceFile:
    """A file to import, the canonical table it fills and the format that reads it (None: canonical by name)."""

    path: Path
    table: Table
    profile: Any = None  # a kefu.ingest.profiles.Profile
    encoding: str | None = None  # --encoding; None: detected
    sheet: str | None = None  # --sheet of a workbook
    workbook: WorkbookLimits = WorkbookLimits()  # how big a workbook may unpack

    @property
    def format(self) -> str:
        """The format's name."""
        return "canonical" if self.profile is None else self.profile.name

    @property
    def is_parquet(self) -> bool:
        """True for a Parquet file (else CSV)."""
        return self.path.suffix.lower() == ".parquet"


@dataclass
class ReadFile:
    """A file read as strings: canonical columns, the original columns, each row's line, unsplittable rows."""

    source: SourceFile
    raw: pa.Table | None = None  # original columns, all strings, named as in the file
    canon: pa.Table | None = None  # the table's canonical columns (absent optional ones are null)
    bad: list[Rejection] = field(default_factory=list)  # rows the CSV parser could not split
    error: str | None = None
    delimited: bool = False  # read from delimited text: line numbers come from the file's bytes
    skipped_records: dict[int, str] = field(default_factory=dict)  # unsplittable rows: record number -> text
    encoding: str | None = None  # the text encoding the file was read in
    _lines: np.ndarray | None = None

    @property
    def num_rows(self) -> int:
        """Data rows read (without the unsplittable ones)."""
        return 0 if self.raw is None else self.raw.num_rows

    @property
    def lines(self) -> np.ndarray:
        """The line of each data row, computed on first use (only rejected rows need it).

        A delimited file's bytes are read again rather than kept: a large file would otherwise
        stay in memory for the whole import for the sake of the few rows that may be rejected.
        """
        if self._lines is None:
            if not self.delimited:
                self._lines = np.arange(1, self.num_rows + 1, dtype=np.int64)
            else:
                assert self.raw is not None
                data, _ = utf8_bytes(self.source.path.read_bytes(), self.encoding)
                self._lines = csv_row_lines(data, self.raw, self.skipped_records)[0]
        return self._lines

    def release(self) -> None:
        """Drop the rows read once they are validated (the summary keeps what it needs)."""
        self.raw = self.canon = None
        # Arrow's allocator keeps freed pages for reuse; the writes that follow allocate in DuckDB.
        pa.default_memory_pool().release_unused()


def recognise(path: Path) -> SourceFile | None:
    """The SourceFile for a file named like a canonical table (case-insensitive), else None."""
    suffix = path.suffix.lower()
    table = TABLES_BY_NAME.get(path.name[: -len(suffix)].lower()) if suffix in SUFFIXES else None
    return None if table is None else SourceFile(path, table)


def normalise_name(name: str) -> str:
    """A header name as compared with the canonical names: BOM and spaces stripped, lower case."""
    return name.replace("\ufeff", "").strip().lower()


def record_lines(data: bytes) -> np.ndarray:
    """The physical line (from 1) where each non-empty CSV record starts, the header included.

    A newline ends a record only outside quotes, i.e. after an even number of quote
    characters (an escaped "" keeps the parity). Empty lines are no records, as for pyarrow.
    """
    buf = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(buf == 10)
    quotes = np.flatnonzero(buf == 34)
    ending = np.searchsorted(quotes, newlines) % 2 == 0
    ends = newlines[ending]
    starts = np.concatenate([[0], ends + 1])
    start_lines = np.concatenate([[1], np.flatnonzero(ending) + 2])
    stops = np.concatenate([ends, [len(buf)]])
    length = stops - starts
    first = buf[np.minimum(starts, max(len(buf) - 1, 0))] if len(buf) else np.zeros(len(starts), np.uint8)
    empty = (length == 0) | ((length == 1) & (first == 13))
    return start_lines[~empty]


def _counted_lines(body: pa.Table, header: list[str], skipped: dict[int, str]) -> np.ndarray:
    """Fallback record lines: each record one line plus the newlines inside its values (blank lines unseen)."""
    counts = np.zeros(1 + body.num_rows + len(skipped), dtype=np.int64)
    counts[0] = sum(h.count("\n") for h in header)
    is_skipped = np.zeros(len(counts), dtype=bool)
    is_skipped[np.asarray(sorted(skipped), dtype=np.int64) - 1] = True
    counts[is_skipped] = [skipped[n].count("\n") for n in sorted(skipped)]
    rows = np.flatnonzero(~is_skipped)[1:]
    for column in body.columns:
        counts[rows] += pc.fill_null(pc.count_substring(column, "\n"), 0).to_numpy(zero_copy_only=False)
    return 1 + np.arange(len(counts), dtype=np.int64) + np.concatenate([[0], np.cumsum(counts)[:-1]])


def csv_row_lines(data: bytes, body: pa.Table, skipped: dict[int, str]) -> tuple[np.ndarray, np.ndarray]:
    """(line of each parsed data row, line of each record by pyarrow record number - 1).

    skipped maps the record numbers pyarrow could not split to their text. When the byte
    scan does not agree with the parser (stray quotes, bare CR line ends), lines come from
    counting the newlines inside values instead, which misses blank lines only.
    """
    records = record_lines(data)
    if len(records) != 1 + body.num_rows + len(skipped):
        records = _counted_lines(body, body.column_names, skipped)
    keep = np.ones(len(records), dtype=bool)
    keep[0] = False  # the header
    keep[np.asarray(sorted(skipped), dtype=np.int64) - 1] = False
    return records[keep], records


def _parse_csv(data: bytes, threads: bool, delimiter: str = ","
               ) -> tuple[pa.Table, list[tuple[int | None, str, int]]]:
    """Parse all fields as strings with autogenerated names; collect rows with a wrong field count."""
    invalid: list[tuple[int | None, str, int]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        invalid.append((row.number, row.text, row.actual_columns))
        return "skip"

    # The header is read as a data row (autogenerated names f0, f1, ...) so that every column can be
    # typed string up front; its width comes from the first non-blank record.
    head = csv.reader(io.StringIO(data[:65536].decode("utf-8", "replace").lstrip("\ufeff")), delimiter=delimiter)
    width = len(next((row for row in head if row), []))
    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(autogenerate_column_names=True, use_threads=threads),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                         invalid_row_handler=on_invalid),
        convert_options=pacsv.ConvertOptions(
            column_types={f"f{i}": pa.string() for i in range(width)}, strings_can_be_null=False
        ),
    )
    # Should the width guess be short, an inferred column holds the header text, so it casts to string.
    strings = [c if c.type == pa.string() else c.cast(pa.string()) for c in table.columns]
    return pa.Table.from_arrays(strings, names=table.column_names), invalid


def utf8_bytes(data: bytes, encoding: str | None) -> tuple[bytes, str]:
    """(data as UTF-8 bytes, the encoding it was in): UTF-8 passes unchanged, anything else is decoded."""
    detected = None if encoding else detect_encoding(data)
    if detected in ("utf-8", "utf-8-sig"):
        return data, detected  # already checked to decode: pyarrow reads it as it is
    text, codec = decode(data, encoding)
    return text.encode("utf-8"), codec


def sniff_delimiter(data: bytes) -> str:
    """The field separator of a delimited text: csv.Sniffer on its first lines, else the commonest in its header."""
    sample = data[:16384].decode("utf-8", "replace").lstrip("\ufeff")
    lines = [line for line in sample.splitlines() if line.strip()][:20]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=",\t;|").delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in ",\t;|"}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _ends_inside_a_character(raw: bytes) -> bool:
    """True when the last UTF-8 lead byte among the final bytes starts a sequence longer than what follows it."""
    for back in range(1, min(4, len(raw)) + 1):
        byte = raw[-back]
        if byte & 0xC0 != 0x80:  # not a continuation byte: an ASCII byte or a lead byte
            length = 2 if byte & 0xE0 == 0xC0 else 3 if byte & 0xF0 == 0xE0 else 4 if byte & 0xF8 == 0xF0 else 1
            return length > back
    return False


def cut_short_tail(raw: bytes) -> tuple[bytes, int | None]:
    """Bytes ending inside a UTF-8 character (a file cut short) without their last line, and that line's number.

    Only the cut line is damaged: everything before it still reads. None when the bytes end cleanly.
    """
    if not _ends_inside_a_character(raw):  # the common case, decided from the last bytes alone
        return raw, None
    try:
        raw.decode("utf-8")
        return raw, None
    except UnicodeDecodeError as exc:
        if exc.reason != "unexpected end of data" or exc.end != len(raw):
            return raw, None
    start = raw.rfind(b"\n") + 1
    return raw[:start], raw.count(b"\n", 0, start) + 1


def read_csv(source: SourceFile, delimiter: str | None = ",") -> ReadFile:
    """Read a delimited text file as strings: encoding detected (or source.encoding), delimiter given or sniffed."""
    out = ReadFile(source)
    raw = source.path.read_bytes()
    if not raw[:4096].strip(b"\xef\xbb\xbf \r\n\t") and not raw.strip(b"\xef\xbb\xbf \r\n\t"):
        out.error = "文件为空，缺少表头 / empty file, no header row"
        return out
    cut_line = None
    if source.encoding is None:
        raw, cut_line = cut_short_tail(raw)
    try:
        data, out.encoding = utf8_bytes(raw, source.encoding)
    except EncodingError as exc:
        out.error = str(exc)
        return out
    if cut_line is not None:
        out.bad.append(Rejection(source.path, cut_line, "", CUT_SHORT, {}))
    delimiter = delimiter or sniff_delimiter(data)
    try:
        table, invalid = _parse_csv(data, threads=True, delimiter=delimiter)
        if any(number is None for number, _, _ in invalid):
            # Row numbers of unsplittable rows are only known when parsing on one thread.
            table, invalid = _parse_csv(data, threads=False, delimiter=delimiter)
    except pa.ArrowInvalid as exc:
        out.error = f"CSV 文件无法解析: {exc} / cannot parse CSV: {exc}"
        return out
    header = [str(v).lstrip("\ufeff") for v in table.slice(0, 1).to_pylist()[0].values()]
    body = table.slice(1)
    out.raw = pa.Table.from_arrays(body.columns, names=header)
    out.delimited = True
    out.skipped_records = {n: text for n, text, _ in invalid if n is not None}
    if not invalid:
        return out
    _, records = csv_row_lines(data, out.raw, out.skipped_records)
    for number, text, actual in invalid:
        if not text.strip():
            continue  # a line of blanks is an empty line, not a row
        line = int(records[number - 1]) if number is not None else None
        fields = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
        values: dict[str, str | None] = dict(zip(header, fields))
        values.update({f"_extra_{i + 1}": v for i, v in enumerate(fields[len(header):])})
        out.bad.append(Rejection(
            source.path, line, "",
            f"列数不对: 应为 {len(header)} 列，实际 {actual} 列 / wrong number of fields:"
            f" expected {len(header)}, got {actual}",
            values,
        ))
    return out


def read_parquet(source: SourceFile) -> ReadFile:
    """Read a Parquet file and cast every column to string (rows are numbered from 1)."""
    out = ReadFile(source)
    try:
        table = pq.read_table(source.path)
        columns = [pc.cast(c, pa.string()) for c in table.columns]
    except (pa.ArrowException, OSError) as exc:
        out.error = f"Parquet 文件无法读取: {exc} / cannot read Parquet file: {exc}"
        return out
    out.raw = pa.Table.from_arrays(columns, names=table.column_names)
    return out


def canonical_columns(read: ReadFile) -> None:
    """Pick the table's columns by normalised header name; a missing required column is a file error."""
    assert read.raw is not None
    table = read.source.table
    by_name: dict[str, int] = {}
    for i, name in enumerate(read.raw.column_names):
        by_name.setdefault(normalise_name(name), i)
    missing = [c.name for c in table.columns if c.required and c.name not in by_name]
    if missing:
        present = ", ".join(read.raw.column_names)
        read.error = (
            f"缺少必需的列: {', '.join(missing)}（文件中的列: {present}）"
            f" / missing required columns: {', '.join(missing)}"
        )
        return
    n = read.raw.num_rows
    arrays = [
        read.raw.column(by_name[c.name]) if c.name in by_name else pa.nulls(n, pa.string())
        for c in table.columns
    ]
    read.canon = pa.Table.from_arrays(arrays, names=list(table.column_names))


def read_source(source: SourceFile) -> ReadFile:
    """Read one source file and pick its canonical columns."""
    read = read_parquet(source) if source.is_parquet else read_csv(source)
    if read.error is None and read.raw is not None:
        canonical_columns(read)
    return read
