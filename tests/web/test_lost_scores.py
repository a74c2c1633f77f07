"""询单流失 and 绩效 pages/API equal the library's lists and scorecards, cut to the user's grants."""
from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from kefu.config import Settings
from kefu.reports.lost import lost_buyers
from kefu.scoring import example_plan, load_plan, score
from kefu.store import Warehouse
from tests.web.conftest import SHOP_A, SHOP_B, XIAOWANG, XIAOYA, same_rows

DAY = dt.date(2026, 11, 2)


@pytest.fixture(scope="module")
def library(two_shop_db: Path) -> Iterator[Any]:
    with Warehouse.open(two_shop_db, read_only=True) as wh:
        yield wh.con


def test_lost_list_equals_library_and_is_scoped(web: Callable[[str], TestClient], library: Any) -> None:
    expected = json.loads(json.dumps(lost_buyers(library, Settings(), DAY)))
    assert {r["shop"] for r in expected} == {SHOP_A, SHOP_B}
    admin = web("admin").get("/api/v1/lost", params={"day": DAY.isoformat()}).json()
    assert admin["rows"] == expected
    boss = web("boss_a").get("/api/v1/lost", params={"day": DAY.isoformat()}).json()
    assert boss["rows"] == [r for r in expected if r["shop"] == SHOP_A]
    ya = web("ya")
    own = ya.get("/api/v1/lost", params={"day": DAY.isoformat(), "mask": "false"}).json()["rows"]
    assert own == [r for r in expected if r["account"] == XIAOYA] and all("***" in r["buyer"] for r in own)
    assert ya.get("/api/v1/lost", params={"day": DAY.isoformat(), "account": XIAOWANG}).status_code == 404
    page = ya.get("/lost", params={"day": DAY.isoformat()}).text
    assert "小王" not in page and SHOP_B not in page
    book = load_workbook(io.BytesIO(ya.get("/download/lost.xlsx", params={"day": DAY.isoformat()}).content))
    assert book.active.max_row == len(own) + 1


def test_scorecard_equals_library_and_is_scoped(web: Callable[[str], TestClient], library: Any) -> None:
    card = score(library, Settings(), load_plan(example_plan("售前")), "2026-11")
    columns, rows = card.flat()
    expected = json.loads(json.dumps(rows))
    admin = web("admin").get("/api/v1/scores", params={"plan": "售前", "period": "2026-11"}).json()
    assert admin["columns"] == columns and same_rows(admin["rows"], expected)
    boss = web("boss_a").get("/api/v1/scores", params={"plan": "售前", "period": "2026-11"}).json()["rows"]
    assert same_rows(boss, [{**r, "rank": None} for r in expected if r["shop"] == SHOP_A])
    ya = web("ya").get("/api/v1/scores", params={"plan": "售前", "period": "2026-11"}).json()["rows"]
    assert [r["account"] for r in ya] == [XIAOYA]
    page = web("ya").get("/scores", params={"plan": "售前", "period": "2026-11"}).text
    assert "计算过程" in page and "小王" not in page
    bad = web("admin").get("/scores", params={"plan": "售前", "period": "2026-13"})
    assert bad.status_code == 200 and "不是有效月份" in bad.text
    assert web("admin").get("/scores", params={"plan": "不存在"}).status_code == 404


def test_group_scores_for_managers_not_agents(web: Callable[[str], TestClient], library: Any) -> None:
    card = score(library, Settings(), load_plan(example_plan("售前")), "2026-11", "group")
    expected = json.loads(json.dumps(card.flat()[1]))
    params = {"plan": "售前", "period": "2026-11", "by": "group"}
    admin = web("admin").get("/api/v1/scores", params=params).json()
    assert admin["by"] == "group" and same_rows(admin["rows"], expected)
    boss = web("boss_a").get("/api/v1/scores", params=params).json()["rows"]
    assert boss and {r["shop"] for r in boss} == {SHOP_A}
    assert web("ya").get("/api/v1/scores", params=params).status_code == 404  # a group sum holds others' work
    assert "评分对象" not in web("ya").get("/scores").text
    page = web("boss_a").get("/scores", params=params).text
    assert "评分对象" in page and "<th>分组</th>" in page
    head = page[page.index("<thead>"):page.index("</thead>")]
    assert head.index("总分") < head.index("权重")  # total, gates and bonus before the metric columns


def test_a_month_longer_than_the_data_is_noted(web: Callable[[str], TestClient]) -> None:
    got = web("admin").get("/api/v1/scores", params={"plan": "售前", "period": "2026-11"}).json()
    page = web("admin").get("/scores", params={"plan": "售前", "period": "2026-11"}).text
    assert got["note"].startswith("注意：数据只覆盖 2026-11-") and got["note"] in page


def test_workbook_holds_the_shops_the_user_manages(web: Callable[[str], TestClient]) -> None:
    r = web("admin").get("/download/workbook.xlsx")
    assert r.status_code == 200
    book = load_workbook(io.BytesIO(r.content))
    assert len(book.sheetnames) >= 4
    assert {row[0] for row in book["概览"].iter_rows(min_row=2, values_only=True)} == {SHOP_A, SHOP_B}
    own = load_workbook(io.BytesIO(web("boss_a").get("/download/workbook.xlsx").content))
    for sheet in own.sheetnames[:4]:  # overview, daily, summary, lost: every row is the manager's shop
        assert {row[0] for row in own[sheet].iter_rows(min_row=2, values_only=True)} == {SHOP_A}, sheet
    assert web("ya").get("/download/workbook.xlsx").status_code == 404
