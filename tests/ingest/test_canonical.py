"""The canonical importer: counts, idempotence, bad rows with their lines, keys, atomicity, times."""
from __future__ import annotations

import csv
import datetime as dt
import json
import zoneinfo
from collections.abc import Iterator
from decimal import Decimal
from functools import cache
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

import kefu.ingest.canonical as canonical
from kefu.config import Settings
from kefu.ingest import ImportFailed, ImportOptions, InputError, import_paths
from kefu.ingest.records import record_lines
from kefu.ingest.validate import parse_times
from kefu.store import TimezoneMismatch, Warehouse, WarehouseError
from tests.conftest import EXAMPLES

EXAMPLE = EXAMPLES / "generated-7"
needs_example = pytest.mark.skipif(not EXAMPLE.exists(), reason=f"spec example not present: {EXAMPLE}")
MSG_HEADER = ["msg_id", "shop", "buyer", "account", "sender", "ts", "content", "msg_type"]
SH = Settings()


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[Warehouse]:
    with Warehouse.open(tmp_path / "wh" / "kefu.duckdb") as w:
        yield w


def write_csv(path: Path, header: list[str], rows: list[list[str]], *, bom: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def rows(wh: Warehouse, sql: str) -> list[tuple]:
    return wh.con.execute(sql).fetchall()


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args)


# --- the shared example -------------------------------------------------------------------------

EXAMPLE_COUNTS = {"accounts": 4, "messages": 1258, "orders": 153, "refunds": 25, "complaints": 6,
                  "ratings": 40, "presence": 135, "evaluations": 0, "blocklist": 2}


@needs_example
def test_example_folder_imports_every_row(wh: Warehouse) -> None:
    summary = import_paths(wh, [EXAMPLE], SH)
    assert wh.counts() == EXAMPLE_COUNTS
    assert summary.ok and summary.committed
    # The example has no evaluations.csv, so the summary has no line for it.
    in_files = {t: n for t, n in EXAMPLE_COUNTS.items() if n}
    totals = summary.totals()
    assert {t: v["inserted"] for t, v in totals.items()} == in_files
    assert {t: v["rows_read"] for t, v in totals.items()} == in_files
    assert sorted(p.name for p in summary.skipped) == ["expected-first_touch-window2.json", "expected.json"]
    assert wh.shops() == ["山野户外专营店"]
    assert wh.import_timezone == "Asia/Shanghai"
    # Shanghai local times are stored as UTC instants.
    assert rows(wh, "SELECT ts FROM messages WHERE msg_id = 'm0'") == [(utc(2026, 3, 12, 16, 13, 56),)]
    json.dumps(summary.to_dict(), ensure_ascii=False)  # the CLI prints it


@needs_example
def test_importing_twice_adds_nothing(wh: Warehouse) -> None:
    import_paths(wh, [EXAMPLE], SH)
    before = rows(wh, "SELECT * FROM messages ORDER BY shop, msg_key")
    again = import_paths(wh, [EXAMPLE], SH)
    assert wh.counts() == EXAMPLE_COUNTS
    totals = again.totals()
    assert totals["messages"]["duplicates"] == 1258 and totals["messages"]["inserted"] == 0
    assert totals["orders"]["duplicates"] == 153 and totals["orders"]["inserted"] == 0
    assert all(t["replaced"] == 0 for t in totals.values())  # identical rows are duplicates, not updates
    assert rows(wh, "SELECT * FROM messages ORDER BY shop, msg_key") == before


def test_messages_without_ids_are_keyed_by_content_and_rank(wh: Warehouse, tmp_path: Path) -> None:
    header = ["buyer", "account", "sender", "ts", "content"]
    same = ["b1", "店:a", "buyer", "2026-03-01 10:00:00", "在吗"]
    reply = ["b1", "店:a", "agent", "2026-03-01 10:00:01", "在的"]
    path = write_csv(tmp_path / "in" / "messages.csv", header, [same, same, reply])
    first = import_paths(wh, [path], SH)
    assert first.files[0].inserted == 3  # two identical messages stay two
    second = import_paths(wh, [path], SH)
    assert second.files[0].duplicates == 3 and second.files[0].inserted == 0
    # A later export holding one more identical message adds just that one.
    write_csv(path, header, [same, same, same])
    third = import_paths(wh, [path], SH)
    assert (third.files[0].inserted, third.files[0].duplicates) == (1, 2)
    assert wh.counts()["messages"] == 4
    assert rows(wh, "SELECT DISTINCT shop, msg_id FROM messages") == [("店", None)]


