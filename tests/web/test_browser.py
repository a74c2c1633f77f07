"""The web app in a real headless Chromium: log in, upload the demo shop, compare figures with the CLI, roles."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kefu.cli import app as cli
from kefu.config import Settings
from kefu.output import human_value
from kefu.web.app import create_app
from kefu.web.context import WebConfig
from kefu.web.loopback import served
from tests.browser import WatchedPage
from tests.web.conftest import PASSWORD, SHOP_A, XIAOYA, make_users

TIMEOUT_MS = 60_000

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright 未安装 / playwright is not installed")
@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on an empty warehouse, served by uvicorn in a thread on a free loopback port."""
    root = tmp_path_factory.mktemp("browser")
    make_users(root / "users.sqlite")
    web = create_app(WebConfig(root / "shop.duckdb", root / "users.sqlite", Settings(), root / "work",
                               live_interval_s=1.0))
    with served(web) as base:
        yield base


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Screenshots of every page (kept in pytest's temp folder, never committed)."""
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def cli_report(tmp_path_factory: pytest.TempPathFactory, demo_exports: dict[str, Path]) -> dict[str, Any]:
    """The CLI's JSON reports of the demo shop, from its own warehouse."""
    db = tmp_path_factory.mktemp("cli") / "cli.duckdb"
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", str(db), "import", str(demo_exports[SHOP_A])]).exit_code == 0
    out = {}
    for name, args in {"shop": ["--grain", "shop_day", "--period", "all"], "days": ["--grain", "account_day"]}.items():
        r = runner.invoke(cli, ["--db", str(db), "report", *args, "--format", "json"])
        assert r.exit_code == 0, r.output
        out[name] = json.loads(r.stdout)["rows"]
    return out


def login(page: Any, base: str, user: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_manager_journey(server: str, watched_page: Callable[..., WatchedPage], shots: Path,
                         cli_report: dict[str, Any], demo_exports: dict[str, Path]) -> None:
    watched = watched_page(allow=lambda url: url.startswith(server), viewport={"width": 1280, "height": 860})
    page = watched.page
    page.set_default_timeout(TIMEOUT_MS)
    login(page, server, "admin")
    page.screenshot(path=shots / "empty.png")

    page.goto(f"{server}/import")
    page.set_input_files("input[name=files]", sorted(str(p) for p in demo_exports[SHOP_A].iterdir()))
    page.click("form.upload button")
    page.wait_for_selector("text=已写入仓库")  # the page follows the background job until it is done
    assert page.locator("#summary tbody tr").count() == len(list(demo_exports[SHOP_A].iterdir()))
    page.screenshot(path=shots / "import.png", full_page=True)

    page.goto(f"{server}/")
    shop = cli_report["shop"][0]
    for metric in ("inquiry_buyers", "reply_rate", "conversion_rate", "inquiry_sales"):
        card = page.locator(f".card[data-metric={metric}] .value")
        assert card.inner_text() == human_value(metric, "shop_day", shop[metric])
    assert page.locator(".trend").count() == 4
    page.screenshot(path=shots / "overview.png", full_page=True)

    page.goto(f"{server}/agents")  # the chosen period per account, the account column kept in view
    accounts = page.locator("#report tbody td.key").all_inner_texts()
    assert accounts and len(accounts) == len(set(accounts)) and XIAOYA in accounts
    page.screenshot(path=shots / "agents.png")
    page.goto(f"{server}/agents?period=day")
    row = next(r for r in cli_report["days"] if r["account"] == XIAOYA and r["avg_response_s"] is not None)
    link = page.locator(f"a[data-metric=avg_response_s][href*='day={row['day']}'][href*='%E5%B0%8F%E9%9B%85']")
    assert link.inner_text() == human_value("avg_response_s", "account_day", row["avg_response_s"])
    link.click()
    page.wait_for_selector("#figure")
    assert page.locator("#figure").inner_text() == human_value("avg_response_s", "account_day",
                                                                 row["avg_response_s"])
    assert page.locator("table.evidence tbody tr").count() >= 1
    page.screenshot(path=shots / "explain.png", full_page=True)

    page.goto(f"{server}/live")
    sync_api.expect(page.locator("#live-count")).not_to_have_text("0", timeout=TIMEOUT_MS)  # an event arrived
    assert page.locator("#live-table tbody tr").count() >= 1
    page.screenshot(path=shots / "live.png")

    page.goto(f"{server}/lost")
    assert page.locator("#lost tbody tr").count() >= 1
    page.screenshot(path=shots / "lost.png")
    page.goto(f"{server}/qc")
    page.click("text=用内置规则运行质检")
    page.wait_for_selector("#job-note")  # the run waits its turn in the writer, then the page shows its result
    page.click("text=查看质检发现")
    assert page.locator("#qc tbody tr").count() >= 1
    page.screenshot(path=shots / "qc.png")
    page.goto(f"{server}/scores")
    page.locator("#scores summary").first.click()  # the arithmetic behind a score opens in place
    assert "总分 =" in page.locator("#scores pre").first.inner_text()
    page.screenshot(path=shots / "scores.png")

    for path, name in (("/users", "users.png"), ("/docs", "docs.png")):
        page.goto(f"{server}{path}")
        page.screenshot(path=shots / name)
    page.wait_for_selector(".swagger-ui .info")  # Swagger UI renders from local files, no network
    assert watched.blocked == [] and watched.page_errors == [] and watched.console_errors == []


def test_agent_view_is_limited(server: str, watched_page: Callable[..., WatchedPage], shots: Path) -> None:
    """Runs after the manager's journey, which uploaded the demo shop."""
    page = watched_page(allow=lambda url: url.startswith(server), viewport={"width": 1280, "height": 860}).page
    page.set_default_timeout(TIMEOUT_MS)
    login(page, server, "ya")
    assert page.locator("nav a", has_text="导入").count() == 0
    page.goto(f"{server}/agents")
    accounts = set(page.locator("#report tbody tr td:nth-child(2)").all_inner_texts())
    assert accounts == {XIAOYA}
    page.screenshot(path=shots / "agent.png")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the menu wraps between items, not in them
    links = page.locator("nav a")
    heights = [links.nth(i).bounding_box()["height"] for i in range(links.count())]  # type: ignore[index]
    assert heights and max(heights) < 2 * min(heights)
    page.set_viewport_size({"width": 1280, "height": 860})
    response = page.goto(f"{server}/import")
    assert response is not None and response.status == 403


def test_a_manager_reads_the_tables_at_1366_pixels(server: str, watched_page: Callable[..., WatchedPage]) -> None:
    """Runs after the manager's journey: the key columns are in view on a 1366 × 768 laptop screen."""
    width = 1366
    page = watched_page(allow=lambda url: url.startswith(server), viewport={"width": width, "height": 768}).page
    page.set_default_timeout(TIMEOUT_MS)
    login(page, server, "boss_a")
    page.goto(f"{server}/scores")
    for header in ("总分", "门槛", "奖金(元)"):
        box = page.locator("#scores thead th", has_text=header).first.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width, header
    page.goto(f"{server}/agents?period=day")
    scroller = page.locator(".scroll").first
    assert scroller.evaluate("el => { el.scrollLeft = el.scrollWidth; return el.scrollLeft; }") > 0
    view, key = scroller.bounding_box(), page.locator("#report tbody td.key").first.bounding_box()
    assert view is not None and key is not None  # scrolled to the far right, the account is still in view
    assert view["x"] <= key["x"] and key["x"] + key["width"] <= view["x"] + view["width"]
    page.goto(f"{server}/lost")
    table = page.locator("#lost").bounding_box()
    assert table is not None and table["x"] + table["width"] <= width  # 咨询商品 and 最近消息 fit, no sideways scroll
