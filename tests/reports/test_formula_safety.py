"""No export carries a formula from outside: every xlsx the CLI and the web write, and every CSV, from hostile data."""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from kefu.cli import app
from kefu.config import Settings
from kefu.ingest import import_paths
from kefu.output import FORMULA_STARTS, defuse, to_csv
from kefu.store import Warehouse
from kefu.web.app import create_app
from kefu.web.context import WebConfig
from tests.web.conftest import login, make_users

SHOP = "+店铺"
EVIL_AGENT = f"{SHOP}:=cmd|' /C calc'!A0"
AGENT = f"{SHOP}:@小王"
BUYERS = ['=HYPERLINK("http://evil.example","点我")', "-2+3", "\t=1+1", "@SUM(1,1)"]
DAY = "2026-03-02"

runner = CliRunner()


def write(folder: Path, name: str, header: list[str], rows: list[list[str]]) -> None:
    with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(header)
        out.writerows(rows)


def hostile_shop(folder: Path) -> Path:
    """A shop whose accounts, buyers and messages are all formula-like text."""
    folder.mkdir(parents=True)
    write(folder, "accounts", ["account", "group"], [[EVIL_AGENT, "售前"], [AGENT, "-售后"]])
    msgs = []
    for i, buyer in enumerate(BUYERS):
        account = EVIL_AGENT if i % 2 else AGENT
        msgs += [[f"b{i}", buyer, account, "buyer", f"{DAY} 10:0{i}:00", "=1+1 加我微信 abc12345 私聊"],
                 [f"a{i}", buyer, account, "agent", f"{DAY} 10:0{i}:20", '=WEBSERVICE("http://x") 亲，加微信 abc1234']]
    write(folder, "messages", ["msg_id", "buyer", "account", "sender", "ts", "content"], msgs)
    write(folder, "orders", ["order_id", "shop", "buyer", "created_at", "paid_at", "amount", "status"],
          [[f"=o{i}", SHOP, b, f"{DAY} 12:00:00", "" if i % 2 else f"{DAY} 12:01:00", "10", "=交易成功"]
           for i, b in enumerate(BUYERS)])
    return folder


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    db = root / "kefu.duckdb"
    with Warehouse.open(db) as wh:
        assert import_paths(wh, [hostile_shop(root / "shop")], Settings()).ok
    return db


def formula_cells(book: openpyxl.Workbook) -> list[str]:
    """Every cell a spreadsheet would run as a formula."""
    return [f"{ws.title}!{cell.coordinate}" for ws in book.worksheets for row in ws.iter_rows() for cell in row
            if cell.data_type == "f"]


def text_cells(book: openpyxl.Workbook) -> set[str]:
    return {str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.data_type == "s"}


