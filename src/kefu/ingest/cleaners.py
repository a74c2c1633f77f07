"""Value cleaners named by profiles: vectorised fixes for what spreadsheet exports do to values."""
from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

# Blanks exports leave around values: spaces, tabs, ideographic and no-break spaces, stray line ends.
BLANKS = " \t\u3000\u00a0\r\n"
_BLANK = "[" + BLANKS + "]*"  # RE2's \s does not cover the ideographic and no-break spaces


def _excel_text(values: pa.Array) -> pa.Array:
    """="2840012345678901" (a formula keeping Excel from mangling long numbers) -> 2840012345678901."""
    return pc.replace_substring_regex(values, pattern=f'(?s)^{_BLANK}="(.*)"{_BLANK}$', replacement=r"\1")


def _leading_quote(values: pa.Array) -> pa.Array:
    """'2840012345678901 (Excel's text marker) -> 2840012345678901."""
    return pc.replace_substring_regex(values, pattern=f"^{_BLANK}'", replacement="")


def _strip(values: pa.Array) -> pa.Array:
    """Blanks and tabs around a value removed."""
    return pc.utf8_trim(values, characters=BLANKS)


def _money(values: pa.Array) -> pa.Array:
    """¥1,299.00 元 -> 1299.00."""
    return pc.replace_substring_regex(values, pattern=r"[¥￥,，\s]|元$", replacement="")


def _integer_text(values: pa.Array) -> pa.Array:
    """2.0 (a count stored as a spreadsheet number) -> 2."""
    return pc.replace_substring_regex(values, pattern=r"^\s*(\d+)\.0*\s*$", replacement=r"\1")


CLEANERS: dict[str, Callable[[pa.Array], pa.Array]] = {
    "excel_text": _excel_text,
    "leading_quote": _leading_quote,
    "strip": _strip,
    "money": _money,
    "integer_text": _integer_text,
}


def clean(values: pa.Array | pa.ChunkedArray, names: tuple[str, ...]) -> pa.Array | pa.ChunkedArray:
    """values with the named cleaners applied in order."""
    for name in names:
        values = CLEANERS[name](values)
    return values