def test_keys_of_messages_without_ids_stay_those_earlier_imports_stored(wh: Warehouse, tmp_path: Path) -> None:
    # The key is part of the warehouse: a re-import must find the keys an earlier version wrote.
    import hashlib

    path = write_csv(tmp_path / "messages.csv", ["buyer", "account", "sender", "ts", "content"],
                     [["b1", "店:a", "buyer", "2026-03-01 10:00:00", "在吗"]] * 2)
    import_paths(wh, [path], SH)
    identity = "\x1f".join(["店", "b1", "店:a", "buyer", "1772330400000000", "在吗"])  # ts as UTC epoch µs
    h = hashlib.md5(identity.encode()).hexdigest()
    want = sorted("h:" + hashlib.md5(f"{h}\x1f{rank}".encode()).hexdigest() for rank in (1, 2))
    assert [r[0] for r in rows(wh, "SELECT msg_key FROM messages ORDER BY msg_key")] == want


def test_duplicate_msg_id_in_file_keeps_the_first(wh: Warehouse, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "messages.csv", MSG_HEADER, [
        ["m1", "s", "b", "s:a", "buyer", "2026-03-01 10:00:00", "first", ""],
        ["m1", "s", "b", "s:a", "buyer", "2026-03-01 10:00:09", "second", ""],
        ["m1", "t", "b", "t:a", "buyer", "2026-03-01 10:00:09", "other shop", ""],
    ])
    summary = import_paths(wh, [path], SH)
    assert (summary.files[0].inserted, summary.files[0].duplicates) == (2, 1)
    assert rows(wh, "SELECT shop, content FROM messages ORDER BY shop") == [("s", "first"), ("t", "other shop")]


def test_seq_keeps_file_order_and_grows_across_imports(wh: Warehouse, tmp_path: Path) -> None:
    ts = "2026-03-01 10:00:00"
    a = write_csv(tmp_path / "a" / "messages.csv", MSG_HEADER,
                  [[f"x{i}", "s", "b", "s:a", "buyer", ts, str(i), ""] for i in (3, 1, 2)])
    b = write_csv(tmp_path / "b" / "messages.csv", MSG_HEADER,
                  [[f"y{i}", "s", "b", "s:a", "agent", ts, str(i), ""] for i in (9, 0)])
    import_paths(wh, [a], SH)
    import_paths(wh, [b], SH)
    got = rows(wh, "SELECT msg_id FROM messages ORDER BY ts, seq")
    assert [r[0] for r in got] == ["x3", "x1", "x2", "y9", "y0"]
    seqs = dict(rows(wh, "SELECT msg_id, seq FROM messages"))
    assert seqs["y9"] >= 1 << 32 > seqs["x2"]


# --- reading ------------------------------------------------------------------------------------

def test_bom_extra_columns_shuffled_order_and_header_case(wh: Warehouse, tmp_path: Path) -> None:
    header = [" TS ", "Sender", "备注", "ACCOUNT", "buyer ", "content"]
    path = write_csv(tmp_path / "Messages.CSV", header, [
        ["2026-03-01 10:00:00", " Buyer ", "忽略", "店:小王", "买家1", " 在吗 "],
    ], bom=True)
    summary = import_paths(wh, [path], SH)
    assert summary.ok
    assert rows(wh, "SELECT shop, buyer, account, sender, ts, content, msg_type FROM messages") == [
        ("店", "买家1", "店:小王", "buyer", utc(2026, 3, 1, 2, 0, 0), " 在吗 ", "text")
    ]


def test_accounts_defaults(wh: Warehouse, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "accounts.csv", ["account", "kind"], [["店:小王", ""], ["主号", "BOT"]])
    import_paths(wh, [path], SH)
    assert rows(wh, "SELECT account, shop, kind FROM accounts ORDER BY account") == [
        ("主号", "主号", "bot"), ("店:小王", "店", "human")]


