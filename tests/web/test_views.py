"""The pages under a platform preset: its figures first on the overview, its names in every header."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from fastapi.testclient import TestClient

from kefu.config import settings_from
from kefu.web.app import create_app
from kefu.web.context import WebConfig
from tests.web.conftest import XIAOYA, login, make_users


def test_an_agent_sees_the_presets_platform_figure_first_by_its_platform_name(
        tmp_path: Path, two_shop_db: Path, web) -> None:
    shutil.copy(two_shop_db, tmp_path / "shop.duckdb")
    make_users(tmp_path / "users.sqlite")
    taobao = settings_from({"preset": "taobao"})
    app = create_app(WebConfig(tmp_path / "shop.duckdb", tmp_path / "users.sqlite", taobao, tmp_path / "work"))
    with TestClient(app) as client:
        login(client, "ya")
        page = client.get("/").text
        cards = re.findall(r'data-metric="(\w+)"><div class="label">([^<]+)<', page)
        assert cards[:2] == [("platform_fast_rate", "3分钟人工响应率"),
                             ("platform_avg_response_s", "旺旺人工平均响应时长")]
        agents = client.get("/agents").text
        assert "3分钟人工响应率" in agents and "平台口径180秒响应率" not in agents
        explained = client.get("/explain", params={"metric": "platform_fast_rate", "day": "2026-11-02",
                                                    "account": XIAOYA}).text
        assert "<h1>3分钟人工响应率" in explained and "<td>是</td>" in explained and "<td>True</td>" not in explained
    # Without a preset the overview starts with the shop's own figures.
    plain = re.findall(r'data-metric="(\w+)"', web("ya").get("/").text)
    assert plain[0] == "inquiry_buyers" and "platform_fast_rate" not in plain
