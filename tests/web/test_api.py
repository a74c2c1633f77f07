"""The JSON API and downloads carry exactly the library's figures; OpenAPI docs work offline."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from kefu.config import Settings
from kefu.explain import explain
from kefu.metrics.compile import ReportSpec
from kefu.output import to_csv
from kefu.report import run_report
from kefu.store import Warehouse
from tests.web.conftest import SHOP_A, XIAOYA, same_rows


@pytest.fixture(scope="module")
def library(two_shop_db: Path):
    with Warehouse.open(two_shop_db, read_only=True) as wh:
        yield wh.con


@pytest.mark.parametrize("params", [
    {"grain": "account_day"},
    {"grain": "account_day", "period": "week", "by": "group"},
    {"grain": "shop_day", "period": "all", "from": "2026-11-02"},
])
def test_report_rows_equal_run_report(web: Callable[[str], TestClient], library, params: dict[str, str]) -> None:
    spec = ReportSpec(grain=params["grain"], by=params.get("by"), period=params.get("period", "day"),
                      day_from=dt.date.fromisoformat(params["from"]) if "from" in params else None)
    expected = run_report(library, spec, Settings())
    body = web("admin").get("/api/v1/report", params=params).json()
    assert same_rows(body["rows"], json.loads(json.dumps(expected.rows)))
    assert body["settings"] == Settings().as_dict()


def test_explain_equals_library(web: Callable[[str], TestClient], library) -> None:
    day = dt.date(2026, 11, 2)
    expected = explain(library, Settings(), "avg_response_s", day, account=XIAOYA)
    body = web("boss_a").get("/api/v1/explain", params={"metric": "avg_response_s", "day": day.isoformat(),
                                                          "account": XIAOYA}).json()
    assert body["value"] == expected.value and body["key"] == expected.key
    assert [e["rows"] for e in body["evidence"]] == [[list(r) for r in e.rows] for e in expected.evidence]


def same_csv(a: str, b: str) -> bool:
    """Equal CSV texts, but for the last bits of floats (DuckDB's parallel SUM of doubles varies there)."""
    rows_a, rows_b = list(csv.reader(io.StringIO(a))), list(csv.reader(io.StringIO(b)))
    if [len(r) for r in rows_a] != [len(r) for r in rows_b]:
        return False
    for cell_a, cell_b in zip((c for r in rows_a for c in r), (c for r in rows_b for c in r)):
        if cell_a != cell_b and not ("." in cell_a and float(cell_a) == pytest.approx(float(cell_b), rel=1e-12)):
            return False
    return True


def test_csv_and_xlsx_downloads_hold_the_report(web: Callable[[str], TestClient], library) -> None:
    expected = run_report(library, ReportSpec(grain="shop_day", period="all"), Settings())
    rows = [r for r in expected.rows if r["shop"] == SHOP_A]
    client = web("boss_a")
    got = client.get("/download/report.csv", params={"grain": "shop_day", "period": "all"})
    assert got.headers["content-disposition"].startswith("attachment; filename*=UTF-8''kefu-shop_day.csv")
    assert same_csv(got.content.decode("utf-8-sig"), to_csv(expected.columns, rows))
    book = client.get("/download/report.xlsx", params={"grain": "shop_day", "period": "all"}).content
    sheet = load_workbook(io.BytesIO(book)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:2] == ("店铺", "周期") and values[1][0] == SHOP_A
    col = values[0].index("咨询人次")  # a period adds the daily counts: person-days
    assert values[1][col] == rows[0]["inquiry_buyers"]


def test_openapi_and_offline_docs(web: Callable[[str], TestClient]) -> None:
    anonymous = web("")
    assert anonymous.get("/openapi.json", follow_redirects=False).status_code == 303
    assert anonymous.get("/docs", follow_redirects=False).status_code == 303
    client = web("ya")
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/report", "/api/v1/explain", "/api/v1/live", "/api/v1/imports", "/api/v1/session"} <= set(paths)
    docs = client.get("/docs").text
    assert "/swagger/swagger-ui-bundle.js" in docs and "cdn" not in docs
    assert client.get("/swagger/swagger-ui-bundle.js").status_code == 200


def test_api_session_login_and_csrf_on_writes(web: Callable[[str], TestClient]) -> None:
    client = web("")
    r = client.post("/api/v1/session", json={"username": "boss_a", "password": "correct-horse-1"})
    assert r.status_code == 200 and r.json()["role"] == "manager"
    assert client.get("/api/v1/me").json()["shops"] == [SHOP_A]
    assert client.post("/api/v1/imports", files={"files": ("a.csv", b"x")}).status_code == 403
    assert client.delete("/api/v1/session").status_code == 403
    assert client.delete("/api/v1/session", headers={"X-CSRF-Token": r.json()["csrf"]}).status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_bad_parameters_are_clear_400s(web: Callable[[str], TestClient]) -> None:
    client = web("admin")
    r = client.get("/api/v1/report", params={"from": "2026-13-01"})
    assert r.status_code == 400 and "YYYY-MM-DD" in r.json()["error"]
    r = client.get("/api/v1/report", params={"from": "2026-11-03", "to": "2026-11-01"})
    assert r.status_code == 400 and "晚于" in r.json()["error"]
    r = client.get("/explain", params={"metric": "nope", "day": "2026-11-02", "account": XIAOYA})
    assert r.status_code == 400 and "没有指标" in r.text