def test_parquet_input(wh: Warehouse, tmp_path: Path) -> None:
    table = pa.table({
        "order_id": ["o1", "o2"],
        "shop": ["店", "店"],
        "created_at": pa.array([dt.datetime(2026, 3, 1, 10), dt.datetime(2026, 3, 1, 11)], pa.timestamp("us")),
        "paid_at": pa.array([dt.datetime(2026, 3, 1, 2, 5, tzinfo=dt.UTC), None],
                            pa.timestamp("us", tz="UTC")),
        "amount": [19.9, 5.0],
        "items": pa.array([2, None], pa.int64()),
    })
    pq.write_table(table, tmp_path / "orders.parquet")
    summary = import_paths(wh, [tmp_path], SH)
    assert summary.ok and summary.files[0].table == "orders"
    assert rows(wh, "SELECT order_id, created_at, paid_at, amount, items FROM orders ORDER BY order_id") == [
        ("o1", utc(2026, 3, 1, 2), utc(2026, 3, 1, 2, 5), Decimal("19.9"), 2),
        ("o2", utc(2026, 3, 1, 3), None, Decimal("5"), 1),
    ]


def test_parquet_bad_row_is_numbered_from_one(wh: Warehouse, tmp_path: Path) -> None:
    pq.write_table(pa.table({"shop": ["店", "店"], "buyer": ["b1", None]}), tmp_path / "blocklist.parquet")
    summary = import_paths(wh, [tmp_path / "blocklist.parquet"], SH)
    [bad] = summary.rejections
    assert (bad.line, bad.column) == (2, "buyer")
    assert wh.counts()["blocklist"] == 1


def test_record_lines_counts_quoted_newlines_and_skips_blank_lines() -> None:
    data = b'a,b\r\n1,"x\r\ny"\r\n\r\n2,3\n"q""\n",4\n\n'
    assert record_lines(data).tolist() == [1, 2, 5, 6]


@pytest.mark.parametrize("data, lines", [
    # CRLF ends, a quoted CRLF inside a value, a blank line
    (b'shop,buyer,reason\r\ns,b1,"x\r\ny"\r\n\r\ns,,bad\r\n', [(5, "buyer")]),
    # a bare quote inside an unquoted value defeats the byte scan: lines come from the parser's rows
    (b'shop,buyer,reason\ns,b1,"a\nb"\ns,b1,he said "hi\nthere\n"x\ny",,bad\n', [(5, ""), (6, "buyer")]),
    # no newline at the end of the file
    (b"shop,buyer\ns,b1\ns,", [(3, "buyer")]),
])
def test_line_numbers_in_awkward_csv(wh: Warehouse, tmp_path: Path, data: bytes, lines: list[tuple[int, str]]) -> None:
    (tmp_path / "blocklist.csv").write_bytes(data)
    summary = import_paths(wh, [tmp_path / "blocklist.csv"], SH)
    assert [(r.line, r.column) for r in summary.rejections] == lines
    assert wh.counts()["blocklist"] == 1


def test_header_only_and_empty_files(wh: Warehouse, tmp_path: Path) -> None:
    (tmp_path / "blocklist.csv").write_bytes(b"\xef\xbb\xbfshop,buyer\r\n")
    (tmp_path / "complaints.csv").write_bytes(b"")
    summary = import_paths(wh, [tmp_path], SH)
    complaints, blocklist = summary.files  # contract order: complaints before blocklist
    assert (complaints.table, blocklist.table) == ("complaints", "blocklist")
    assert (blocklist.rows_read, blocklist.error) == (0, None)
    assert complaints.error == "文件为空，缺少表头 / empty file, no header row"


def test_gbk_canonical_file_is_decoded_and_undecodable_bytes_are_a_file_error(wh: Warehouse, tmp_path: Path) -> None:
    (tmp_path / "blocklist.csv").write_bytes("shop,buyer\n店,买家\n".encode("gbk"))
    write_csv(tmp_path / "messages.csv", MSG_HEADER, [["m1", "s", "b", "s:a", "buyer", "2026-03-01 10:00:00", "", ""]])
    summary = import_paths(wh, [tmp_path], SH)
    assert summary.ok and rows(wh, "SELECT shop, buyer FROM blocklist") == [("店", "买家")]
    assert [f.encoding for f in summary.files] == ["utf-8", "gb18030"]  # messages, then blocklist
    (tmp_path / "blocklist.csv").write_bytes(b"shop,buyer\n\x81\x20\xff\xfe\x00,b\n")
    [error] = import_paths(wh, [tmp_path / "blocklist.csv"], SH, options=ImportOptions(encoding="utf-8")).errors
    assert "blocklist.csv" in error and "utf-8" in error


