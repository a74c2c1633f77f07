"""Managing web users: disable, re-enable, delete, change role and scope, from the CLI and the admin page."""
from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from kefu.cli import app
from kefu.web.auth import AuthStore, UserError
from tests.web.conftest import FAST_HASHER, PASSWORD, SHOP_A, SHOP_B, XIAOYA, csrf_of, login

runner = CliRunner()


@pytest.fixture
def auth(tmp_path: Path) -> AuthStore:
    store = AuthStore(tmp_path / "u.sqlite", FAST_HASHER)
    store.add_user("root", PASSWORD, "admin")
    store.add_user("boss", PASSWORD, "manager", shops=["店A"])
    return store


def test_disable_ends_sessions_and_refuses_login_until_enabled(auth: AuthStore) -> None:
    token, _ = auth.start_session(auth._existing("boss"))
    assert auth.set_disabled("boss", True).disabled
    assert auth.session(token) is None and auth.verify("boss", PASSWORD) is None
    assert auth.set_disabled("boss", False).disabled is False
    assert auth.verify("boss", PASSWORD) is not None and auth.get_user("boss").shops == ("店A",)  # type: ignore


def test_role_change_replaces_grants_and_ends_sessions(auth: AuthStore) -> None:
    token, _ = auth.start_session(auth._existing("boss"))
    user = auth.set_role("boss", "agent", shops=["店A"], accounts=["店A:小雅"])
    assert (user.role, user.shops, user.accounts) == ("agent", (), ("店A:小雅",))  # an agent keeps no shop grant
    assert auth.session(token) is None
    with pytest.raises(UserError, match="--account"):
        auth.set_role("boss", "agent")


def test_delete_removes_the_user_and_the_last_admin_stays(auth: AuthStore) -> None:
    auth.delete_user("boss")
    assert auth.get_user("boss") is None
    assert auth._run("SELECT count(*) FROM grants")[0][0] == 0
    for change in (lambda: auth.delete_user("root"), lambda: auth.set_disabled("root", True),
                   lambda: auth.set_role("root", "manager", shops=["店A"])):
        with pytest.raises(UserError, match="唯一可用的管理员"):
            change()
    with pytest.raises(UserError, match="没有用户 nobody"):
        auth.delete_user("nobody")


def test_a_users_file_from_before_disabling_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE users (username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL "
                "CHECK (role IN ('admin', 'manager', 'agent')), created_at TEXT NOT NULL)")
    con.execute("INSERT INTO users VALUES ('old', 'x', 'admin', '2026-01-01')")
    con.commit()
    con.close()
    assert AuthStore(path, FAST_HASHER).get_user("old").disabled is False  # type: ignore[union-attr]


def _kefu(db: Path, *args: str, stdin: str = "") -> tuple[int, str]:
    result = runner.invoke(app, ["--db", str(db), *args], input=stdin)
    return result.exit_code, result.output


def test_cli_checks_grants_against_the_warehouse_and_manages_users(two_shop_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "shop.duckdb"
    db.write_bytes(two_shop_db.read_bytes())
    code, out = _kefu(db, "users", "add", "boss", "--role", "manager", "--shop", "山野户外旗舰", "--password-stdin",
                      stdin=PASSWORD + "\n")
    assert code == 1 and "未知店铺 山野户外旗舰" in out and SHOP_A in out  # the closest name is offered
    code, out = _kefu(db, "users", "add", "ya", "--role", "agent", "--account", "小雅", "--password-stdin",
                      stdin=PASSWORD + "\n")
    assert code == 1 and "不唯一" in out  # 小雅 works in both shops
    code, out = _kefu(db, "users", "add", "ya", "--role", "agent", "--account", XIAOYA, "--password-stdin",
                      stdin=PASSWORD + "\n")
    assert code == 0 and XIAOYA in out
    assert _kefu(db, "users", "set", "ya", "--role", "manager", "--shop", SHOP_B)[0] == 0
    assert _kefu(db, "users", "disable", "ya")[0] == 0
    code, out = _kefu(db, "users", "list")
    assert "已停用" in out and SHOP_B in out
    assert _kefu(db, "users", "enable", "ya")[0] == 0
    code, out = _kefu(db, "users", "delete", "ya", "--yes")
    assert code == 0 and "已删除" in out and "ya" not in _kefu(db, "users", "list")[1].split("用户名")[-1]
    code, out = _kefu(db, "users", "disable", "nobody")
    assert code == 1 and "没有用户 nobody" in out


def test_admin_page_manages_users(web: Callable[[str], TestClient]) -> None:
    admin = web("admin")
    token = csrf_of(admin)
    form = {"csrf_token": token, "username": "temp", "password": "temp-pass-1", "role": "manager",
            "shops": "不存在的店"}
    r = admin.post("/users", data=form)
    assert r.status_code == 400 and "仓库里没有店铺 不存在的店" in r.text  # a crafted form cannot grant others
    assert admin.post("/users", data={**form, "shops": SHOP_A}, follow_redirects=False).status_code == 303
    temp = TestClient(web.app)  # type: ignore[attr-defined]
    login(temp, "temp", "temp-pass-1")
    assert admin.post("/users/temp/disable", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert temp.get("/", follow_redirects=False).status_code == 303  # signed out at once
    page = admin.get("/users").text
    assert "已停用" in page and "/users/temp/enable" in page
    assert admin.post("/users/temp/enable", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    r = admin.post("/users/temp/role", data={"csrf_token": token, "role": "agent", "accounts": XIAOYA},
                   follow_redirects=False)
    assert r.status_code == 303
    login(temp, "temp", "temp-pass-1")
    assert temp.get("/api/v1/me").json()["accounts"] == [XIAOYA]
    r = admin.post("/users/temp/delete", data={"csrf_token": token})
    assert r.status_code == 400 and "勾选确认" in r.text
    r = admin.post("/users/temp/delete", data={"csrf_token": token, "confirm": "yes"}, follow_redirects=False)
    assert r.status_code == 303 and "temp" not in [u["username"] for u in _users(admin)]
    assert admin.post("/users/admin/disable", data={"csrf_token": "wrong"}).status_code == 403
    assert web("boss_a").post("/users/ya/disable", data={"csrf_token": token}).status_code == 403


def _users(admin: TestClient) -> list[dict[str, str]]:
    """The user names listed on the admin page."""
    page = admin.get("/users").text
    body = page[page.index('<tbody>'):page.index('</tbody>')]
    return [{"username": row.split("<td>")[1].split("</td>")[0]} for row in body.split("<tr")[1:]]
