"""Tmall order and refund reports, tabular chat exports and Excel: every encoding, cleaners, updates, rejects."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from kefu.config import Settings
from kefu.ingest import ImportOptions, InputError, import_paths
from kefu.store import Warehouse
from tests.conftest import SHARED
from tests.ingest.render import (
    ORDER_HEADER,
    REFUND_HEADER,
    csv_text,
    order_report_rows,
    refund_report_rows,
    write_text,
    write_xlsx,
)

REAL_ORDERS = SHARED / "data" / "real" / "tmall_order_report.csv"
SHOP = "橙子旗舰店"
ORDERS = [
    {"order_id": "2840012345678901", "shop": SHOP, "buyer": "tb_cat", "amount": "199.00", "status": "交易成功",
     "items": "2", "created_at": "2026-11-11 10:05:00", "paid_at": "2026-11-11 10:06:00"},
    {"order_id": "2840012345678902", "shop": SHOP, "buyer": "猫猫1", "amount": "0.00", "status": "等待买家付款",
     "items": "1", "created_at": "2026/11/11 9:03", "paid_at": None},
    {"order_id": "2840012345678903", "shop": SHOP, "buyer": "兔兔3", "amount": "1,299.50", "status": "交易成功",
     "items": "1", "created_at": "2026-11-11 23:59:59", "paid_at": "2026-11-12 00:00:30"},
]
# The stored rows (UTC) the three orders become.
STORED = [
    ("2840012345678901", SHOP, "tb_cat", dt.datetime(2026, 11, 11, 2, 5), dt.datetime(2026, 11, 11, 2, 6),
     Decimal("199"), 2, "交易成功"),
    ("2840012345678902", SHOP, "猫猫1", dt.datetime(2026, 11, 11, 1, 3), None, Decimal("0"), 1, "等待买家付款"),
    ("2840012345678903", SHOP, "兔兔3", dt.datetime(2026, 11, 11, 15, 59, 59), dt.datetime(2026, 11, 11, 16, 0, 30),
     Decimal("1299.5"), 1, "交易成功"),
]


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[Warehouse]:
    with Warehouse.open(tmp_path / "kefu.duckdb") as w:
        yield w


def stored_orders(wh: Warehouse) -> list[tuple]:
    return wh.con.execute("SELECT order_id, shop, buyer, created_at, paid_at, amount, items, status "
                          "FROM orders ORDER BY order_id").fetchall()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_order_report_in_every_encoding(wh: Warehouse, tmp_path: Path, encoding: str, delimiter: str) -> None:
    text = csv_text(ORDER_HEADER, order_report_rows(ORDERS), delimiter=delimiter)
    text = text.replace('="2840012345678902"', "'2840012345678902")  # Excel's text marker instead of ="…"
    path = write_text(tmp_path / "ExportOrderList202611.csv", text, encoding)
    summary = import_paths(wh, [path], Settings())
    f = summary.files[0]
    assert (f.format, f.table, f.inserted, f.rejected_count, f.error) == ("tmall_orders", "orders", 3, 0, None)
    assert stored_orders(wh) == STORED


def test_order_report_from_excel_below_a_title(wh: Warehouse, tmp_path: Path) -> None:
    rows = [[2840012345678901, "tb_cat", 199.0, "浙江省", "交易成功", 2.0, dt.datetime(2026, 11, 11, 10, 5),
             dt.datetime(2026, 11, 11, 10, 6), SHOP],
            ["2840012345678902 ", "猫猫1", 0, "浙江省", "等待买家付款", 1, "2026/11/11 9:03", None, SHOP],
            ["2840012345678903", "兔兔3", "1,299.50", "浙江省", "交易成功", 1, "2026-11-11 23:59:59",
             "2026-11-12 00:00:30", SHOP]]
    path = write_xlsx(tmp_path / "订单.xlsx", ORDER_HEADER, rows, title_rows=2)
    summary = import_paths(wh, [path], Settings())
    assert (summary.files[0].format, summary.files[0].inserted) == ("tmall_orders", 3)
    assert stored_orders(wh) == STORED
    # A bad cell is reported by its sheet row.
    write_xlsx(path, ORDER_HEADER, [rows[0], [*rows[1][:6], "昨天", None, SHOP]], title_rows=2)
    [bad] = import_paths(wh, [path], Settings()).rejections
    assert (bad.line, bad.column) == (5, "created_at") and "时间无法解析" in bad.reason


def test_bad_rows_keep_physical_line_and_good_rows_go_in(wh: Warehouse, tmp_path: Path) -> None:
    rows = order_report_rows(ORDERS)
    rows[1][6] = "not a time"
    rows[0][1] = "多行\n昵称"  # a quoted newline: the next rows start one line later
    rows[2][2] = "abc"
    path = write_text(tmp_path / "orders_export.csv", csv_text(ORDER_HEADER, rows), "gbk")
    summary = import_paths(wh, [path], Settings())
    assert [(r.line, r.column) for r in summary.rejections] == [(4, "created_at"), (5, "amount")]
    assert summary.rejections[0].values["订单编号"] == '="2840012345678902"'
    assert summary.files[0].inserted == 1


def test_overlapping_reports_update_orders_and_the_same_report_twice_adds_nothing(
        wh: Warehouse, tmp_path: Path) -> None:
    yesterday = [dict(o) for o in ORDERS[:2]]
    today = [dict(o) for o in ORDERS[1:]]
    today[0].update(paid_at="2026-11-12 08:00:00", amount="59.00", status="买家已付款")
    first = write_text(tmp_path / "d1" / "ExportOrderList1.csv", csv_text(ORDER_HEADER, order_report_rows(yesterday)),
                       "gbk")
    second = write_text(tmp_path / "d2" / "ExportOrderList2.csv", csv_text(ORDER_HEADER, order_report_rows(today)),
                        "gbk")
    import_paths(wh, [first], Settings())
    again = import_paths(wh, [first], Settings())
    assert (again.files[0].inserted, wh.counts()["orders"]) == (0, 2)
    later = import_paths(wh, [second], Settings())
    assert (later.files[0].inserted, later.files[0].replaced) == (1, 1)
    assert wh.counts()["orders"] == 3
    assert wh.con.execute("SELECT paid_at, amount, status FROM orders WHERE order_id = '2840012345678902'"
                          ).fetchall() == [(dt.datetime(2026, 11, 12), Decimal("59"), "买家已付款")]


def test_report_without_shop_needs_the_shop_option(wh: Warehouse, tmp_path: Path) -> None:
    header = [h for h in ORDER_HEADER if h != "店铺名称"]
    path = write_text(tmp_path / "o.csv", csv_text(header, [r[:-1] for r in order_report_rows(ORDERS)]), "utf-8")
    [error] = import_paths(wh, [path], Settings()).errors
    assert "--shop" in error and "店铺名称" in error
    summary = import_paths(wh, [path], Settings(), options=ImportOptions(shop=SHOP))
    assert summary.ok and stored_orders(wh) == STORED


REFUNDS = [
    {"refund_id": "9120012345678901", "order_id": "2840012345678901", "shop": SHOP, "buyer": "tb_cat",
     "amount": "199.00", "created_at": "2026-11-12 09:00:00", "finished_at": "2026-11-12 15:30:00",
     "disputed": "false"},
    {"refund_id": "9120012345678902", "order_id": "2840012345678903", "shop": SHOP, "buyer": "兔兔3",
     "amount": "59.00", "created_at": "2026-11-13 10:00:00", "finished_at": "2026-11-15 10:00:00",
     "disputed": "true"},
    {"refund_id": "9120012345678903", "order_id": "2840012345678903", "shop": SHOP, "buyer": "兔兔3",
     "amount": "9.00", "created_at": "2026-11-13 11:00:00", "finished_at": None, "disputed": "false"},
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_refund_report_disputes_and_completed_by(wh: Warehouse, tmp_path: Path, encoding: str) -> None:
    path = write_text(tmp_path / "退款报表.csv", csv_text(REFUND_HEADER, refund_report_rows(REFUNDS)), encoding)
    summary = import_paths(wh, [path], Settings())
    assert (summary.files[0].format, summary.files[0].inserted, summary.ok) == ("tmall_refunds", 3, True)
    got = wh.con.execute("SELECT refund_id, order_id, disputed, completed_by, amount FROM refunds ORDER BY 1"
                         ).fetchall()
    assert got == [("9120012345678901", "2840012345678901", False, "merchant", Decimal("199")),
                   ("9120012345678902", "2840012345678903", True, "platform", Decimal("59")),
                   ("9120012345678903", "2840012345678903", False, None, Decimal("9"))]
    import_paths(wh, [path], Settings(refund_completed_by="buyer"))
    assert wh.con.execute("SELECT completed_by FROM refunds ORDER BY 1").fetchall() == [
        ("buyer",), ("platform",), (None,)]


CHAT_HEADER = ["时间", "发送人", "接收人", "内容"]
CHAT_ROWS = [
    ["2026-11-11 10:00:00", "猫猫1", "橙子旗舰店:小王", "在吗"],
    ["2026-11-11 10:00:01", "橙子旗舰店:小王", "猫猫1", "[自动回复]您好欢迎光临"],
    ["2026-11-11 10:00:12", "橙子旗舰店:小王", "猫猫1", "亲在的\n有货哦"],
    ["2026-11-11 10:00:20", "阿里店小蜜", "兔兔3", "为您推荐M码"],
    ["2026-11-11 10:00:21", "系统消息", "兔兔3", "橙子旗舰店:阿里店小蜜 --> 橙子旗舰店:小李"],
]
CHAT_STORED = [
    ("猫猫1", "橙子旗舰店:小王", "buyer", "在吗"),
    ("猫猫1", "橙子旗舰店:小王", "auto", "您好欢迎光临"),
    ("猫猫1", "橙子旗舰店:小王", "agent", "亲在的\n有货哦"),
    ("兔兔3", "橙子旗舰店:阿里店小蜜", "bot", "为您推荐M码"),
    ("兔兔3", "橙子旗舰店:阿里店小蜜", "system", "橙子旗舰店:阿里店小蜜 --> 橙子旗舰店:小李"),
]


def stored_messages(wh: Warehouse) -> list[tuple]:
    return wh.con.execute("SELECT buyer, account, sender, content FROM messages ORDER BY ts, seq").fetchall()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_chat_table_csv_in_every_encoding(wh: Warehouse, tmp_path: Path, encoding: str) -> None:
    path = write_text(tmp_path / "chats.csv", csv_text(CHAT_HEADER, CHAT_ROWS), encoding)
    summary = import_paths(wh, [path], Settings(), options=ImportOptions(shop=SHOP))
    assert (summary.files[0].format, summary.files[0].inserted, summary.ok) == ("chat_table", 5, True)
    assert stored_messages(wh) == CHAT_STORED


def test_chat_table_xlsx_with_role_words_and_account_columns(wh: Warehouse, tmp_path: Path) -> None:
    header = ["消息时间", "发送方", "客服", "买家", "消息内容"]
    rows = [[dt.datetime(2026, 11, 11, 10, 0), "买家", "橙子旗舰店:小王", "猫猫1", "在吗"],
            [dt.datetime(2026, 11, 11, 10, 0, 9), "客服", "橙子旗舰店:小王", "猫猫1", "在的"],
            [dt.datetime(2026, 11, 11, 10, 0, 30), "系统", "橙子旗舰店:小王", "猫猫1", "买家已下单"],
            [dt.datetime(2026, 11, 11, 10, 1), "客服", None, "猫猫1", "好的"]]
    path = write_xlsx(tmp_path / "聊天.xlsx", header, rows)
    summary = import_paths(wh, [path], Settings())
    assert (summary.files[0].format, summary.ok) == ("chat_table", True)
    assert stored_messages(wh) == [("猫猫1", "橙子旗舰店:小王", "buyer", "在吗"),
                                   ("猫猫1", "橙子旗舰店:小王", "agent", "在的"),
                                   ("猫猫1", "橙子旗舰店:小王", "system", "买家已下单"),
                                   ("猫猫1", "橙子旗舰店:小王", "agent", "好的")]


PDD_HEADER = ["订单号", "商品数量(件)", "商家实收金额(元)", "订单成交时间", "支付时间", "订单状态"]
PDD_ROWS = [["260101-123", "2", "59.9", "2026-01-01 10:00:00", "2026-01-01 10:01:00", "已发货"]]


def test_map_and_profile_read_a_new_platform(wh: Warehouse, tmp_path: Path) -> None:
    path = write_text(tmp_path / "pdd.csv", csv_text(PDD_HEADER, PDD_ROWS), "utf-8")
    with pytest.raises(InputError, match="无法识别文件格式"):
        import_paths(wh, [path], Settings())
    maps = ("商家实收金额(元)=amount", "订单成交时间=orders.created_at", "商品数量(件)=items")
    summary = import_paths(wh, [path], Settings(), options=ImportOptions(maps=maps, shop="拼多多店"))
    assert summary.ok and summary.files[0].format == "tmall_orders"
    profile = tmp_path / "pdd.toml"
    profile.write_text("""