def test_missing_required_column_is_a_file_error(wh: Warehouse, tmp_path: Path) -> None:
    write_csv(tmp_path / "orders.csv", ["order_id", "shop", "created_at"], [["o1", "店", "2026-03-01"]])
    write_csv(tmp_path / "blocklist.csv", ["shop", "buyer"], [["店", "b"]])
    summary = import_paths(wh, [tmp_path], SH)
    orders = next(f for f in summary.files if f.table == "orders")
    assert orders.error is not None and orders.error.startswith("缺少必需的列: amount")
    assert " / missing required columns: amount" in orders.error
    assert orders.inserted == 0 and wh.counts()["orders"] == 0
    assert wh.counts()["blocklist"] == 1  # the other file still goes in
    assert not summary.ok


def test_unknown_names_and_missing_paths(wh: Warehouse, tmp_path: Path) -> None:
    stray = tmp_path / "chats.csv"
    stray.write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(InputError, match="无法识别文件格式: chats.csv"):
        import_paths(wh, [stray], SH)
    with pytest.raises(InputError, match="没有可识别的数据文件"):
        import_paths(wh, [tmp_path], SH)
    with pytest.raises(InputError, match="找不到路径"):
        import_paths(wh, [tmp_path / "nope"], SH)
    write_csv(tmp_path / "orders.csv", ["order_id"], [])
    pq.write_table(pa.table({"order_id": ["o"]}), tmp_path / "orders.parquet")
    with pytest.raises(InputError, match="两个文件"):
        import_paths(wh, [tmp_path], SH)


# --- bad rows -----------------------------------------------------------------------------------

BAD_MESSAGES = (
    "msg_id,shop,buyer,account,sender,ts,content,msg_type\n"
    "1,s,b1,s:a,buyer,2026-03-01 10:00:00,hi,text\n"
    '2,s,b1,s:a,agent,2026-03-01 10:00:01,"multi\nline, quoted",\n'
    "3,s,b1,s:a,agent,2026-13-01,bad time,text\n"
    "4,s,b1,s:a,robot,2026-03-01 10:00:02,bad sender,\n"
    "5,s,,s:a,buyer,2026-03-01 10:00:03,no buyer,\n"
    "\n"
    "6,s,b1,s:a, AGENT ,2026-03-01 10:00:04,ok,\n"
    "7,s,b1\n"
    "8,s,b1,s:a,buyer,,no time,\n"
)


def test_bad_rows_are_reported_with_line_column_reason(wh: Warehouse, tmp_path: Path) -> None:
    (tmp_path / "messages.csv").write_text(BAD_MESSAGES, encoding="utf-8")
    summary = import_paths(wh, [tmp_path], SH)
    [f] = summary.files
    got = [(r.line, r.column, r.reason.split(" / ")[0]) for r in f.rejected]
    assert got == [
        (5, "ts", '时间无法解析: "2026-13-01"'),
        (6, "sender", '取值无效: "robot"，应为 buyer/agent/bot/auto/system'),
        (7, "buyer", "缺少必填值"),
        (10, "", "列数不对: 应为 8 列，实际 3 列"),
        (11, "ts", "缺少必填值"),
    ]
    assert all(" / " in r.reason for r in f.rejected)
    assert f.rejected[0].values["content"] == "bad time" and f.rejected[0].file == tmp_path / "messages.csv"
    assert (f.rows_read, f.inserted, len(f.rejected)) == (8, 3, 5)
    assert rows(wh, "SELECT msg_id, sender, content FROM messages ORDER BY seq") == [
        ("1", "buyer", "hi"), ("2", "agent", "multi\nline, quoted"), ("6", "agent", "ok")]