def kefu(db: Path, *args: str) -> None:
    result = runner.invoke(app, ["--db", str(db), *args], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output


CLI_XLSX = {
    "report_account": ("report", "--period", "all", "--format", "xlsx"),
    "report_shop": ("report", "--grain", "shop_day", "--format", "xlsx"),
    "workbook": ("export", "xlsx"),
    "lost": ("lost", "--day", DAY, "--format", "xlsx", "--no-mask"),
    "score": ("score", "--plan", "售前", "--period", DAY[:7], "--format", "xlsx"),
    "qc": ("qc", "run", "--format", "xlsx", "--no-mask"),
}


@pytest.mark.parametrize("name", list(CLI_XLSX))
def test_cli_xlsx_has_no_formula_cells(hostile_db: Path, tmp_path: Path, name: str) -> None:
    out = tmp_path / f"{name}.xlsx"
    kefu(hostile_db, *CLI_XLSX[name], "-o", str(out))
    book = openpyxl.load_workbook(out)
    assert formula_cells(book) == []
    assert any(t.startswith(FORMULA_STARTS) for t in text_cells(book)), "the hostile text is kept, as text"


def test_exam_bank_xlsx_has_no_formula_cells(tmp_path: Path) -> None:
    bank = tmp_path / "bank.toml"
    bank.write_text('[[questions]]\n"题目" = "=cmd|\' /C calc\'!A0"\n"类型" = "单选"\n'
                    '"选项" = ["=1+1", "+2"]\n"答案" = "A"\n', encoding="utf-8")
    db = tmp_path / "exam.duckdb"
    kefu(db, "exam", "import", str(bank))
    kefu(db, "exam", "bank", "--export", str(tmp_path / "bank.xlsx"))
    book = openpyxl.load_workbook(tmp_path / "bank.xlsx")
    assert formula_cells(book) == [] and "=cmd|' /C calc'!A0" in text_cells(book)


def test_cli_csv_defuses_formula_text_unless_told(hostile_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "lost.csv"
    kefu(hostile_db, "lost", "--day", DAY, "--format", "csv", "--no-mask", "-o", str(out))
    cells = [c for row in csv.reader(out.open(encoding="utf-8-sig")) for c in row]
    assert not [c for c in cells if c.startswith(FORMULA_STARTS)]
    assert f"'{BUYERS[3]}" in cells
    kefu(hostile_db, "lost", "--day", DAY, "--format", "csv", "--no-mask", "-o", str(out),
         "--set", "csv_escape_formulas=false")
    cells = [c for row in csv.reader(out.open(encoding="utf-8-sig")) for c in row]
    assert BUYERS[3] in cells


@pytest.mark.parametrize("value,shown", [
    ("=1+1", "'=1+1"), ("+86 138", "'+86 138"), ("-x", "'-x"), ("@a", "'@a"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("a=1", "a=1"), ("", ""), (-3.5, -3.5), (12, 12), (None, None),
])
def test_defuse(value: Any, shown: Any) -> None:
    assert defuse(value) == shown
    assert defuse(value, enabled=False) == value


def test_to_csv_keeps_numbers_numbers() -> None:
    text = to_csv(["a", "b"], [{"a": -1.5, "b": "-1.5"}])
    assert text.splitlines()[1] == "-1.5,'-1.5"


def test_to_csv_drops_float_noise_but_keeps_precision() -> None:
    text = to_csv(["p90", "rate", "none"], [{"p90": 56.60000000000007, "rate": 0.8823529411764706, "none": None}])
    assert text.splitlines()[1] == "56.6,0.882352941,"


@pytest.fixture(scope="module")
def admin(hostile_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("hostile_web")
    make_users(root / "users.sqlite")
    kefu(hostile_db, "qc", "run", "--format", "json")
    application = create_app(WebConfig(hostile_db, root / "users.sqlite", Settings(), root / "work"))
    with TestClient(application) as client:
        login(client, "admin")
        yield client


WEB_DOWNLOADS = {
    "report_account": ("/download/report.xlsx", {"grain": "account_day", "period": "all", "mask": "0"}),
    "report_shop": ("/download/report.xlsx", {"grain": "shop_day"}),
    "workbook": ("/download/workbook.xlsx", {}),
    "qc": ("/download/qc.xlsx", {"mask": "0"}),
    "explain": ("/download/explain.xlsx", {"metric": "inquiry_buyers", "day": DAY, "account": AGENT, "mask": "0"}),
    "lost": ("/download/lost.xlsx", {"day": DAY, "mask": "0"}),
    "scores": ("/download/scores.xlsx", {"plan": "售前", "period": DAY[:7]}),
}


@pytest.mark.parametrize("name", list(WEB_DOWNLOADS))
def test_web_xlsx_has_no_formula_cells(admin: TestClient, name: str) -> None:
    path, params = WEB_DOWNLOADS[name]
    r = admin.get(path, params=params)
    assert r.status_code == 200, r.text
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert formula_cells(book) == []
    assert any(t.startswith(FORMULA_STARTS) for t in text_cells(book)), "the hostile text is kept, as text"


@pytest.mark.parametrize("name", ["report_account", "qc", "explain", "lost"])
def test_web_csv_has_no_formula_text(admin: TestClient, name: str) -> None:
    path, params = WEB_DOWNLOADS[name]
    r = admin.get(path.replace(".xlsx", ".csv"), params=params)
    assert r.status_code == 200, r.text
    cells = [c for row in csv.reader(io.StringIO(r.content.decode("utf-8-sig"))) for c in row]
    assert len(cells) > 1 and not [c for c in cells if c.startswith(FORMULA_STARTS)]
