"""Value cleaners: what spreadsheet exports wrap around a value comes off, the value itself never changes."""
from __future__ import annotations

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from kefu.ingest.cleaners import BLANKS, clean

EXPORT = ("excel_text", "leading_quote", "strip")
# Values as a report holds them: no blanks around, not starting with an apostrophe, not a ="…" formula.
VALUES = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30).filter(
    lambda v: v == v.strip(BLANKS) and not v.startswith("'") and not v.startswith('="'))
PADDING = st.text(alphabet=BLANKS, max_size=3)


def cleaned(value: str, names: tuple[str, ...] = EXPORT) -> str:
    return clean(pa.array([value], pa.string()), names).to_pylist()[0]


@given(VALUES, PADDING, PADDING, st.sampled_from(['="{}"', "'{}", "{}"]))
def test_export_wrappers_come_off(value: str, left: str, right: str, wrapper: str) -> None:
    assert cleaned(left + wrapper.format(value) + right) == value


@given(VALUES)
def test_cleaning_is_idempotent(value: str) -> None:
    once = cleaned(value)
    assert once == value and cleaned(once) == once


@given(st.integers(0, 10**12), st.integers(0, 99))
def test_money_and_integer_text(yuan: int, fen: int) -> None:
    plain = f"{yuan}.{fen:02d}"
    assert cleaned(f"￥{yuan:,}.{fen:02d} 元", ("money",)) == plain
    assert cleaned(f"¥{yuan:,}.{fen:02d}", ("money",)) == plain
    assert cleaned(f"{yuan}.0", ("integer_text",)) == str(yuan)
    assert cleaned(f"{yuan}.5", ("integer_text",)) == f"{yuan}.5"  # not a whole number: left for validation


def test_nulls_stay_null() -> None:
    assert clean(pa.array([None, "'x"], pa.string()), EXPORT).to_pylist() == [None, "x"]
