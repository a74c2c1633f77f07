"""Damaged delimited text: lines whose stray quote swallows the lines after them, and records too long to be one.

Each damaged line is emptied (its newline kept, so every other line keeps its number) and
rejected on its own; the file is parsed again without it and everything else imports.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kefu.ingest.records import Records, scan

MAX_RECORD_BYTES = 1 << 20
BLOCK_BYTES = 2 * MAX_RECORD_BYTES  # pyarrow's parse block: any record up to the limit fits in it
STRAY_QUOTE = ("引号不成对：这一行的引号会把后面的行并进同一个字段，这一行未导入，后面的行照常导入"
               " / unbalanced quote: this line would swallow the lines after it; it was not imported,"
               " the lines after it were")
TOO_LONG = (f"这一行超过 {MAX_RECORD_BYTES >> 20} MB，不是一条正常的记录（文件可能已损坏），未导入"
            f" / the record is over {MAX_RECORD_BYTES >> 20} MB, not a plausible row (damaged file?): not imported")


@dataclass(frozen=True)
class Damage:
    """Physical lines first..last emptied before parsing: their byte span, the reason, the line's text."""

    first: int
    last: int
    start: int
    stop: int
    reason: str
    text: str  # the damaged line (empty for a record too long to show)


def blank(data: bytes, damage: Iterable[Damage]) -> bytes:
    """data with each damaged span emptied, keeping the newlines inside it."""
    pieces, at = [], 0
    for d in sorted(damage, key=lambda d: d.start):
        pieces += [data[at:d.start], b"\n" * (d.last - d.first)]
        at = d.stop
    return b"".join(pieces + [data[at:]]) if pieces else data


def _stray_lines(data: bytes, records: Records, first: int, last: int) -> list[Damage]:
    """The lines of one record holding an odd number of quotes: each opens or closes a runaway field."""
    out = []
    for line in range(first, last + 1):
        start, stop = records.line_span(line, line)
        text = data[start:stop]
        if text.count(b'"') % 2:
            out.append(Damage(line, line, start, stop, STRAY_QUOTE, text.decode("utf-8", "replace").rstrip("\r")))
    return out


def _too_long(records: Records, first: int, last: int) -> Damage:
    """The whole record first..last, rejected for its size."""
    start, stop = records.line_span(first, last)
    return Damage(first, last, start, stop, TOO_LONG, "")


def unparsable(data: bytes) -> list[Damage]:
    """Damage found from the bytes alone, when the parser gave up on the file.

    A file ending inside quotes had a field opened by the first line of its last record: that
    line alone is damaged (the caller parses again and looks further). Else every record over
    the size limit is.
    """
    records = scan(data)
    if data.count(b'"') % 2 and len(records.first):
        first = int(records.first[-1])
        return _stray_lines(data, records, first, first)
    return [_too_long(records, int(first), int(last))
            for first, last, size in zip(records.first, records.last, records.size)
            if size > MAX_RECORD_BYTES]


def _swallows(value: str, delimiter: str, width: int) -> bool:
    """True when a line after the first of a value splits alone into a whole record: rows may have been swallowed."""
    for line in value.split("\n")[1:]:
        line = line.rstrip("\r")
        if line.count(delimiter) >= width - 1 and len(next(csv.reader([line], delimiter=delimiter), [])) == width:
            return True
    return False


def _is_one_record(text: str, delimiter: str, width: int) -> bool:
    """True when text reads strictly (RFC 4180 quoting) as one record of width fields: a genuine multi-line value.

    A runaway quote either never closes or closes with more text after it; either way the
    strict reader refuses it or finds another number of fields.
    """
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error:
        return False
    return len(rows) == 1 and len(rows[0]) == width


def _suspect_rows(table: pa.Table, delimiter: str) -> tuple[set[int], set[int]]:
    """(rows of table that swallowed others, rows over the size limit).

    Cheap whole-column tests come first (any newline at all, the longest value), so that a
    sound file pays a few column scans and only the rows holding a newline are looked at.
    """
    width = table.num_columns
    swallowing: set[int] = set()
    for column in table.columns if width >= 2 else ():
        newline = pc.match_substring(column, "\n")
        if not pc.any(newline).as_py():
            continue
        newline = pc.fill_null(newline, False)
        rows, values = pc.indices_nonzero(newline), pc.filter(column, newline)
        many = pc.greater_equal(pc.count_substring(values, delimiter), width - 1)
        for row, value in zip(pc.filter(rows, many).to_pylist(), pc.filter(values, many).to_pylist()):
            if _swallows(value, delimiter, width):
                swallowing.add(row)
    long: set[int] = set()
    if sum(pc.max(pc.binary_length(c)).as_py() or 0 for c in table.columns) > MAX_RECORD_BYTES:
        totals = np.sum([pc.fill_null(pc.binary_length(c), 0).to_numpy(zero_copy_only=False)
                         for c in table.columns], axis=0)
        long = {int(r) for r in np.flatnonzero(totals > MAX_RECORD_BYTES)}
    return swallowing, long


def parsed(data: bytes, table: pa.Table, invalid: dict[int, str], delimiter: str) -> list[Damage]:
    """Damage in a parsed file: rows (or unsplittable records) that swallowed whole lines, rows over the limit.

    table holds the header as row 0; invalid maps pyarrow's record numbers of unsplittable
    records to their text.
    """
    swallowing, long = _suspect_rows(table, delimiter)
    width = table.num_columns
    numbers = {n for n, text in invalid.items() if width >= 2 and _swallows(text, delimiter, width)}
    long_numbers = {n for n, text in invalid.items() if len(text.encode()) > MAX_RECORD_BYTES}
    total = table.num_rows + len(invalid)
    if data.count(b'"') % 2:
        numbers.add(total)  # the text ends inside quotes: its last record never closed
    if not (swallowing or long or numbers or long_numbers):
        return []
    records = scan(data)
    kept = np.setdiff1d(np.arange(1, total + 1), np.asarray(sorted(invalid), dtype=np.int64))
    by_number = {int(kept[r]) for r in swallowing} | numbers
    long_by_number = {int(kept[r]) for r in long} | long_numbers
    if len(records.first) != total:
        # The byte scan does not agree with the parser (another stray quote inside a field): the rows'
        # lines cannot be placed, so the file is left to the parser as it is.
        return []
    out: list[Damage] = []
    for number in sorted(by_number - long_by_number):
        first, last = int(records.first[number - 1]), int(records.last[number - 1])
        start, stop = records.line_span(first, last)
        if not _is_one_record(data[start:stop].decode("utf-8", "replace"), delimiter, width):
            out += _stray_lines(data, records, first, last)
    for number in sorted(long_by_number):
        out.append(_too_long(records, int(records.first[number - 1]), int(records.last[number - 1])))
    return out
