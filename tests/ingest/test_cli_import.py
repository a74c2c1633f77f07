"""`kefu import` with shop exports (dry run, options, clear errors) and `kefu formats`."""
from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from kefu.cli import app
from tests.ingest.render import ORDER_HEADER, csv_text, write_text

runner = CliRunner()
ROWS = [['="2840012345678901"', "tb_cat", "199.00", "浙江省", "交易成功", "2", "2026-11-11 10:05:00",
         "2026-11-11 10:06:00\t"],
        ['="2840012345678902"', "猫猫1", "abc", "浙江省", "交易成功", "1", "2026-11-11 10:07:00", ""]]


def kefu(db: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--db", str(db), *args])
    return result.exit_code, result.output


def test_dry_run_shows_format_counts_per_table_and_rejected_rows(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    write_text(folder / "订单.csv", csv_text(ORDER_HEADER[:-1], ROWS), "gbk")
    write_text(folder / "chats" / "小王.txt", "导出账号: 店:小王\n2026-11-11 10:00:00 猫猫1\n在吗\n", "utf-16")
    write_text(folder / "说明.md", "# 不是数据\n", "utf-8")
    db = tmp_path / "shop.duckdb"
    code, out = kefu(db, "import", str(folder), "--shop", "店", "--dry-run")
    assert code == 0, out
    assert "tmall_orders (gb18030)" in out and "qianniu_chat_text (utf-16)" in out
    assert "按表汇总" in out and "orders" in out and "messages" in out
    assert "订单.csv:3 列 amount：数字无法解析" in out
    assert "已跳过 1 个文件" in out and "说明.md" in out
    assert "试运行" in out
    code, out = kefu(db, "import", str(folder), "--shop", "店")
    assert code == 0
    code, out = kefu(db, "report", "--grain", "shop_day", "--format", "csv")
    assert code == 0 and "店,2026-11-11" in out


def test_missing_shop_and_unknown_file_are_clear_errors(tmp_path: Path) -> None:
    path = write_text(tmp_path / "订单.csv", csv_text(ORDER_HEADER[:-1], ROWS), "utf-8")
    code, out = kefu(tmp_path / "a.duckdb", "import", str(path))
    assert code == 1 and "文件错误" in out and "请加 --shop" in out  # a file taken whole fails the import
    stray = write_text(tmp_path / "x.csv", "a,b\n1,2\n", "utf-8")
    code, out = kefu(tmp_path / "a.duckdb", "import", str(stray))
    assert code == 1 and "无法识别文件格式: x.csv" in out
    code, out = kefu(tmp_path / "a.duckdb", "import", str(path), "--map", "金额")
    assert code == 1 and "--map 需要 源列=目标列" in out


def test_formats_lists_every_format_with_its_columns_and_an_example(tmp_path: Path) -> None:
    code, out = kefu(tmp_path / "a.duckdb", "formats")
    assert code == 0
    for name in ("canonical", "tmall_orders", "tmall_refunds", "qianniu_chat_text", "chat_table"):
        assert name in out
    code, out = kefu(tmp_path / "a.duckdb", "formats", "tmall_orders")
    assert code == 0 and "买家实际支付金额" in out and "excel_text" in out and '="2840012345678901"' in out
    code, out = kefu(tmp_path / "a.duckdb", "formats", "nope")
    assert code == 1 and "未知格式" in out
    mine = tmp_path / "jd.toml"
    mine.write_text('name = "jd_orders"\ntitle = "京东订单"\ntable = "orders"\n[columns]\norder_id = ["订单号"]\n',
                    encoding="utf-8")
    code, out = kefu(tmp_path / "a.duckdb", "formats", "jd_orders", "--profile", str(mine))
    assert code == 0 and "京东订单" in out and "订单号" in out
    mine.write_text('name = "jd"\ntable = "orderz"\n', encoding="utf-8")
    code, out = kefu(tmp_path / "a.duckdb", "formats", "--profile", str(mine))
    assert code == 1 and "未知的表" in out and "orderz" in out


def test_orders_without_buyer_count_in_shop_totals_and_explain_says_so(tmp_path: Path) -> None:
    header = ["订单编号", "总金额", "买家实际支付金额", "收货地址 ", "订单创建时间", "订单付款时间 ", "退款金额"]
    rows = [["1", "178.8", "0.0", "上海", "2026-11-11 09:00:00", "", "0.0"],
            ["2", "21.0", "21.0", "江苏省", "2026-11-11 09:10:00", "2026-11-11 09:12:00", "0.0"]]
    path = write_text(tmp_path / "tmall_order_report.csv", csv_text(header, rows), "utf-8")
    db = tmp_path / "a.duckdb"
    assert kefu(db, "import", str(path), "--shop", "天猫店")[0] == 0
    code, out = kefu(db, "report", "--grain", "shop_day", "--format", "csv")
    assert code == 0 and out.splitlines()[1].startswith("天猫店,2026-11-11,")
    code, out = kefu(db, "explain", "--shop", "天猫店", "--day", "2026-11-11", "--metric", "total_orders")
    assert code == 0 and "无买家订单数" in out and "不能归属任何询单" in out
