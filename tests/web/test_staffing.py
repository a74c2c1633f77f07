"""排班 (/staffing): managers and admins see the staffing heatmap of their own shops; agents are refused."""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from plotly.offline import get_plotlyjs

from kefu.config import Settings
from kefu.metrics.compile import ReportSpec
from kefu.report import prepared_engine, run_report
from kefu.staffing.demand import DemandSpec
from kefu.staffing.rows import backtest_rows, busy_slots, weekday_name
from kefu.staffing.service import StaffingView, staffing_view
from kefu.store import Warehouse
from kefu.web.app import create_app
from kefu.web.context import WebConfig
from kefu.web.loopback import served
from tests.browser import WatchedPage
from tests.web.conftest import PASSWORD, SHOP_A, SHOP_B, make_users


@pytest.fixture(scope="module")
def expected(two_shop_db: Path) -> dict[str, StaffingView]:
    """Each shop's plan as `kefu staffing plan --shop … --weeks 1 --to <its last day>` makes it (3 days of data)."""
    with Warehouse.open(two_shop_db, read_only=True) as wh:
        rows = run_report(wh.con, ReportSpec(grain="shop_day"), Settings()).rows
        engine = prepared_engine(wh.con, Settings())
        out = {}
        for shop in (SHOP_A, SHOP_B):
            last = max(dt.date.fromisoformat(r["day"]) for r in rows if r["shop"] == shop)
            out[shop] = staffing_view(engine, Settings(), DemandSpec(weeks=1, shops=(shop,), day_to=last))
        return out


def figure(page: str) -> dict[str, Any]:
    """The heatmap figure a page carries for plotly."""
    found = re.search(r'<script type="application/json" id="fig-staffing">(.*?)</script>', page, re.S)
    assert found, "no heatmap on the page"
    return json.loads(found.group(1))


def gaps(view: StaffingView) -> list[list[float | None]]:
    """The plan's gaps by interval (rows, the busy ones) and weekday (columns), as the heatmap should colour them;
    None for the weekdays the three days of data do not hold."""
    cells = {(p.cell.slot, p.cell.weekday): p for p in view.plan.cells}
    return [[cells[s, d].gap if (s, d) in cells else None for d in range(1, 8)] for s in busy_slots(view.plan)]


def same_gaps(got: list[list[float | None]], want: list[list[float | None]]) -> bool:
    """Equal grids, but for the last bits of floats (DuckDB's parallel sums of doubles vary there)."""
    return len(got) == len(want) and all(
        len(g) == len(w) and all((a is None) == (b is None) and (a is None or a == pytest.approx(b))
                                 for a, b in zip(g, w)) for g, w in zip(got, want))


def test_a_manager_sees_the_heatmap_of_their_shop(web: Callable[[str], TestClient],
                                                  expected: dict[str, StaffingView]) -> None:
    r = web("boss_a").get("/staffing")
    assert r.status_code == 200
    fig = figure(r.text)
    want = expected[SHOP_A]
    assert same_gaps(fig["data"][1]["z"], gaps(want))
    coloured = {d for row in fig["data"][1]["z"] for d, g in enumerate(row, 1) if g is not None}
    assert coloured == {p.cell.weekday for p in want.plan.cells} and len(coloured) == 3  # three days of data
    assert fig["data"][1]["y"] == [want.demand.interval_label(s) for s in busy_slots(want.plan)]
    assert f"<strong>{SHOP_A}</strong>" in r.text and SHOP_B not in r.text
    assert f"每周需排班 {want.plan.needed_hours():.1f} 工时" in r.text
    assert 'name="shop"' not in r.text  # one shop: nothing to pick
    assert '<a href="/staffing" class="on">排班</a>' in r.text
    weeks = backtest_rows(list(want.checks))
    assert weeks and all(w["week_start"] in r.text for w in weeks)


def test_a_manager_cannot_see_another_shops_staffing(web: Callable[[str], TestClient],
                                                     expected: dict[str, StaffingView]) -> None:
    boss_a = web("boss_a")
    other = boss_a.get("/staffing", params={"shop": SHOP_B})
    assert other.status_code == 404 and SHOP_B not in other.text and "fig-staffing" not in other.text
    assert boss_a.get("/staffing", params={"shop": "没有这家店"}).status_code == 404
    own = web("boss_b").get("/staffing")
    assert same_gaps(figure(own.text)["data"][1]["z"], gaps(expected[SHOP_B]))
    assert SHOP_A not in own.text


