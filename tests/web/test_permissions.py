"""Roles hold on every page, API call and download: agents see their own accounts, managers their shops."""
from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import B_AGENT, SHOP_A, SHOP_B, XIAOWANG, XIAOYA

DAY = "2026-11-02"


def api_rows(client: TestClient, **params: str) -> list[dict[str, object]]:
    r = client.get("/api/v1/report", params=params)
    assert r.status_code == 200, r.text
    return r.json()["rows"]


def csv_rows(client: TestClient, **params: str) -> list[dict[str, str]]:
    r = client.get("/download/report.csv", params=params)
    assert r.status_code == 200, r.text
    return list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))


def test_admin_sees_both_shops(web: Callable[[str], TestClient]) -> None:
    admin = web("admin")
    assert {r["shop"] for r in api_rows(admin)} == {SHOP_A, SHOP_B}
    assert admin.get("/api/v1/shops").json() == sorted([SHOP_A, SHOP_B])


def test_agent_sees_only_own_account_whatever_the_url(web: Callable[[str], TestClient]) -> None:
    ya = web("ya")
    assert {r["account"] for r in api_rows(ya)} == {XIAOYA}
    assert {r["account"] for r in api_rows(ya, period="all")} == {XIAOYA}
    assert {r["account"] for r in csv_rows(ya)} == {XIAOYA}
    for url in ("/api/v1/report", "/download/report.csv", "/agents"):
        assert ya.get(url, params={"account": XIAOWANG, "period": "all"}).status_code == 404
    assert "小王" not in ya.get("/agents").text
    overview = ya.get("/", params={"account": XIAOWANG})
    assert "小雅" in overview.text and "小王" not in overview.text
    # Shop totals and group sums mix other agents' work.
    assert ya.get("/api/v1/report", params={"grain": "shop_day"}).status_code == 404
    assert ya.get("/api/v1/report", params={"by": "group"}).status_code == 404
    assert ya.get("/download/report.xlsx", params={"grain": "shop_day"}).status_code == 404
    assert ya.get("/api/v1/shops").json() == [SHOP_A]


@pytest.mark.parametrize("url", ["/explain", "/api/v1/explain", "/download/explain.csv"])
def test_agent_cannot_explain_another_agents_figure(web: Callable[[str], TestClient], url: str) -> None:
    ya = web("ya")
    own = ya.get(url, params={"metric": "inquiry_buyers", "day": DAY, "account": XIAOYA})
    assert own.status_code == 200
    for other in (XIAOWANG, B_AGENT):
        r = ya.get(url, params={"metric": "inquiry_buyers", "day": DAY, "account": other})
        assert r.status_code == 404
    assert ya.get(url, params={"metric": "inquiry_buyers", "day": DAY, "shop": SHOP_A}).status_code == 404


def test_agent_nicks_stay_masked(web: Callable[[str], TestClient]) -> None:
    ya, boss = web("ya"), web("boss_a")
    params = {"metric": "inquiry_buyers", "day": DAY, "account": XIAOYA, "mask": "false"}
    buyers_agent = {r[0] for r in ya.get("/api/v1/explain", params=params).json()["evidence"][0]["rows"]}
    buyers_boss = {r[0] for r in boss.get("/api/v1/explain", params=params).json()["evidence"][0]["rows"]}
    assert buyers_agent and all("***" in b for b in buyers_agent)
    assert buyers_boss and not any("***" in b for b in buyers_boss)
    page = ya.get("/explain", params={**params, "mask": "0"})
    assert "***" in page.text and "显示完整昵称" not in page.text


def test_manager_of_shop_a_sees_nothing_of_shop_b(web: Callable[[str], TestClient]) -> None:
    boss = web("boss_a")
    assert {r["shop"] for r in api_rows(boss)} == {SHOP_A}
    assert {r["shop"] for r in api_rows(boss, grain="shop_day", period="all")} == {SHOP_A}
    assert {r["shop"] for r in api_rows(boss, by="group")} == {SHOP_A}
    assert boss.get("/api/v1/report", params={"shop": SHOP_B}).status_code == 404
    assert {r["shop"] for r in csv_rows(boss, grain="shop_day")} == {SHOP_A}
    assert boss.get("/api/v1/shops").json() == [SHOP_A]
    for params in ({"account": B_AGENT}, {"shop": SHOP_B}):
        r = boss.get("/api/v1/explain", params={"metric": "inquiry_buyers", "day": DAY, **params})
        assert r.status_code == 404
    assert SHOP_B not in boss.get("/").text
    assert SHOP_B not in boss.get("/", params={"shop": SHOP_B}).text
    assert SHOP_B not in boss.get("/agents").text
    live = boss.get("/api/v1/live", params={"day": DAY}).json()
    assert live["rows"] and {r["shop"] for r in live["rows"]} == {SHOP_A}


def test_agents_and_managers_cannot_manage_users(web: Callable[[str], TestClient]) -> None:
    for name in ("ya", "boss_a"):
        client = web(name)
        assert client.get("/users").status_code == 403
    assert web("ya").get("/import").status_code == 403


def test_html_report_holds_the_shops_the_user_manages(web: Callable[[str], TestClient]) -> None:
    r = web("admin").get("/download/report.html", params={"from": "2026-11-02"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert SHOP_A in r.text and SHOP_B in r.text
    own = web("boss_a").get("/download/report.html", params={"from": "2026-11-02"})
    assert own.status_code == 200 and SHOP_A in own.text and SHOP_B not in own.text  # the manager's shop alone
    assert web("ya").get("/download/report.html").status_code == 404  # agents see no shop totals
    assert "离线 HTML 报表" in web("boss_a").get("/").text and "离线 HTML 报表" not in web("ya").get("/").text