@pytest.mark.parametrize("table, header, good, bad, column, reason", [
    ("orders", ["order_id", "shop", "created_at", "amount", "items"],
     ["o1", "店", "2026-03-01 10:00:00", "9.90", "1"], ["o2", "店", "2026-03-01 10:00:00", "9.90", "0"],
     "items", '数量应为不小于 1 的整数: "0"'),
    ("orders", ["order_id", "shop", "created_at", "amount"],
     ["o1", "店", "2026-03-01 10:00:00", "9.90"], ["o2", "店", "2026-03-01 10:00:00", "9,90"],
     "amount", '数字无法解析: "9,90"'),
    ("ratings", ["order_id", "shop", "rated_at", "service_score"],
     ["o1", "店", "2026-03-01", "5"], ["o2", "店", "2026-03-01", "6"],
     "service_score", '服务评分应为 1-5 的整数: "6"'),
    ("ratings", ["order_id", "shop", "rated_at", "service_score"],
     ["o1", "店", "2026-03-01", "1"], ["o2", "店", "2026-03-01", "4.5"],
     "service_score", '服务评分应为 1-5 的整数: "4.5"'),
    ("presence", ["account", "start", "end", "status"],
     ["店:a", "2026-03-01 10:00:00", "2026-03-01 11:00:00", "Online"],
     ["店:a", "2026-03-01 12:00:00", "2026-03-01 12:00:00", "busy"],
     "end", "结束时间应晚于开始时间"),
    ("presence", ["account", "start", "end", "status"],
     ["店:a", "2026-03-01 10:00:00", "2026-03-01 11:00:00", "away"],
     ["店:a", "2026-03-01 12:00:00", "2026-03-01 13:00:00", "lunch"],
     "status", '取值无效: "lunch"，应为 online/busy/away/offline'),
    ("refunds", ["refund_id", "order_id", "shop", "created_at", "disputed"],
     ["r1", "o1", "店", "2026-03-01", "1"], ["r2", "o1", "店", "2026-03-01", "yes"],
     "disputed", '取值无效: "yes"，应为 true/false/1/0'),
    ("complaints", ["complaint_id", "shop", "created_at"],
     ["c1", "店", "2026-03-01"], ["c2", "店", "1900-03-01"],
     "created_at", '时间超出范围（1970-2199 年）: "1900-03-01"'),
])
def test_rule_violations(wh: Warehouse, tmp_path: Path, table: str, header: list[str], good: list[str],
                         bad: list[str], column: str, reason: str) -> None:
    path = write_csv(tmp_path / f"{table}.csv", header, [good, bad])
    summary = import_paths(wh, [path], SH)
    [rejection] = summary.rejections
    assert (rejection.line, rejection.column, rejection.reason.split(" / ")[0]) == (3, column, reason)
    assert wh.counts()[table] == 1


def test_refund_flags(wh: Warehouse, tmp_path: Path) -> None:
    header = ["refund_id", "order_id", "shop", "created_at", "disputed", "completed_by"]
    path = write_csv(tmp_path / "refunds.csv", header, [
        ["r1", "o", "店", "2026-03-01", "TRUE", " Merchant"], ["r2", "o", "店", "2026-03-01", "0", ""],
        ["r3", "o", "店", "2026-03-01", "", "platform"], ["r4", "o", "店", "2026-03-01", "1", "shop"],
    ])
    summary = import_paths(wh, [path], SH)
    assert [(r.line, r.column) for r in summary.rejections] == [(5, "completed_by")]
    assert rows(wh, "SELECT refund_id, disputed, completed_by FROM refunds ORDER BY 1") == [
        ("r1", True, "merchant"), ("r2", False, None), ("r3", False, "platform")]


def test_rejects_file(wh: Warehouse, tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "messages.csv").write_text(BAD_MESSAGES, encoding="utf-8")
    write_csv(tmp_path / "in" / "orders.csv", ["order_id", "shop", "created_at", "amount"],
              [["o1", "店", "昨天", "1"]])
    out = tmp_path / "rejects.csv"
    summary = import_paths(wh, [tmp_path / "in"], SH, rejects_path=out)
    assert summary.rejects_path == out
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as fh:
        got = list(csv.DictReader(fh))
    assert list(got[0])[:4] == ["file", "line", "column", "reason"]
    assert {"msg_id", "ts", "order_id", "amount"} <= set(got[0])
    assert [(Path(r["file"]).name, r["line"], r["column"]) for r in got] == [
        ("messages.csv", "5", "ts"), ("messages.csv", "6", "sender"), ("messages.csv", "7", "buyer"),
        ("messages.csv", "10", ""), ("messages.csv", "11", "ts"), ("orders.csv", "2", "created_at")]
    assert got[0]["ts"] == "2026-13-01" and got[0]["content"] == "bad time"
    assert got[-1]["reason"].startswith('时间无法解析: "昨天" / ')


# --- strictness, atomicity, dry runs ------------------------------------------------------------

