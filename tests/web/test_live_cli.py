"""The live monitor's event stream, and the `kefu users` / `kefu serve` commands."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from kefu.cli import app
from kefu.web.auth import AuthStore
from tests.web.conftest import SHOP_A, XIAOYA

DAY = "2026-11-03"


def test_live_stream_sends_the_days_figures(web: Callable[[str], TestClient]) -> None:
    boss = web("boss_a")
    with boss.stream("GET", "/live/stream", params={"day": DAY, "events": "1"}) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        body = "".join(r.iter_text())
    assert body.startswith("data: ") and body.endswith("\n\n")
    event = json.loads(body[len("data: "):])
    report = boss.get("/api/v1/report", params={"from": DAY, "to": DAY}).json()["rows"]
    assert event["day"] == DAY and event["is_today"] is True
    assert {r["account"]: r["unclosed_buyers"] for r in event["rows"]} == {
        r["account"]: r["unclosed_buyers"] for r in report}
    assert {r["shop"] for r in event["rows"]} == {SHOP_A}


def test_live_page_without_day_shows_the_latest_day(web: Callable[[str], TestClient]) -> None:
    ya = web("ya")
    payload = ya.get("/api/v1/live").json()
    assert payload["day"] == DAY and payload["is_today"] is False
    assert [r["account"] for r in payload["rows"]] == [XIAOYA]
    page = ya.get("/live").text
    assert "今天还没有数据" in page and 'id="live-table"' in page


def test_users_commands(tmp_path: Path, two_shop_db: Path) -> None:
    runner = CliRunner()
    db = tmp_path / "shop.duckdb"
    r = runner.invoke(app, ["--db", str(db), "users", "add", "boss", "--role", "manager", "--shop", SHOP_A,
                            "--password-stdin"], input="long-enough-pw\n")
    assert r.exit_code == 1 and "无法核对店铺" in r.output  # grants are checked against the warehouse
    db.write_bytes(two_shop_db.read_bytes())
    r = runner.invoke(app, ["--db", str(db), "users", "add", "boss", "--role", "manager", "--shop", SHOP_A,
                            "--password-stdin"], input="long-enough-pw\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["--db", str(db), "users", "add", "ya", "--role", "agent", "--password-stdin"],
                      input="long-enough-pw\n")
    assert r.exit_code == 1 and "--account" in r.output
    r = runner.invoke(app, ["--db", str(db), "users", "list"])
    assert "boss" in r.output and "店长" in r.output and SHOP_A in r.output
    r = runner.invoke(app, ["--db", str(db), "users", "passwd", "boss"], input="another-pw-1\nanother-pw-1\n")
    assert r.exit_code == 0, r.output
    assert AuthStore(tmp_path / "shop.users.sqlite").verify("boss", "another-pw-1") is not None


def test_serve_without_users_and_without_a_terminal_says_what_to_do(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["--db", str(tmp_path / "shop.duckdb"), "serve"])
    assert r.exit_code == 1 and "users add" in " ".join(r.output.split())
