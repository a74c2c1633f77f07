"""Users, passwords, sessions, login throttling, CSRF and cookie flags."""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kefu.web.auth import AuthStore, UserError
from kefu.web.security import ADDRESS_FAILURES, BACKOFF_S, MAX_FAILURES, USER_FAILURES, WINDOW_S, LoginThrottle
from tests.web.conftest import FAST_HASHER, PASSWORD, csrf_of


def test_passwords_are_argon2_hashed_and_verified(tmp_path: Path) -> None:
    auth = AuthStore(tmp_path / "u.sqlite", FAST_HASHER)
    auth.add_user("boss", "s3cret-pass", "manager", shops=["店A"])
    stored = auth._run("SELECT password_hash FROM users")[0][0]
    assert str(stored).startswith("$argon2") and "s3cret-pass" not in str(stored)
    assert auth.verify("boss", "s3cret-pass") == auth.get_user("boss")
    assert auth.verify("boss", "wrong-pass") is None
    assert auth.verify("nobody", "s3cret-pass") is None


@pytest.mark.parametrize("args, message", [
    (("x", "short", "admin"), "至少 8"),
    (("x", "long-enough", "owner"), "角色"),
    (("x", "long-enough", "manager"), "--shop"),
    (("x", "long-enough", "agent"), "--account"),
    (("", "long-enough", "admin"), "用户名"),
])
def test_bad_users_are_refused_in_chinese(tmp_path: Path, args: tuple[str, str, str], message: str) -> None:
    with pytest.raises(UserError, match=message):
        AuthStore(tmp_path / "u.sqlite", FAST_HASHER).add_user(*args)


def test_password_change_ends_sessions(tmp_path: Path) -> None:
    auth = AuthStore(tmp_path / "u.sqlite", FAST_HASHER)
    user = auth.add_user("ya", "first-pass", "agent", accounts=["店:小雅"])
    token, session = auth.start_session(user)
    assert auth.session(token) == session and session.user.accounts == ("店:小雅",)
    auth.set_password("ya", "second-pass")
    assert auth.session(token) is None
    assert auth.verify("ya", "second-pass") is not None


def test_throttle_waits_per_user_and_address_with_a_doubling_backoff() -> None:
    now = [1000.0]
    throttle = LoginThrottle(clock=lambda: now[0])
    for _ in range(MAX_FAILURES):
        assert throttle.wait_s("boss", "1.2.3.4") == 0
        throttle.failed("boss", "1.2.3.4")
    assert throttle.wait_s("boss", "1.2.3.4") == BACKOFF_S + 1
    # The office shares 1.2.3.4: the others still sign in, and boss may from elsewhere.
    assert throttle.wait_s("admin", "1.2.3.4") == 0 and throttle.wait_s("boss", "9.9.9.9") == 0
    now[0] += BACKOFF_S + 1
    assert throttle.wait_s("boss", "1.2.3.4") == 0
    throttle.failed("boss", "1.2.3.4")  # each further failure doubles the wait
    assert throttle.wait_s("boss", "1.2.3.4") == 2 * BACKOFF_S + 1
    throttle.succeeded("boss", "1.2.3.4")
    assert throttle.wait_s("boss", "1.2.3.4") == 0
    for _ in range(MAX_FAILURES - 1):
        throttle.failed("ya", "1.2.3.4")
    now[0] += WINDOW_S + 1
    throttle.failed("ya", "1.2.3.4")
    assert throttle.wait_s("ya", "1.2.3.4") == 0  # the older failures fell out of the window


def test_throttle_stops_spraying_from_one_address_and_guessing_one_name() -> None:
    now = [1000.0]
    throttle = LoginThrottle(clock=lambda: now[0])
    for i in range(ADDRESS_FAILURES):
        throttle.failed(f"user{i}", "6.6.6.6")
    assert throttle.wait_s("someone", "6.6.6.6") > 0 and throttle.wait_s("someone", "1.2.3.4") == 0
    for i in range(USER_FAILURES):
        throttle.failed("admin", f"10.0.{i // 250}.{i % 250}")
    assert throttle.wait_s("admin", "172.16.0.1") > 0 and throttle.wait_s("boss", "172.16.0.1") == 0
    now[0] += 2 * WINDOW_S
    assert throttle.wait_s("admin", "172.16.0.1") == 0

def test_pages_need_login_and_api_answers_401(web: Callable[[str], TestClient]) -> None:
    anon = web("")
    r = anon.get("/agents?period=all", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/agents%3Fperiod%3Dall"
    assert anon.get("/api/v1/report").status_code == 401
    assert anon.get("/download/report.csv", follow_redirects=False).status_code == 303


def test_session_cookie_flags_and_security_headers(web: Callable[[str], TestClient]) -> None:
    client = web("")
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token},
                    follow_redirects=False)
    cookie = r.headers["set-cookie"]
    assert "kefu_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"


def test_secure_cookie_over_https(web: Callable[[str], TestClient]) -> None:
    client = TestClient(web.app, base_url="https://testserver")  # type: ignore[attr-defined]
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token},
                    follow_redirects=False)
    assert "Secure" in r.headers["set-cookie"]


def test_login_needs_csrf_and_refuses_open_redirects(web: Callable[[str], TestClient]) -> None:
    client = web("")
    r = client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 403 and "CSRF" in r.text
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = client.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token,
                                    "next": "//evil.example/"}, follow_redirects=False)
    assert r.headers["location"] == "/"


def test_forms_need_the_session_csrf_token(web: Callable[[str], TestClient]) -> None:
    client = web("admin")
    r = client.post("/users", data={"username": "x", "password": "long-enough", "role": "admin",
                                    "csrf_token": "forged"})
    assert r.status_code == 403
    assert client.post("/logout", data={}).status_code == 403
    token = csrf_of(client)
    r = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_wrong_passwords_are_throttled(web: Callable[[str], TestClient]) -> None:
    client = web("")
    statuses = []
    for _ in range(MAX_FAILURES + 1):
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        r = client.post("/login", data={"username": "boss_b", "password": "nope-nope", "csrf_token": token})
        statuses.append(r.status_code)
    assert statuses == [401] * MAX_FAILURES + [429]
    assert "次数过多" in r.text
    api = client.post("/api/v1/session", json={"username": "boss_b", "password": PASSWORD})
    assert api.status_code == 429  # even the right password waits out the backoff
    other = web("")  # a colleague at the same address is not locked out
    assert other.post("/api/v1/session", json={"username": "boss_a", "password": PASSWORD}).status_code == 200
    web.app.state.parts.throttle = LoginThrottle()  # type: ignore[attr-defined]  # test clients share one address


def test_admin_adds_a_user_through_the_form(web: Callable[[str], TestClient]) -> None:
    admin = web("admin")
    form = {"csrf_token": csrf_of(admin), "username": "new_boss", "password": "new-boss-pass", "role": "manager"}
    r = admin.post("/users", data=form)
    assert r.status_code == 400 and "--shop" in r.text  # a manager needs a shop
    r = admin.post("/users", data={**form, "shops": "山野户外旗舰店"}, follow_redirects=False)
    assert r.status_code == 303
    client = web("")
    r = client.post("/api/v1/session", json={"username": "new_boss", "password": "new-boss-pass"})
    assert r.status_code == 200 and client.get("/api/v1/me").json()["shops"] == ["山野户外旗舰店"]
