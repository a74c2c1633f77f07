"""`kefu export xlsx`, `kefu lost`, `kefu score` and `kefu report --format xlsx` end to end."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import openpyxl
from rich.cells import cell_len
from typer.testing import CliRunner

from kefu.cli import app
from kefu.reports.lost import COLUMNS

runner = CliRunner()


def kefu(db: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--db", str(db), *args], env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_export_xlsx_writes_the_workbook(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "报表.xlsx"
    code, text = kefu(demo_db, "export", "xlsx", "-o", str(out), "--from", "2026-11-03", "--to", "2026-11-04")
    assert code == 0, text
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["概览", "客服日报", "客服汇总", "询单流失", "排班", "指标说明"]
    days = {r[1].date() for r in book["概览"].iter_rows(min_row=2, values_only=True)}
    assert days == {dt.date(2026, 11, 3), dt.date(2026, 11, 4)}
    code, text = kefu(demo_db, "--lang", "en", "export", "xlsx", "-o", str(out))
    assert code == 0 and openpyxl.load_workbook(out).sheetnames[0] == "Overview"
    shop = book["概览"]["A2"].value
    code, text = kefu(demo_db, "export", "xlsx", "-o", str(out), "--shop", shop)
    assert code == 0 and {r[0] for r in openpyxl.load_workbook(out)["概览"].iter_rows(min_row=2, values_only=True)} == {
        shop}
    code, text = kefu(demo_db, "export", "xlsx", "-o", str(tmp_path / "other.xlsx"), "--shop", shop[:-1])
    assert code == 1 and f"未知店铺 {shop[:-1]}" in text and not (tmp_path / "other.xlsx").exists()
    code, text = kefu(demo_db, "html", "-o", str(tmp_path / "r.html"), "--shop", shop[:-1])
    assert code == 1 and "最接近的" in text
    code, text = kefu(demo_db, "export", "xlsx", "-o", str(tmp_path / "none.xlsx"), "--from", "2027-01-01")
    assert code == 1 and "没有数据" in text and not (tmp_path / "none.xlsx").exists()


def test_report_format_xlsx(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    code, text = kefu(demo_db, "report", "--period", "all", "--by", "group", "--format", "xlsx", "-o", str(out))
    assert code == 0, text
    ws = openpyxl.load_workbook(out).active
    assert [c.value for c in ws[1]][:2] == ["店铺", "分组"]
    assert {r[1] for r in ws.iter_rows(min_row=2, values_only=True)} == {"售前", "售后"}
    code, text = kefu(demo_db, "report", "--format", "xlsx")
    assert code == 1 and "需要 -o" in text


def test_lost_in_every_format(demo_db: Path, tmp_path: Path) -> None:
    code, text = kefu(demo_db, "lost", "--day", "2026-11-03", "--format", "json")
    assert code == 0, text
    rows = json.loads(text)["rows"]
    assert rows and all("***" in r["buyer"] for r in rows)
    code, text = kefu(demo_db, "lost", "--day", "2026-11-03", "--format", "csv", "--no-mask")
    listed = list(csv.DictReader(io.StringIO(text)))
    assert list(listed[0]) == list(COLUMNS) and len(listed) == len(rows)
    assert any("***" not in r["buyer"] for r in listed)
    account = rows[0]["account"]
    code, text = kefu(demo_db, "lost", "--day", "2026-11-03", "--account", account)
    assert code == 0 and "询单流失 · 2026-11-03" in text and "→" in text
    short = account.split(":", 1)[1]  # the sub-account's own name is enough when no other shop uses it
    _, by_short = kefu(demo_db, "lost", "--day", "2026-11-03", "--account", short, "--format", "json")
    assert json.loads(by_short)["account"] == account
    code, text = kefu(demo_db, "lost", "--day", "2027-01-01")
    assert code == 0 and "2027-01-01 没有询单流失的买家" in text
    _, report = kefu(demo_db, "report", "--grain", "shop_day", "--format", "json")
    code, text = kefu(demo_db, "lost", "--format", "json")  # no --day: the data's last day
    last = max(r["day"] for r in json.loads(report[report.index("{"):])["rows"])
    assert code == 0 and json.loads(text[text.index("{"):])["day"] == last
    code, text = kefu(demo_db, "lost", "--account", "无此人")
    assert code == 1 and "未知客服账号 无此人" in text
    out = tmp_path / "lost.xlsx"
    code, _ = kefu(demo_db, "lost", "--day", "2026-11-03", "--format", "xlsx", "-o", str(out))
    assert code == 0 and openpyxl.load_workbook(out)["询单流失"].max_row == len(rows) + 1


def test_score_table_explain_and_machine_formats(demo_db: Path, tmp_path: Path) -> None:
    code, text = kefu(demo_db, "score", "--plan", "售前", "--period", "2026-11", "--explain")
    assert code == 0, text
    assert "售前客服绩效方案 · 2026-11" in text and "总分" in text and "奖金 = " in text and "权重 30" in text
    code, text = kefu(demo_db, "score", "--plan", "售后", "--period", "2026-11", "--format", "json")
    payload = json.loads(text[text.index("{"):])
    assert payload["plan"] == "售后客服绩效方案" and payload["from"] == "2026-11-01"
    assert payload["note"].startswith("注意：数据只覆盖 2026-11-") and payload["note"] in text  # also said aloud
    assert [r["rank"] for r in payload["rows"]] == sorted(r["rank"] for r in payload["rows"])
    code, text = kefu(demo_db, "score", "--plan", "售后", "--period", "2026-11", "--format", "csv")
    header = next(csv.reader(io.StringIO(text[text.index("shop,"):])))
    assert header[:4] == ["shop", "account", "agent_name", "reply_rate"] and header[-1] == "bonus"
    out = tmp_path / "score.xlsx"
    code, text = kefu(demo_db, "score", "--plan", "售前", "--period", "2026-11", "--format", "xlsx", "-o", str(out))
    assert code == 0, text
    ws = openpyxl.load_workbook(out).active
    headers = [c.value for c in ws[1]]
    assert headers[-5:] == ["总分", "排名", "门槛通过", "奖金(元)", "计算过程"]
    assert ws.cell(2, headers.index("奖金(元)") + 1).number_format == "#,##0.00"
    assert ws.cell(2, headers.index("回复率") + 1).number_format == "0.0%"


def test_score_errors_are_clear(demo_db: Path, tmp_path: Path) -> None:
    code, text = kefu(demo_db, "score", "--plan", str(tmp_path / "none.toml"), "--period", "2026-11")
    assert code == 1 and "找不到方案文件" in text
    code, text = kefu(demo_db, "score", "--plan", "售前", "--period", "11月")
    assert code == 1 and "周期应为 2026-11" in text
    code, text = kefu(demo_db, "score", "--plan", "售前", "--period", "2025-01")
    assert code == 1 and "内没有客服数据；仓库中的数据为 2026-11-" in text.replace("\n", "")


def test_score_table_pages_agents_to_fit_a_narrow_terminal(demo_db: Path) -> None:
    result = runner.invoke(app, ["--db", str(demo_db), "score", "--plan", "售前", "--period", "2026-11"],
                           env={"COLUMNS": "80"})
    lines = [line for line in result.output.splitlines() if line[:1] in "┏┃┡│└"]  # the tables' own lines
    assert result.exit_code == 0 and lines and max(cell_len(line) for line in lines) <= 80
    assert "（续）" in result.output and "…" not in result.output  # no cell cut short