def test_an_admin_picks_among_every_shop(web: Callable[[str], TestClient],
                                         expected: dict[str, StaffingView]) -> None:
    admin = web("admin")
    page = admin.get("/staffing").text
    assert re.findall(r"<option[^>]*>(.*?)</option>", page) == sorted([SHOP_A, SHOP_B])
    chosen = admin.get("/staffing", params={"shop": SHOP_B}).text
    assert re.search(rf"<option selected>{SHOP_B}</option>", chosen)
    assert same_gaps(figure(chosen)["data"][1]["z"], gaps(expected[SHOP_B]))
    assert gaps(expected[SHOP_A]) != gaps(expected[SHOP_B])  # the two shops' plans tell apart


def test_agents_are_refused_and_see_no_link(web: Callable[[str], TestClient]) -> None:
    ya = web("ya")
    r = ya.get("/staffing")
    assert r.status_code == 403 and "客服账号不能查看" in r.text and "fig-staffing" not in r.text
    assert ya.get("/staffing", params={"shop": SHOP_A}).status_code == 403
    assert 'href="/staffing"' not in ya.get("/").text
    assert 'href="/staffing"' in web("boss_a").get("/").text
    anonymous = web("").get("/staffing", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")


def test_plotly_is_served_from_the_package_and_only_the_plot_page_allows_inline_styles(
        web: Callable[[str], TestClient]) -> None:
    js = web("").get("/assets/plotly.min.js", headers={"Accept-Encoding": "gzip"})
    assert js.status_code == 200 and js.headers["content-encoding"] == "gzip"
    assert js.headers["content-type"].startswith("text/javascript") and js.text == get_plotlyjs()
    boss = web("boss_a")
    page_csp = boss.get("/staffing").headers["content-security-policy"]
    assert "style-src 'self' 'unsafe-inline'" in page_csp and "script-src 'self';" in page_csp
    assert "style-src 'self';" in boss.get("/").headers["content-security-policy"]


def test_the_view_is_computed_once_per_data_generation(web: Callable[[str], TestClient],
                                                       expected: dict[str, StaffingView]) -> None:
    store = web.app.state.parts.store  # type: ignore[attr-defined]
    spec = expected[SHOP_A].demand.spec
    first = store.staffing(spec)
    assert store.staffing(spec) is first
    store.data_changed()  # as after an import: the next request computes on the new data
    again = store.staffing(spec)
    assert again is not first and same_gaps(gaps(again), gaps(first))


# ---- in a real headless chromium, under the app's own Content-Security-Policy ------------------------------------

@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, two_shop_db: Path) -> Iterator[str]:
    """The app on a copy of the two-shop warehouse, served on a free loopback port."""
    root = tmp_path_factory.mktemp("staffing_browser")
    shutil.copy(two_shop_db, root / "shop.duckdb")
    make_users(root / "users.sqlite")
    app = create_app(WebConfig(root / "shop.duckdb", root / "users.sqlite", Settings(), root / "work"))
    with served(app) as base:
        yield base


def test_the_heatmap_draws_and_explains_a_cell_in_chromium(server: str, watched_page: Callable[..., WatchedPage],
                                                           expected: dict[str, StaffingView]) -> None:
    watched = watched_page(allow=lambda url: url.startswith(server), viewport={"width": 1280, "height": 860})
    page = watched.page
    page.set_default_timeout(60_000)
    page.goto(f"{server}/login")
    page.fill("input[name=username]", "boss_a")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/")
    page.click("nav >> text=排班")
    page.wait_for_selector("#staffing-heatmap .heatmaplayer image")  # plotly drew the cells
    box = page.locator("#staffing-heatmap .nsewdrag").bounding_box()
    assert box is not None
    want = expected[SHOP_A]
    day = min(p.cell.weekday for p in want.plan.cells)  # the first weekday with data, in the first interval
    page.mouse.move(box["x"] + box["width"] * (day - 0.5) / 7, box["y"] + 5)
    label = page.locator("#staffing-heatmap .hoverlayer .hovertext")
    label.wait_for()
    text = label.text_content() or ""
    interval = want.demand.interval_label(busy_slots(want.plan)[0])
    assert f"{weekday_name(day)} {interval}" in text and "需在线" in text and "预计达标率" in text
    assert watched.console_errors == [] and watched.page_errors == [] and watched.blocked == []