name = "pdd_orders"
title = "拼多多订单"
table = "orders"
detect = ["order_id", "created_at"]
cleaners = ["strip"]
[columns]
order_id = ["订单号"]
amount = ["商家实收金额(元)"]
created_at = ["订单成交时间"]
paid_at = ["支付时间"]
items = ["商品数量(件)"]
status = ["订单状态"]
""", encoding="utf-8")
    again = import_paths(wh, [path], Settings(), options=ImportOptions(profile=profile, shop="拼多多店"))
    assert (again.files[0].format, again.files[0].duplicates) == ("pdd_orders", 1)
    assert wh.con.execute("SELECT order_id, shop, amount, items FROM orders").fetchall() == [
        ("260101-123", "拼多多店", Decimal("59.9"), 2)]


def test_format_option_and_bad_maps(wh: Warehouse, tmp_path: Path) -> None:
    path = write_text(tmp_path / "chat.txt", "2026-11-11 10:00:00 猫猫1\n在吗\n", "utf-8")
    with pytest.raises(InputError, match="未知格式"):
        import_paths(wh, [path], Settings(), options=ImportOptions(format="jd_orders"))
    with pytest.raises(InputError, match="未知的目标列"):
        import_paths(wh, [path], Settings(), options=ImportOptions(maps=("金额=money",)))
    summary = import_paths(wh, [path], Settings(), options=ImportOptions(format="tmall_orders", shop=SHOP))
    assert "缺少必需的列" in summary.errors[0]


@pytest.mark.skipif(not REAL_ORDERS.exists(), reason="real Tmall order report not present in ../shared/data/real")
def test_real_tmall_order_report_takes_every_row(wh: Warehouse) -> None:
    summary = import_paths(wh, [REAL_ORDERS], Settings(), options=ImportOptions(shop="天猫店"))
    f = summary.files[0]
    assert (f.format, f.rows_read, f.inserted, f.rejected_count, f.error) == ("tmall_orders", 28010, 28010, 0, None)
    paid, unpaid_paid_amount = wh.con.execute(
        "SELECT count(paid_at), sum(amount) FILTER (WHERE paid_at IS NULL) FROM orders").fetchall()[0]
    assert paid == 28010 - sum(1 for line in REAL_ORDERS.read_text(encoding="utf-8").splitlines()[1:]
                               if line.split(",")[5] == "")
    assert unpaid_paid_amount == 0  # an unpaid order paid nothing


def test_legacy_xls_order_report(wh: Warehouse) -> None:
    # A small Excel 97-2003 workbook (written once with xlwt): dates are real date cells.
    path = Path(__file__).with_name("fixtures") / "tmall_orders.xls"
    summary = import_paths(wh, [path], Settings())
    assert (summary.files[0].format, summary.files[0].inserted, summary.ok) == ("tmall_orders", 2, True)
    assert stored_orders(wh) == [STORED[0][:2] + ("猫猫1",) + STORED[0][3:],
                                 STORED[1][:2] + ("tb_dog", STORED[1][3], None, Decimal("88.5"), 1, "等待买家付款")]


def test_sheet_option_picks_the_sheet(wh: Warehouse, tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["本文件由商家后台导出"])
    orders = book.create_sheet("订单")
    orders.append(ORDER_HEADER)
    orders.append(["2840012345678901", *order_report_rows(ORDERS)[0][1:]])  # ="…" would be a formula cell
    path = tmp_path / "report.xlsx"
    book.save(path)
    with pytest.raises(InputError, match="无法识别文件格式"):
        import_paths(wh, [path], Settings())
    for sheet in ("订单", "2"):
        summary = import_paths(wh, [path], Settings(), options=ImportOptions(sheet=sheet))
        assert summary.ok and summary.files[0].format == "tmall_orders"
    assert stored_orders(wh) == STORED[:1]
    [error] = import_paths(wh, [path], Settings(), options=ImportOptions(sheet="9", format="tmall_orders")).errors
    assert "工作表 '9' 不存在" in error
