"""Where the records of delimited text stand: their physical lines, found from the bytes by quote parity."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class Records:
    """The non-empty records of a text: first and last physical line (from 1) and size in bytes of each."""

    newlines: np.ndarray  # byte offset of every newline
    first: np.ndarray
    last: np.ndarray
    size: np.ndarray
    length: int  # bytes in the text

    def line_span(self, first: int, last: int) -> tuple[int, int]:
        """The bytes [start, stop) of physical lines first..last, without the newline ending the last."""
        start = 0 if first == 1 else int(self.newlines[first - 2]) + 1
        stop = int(self.newlines[last - 1]) if last <= len(self.newlines) else self.length
        return start, stop


def scan(data: bytes) -> Records:
    """The records of data: a newline ends a record only outside quotes (after an even number of quotes).

    An escaped "" keeps the parity. Empty lines are no records, as for pyarrow.
    """
    buf = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(buf == 10)
    quotes = np.flatnonzero(buf == 34)
    ending = np.flatnonzero(np.searchsorted(quotes, newlines) % 2 == 0)
    starts = np.concatenate([[0], newlines[ending] + 1])
    stops = np.concatenate([newlines[ending], [len(buf)]])
    first = np.concatenate([[1], ending + 2])
    last = np.concatenate([ending + 1, [len(newlines) + 1]])
    size = stops - starts
    lead = buf[np.minimum(starts, max(len(buf) - 1, 0))] if len(buf) else np.zeros(len(starts), np.uint8)
    kept = ~((size == 0) | ((size == 1) & (lead == 13)))
    return Records(newlines, first[kept], last[kept], size[kept], len(buf))


def record_lines(data: bytes) -> np.ndarray:
    """The physical line (from 1) where each non-empty CSV record starts, the header included."""
    return scan(data).first


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