@needs_example
def test_strict_mode_leaves_the_warehouse_unchanged(wh: Warehouse, tmp_path: Path) -> None:
    import_paths(wh, [EXAMPLE / "accounts.csv"], SH)
    before = rows(wh, "SELECT * FROM accounts ORDER BY account")
    (tmp_path / "messages.csv").write_text(BAD_MESSAGES, encoding="utf-8")
    write_csv(tmp_path / "accounts.csv", ["account", "agent_name"], [["山野户外专营店:小王", "改名"]])
    with pytest.raises(ImportFailed) as info:
        import_paths(wh, [tmp_path], SH, strict=True, rejects_path=tmp_path / "rejects.csv")
    assert len(info.value.summary.rejections) == 5 and not info.value.summary.committed
    assert str(info.value).startswith("严格模式：5 行被拒绝")
    assert wh.counts()["messages"] == 0
    assert rows(wh, "SELECT * FROM accounts ORDER BY account") == before
    assert (tmp_path / "rejects.csv").exists()


@needs_example
def test_strict_mode_imports_clean_data(wh: Warehouse) -> None:
    summary = import_paths(wh, [EXAMPLE], SH, strict=True)
    assert summary.committed and wh.counts() == EXAMPLE_COUNTS


@needs_example
def test_failure_midway_rolls_back_everything(wh: Warehouse, monkeypatch: pytest.MonkeyPatch) -> None:
    import_paths(wh, [EXAMPLE / "blocklist.csv"], SH)
    real = canonical._write_keyed

    def failing(con, table, summary, good, timezone):  # type: ignore[no-untyped-def]
        if table.name == "refunds":  # after accounts, messages and orders were written
            raise RuntimeError("disk full")
        return real(con, table, summary, good, timezone)

    monkeypatch.setattr(canonical, "_write_keyed", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        import_paths(wh, [EXAMPLE], SH)
    assert wh.counts() == {t: (2 if t == "blocklist" else 0) for t in EXAMPLE_COUNTS}
    monkeypatch.setattr(canonical, "_write_keyed", real)
    import_paths(wh, [EXAMPLE], SH)  # the connection is usable again
    assert wh.counts() == EXAMPLE_COUNTS


@needs_example
def test_dry_run_counts_but_writes_nothing(wh: Warehouse) -> None:
    summary = import_paths(wh, [EXAMPLE], SH, dry_run=True)
    assert summary.totals()["messages"]["inserted"] == 1258 and not summary.committed
    assert wh.is_empty() and wh.import_timezone is None


@needs_example
def test_read_only_warehouse_refuses_imports(tmp_path: Path) -> None:
    path = tmp_path / "kefu.duckdb"
    Warehouse.open(path).close()
    with Warehouse.open(path, read_only=True) as ro, pytest.raises(WarehouseError, match="只读"):
        import_paths(ro, [EXAMPLE], SH)


@needs_example
def test_other_timezone_than_the_stored_data_is_refused(wh: Warehouse) -> None:
    import_paths(wh, [EXAMPLE / "orders.csv"], SH)
    with pytest.raises(TimezoneMismatch, match="Asia/Shanghai"):
        import_paths(wh, [EXAMPLE / "orders.csv"], Settings(timezone="Europe/Berlin"))


@needs_example
def test_progress_is_reported_per_file(wh: Warehouse) -> None:
    calls: list[tuple[str, int, int]] = []
    import_paths(wh, [EXAMPLE / "orders.csv", EXAMPLE / "ratings.csv"], SH,
                 progress=lambda f, done, total: calls.append((f.name, done, total)))
    assert calls == [("orders.csv", 0, 153), ("orders.csv", 153, 153), ("ratings.csv", 0, 40), ("ratings.csv", 40, 40)]


# --- keys ---------------------------------------------------------------------------------------

def test_later_order_rows_replace_earlier_ones(wh: Warehouse, tmp_path: Path) -> None:
    header = ["order_id", "shop", "buyer", "created_at", "paid_at", "amount"]
    first = write_csv(tmp_path / "a" / "orders.csv", header, [
        ["o1", "店", "b", "2026-03-01 10:00:00", "", "10"],
        ["o2", "店", "b", "2026-03-01 11:00:00", "", "20"],
        ["o2", "店", "b", "2026-03-01 11:00:00", "", "21"],  # same key later in the file wins
    ])
    s1 = import_paths(wh, [first], SH)
    assert (s1.files[0].inserted, s1.files[0].replaced) == (2, 1)
    second = write_csv(tmp_path / "b" / "orders.csv", header, [
        ["o1", "店", "b", "2026-03-01 10:00:00", "2026-03-01 10:05:00", "10"],
        ["o3", "店", "b", "2026-03-02 09:00:00", "", "30"],
        ["o3", "店", "b", "2026-03-02 09:00:00", "", "30"],  # word for word again: a duplicate
        ["o2", "店", "b", "2026-03-01 11:00:00", "", "21"],  # as stored: a duplicate, not an update
    ])
    s2 = import_paths(wh, [second], SH)
    assert (s2.files[0].inserted, s2.files[0].replaced, s2.files[0].duplicates) == (1, 1, 2)
    assert rows(wh, "SELECT order_id, paid_at, amount FROM orders ORDER BY order_id") == [
        ("o1", utc(2026, 3, 1, 2, 5), Decimal("10")), ("o2", None, Decimal("21")), ("o3", None, Decimal("30"))]


def test_presence_and_blocklist_keys(wh: Warehouse, tmp_path: Path) -> None:
    write_csv(tmp_path / "presence.csv", ["account", "start", "end", "status"], [
        ["店:a", "2026-03-01 10:00:00", "2026-03-01 11:00:00", "online"],
        ["店:a", "2026-03-01 10:00:00", "2026-03-01 10:30:00", "busy"],
    ])
    write_csv(tmp_path / "blocklist.csv", ["shop", "buyer", "reason"], [["店", "b", "刷单"], ["店", "b", "恶意"]])
    import_paths(wh, [tmp_path], SH)
    assert rows(wh, "SELECT status FROM presence") == [("busy",)]
    assert rows(wh, "SELECT reason FROM blocklist") == [("恶意",)]


# --- times --------------------------------------------------------------------------------------

def test_time_forms(wh: Warehouse, tmp_path: Path) -> None:
    forms = {
        "a": "2026-03-01 10:00:00",
        "b": "2026-03-01T10:00:00",
        "c": "2026-03-01 10:00:00.250",
        "d": "2026-03-01",
        "e": "2026-03-01T10:00:00+08:00",
        "f": "2026-03-01 10:00:00+0800",
        "g": "2026-03-01T02:00:00Z",
        "h": "2026-03-01T05:00:00-05:00",
        "i": " 2026/3/1 10:00 ",
    }
    path = write_csv(tmp_path / "messages.csv", ["msg_id", "buyer", "account", "sender", "ts"],
                     [[k, "b", "店:a", "buyer", v] for k, v in forms.items()])
    summary = import_paths(wh, [path], SH)
    assert summary.ok
    got = dict(rows(wh, "SELECT msg_id, ts FROM messages"))
    ten = utc(2026, 3, 1, 2)
    assert got == {"a": ten, "b": ten, "c": ten + dt.timedelta(milliseconds=250), "d": utc(2026, 2, 28, 16),
                   "e": ten, "f": ten, "g": ten, "h": utc(2026, 3, 1, 10), "i": ten}


@pytest.mark.parametrize("text", ["2026-03-01 24:00:00", "2026-02-30", "2026-03-01 10:00:00+25:00",
                                  "01/03/2026", "2026-03-01 10:00:00 CST", "20260301", "昨天"])
def test_unparseable_times(text: str) -> None:
    assert np.isnat(parse_times([text], "Asia/Shanghai")).all()


def test_dst_gap_and_overlap_take_the_offset_before_the_change(wh: Warehouse, tmp_path: Path) -> None:
    ny = Settings(timezone="America/New_York")
    path = write_csv(tmp_path / "messages.csv", ["msg_id", "buyer", "account", "sender", "ts"], [
        ["gap", "b", "店:a", "buyer", "2026-03-08 02:30:00"],  # skipped: EST (-5) still applies
        ["overlap", "b", "店:a", "buyer", "2026-11-01 01:30:00"],  # twice: EDT (-4), the earlier offset
        ["summer", "b", "店:a", "buyer", "2026-07-01 12:00:00"],
        ["offset", "b", "店:a", "buyer", "2026-11-01 01:30:00-05:00"],  # explicit: the second 01:30
    ])
    import_paths(wh, [path], ny)
    assert dict(rows(wh, "SELECT msg_id, ts FROM messages")) == {
        "gap": utc(2026, 3, 8, 7, 30), "overlap": utc(2026, 11, 1, 5, 30),
        "summer": utc(2026, 7, 1, 16), "offset": utc(2026, 11, 1, 6, 30)}
    assert wh.import_timezone == "America/New_York"


def _expected_instant(local: dt.datetime, tz: str) -> dt.datetime:
    """The contract's rule by zoneinfo: fold=0 takes the offset in force before a change."""
    aware = local.replace(tzinfo=zoneinfo.ZoneInfo(tz), fold=0)
    return aware.astimezone(dt.UTC).replace(tzinfo=None)


ZONES = ["Asia/Shanghai", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe"]


@cache
def _changes(tz: str, year: int) -> tuple[dt.datetime, ...]:
    """Local wall-clock times (to the hour) near which the zone's offset changes during a year."""
    zone, start = zoneinfo.ZoneInfo(tz), dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    out, before = [], start.astimezone(zone).utcoffset()
    for hour in range(1, 366 * 24):
        instant = start + dt.timedelta(hours=hour)
        offset = instant.astimezone(zone).utcoffset()
        if offset != before:
            assert before is not None
            out.append((instant + before).replace(tzinfo=None))
            before = offset
    return tuple(out)


@st.composite
def zoned_local_times(draw: st.DrawFn) -> tuple[str, dt.datetime]:
    """A zone and a local time: anywhere, or within two hours of a daylight-saving change (gaps, overlaps)."""
    tz = draw(st.sampled_from(ZONES))
    anywhere = st.datetimes(min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(2150, 12, 31))
    if draw(st.booleans()):
        return tz, draw(anywhere)
    year = draw(st.integers(min_value=1980, max_value=2100))
    changes = _changes(tz, year)
    if not changes:
        return tz, draw(anywhere)
    near = draw(st.sampled_from(changes))
    shift = dt.timedelta(seconds=draw(st.integers(-7200, 7200)), microseconds=draw(st.integers(0, 999_999)))
    return tz, near + shift


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect()
    yield c
    c.close()


@hyp_settings(max_examples=300, deadline=None)
@given(zoned=zoned_local_times(), offset_min=st.integers(min_value=-14 * 60, max_value=14 * 60))
def test_time_parser_property(con: duckdb.DuckDBPyConnection, zoned: tuple[str, dt.datetime], offset_min: int) -> None:
    tz, local = zoned
    whole = local.replace(microsecond=0)
    sign = "+" if offset_min >= 0 else "-"
    hh, mm = divmod(abs(offset_min), 60)
    offset = dt.timedelta(minutes=offset_min)
    forms = {
        whole.strftime("%Y-%m-%d %H:%M:%S"): _expected_instant(whole, tz),
        whole.strftime("%Y-%m-%dT%H:%M:%S"): _expected_instant(whole, tz),
        local.strftime("%Y-%m-%d %H:%M:%S.%f"): _expected_instant(local, tz),
        local.strftime("%Y-%m-%d"): _expected_instant(local.replace(hour=0, minute=0, second=0, microsecond=0), tz),
        whole.strftime("%Y-%m-%dT%H:%M:%S") + f"{sign}{hh:02d}:{mm:02d}": whole - offset,
        local.strftime("%Y-%m-%d %H:%M:%S.%f") + f"{sign}{hh:02d}{mm:02d}": local - offset,
        whole.strftime("%Y-%m-%dT%H:%M:%SZ"): whole,
    }
    got = parse_times(list(forms), tz, con)
    expected = np.array([np.datetime64(v, "us") for v in forms.values()], dtype="datetime64[us]")
    assert got.tolist() == expected.tolist(), list(forms)


def test_many_rows_take_the_vectorised_path(wh: Warehouse, tmp_path: Path) -> None:
    n = 50_000
    base = np.datetime64("2026-03-01T00:00:00")
    ts = np.datetime_as_string(base + np.arange(n) // 3 * np.timedelta64(1, "s")).astype(object)
    table = pa.table({
        "buyer": pa.array([f"买家{i % 997}" for i in range(n)]),
        "account": pa.array(["店:小王"] * n),
        "sender": pa.array(["buyer", "agent"] * (n // 2)),
        "ts": pa.array(ts, pa.string()),
        "content": pa.array(["同一句话"] * n),
    })
    pq.write_table(table, tmp_path / "messages.parquet")
    first = import_paths(wh, [tmp_path], SH)
    assert first.files[0].inserted == n
    again = import_paths(wh, [tmp_path], SH)
    assert again.files[0].duplicates == n and wh.counts()["messages"] == n
