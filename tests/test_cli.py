"""The kefu command line end to end: import, report in every format, explain, metrics, settings, errors."""
from __future__ import annotations

import csv
import io
import json
import re
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kefu.cli import app
from kefu.metrics.catalog import GRAIN_ORDER
from kefu.store import Warehouse
from tests.conftest import EXAMPLES

BASIC = EXAMPLES / "basic"
runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "shop.duckdb"
    result = runner.invoke(app, ["--db", str(path), "import", str(BASIC)])
    assert result.exit_code == 0, result.output
    return path


def kefu(db: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--db", str(db), *args])
    return result.exit_code, result.output


def test_import_prints_a_summary_and_is_idempotent(tmp_path: Path, db: Path) -> None:
    code, out = kefu(db, "import", str(BASIC))
    assert code == 0
    assert "导入结果" in out and "messages" in out
    # The 18 messages are read again and all recognised as duplicates: read 18, written 0, updated 0, repeated 18.
    assert re.search(r"messages\.csv\s*│[^│]*│\s*18\s*│\s*0\s*│\s*0\s*│\s*18\s*│\s*0\s*│", out), out
    _, report = kefu(db, "report", "--format", "json")
    assert len(json.loads(report)["rows"]) == 4


def test_report_json_has_the_contract_shape(db: Path) -> None:
    code, out = kefu(db, "report", "--format", "json")
    payload = json.loads(out)
    assert code == 0
    assert payload["grain"] == "account_day"
    assert payload["settings"]["attribution"] == "last_touch"
    row = payload["rows"][0]
    assert list(row) == ["shop", "account", "day", *GRAIN_ORDER["account_day"]]
    expected = json.loads((BASIC / "expected.json").read_text(encoding="utf-8"))
    contract = sorted(expected["account_day"], key=lambda r: (r["shop"], r["account"], r["day"]))
    # Metrics beyond the spec's (the exam's) are there too, empty without exam data.
    assert [{k: r[k] for k in e} for r, e in zip(payload["rows"], contract)] == contract
    assert len(payload["rows"]) == len(contract)
    assert all(r["exam_score"] is None and r["exam_attempts"] == 0 for r in payload["rows"])
    assert all(r[k] is None for r in payload["rows"] for k in r if k.startswith("qc_"))


def test_report_csv_has_the_same_columns_and_empty_nulls(db: Path) -> None:
    code, out = kefu(db, "report", "--grain", "shop_day", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    assert list(rows[0]) == ["shop", "day", *GRAIN_ORDER["shop_day"]]
    assert rows[0]["self_completion_rate_28d"] == ""
    assert rows[0]["inquiry_buyers"] == "4"


def test_report_writes_a_file(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    code, _ = kefu(db, "report", "--format", "csv", "-o", str(target))
    assert code == 0
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM so Excel reads UTF-8


def test_report_table_speaks_chinese_and_shows_percentages(db: Path) -> None:
    code, out = kefu(db, "report", "--period", "all")
    assert code == 0
    assert "回复率" in out and "50.0%" in out and "询单客单价" in out


def test_report_settings_flow_through(db: Path) -> None:
    _, out = kefu(db, "report", "--format", "json", "--set", "slow_threshold_s=40")
    rows = json.loads(out)["rows"]
    assert json.loads(out)["settings"]["slow_threshold_s"] == 40
    assert all(r["slow_responses"] == 0 for r in rows)


def test_bad_setting_is_a_clear_error(db: Path) -> None:
    code, out = kefu(db, "report", "--set", "attribution=nobody")
    assert code == 1
    assert "attribution" in out and "last_touch" in out and "Traceback" not in out


def test_report_without_warehouse_or_data_is_a_clear_error(tmp_path: Path) -> None:
    code, out = kefu(tmp_path / "none.duckdb", "report")
    assert code == 1 and "找不到仓库文件" in out
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "messages.csv").write_text("buyer,account,sender,ts\n", encoding="utf-8")
    code, _ = kefu(tmp_path / "empty.duckdb", "import", str(empty))
    assert code == 0 and not (tmp_path / "empty.duckdb").exists()  # nothing imported: no empty warehouse left
    Warehouse.open(tmp_path / "empty.duckdb").close()
    code, out = kefu(tmp_path / "empty.duckdb", "report")
    assert code == 1 and "没有数据" in out


def test_import_fails_when_a_file_fails_whole_but_keeps_the_other_files(tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "messages.csv").write_text("buyer,account,sender,ts\nb1,店:甲,buyer,2026-11-11 10:00:00\n",
                                         encoding="utf-8")
    (folder / "orders.csv").write_text("order_id,amount\n1,10\n", encoding="utf-8")  # created_at missing
    code, out = kefu(tmp_path / "mixed.duckdb", "import", str(folder))
    assert code == 1 and "1 个文件整体未能导入" in out and "其余文件的行已写入" in out
    _, report = kefu(tmp_path / "mixed.duckdb", "report", "--format", "json")
    assert json.loads(report)["rows"][0]["buyer_messages"] == 1
    (folder / "messages.csv").unlink()
    code, out = kefu(tmp_path / "none.duckdb", "import", str(folder))
    assert code == 1 and "其余文件" not in out and not (tmp_path / "none.duckdb").exists()


def test_explain_lists_the_questions_behind_a_figure_with_masked_buyers(db: Path) -> None:
    code, out = kefu(db, "explain", "--account", "橙子旗舰店:小王", "--day", "2026-11-11", "--metric",
                     "avg_response_s")
    assert code == 0
    assert "21.0" in out and "12.0" in out and "30.0" in out
    assert "猫***1" in out and "猫猫1" not in out
    _, unmasked = kefu(db, "explain", "--account", "橙子旗舰店:小王", "--day", "2026-11-11", "--metric",
                       "avg_response_s", "--no-mask")
    assert "猫猫1" in unmasked
    # Flags read 是/否, and a preset's figure is headed by the platform's own name.
    _, rounds = kefu(db, "explain", "--account", "橙子旗舰店:小王", "--day", "2026-11-11", "--metric",
                     "platform_fast_rate", "--set", "preset=taobao")
    assert rounds.startswith("3分钟人工响应率") and "│ 是" in rounds and "True" not in rounds


def test_explain_a_shop_figure_lists_filtered_buyers(db: Path) -> None:
    code, out = kefu(db, "explain", "--shop", "橙子旗舰店", "--day", "2026-11-11", "--metric", "filtered_ad")
    assert code == 0 and "广***号" in out


def test_explain_unknown_row_or_metric_is_clear(db: Path) -> None:
    code, out = kefu(db, "explain", "--account", "橙子旗舰店:无名", "--day", "2026-11-11", "--metric", "reply_rate")
    assert code == 1 and "未知客服账号" in out and "最接近的" in out
    code, out = kefu(db, "explain", "--account", "小王", "--day", "2026-10-01", "--metric", "reply_rate")
    assert code == 1 and "橙子旗舰店:小王 在 2026-10-01 没有数据行" in out  # the short name resolved
    code, out = kefu(db, "explain", "--account", "橙子旗舰店:小王", "--day", "2026-11-11", "--metric", "nope")
    assert code == 1 and "kefu metrics list" in out


def test_metrics_list_and_show_sql(db: Path) -> None:
    code, out = kefu(db, "metrics", "list", "--format", "json")
    listed = json.loads(out)
    assert code == 0
    assert [m["id"] for m in listed if m["grain"] == "shop_day"] == list(GRAIN_ORDER["shop_day"])
    code, out = kefu(db, "metrics", "show", "within_threshold_rate", "--sql")
    assert code == 0
    assert "CREATE TEMP TABLE questions_account" in out and "response_s > 15" in out


def test_settings_lists_every_setting() -> None:
    result = runner.invoke(app, ["settings"])
    for name in ("timezone", "slow_threshold_s", "fast_first_response_s", "conversion_window_days", "attribution",
                 "session_gap_s"):
        assert name in result.output


def test_bad_rows_are_reported_with_file_line_column_and_reason(tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "messages.csv").write_text(
        "msg_id,buyer,account,sender,ts\n"
        "1,b1,店:甲,buyer,2026-11-11 10:00:00\n"
        "2,b1,店:甲,robot,2026-11-11 10:00:05\n"
        "3,b1,店:甲,agent,2026-13-11 10:00:09\n",
        encoding="utf-8",
    )
    db, rejects = tmp_path / "bad.duckdb", tmp_path / "rejects.csv"
    code, out = kefu(db, "import", str(folder), "--rejects", str(rejects))
    out = out.replace("\n", "")  # a long temporary path wraps anywhere
    assert code == 0
    out = out.replace("\n", "")  # the console wraps long temporary paths at any character
    assert "messages.csv:3" in out and "sender" in out
    assert "messages.csv:4" in out and "ts" in out
    assert len(list(csv.DictReader(io.StringIO(rejects.read_text(encoding="utf-8-sig"))))) == 2
    _, report = kefu(db, "report", "--format", "json")
    assert json.loads(report)["rows"][0]["buyer_messages"] == 1  # the good row went in
    code, out = kefu(tmp_path / "strict.duckdb", "import", str(folder), "--strict")
    assert code == 1 and "仓库未作任何改动" in out


def test_version_option_prints_the_installed_version() -> None:
    from importlib.metadata import version

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"kefu {version('kefu')}"


def test_spark_sql_and_the_spark_engine_without_pyspark(db: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # as on a machine without the spark extra
    code, out = kefu(db, "metrics", "show", "conversion_rate", "--grain", "shop_day", "--sql", "--dialect", "spark")
    assert code == 0 and "CREATE OR REPLACE TEMPORARY VIEW" in out
    models = [line.removeprefix("-- model ") for line in out.splitlines() if line.startswith("-- model ")]
    assert "conversations_shop" in models and "shared_days" not in models  # Spark computes the shop scope whole
    code, out = kefu(db, "report", "--engine", "spark", "--data", str(tmp_path))
    assert code == 1 and "pip install 'kefu[spark]'" in out and "Traceback" not in out


def test_added_up_buyer_counts_are_headed_person_days(db: Path) -> None:
    _, by_shop = kefu(db, "report", "--by", "shop", "--period", "all")
    _, daily = kefu(db, "report", "--grain", "shop_day")
    assert "咨询人次" in by_shop and "咨询人数" not in by_shop  # accounts' daily counts added (metrics.md §5)
    assert "咨询人数" in daily and "咨询人次" not in daily  # one shop-day: distinct buyers
    _, english = kefu(db, "--lang", "en", "report", "--by", "shop", "--period", "all")
    assert "person-days" in english and "人次" not in english


def test_report_metrics_lists_the_chosen_columns_in_order(db: Path) -> None:
    code, out = kefu(db, "report", "--period", "all", "--format", "json", "--metrics", "reply_rate,inquiry_buyers")
    assert code == 0 and list(json.loads(out)["rows"][0]) == ["shop", "account", "period", "from", "to",
                                                               "reply_rate", "inquiry_buyers"]
    code, out = kefu(db, "report", "--metrics", "reply_rat")
    assert code == 1 and "没有指标 reply_rat；最接近的：reply_rate" in out


def test_explain_in_json_and_csv(db: Path) -> None:
    args = ("explain", "--account", "小王", "--day", "2026-11-11", "--metric", "avg_response_s")
    code, out = kefu(db, *args, "--format", "json")
    payload = json.loads(out)
    (questions,) = payload["evidence"]
    times = [r["response_s"] for r in questions["rows"]]
    assert code == 0 and payload["value"] == sum(times) / len(times)  # the listed rows reproduce the figure
    assert all("***" in r["buyer"] for r in questions["rows"])
    code, out = kefu(db, *args, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == len(times) and rows[0]["part"] == "平均响应时间(秒)"


def test_a_command_that_fails_leaves_no_connection_open(db: Path) -> None:
    code, out = kefu(db, "report", "--shop", "没有这个店", "--grain", "shop_day")
    assert code == 1, out
    code, out = kefu(db, "export", "xlsx", "-o", str(db.with_suffix(".xlsx")), "--shop", "没有这个店")
    assert code == 1 and "没有这个店" in out
    # The next command in the same process opens the file read-write: a read-only connection left behind by
    # the failed commands would refuse it ("different configuration than existing connections").
    with Warehouse.open(db) as wh:
        assert wh.con.execute("SELECT count(*) FROM messages").fetchone()[0] > 0
