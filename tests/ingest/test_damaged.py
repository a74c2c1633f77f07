"""A damaged file loses only its damaged rows: the rest of it imports, and the damage is named by line."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kefu.config import Settings
from kefu.ingest import import_paths
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
