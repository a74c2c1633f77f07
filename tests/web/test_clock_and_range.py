"""Pages tell time on the shop's clock, and an agent's date range is that of their own accounts."""
from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kefu.config import Settings
from kefu.demo import generate_demo
from kefu.ingest import import_paths
from kefu.store import Warehouse
from kefu.web.app import create_app
from kefu.web.context import WebConfig
from tests.web.conftest import SHOP_A, SHOP_B, login, make_users

TZ = "Asia/Shanghai"  # eight hours from the UTC clock the test machines run on


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Shop A on 11-01..11-03 and shop B later, on 11-10..11-11."""
    root = tmp_path_factory.mktemp("ranges")
    generate_demo(root / "a", days=3, buyers_per_day=8, seed=3, shop=SHOP_A)
    generate_demo(root / "b", days=2, buyers_per_day=8, seed=5, shop=SHOP_B, start=dt.date(2026, 11, 10))
    with Warehouse.open(root / "w.duckdb") as wh:
        assert import_paths(wh, [root / "a", root / "b"], Settings(timezone=TZ)).ok
    make_users(root / "users.sqlite")
    web_app = create_app(WebConfig(root / "w.duckdb", root / "users.sqlite", Settings(timezone=TZ), root / "work"))
    with TestClient(web_app):
        yield web_app


def _client(app: object, user: str) -> TestClient:
    client = TestClient(app)  # type: ignore[arg-type]
    login(client, user)
    return client


def _dates_offered(page: str) -> tuple[str, str]:
    found = re.findall(r'name="day_(?:from|to)" value="([0-9-]+)"', page)
    assert len(found) == 2, page
    return found[0], found[1]


def test_an_agent_sees_the_days_of_their_own_shop_only(app: object) -> None:
    ya = _client(app, "ya")
    assert _dates_offered(ya.get("/").text) == ("2026-11-01", "2026-11-03")
    assert ya.get("/api/v1/live").json()["day"] == "2026-11-03"
    assert "2026-11-1" not in ya.get("/").text  # nothing of shop B's 11-10 and 11-11
    admin = _client(app, "admin")
    assert admin.get("/api/v1/live").json()["day"] == "2026-11-11"


def test_a_manager_sees_the_days_of_the_shops_they_manage(app: object) -> None:
    assert _client(app, "boss_a").get("/api/v1/live").json()["day"] == "2026-11-03"
    assert _client(app, "boss_b").get("/api/v1/live").json()["day"] == "2026-11-11"


def test_the_live_clock_and_import_times_are_shop_local(app: object, tmp_path: Path) -> None:
    admin = _client(app, "admin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', admin.get("/").text)
    assert token
    before = dt.datetime.now(zoneinfo.ZoneInfo(TZ)).replace(tzinfo=None, microsecond=0)
    at = admin.get("/api/v1/live").json()["at"]
    accounts = f"account,shop,agent_name,group,kind\n{SHOP_A}:小雅,{SHOP_A},小雅,售前,human\n".encode()
    queued = admin.post("/api/v1/imports", files=[("files", ("accounts.csv", accounts))],
                        headers={"X-CSRF-Token": token.group(1)})
    assert queued.status_code == 202
    assert app.state.parts.worker.jobs[queued.json()["id"]].finished.wait(60)  # type: ignore[attr-defined]
    created = admin.get(f"/api/v1/imports/{queued.json()['id']}").json()["created_at"]
    after = dt.datetime.now(zoneinfo.ZoneInfo(TZ)).replace(tzinfo=None, microsecond=0)
    assert before <= dt.datetime.fromisoformat(created) <= after
    if before.date() == after.date():  # the live clock shows the time of day only
        assert before.strftime("%H:%M:%S") <= at <= after.strftime("%H:%M:%S")
