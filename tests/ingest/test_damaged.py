"""A damaged file loses only its damaged rows: the rest of it imports, and the damage is named by line."""
from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.config import Settings
from kefu.ingest import import_paths
from kefu.ingest.damage import MAX_RECORD_BYTES, STRAY_QUOTE, TOO_LONG
from kefu.ingest.readers import CUT_SHORT
from kefu.store import Warehouse

SHOP = "山野户外旗舰店"
LINES = ["shop,buyer,account,sender,ts,content"] + [
    f"{SHOP},买家{i},{SHOP}:小王,buyer,2026-11-11 09:{i:02d}:00,这件衣服有没有大一码的" for i in range(10)]


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[Warehouse]:
    with Warehouse.open(tmp_path / "kefu.duckdb") as w:
        yield w


@pytest.mark.parametrize("cut", [1, 2])
def test_a_chat_log_cut_inside_a_character_loses_only_its_last_line(wh: Warehouse, tmp_path: Path,
                                                                     cut: int) -> None:
    data = "\n".join(LINES).encode("utf-8")
    (tmp_path / "messages.csv").write_bytes(data[:-cut])  # the last 码 (3 bytes) cut after 1 or 2 bytes
    summary = import_paths(wh, [tmp_path / "messages.csv"], Settings())
    (fs,) = summary.files
    assert fs.error is None and fs.encoding == "utf-8"
    assert fs.inserted == 9 and wh.counts()["messages"] == 9
    (bad,) = fs.rejected
    assert bad.line == 11 and bad.reason == CUT_SHORT


def test_a_file_ending_cleanly_without_a_newline_loses_nothing(wh: Warehouse, tmp_path: Path) -> None:
    (tmp_path / "messages.csv").write_bytes("\n".join(LINES).encode("utf-8"))
    summary = import_paths(wh, [tmp_path / "messages.csv"], Settings())
    assert summary.ok and summary.files[0].inserted == 10


def _write(tmp_path: Path, lines: list[str], newline: str = "\n") -> Path:
    path = tmp_path / "messages.csv"
    path.write_bytes((newline.join(lines) + newline).encode("utf-8"))
    return path


def _import(wh: Warehouse, path: Path) -> tuple[int, list[tuple[int | None, str, str]]]:
    (fs,) = import_paths(wh, [path], Settings()).files
    assert fs.error is None
    return fs.inserted, [(r.line, r.column, r.reason) for r in fs.rejected]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_an_unterminated_quote_loses_only_its_line(wh: Warehouse, tmp_path: Path, newline: str) -> None:
    lines = LINES.copy()
    lines[7] = lines[7].replace(",这件", ',"这件')  # line 8 opens a quote that never closes
    inserted, rejected = _import(wh, _write(tmp_path, lines, newline))
    assert rejected == [(8, "content", STRAY_QUOTE)]
    assert inserted == 9
    contents = [r[0] for r in wh.con.execute("SELECT content FROM messages").fetchall()]
    assert all("\n" not in c for c in contents)  # no row swallowed the lines after line 8


def test_two_stray_quotes_lose_their_two_lines_and_keep_the_rows_between(wh: Warehouse, tmp_path: Path) -> None:
    lines = LINES.copy()
    lines[3] = lines[3].replace(",buyer,", ',"buyer,')  # opens inside the sender column
    lines[8] = lines[8].replace(",这件", ',"这件')  # closes it five lines later
    inserted, rejected = _import(wh, _write(tmp_path, lines))
    assert rejected == [(4, "sender", STRAY_QUOTE), (9, "content", STRAY_QUOTE)]
    assert inserted == 8


def test_a_quoted_value_over_several_lines_is_no_damage(wh: Warehouse, tmp_path: Path) -> None:
    lines = LINES.copy()
    # a real multi-line message, one of its lines holding as many commas as a record
    lines[4] = lines[4].replace("这件衣服有没有大一码的", '"请问：\n红色,蓝色,黑色,白色,灰色,绿色\n哪个有货"')
    inserted, rejected = _import(wh, _write(tmp_path, lines))
    assert (inserted, rejected) == (10, [])
    (content,) = wh.con.execute("SELECT content FROM messages WHERE content LIKE '请问%'").fetchone()
    assert content == "请问：\n红色,蓝色,黑色,白色,灰色,绿色\n哪个有货"


@pytest.mark.parametrize("size", [MAX_RECORD_BYTES + 10, 5_000_000])
def test_a_field_too_long_to_be_a_record_loses_only_its_row(wh: Warehouse, tmp_path: Path, size: int) -> None:
    lines = LINES.copy()
    lines[5] = lines[5] + "x" * size
    inserted, rejected = _import(wh, _write(tmp_path, lines))
    assert rejected == [(6, "", TOO_LONG)]
    assert inserted == 9


def test_rows_rejected_after_a_repair_keep_their_own_line_numbers(wh: Warehouse, tmp_path: Path) -> None:
    lines = LINES.copy()
    lines[2] = lines[2].replace(",这件", ',"这件')
    lines[9] = lines[9].replace("2026-11-11 09:08:00", "不是时间")
    inserted, rejected = _import(wh, _write(tmp_path, lines))
    assert [(line, column) for line, column, _ in rejected] == [(3, "content"), (10, "ts")]
    assert inserted == 8


@settings(max_examples=40, deadline=None)
@given(damaged=st.sets(st.integers(min_value=2, max_value=11), min_size=1, max_size=4))
def test_any_lines_with_a_stray_quote_are_the_only_ones_lost(damaged: set[int]) -> None:
    lines = [line.replace(",这件", ',"这件') if number in damaged else line
             for number, line in enumerate(LINES, start=1)]
    with tempfile.TemporaryDirectory() as folder, Warehouse.open(Path(folder) / "kefu.duckdb") as w:
        inserted, rejected = _import(w, _write(Path(folder), lines))
        assert {line for line, _, _ in rejected} == damaged
        assert inserted == 10 - len(damaged)
