"""`kefu qc run|rules|test` end to end: formats, masking, stored findings, clear errors."""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from kefu.cli import app
from kefu.store import Warehouse
from tests.qc.test_runner import ACCOUNTS, MESSAGES, ORDERS

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    folder = tmp_path / "shop"
    folder.mkdir()
    for name, text in (("accounts", ACCOUNTS), ("messages", MESSAGES), ("orders", ORDERS)):
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    path = tmp_path / "shop.duckdb"
    assert runner.invoke(app, ["--db", str(path), "import", str(folder)]).exit_code == 0
    return path


def kefu(db: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--db", str(db), *args])
    return result.exit_code, result.output


def test_run_json_is_masked_unless_told(db: Path) -> None:
    code, out = kefu(db, "qc", "run", "--format", "json")
    assert code == 0, out
    payload = json.loads(out)
    assert (payload["day_from"], payload["day_to"]) == ("2026-11-11", "2026-11-11")
    rows = payload["findings"]
    assert len(rows) == 11 and rows[0]["time"] == "2026-11-11 13:00:30"  # shop-local, newest first
    assert {r["buyer"] for r in rows} <= {"买***号"}
    assert not any("13812345678" in r["text"] for r in rows)
    _, raw = kefu(db, "qc", "run", "--format", "json", "--no-mask")
    assert any("13812345678" in r["text"] for r in json.loads(raw)["findings"])
    with Warehouse.open(db) as wh:
        assert wh.con.execute("SELECT count(*) FROM qc_findings").fetchone() == (11,)


def test_run_csv_category_and_xlsx(db: Path, tmp_path: Path) -> None:
    code, out = kefu(db, "qc", "run", "--format", "csv", "--category", "风险会话")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [r["rule_id"] for r in rows] == ["risk.complaint"]
    assert list(rows[0]) == ["time", "shop", "account", "buyer", "rule_id", "rule_name", "category", "severity",
                             "points", "matched", "text", "finding_id", "decision", "emotion"]
    assert float(rows[0]["emotion"]) < 0  # the complaining buyer's lowest message
    target = tmp_path / "qc.xlsx"
    code, out = kefu(db, "qc", "run", "--format", "xlsx", "-o", str(target))
    assert code == 0 and "发现 11 条" in out
    sheet = load_workbook(target).active
    assert sheet.cell(1, 1).value == "时间" and sheet.max_row == 12


def test_run_table_and_report(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "findings.csv"
    result = runner.invoke(app, ["--db", str(db), "qc", "run", "--account", "店:甲", "-o", str(target)],
                           env={"COLUMNS": "200"})
    code, out = result.exit_code, result.output
    assert code == 0 and "发现 10 条" in out and "按类别" in out and "扣分最多的会话" in out and "买***号" in out
    findings = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert len(findings) == 10 and f"全部 10 条发现见 {target}" in out.replace("\n", "")
    worst = out[out.index("扣分最多的会话"):]
    # The worst conversation comes first: the one whose findings deduct the most points.
    by_talk: dict[tuple[str, str], float] = {}
    for f in findings:
        by_talk[(f["buyer"], f["time"][:10])] = by_talk.get((f["buyer"], f["time"][:10]), 0) + float(f["points"])
    (buyer, day), most = max(by_talk.items(), key=lambda kv: kv[1])
    first_row = next(line for line in worst.splitlines() if line.startswith("│"))
    assert day in first_row and f"{most:g}" in first_row
    _, report = kefu(db, "report", "--format", "json")
    row = next(r for r in json.loads(report)["rows"] if r["account"] == "店:甲")
    assert row["qc_score"] == 59 and row["qc_findings"] == 10  # the review-only candidate deducts nothing


def test_rules_and_test(db: Path, tmp_path: Path) -> None:
    code, out = kefu(db, "qc", "rules")
    assert code == 0 and "violation.brushing" in out and "flow.no_verify" in out
    code, out = kefu(db, "qc", "test", "亲，这是全网最低价，加我微信 abc12345")
    assert code == 0 and "extreme.ranking" in out and "offsite.im" in out
    assert out.startswith("违规：这句话触发 2 条规则")
    code, out = kefu(db, "qc", "test", "我要投诉", "--sender", "buyer")
    assert "risk.complaint" in out
    assert out.startswith("风险：这句话触发 1 条规则")  # a buyer's words mark a risk, not a violation
    code, out = kefu(db, "qc", "test", "好的谢谢，祝您生活愉快")
    assert out.startswith("没有问题") and "✓ 未道别：这句话说到了它要求的内容" in out
    assert "· 未核实订单：这句话没有说到" in out
    bad = tmp_path / "bad.toml"
    bad.write_text("[[rule]]\nid = \"x\"\n", encoding="utf-8")
    code, out = kefu(db, "qc", "rules", "--rules", str(bad))
    assert code == 1 and "bad.toml" in out


def test_errors_are_clear(db: Path, tmp_path: Path) -> None:
    code, out = kefu(db, "qc", "run", "--format", "xlsx")
    assert code == 1 and "-o" in out
    code, out = kefu(db, "qc", "run", "--from", "2026-11-12", "--to", "2026-11-11")
    assert code == 1 and "开始日期晚于结束日期" in out
    code, out = kefu(db, "qc", "run", "--account", "店:无此人")
    assert code == 1 and "未知客服账号 店:无此人" in out
    code, out = kefu(tmp_path / "none.duckdb", "qc", "run")
    assert code == 1 and "找不到仓库文件" in out


def test_findings_review_and_rule_precision(db: Path) -> None:
    assert kefu(db, "qc", "run", "--format", "csv", "-o", str(db.parent / "qc.csv"))[0] == 0
    code, out = kefu(db, "qc", "findings", "--rule", "offsite.phone", "--format", "json")
    assert code == 0, out
    payload = json.loads(out)
    assert (payload["findings_total"], payload["pending"]) == (1, 1)
    fid = payload["findings"][0]["finding_id"]
    assert fid in kefu(db, "qc", "findings", "--limit", "20")[1]  # on screen with its id
    code, out = kefu(db, "qc", "review", fid, "--dismiss", "--note", "店铺座机", "--by", "主管")
    assert code == 0 and "已驳回 1 条发现" in out, out
    dismissed = json.loads(kefu(db, "qc", "findings", "--decision", "dismissed", "--format", "json")[1])
    assert [(f["finding_id"], f["decision"]) for f in dismissed["findings"]] == [(fid, "驳回")]
    rules = kefu(db, "--lang", "en", "qc", "rules")[1]
    assert re.search(r"offsite\.phone │ 发送手机号 +│ +0 │ +1 │ +0 │ +0%", rules), rules
    code, out = kefu(db, "qc", "review", fid, "--confirm", "--dismiss")
    assert code == 1 and "之一" in out
    code, out = kefu(db, "qc", "review", "000000000000", "--confirm")
    assert code == 1 and "找不到质检发现 000000000000" in out
    assert kefu(db, "qc", "review", fid, "--undo")[0] == 0
    assert json.loads(kefu(db, "qc", "findings", "--decision", "pending", "--format", "json")[1])["pending"] == 11
