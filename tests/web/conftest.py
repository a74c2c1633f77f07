"""Web fixtures: a two-shop warehouse, users of every role, an app and signed-in test clients."""
from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from kefu.config import Settings
from kefu.demo import generate_demo
from kefu.ingest import import_paths
from kefu.store import Warehouse
from kefu.web.app import create_app
from kefu.web.auth import AuthStore
from kefu.web.context import WebConfig

SHOP_A = "山野户外旗舰店"
SHOP_B = "溪流数码专营店"
PASSWORD = "correct-horse-1"
XIAOYA = f"{SHOP_A}:小雅"
XIAOWANG = f"{SHOP_A}:小王"
B_AGENT = f"{SHOP_B}:小雅"

USERS = {
    "admin": ("admin", {}),
    "boss_a": ("manager", {"shops": [SHOP_A]}),
    "boss_b": ("manager", {"shops": [SHOP_B]}),
    "ya": ("agent", {"accounts": [XIAOYA]}),
    "wang": ("agent", {"accounts": [XIAOWANG]}),
}


@pytest.fixture(scope="session")
def demo_exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Canonical exports of two small demo shops."""
    root = tmp_path_factory.mktemp("exports")
    generate_demo(root / "a", days=3, buyers_per_day=12, seed=3, shop=SHOP_A)
    generate_demo(root / "b", days=3, buyers_per_day=12, seed=5, shop=SHOP_B)
    return {SHOP_A: root / "a", SHOP_B: root / "b"}


@pytest.fixture(scope="session")
def two_shop_db(tmp_path_factory: pytest.TempPathFactory, demo_exports: dict[str, Path]) -> Path:
    """A warehouse holding both demo shops (copied per app so tests may import into it)."""
    path = tmp_path_factory.mktemp("wh") / "two.duckdb"
    with Warehouse.open(path) as wh:
        summary = import_paths(wh, list(demo_exports.values()), Settings())
        assert summary.ok
    return path


# Cheap argon2 costs keep the tests quick; verification reads the costs from each stored hash.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def make_users(path: Path) -> None:
    auth = AuthStore(path, FAST_HASHER)
    for name, (role, grants) in USERS.items():
        auth.add_user(name, PASSWORD, role, **grants)
    auth.close()


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the session's CSRF token."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": token.group(1)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return csrf_of(client)


def csrf_of(client: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)
    assert found
    return found.group(1)


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory, two_shop_db: Path) -> Iterator[Callable[[str], TestClient]]:
    """A factory of clients signed in as one of USERS, all on one app over a copy of the two-shop warehouse."""
    root = tmp_path_factory.mktemp("app")
    db = root / "shop.duckdb"
    shutil.copy(two_shop_db, db)
    make_users(root / "users.sqlite")
    app = create_app(WebConfig(db, root / "users.sqlite", Settings(), root / "work"))

    def client_for(username: str) -> TestClient:
        client = TestClient(app)
        if username:
            login(client, username)
        return client

    client_for.app = app  # type: ignore[attr-defined]
    with TestClient(app):  # runs the app's lifespan: the import worker stops and files close at the end
        yield client_for


def same_rows(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> bool:
    """Equal rows, but for the last bits of floats (DuckDB's parallel SUM of doubles varies there)."""
    if len(got) != len(want) or any(g.keys() != w.keys() for g, w in zip(got, want)):
        return False
    for g, w in zip(got, want):
        for key, value in w.items():
            if isinstance(value, float) and isinstance(g[key], float):
                if g[key] != pytest.approx(value, rel=1e-12):
                    return False
            elif g[key] != value:
                return False
    return True
