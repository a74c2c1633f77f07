"""kefu export parquet: Hive folders by shop and month that DuckDB and pyarrow read back to the same rows."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.dataset as ds
import pytest

from kefu.export import EXPORT_TABLES, ExportError, export_parquet, hive_escape
from kefu.store import Warehouse
from tests.conftest import EXAMPLES, message_csv


def _warehouse(make_shop) -> duckdb.DuckDBPyConnection:  # type: ignore[no-untyped-def]
    con = make_shop(messages=message_csv("买家甲|店:小王|buyer|2026-11-11 10:00:00|在吗",
                                         "买家甲|店:小王|agent|2026-12-01 10:00:05|在的"),
                    blocklist="shop,buyer,reason\n店,坏人,恶意\na/b=c%d:e,x,\n")
    return con


def test_tables_are_partitioned_by_shop_and_month_with_readable_names(make_shop, tmp_path: Path) -> None:
    con = _warehouse(make_shop)
    written = {t.table: t for t in export_parquet(con, tmp_path / "out")}
    assert list(written) == list(EXPORT_TABLES) and "kefu_meta" not in written
    folders = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").glob("*/*/*"))
    assert "messages/shop=店/month=2026-11" in folders and "messages/shop=店/month=2026-12" in folders
    assert sorted(p.name for p in (tmp_path / "out" / "blocklist").iterdir()) == ["shop=a%2Fb%3Dc%25d%3Ae", "shop=店"]
    assert written["messages"].rows == 2 and written["messages"].files == 2
    assert written["refunds"].rows == 0 and (tmp_path / "out" / "refunds" / "empty.parquet").exists()


def test_duckdb_and_pyarrow_read_back_every_row(make_shop, tmp_path: Path) -> None:
    con = _warehouse(make_shop)
    export_parquet(con, tmp_path / "out")
    for table in ("messages", "blocklist", "accounts"):
        want = sorted(con.execute(f"SELECT * FROM {table}").fetchall())
        cols = ", ".join(f'"{d[0]}"' for d in con.execute(f"DESCRIBE {table}").fetchall())
        got = sorted(con.execute(f"SELECT {cols} FROM read_parquet('{tmp_path}/out/{table}/**/*.parquet', "
                                 "hive_partitioning=true, hive_types_autocast=false)").fetchall())
        assert got == want, table
    shops = ds.dataset(tmp_path / "out" / "blocklist", partitioning="hive").to_table().column("shop").to_pylist()
    assert sorted(shops) == ["a/b=c%d:e", "店"]


def test_an_existing_export_is_kept_unless_overwrite(make_shop, tmp_path: Path) -> None:
    con = _warehouse(make_shop)
    export_parquet(con, tmp_path / "out")
    with pytest.raises(ExportError, match="已存在"):
        export_parquet(con, tmp_path / "out")
    assert export_parquet(con, tmp_path / "out", overwrite=True)[1].rows == 2


def test_an_update_rewrites_only_the_partitions_whose_rows_changed(make_shop, tmp_path: Path) -> None:
    con = _warehouse(make_shop)
    export_parquet(con, tmp_path / "out")

    def files() -> dict[str, int]:
        return {p.relative_to(tmp_path / "out").as_posix(): p.stat().st_mtime_ns
                for p in (tmp_path / "out").rglob("*.parquet")}

    before = files()
    con.execute("UPDATE messages SET content = '好的' WHERE ts >= TIMESTAMP '2026-12-01'")
    con.execute("DELETE FROM blocklist WHERE shop = '店'")
    written = {t.table: t for t in export_parquet(con, tmp_path / "out", update=True)}
    after = files()
    changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    assert {p.rsplit("/", 1)[0] for p in changed} == {"messages/shop=店/month=2026-12", "blocklist/shop=店"}
    out = tmp_path / "out"
    assert not (out / "blocklist" / "shop=店").exists() and not (out / ".kefu-staging").exists()
    assert written["messages"].kept == 1 and written["messages"].rows == 2 and written["refunds"].kept == 1
    got = con.execute(f"SELECT content FROM read_parquet('{out}/messages/**/*.parquet') ORDER BY ts").fetchall()
    assert got == [("在吗",), ("好的",)]


def test_hive_escape_keeps_chinese_and_escapes_separators() -> None:
    assert hive_escape("橙子旗舰店") == "橙子旗舰店"
    assert hive_escape("a/b=c:d%") == "a%2Fb%3Dc%3Ad%25"


def test_the_spec_example_exports(tmp_path: Path) -> None:
    from kefu.config import Settings
    from kefu.ingest.canonical import import_paths

    with Warehouse.open(tmp_path / "w.duckdb") as wh:
        import_paths(wh, [EXAMPLES / "basic"], Settings())
        rows = {t.table: t.rows for t in export_parquet(wh.con, tmp_path / "out")}
    assert rows["messages"] == 18 and rows["orders"] == 5
