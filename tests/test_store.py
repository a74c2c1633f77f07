"""The warehouse file: creation, reopening, read-only use, the recorded import time zone."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from kefu.config import SettingError
from kefu.schema import WAREHOUSE_DDL
from kefu.store import DATA_TABLES, TimezoneMismatch, Warehouse, WarehouseError


def _tables(wh: Warehouse) -> set[str]:
    rows = wh.con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    return {r[0] for r in rows}


def test_open_creates_every_table_and_uses_utc(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "kefu.duckdb"
    with Warehouse.open(path) as wh:
        assert path.exists()
        assert set(WAREHOUSE_DDL) <= _tables(wh)
        assert wh.con.execute("SELECT current_setting('TimeZone')").fetchall() == [("UTC",)]
        assert wh.is_empty()
        assert wh.counts() == {t: 0 for t in DATA_TABLES}
        assert wh.shops() == []


def test_reopen_keeps_rows_and_lists_shops(tmp_path: Path) -> None:
    path = tmp_path / "kefu.duckdb"
    with Warehouse.open(path) as wh:
        wh.con.execute("INSERT INTO accounts VALUES ('乙店:小王', '乙店', '小王', '售前', 'human')")
        wh.con.execute("INSERT INTO blocklist VALUES ('甲店', '买家1', NULL)")
        wh.con.execute("INSERT INTO blocklist VALUES ('乙店', '买家2', NULL)")
    with Warehouse.open(path) as wh:
        assert not wh.is_empty()
        assert wh.counts()["accounts"] == 1
        assert wh.shops() == ["乙店", "甲店"]  # sorted, each once


def test_close_by_context_manager(tmp_path: Path) -> None:
    with Warehouse.open(tmp_path / "kefu.duckdb") as wh:
        pass
    with pytest.raises(duckdb.Error):
        wh.con.execute("SELECT 1").fetchall()


def test_read_only_needs_an_existing_warehouse(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="数据仓库不存在.* / warehouse not found"):
        Warehouse.open(tmp_path / "missing.duckdb", read_only=True)
    assert not (tmp_path / "missing.duckdb").exists()


def test_read_only_reads_but_cannot_write(tmp_path: Path) -> None:
    path = tmp_path / "kefu.duckdb"
    with Warehouse.open(path) as wh:
        wh.con.execute("INSERT INTO blocklist VALUES ('甲店', '买家1', NULL)")
    with Warehouse.open(path, read_only=True) as wh:
        assert wh.read_only
        assert wh.counts()["blocklist"] == 1
        with pytest.raises(duckdb.Error):
            wh.con.execute("DELETE FROM blocklist")


def test_read_only_rejects_a_foreign_duckdb_file(tmp_path: Path) -> None:
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t (a INTEGER)")
    con.close()
    with pytest.raises(WarehouseError, match="不是 kefu 数据仓库"):
        Warehouse.open(path, read_only=True)


def test_open_rejects_a_file_that_is_not_duckdb(tmp_path: Path) -> None:
    path = tmp_path / "notes.duckdb"
    path.write_text("这不是数据库", encoding="utf-8")
    with pytest.raises(WarehouseError, match="无法打开数据仓库"):
        Warehouse.open(path)


def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    with Warehouse.open(tmp_path / "kefu.duckdb") as wh:
        with pytest.raises(RuntimeError):
            with wh.transaction() as con:
                con.execute("INSERT INTO blocklist VALUES ('甲店', '买家1', NULL)")
                raise RuntimeError("boom")
        assert wh.is_empty()
        with wh.transaction() as con:
            con.execute("INSERT INTO blocklist VALUES ('甲店', '买家1', NULL)")
        assert wh.counts()["blocklist"] == 1


def test_import_timezone_is_recorded_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "kefu.duckdb"
    with Warehouse.open(path) as wh:
        assert wh.import_timezone is None
        wh.check_timezone("America/New_York")  # nothing recorded: any zone is fine
        wh.record_import_timezone("Asia/Shanghai")
        wh.con.execute("INSERT INTO blocklist VALUES ('甲店', '买家1', NULL)")
    with Warehouse.open(path) as wh:
        assert wh.import_timezone == "Asia/Shanghai"
        wh.check_timezone("Asia/Shanghai")
        with pytest.raises(TimezoneMismatch) as info:
            wh.check_timezone("America/New_York")
        assert isinstance(info.value, SettingError)
        message = str(info.value)
        zh, _, en = message.partition(" / ")
        assert "Asia/Shanghai" in zh and "时区" in zh
        assert "time zone" in en


def test_empty_warehouse_accepts_a_new_timezone(tmp_path: Path) -> None:
    with Warehouse.open(tmp_path / "kefu.duckdb") as wh:
        wh.record_import_timezone("Asia/Shanghai")
        wh.check_timezone("Europe/Berlin")  # no rows: nothing was read in the old zone


def test_meta_values_replace(tmp_path: Path) -> None:
    with Warehouse.open(tmp_path / "kefu.duckdb") as wh:
        wh.set_meta("k", "1")
        wh.set_meta("k", "2")
        assert wh.meta("k") == "2"
        assert wh.meta("absent") is None


def test_a_reader_in_the_process_that_writes_shares_its_database(tmp_path: Path) -> None:
    with Warehouse.open(tmp_path / "w.duckdb") as writer:
        writer.con.execute("INSERT INTO kefu_meta VALUES ('k', 'v')")
        with Warehouse.open(tmp_path / "w.duckdb", read_only=True) as reader:  # DuckDB: one configuration a file
            assert reader.con.execute("SELECT value FROM kefu_meta WHERE key = 'k'").fetchall() == [("v",)]
