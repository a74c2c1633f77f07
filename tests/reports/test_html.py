"""The offline HTML report: its figures are the report's, it is self-contained, and it draws in a real chromium."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from kefu.cli import app
from kefu.config import Settings, settings_from
from kefu.metrics.compile import ReportSpec
from kefu.output import human_value
from kefu.qc import findings, load_rules
from kefu.qc.runner import run_qc
from kefu.report import NoData, run_report
from kefu.reports import html_charts
from kefu.reports.html import TABLE_COLUMNS, agent_table, card_view, render_data, render_html
from kefu.reports.html_data import CARDS, Card, HtmlData, gather
from kefu.store import Warehouse
from tests.browser import platform_fonts
from tests.conftest import message_csv

# The shared demo shop (tests/reports/demo_shop.py) runs 2026-11-02..11: five days against the five before.
FROM, TO = dt.date(2026, 11, 7), dt.date(2026, 11, 11)
PREV_FROM, PREV_TO = dt.date(2026, 11, 2), dt.date(2026, 11, 6)


@pytest.fixture(scope="module")
def con(demo_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    wh = Warehouse.open(demo_db)
    yield wh.con
    wh.close()


@pytest.fixture(scope="module")
def data(con: duckdb.DuckDBPyConnection) -> HtmlData:
    return gather(con, Settings(), FROM, TO)


@pytest.fixture(scope="module")
def page_file(data: HtmlData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html_page") / "报表.html"
    path.write_text(render_data(data), encoding="utf-8")
    return path


def _report(con: duckdb.DuckDBPyConnection, grain: str, lo: dt.date, hi: dt.date, **spec: Any) -> list[dict]:
    return run_report(con, ReportSpec(grain=grain, day_from=lo, day_to=hi, **spec), Settings()).rows


def _shop_figures(con: duckdb.DuckDBPyConnection, lo: dt.date, hi: dt.date) -> dict[tuple[str, str], Any]:
    """(shop, metric) -> the report's figure over the range, read the way a user would with kefu report."""
    shop = _report(con, "shop_day", lo, hi, period="all")
    acct = _report(con, "account_day", lo, hi, period="all", by="shop")
    rows = {"shop_day": {r["shop"]: r for r in shop}, "account_day": {r["shop"]: r for r in acct}}
    return {(s, m): rows[g][s][m] for m, g, _ in CARDS for s in rows["shop_day"]}


def test_cards_hold_the_report_figures_of_the_period_and_the_previous_one(
        con: duckdb.DuckDBPyConnection, data: HtmlData) -> None:
    now, before = _shop_figures(con, FROM, TO), _shop_figures(con, PREV_FROM, PREV_TO)
    assert (data.prev_from, data.prev_to) == (PREV_FROM, PREV_TO) and data.has_previous
    assert len(data.cards) == len(now) == len(CARDS)
    for card in data.cards:
        assert card.value == now[(card.shop, card.metric_id)]
        assert card.previous == before[(card.shop, card.metric_id)]
    assert all(c.value is not None for c in data.cards) and any(c.previous is not None for c in data.cards)


@pytest.mark.parametrize("metric_id, grain, higher, value, previous, text, trend", [
    ("reply_rate", "shop_day", True, 0.955, 0.94, "较上期 +1.5 个百分点", "better"),
    ("avg_response_s", "account_day", False, 30.9, 28.0, "较上期 +2.9 秒", "worse"),
    ("avg_response_s", "account_day", False, 30.91, 30.94, "与上期持平", "same"),
    ("avg_order_value", "account_day", True, 400.0, 420.5, "较上期 -20.50 元", "worse"),
    ("refund_rate_28d", "shop_day", False, 0.03, 0.05, "较上期 -2.0 个百分点", "better"),
    ("dsr_service_180d", "shop_day", True, 4.8, None, "上期无数据", "none"),
])
def test_card_change_vs_previous(metric_id: str, grain: str, higher: bool, value: float, previous: float | None,
                                 text: str, trend: str) -> None:
    view = card_view(Card("店", metric_id, grain, higher, value, previous), "zh", Settings())
    assert (view.change, view.trend) == (text, trend)


def test_a_preset_puts_the_platform_figures_first_under_their_platform_names(
        con: duckdb.DuckDBPyConnection) -> None:
    taobao = settings_from({"preset": "taobao"})
    data = gather(con, taobao, FROM, TO)
    first = [c for c in data.cards if c.shop == data.shops[0]][:3]
    assert [c.metric_id for c in first] == ["platform_fast_rate", "platform_avg_response_s", CARDS[0][0]]
    spec = ReportSpec(grain="shop_day", day_from=FROM, day_to=TO, period="all")
    now = {r["shop"]: r for r in run_report(con, spec, taobao).rows}[data.shops[0]]
    assert (first[0].value, first[1].value) == (now["platform_fast_rate"], now["platform_avg_response_s"])
    page = render_data(data)
    assert "3分钟人工响应率" in page and "旺旺人工平均响应时长" in page
    assert "platform_fast_rate" not in [c.metric_id for c in gather(con, Settings(), FROM, TO).cards]


def test_whole_warehouse_has_no_previous_period(con: duckdb.DuckDBPyConnection) -> None:
    whole = gather(con, Settings())
    assert not whole.has_previous and all(c.previous is None for c in whole.cards)
    assert "上期无数据" in render_data(whole)


def test_histogram_counts_every_response_and_the_slow_ones_past_the_line(
        con: duckdb.DuckDBPyConnection, data: HtmlData) -> None:
    rows = _report(con, "account_day", FROM, TO, period="all")
    h = data.histogram
    assert h.width == 3 and h.bins == 40
    assert sum(c["n"] for c in h.counts) == sum(r["responses"] for r in rows)
    past_line = [c["n"] for c in h.counts if (c["bin"] - 1) * h.width >= Settings().slow_threshold_s]
    assert sum(past_line) == sum(r["slow_responses"] for r in rows) > 0


def test_histogram_follows_the_slow_threshold_setting(con: duckdb.DuckDBPyConnection) -> None:
    settings = Settings(slow_threshold_s=30)
    h = gather(con, settings, FROM, TO).histogram
    rows = run_report(con, ReportSpec(grain="account_day", period="all", day_from=FROM, day_to=TO), settings).rows
    assert h.width == 6
    assert sum(c["n"] for c in h.counts if (c["bin"] - 1) * h.width >= 30) == sum(r["slow_responses"] for r in rows)


def test_page_is_one_self_contained_file(page_file: Path) -> None:
    html = page_file.read_text(encoding="utf-8")
    outside_bundle = re.sub(r"<script>.*?</script>", "", html, count=1, flags=re.S)
    assert "Plotly.newPlot" in outside_bundle and len(html) > len(outside_bundle) > 0
    assert not re.search(r"<(script|img|iframe)[^>]*\ssrc=|<link[^>]*href=", outside_bundle)
    assert "http://" not in outside_bundle and "https://" not in outside_bundle


def test_qc_note_without_qc_runs(page_file: Path) -> None:
    html = page_file.read_text(encoding="utf-8")
    assert 'id="qc-note"' in html and "未运行质检" in html and "fig-qc-categories" not in html


def test_untrusted_names_are_escaped(make_shop: Any) -> None:
    evil = "<img src=x onerror=alert(1)>"
    con = make_shop(messages=message_csv(f"{evil}|{evil}|buyer|2026-11-11 10:00:00|hi",
                                         f"{evil}|{evil}|agent|2026-11-11 10:00:05|</script><b>x</b>"))
    html = render_html(con, Settings())
    assert evil not in html and "</script><b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_two_shops_get_cards_lines_and_funnels_each(make_shop: Any) -> None:
    con = make_shop(messages=message_csv("b1|甲店:小王|buyer|2026-11-11 10:00:00|在吗",
                                         "b1|甲店:小王|agent|2026-11-11 10:00:20|在的",
                                         "b2|乙店:小李|buyer|2026-11-11 11:00:00|有货吗",
                                         "b2|乙店:小李|agent|2026-11-11 11:00:05|有"))
    data = gather(con, Settings())
    assert data.shops == ["乙店", "甲店"] and len(data.cards) == 2 * len(CARDS)
    assert {(c["shop"], c["bin"]) for c in data.histogram.counts} == {("乙店", 2), ("甲店", 7)}
    funnel = html_charts.funnel(data, "zh")
    assert [t["name"] for t in funnel["data"]] == ["乙店", "甲店"]
    # The stages add accounts' counts: person-days, never headed like the cards' shop figures.
    assert funnel["data"][0]["y"][0] == "咨询人次" and "询单转化率（按人次）" in funnel["data"][0]["text"][2]
    only = gather(con, Settings(), shops=["甲店"])  # one shop's report holds that shop's rows alone
    assert only.shops == ["甲店"] and {c.shop for c in only.cards} == {"甲店"}
    assert {c["shop"] for c in only.histogram.counts} == {"甲店"}
    names = {t["name"] for t in html_charts.agent_trends(data, "zh")["data"]}
    assert names == {"甲店:小王", "乙店:小李"}  # with two shops an agent keeps its shop


def test_rankings_put_the_best_agent_on_top(data: HtmlData) -> None:
    fig = html_charts.rankings(data, "zh")
    by_title = {a["text"]: t for a, t in zip(fig["layout"]["annotations"], fig["data"])}
    sales, speed = by_title["询单成交金额"], by_title["平均响应时间(秒)"]
    assert sales["x"] == sorted(sales["x"]) and speed["x"] == sorted(speed["x"], reverse=True)  # last = top
    best = max(data.accounts, key=lambda r: r["inquiry_sales"])
    assert sales["y"][-1] == best["account"].split(":", 1)[-1] and ":" not in "".join(sales["y"])


def test_agent_table_shows_scores_only_when_some_agent_has_one(data: HtmlData) -> None:
    headers, rows = agent_table(data, "zh")
    assert "考试成绩" not in headers and len(rows) == len(data.accounts)
    scored = [{**r, "exam_score": 88.0 if i == 0 else None} for i, r in enumerate(data.accounts)]
    headers, rows = agent_table(dataclasses.replace(data, accounts=scored), "zh")
    column = headers.index("考试成绩")
    assert sorted(r[column] for r in rows) == ["88.00"] + ["—"] * (len(rows) - 1)


def test_english_labels(con: duckdb.DuckDBPyConnection, data: HtmlData) -> None:
    html = render_data(data, lang="en")
    assert '<html lang="en">' in html and "reply rate" in html and "回复率" not in html.split("<script>")[0]


def test_empty_range_is_no_data(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(NoData):
        gather(con, Settings(), dt.date(2027, 1, 1), dt.date(2027, 1, 2))


def test_cli_writes_the_report(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "报表.html"
    result = CliRunner().invoke(app, ["--db", str(demo_db), "html", "-o", str(out), "--from", "2026-11-07",
                                      "--to", "2026-11-11"])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "2026-11-07 ~ 2026-11-11" in html and "2026-11-02 ~ 2026-11-06" in html
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize("args, message", [
    (["--from", "2026-11-08", "--to", "2026-11-07"], "开始日期晚于结束日期"),
    (["--from", "11/05"], "YYYY-MM-DD"),
    (["--from", "2027-01-01"], "没有数据"),
])
def test_cli_errors(demo_db: Path, tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "r.html"
    result = CliRunner().invoke(app, ["--db", str(demo_db), "html", "-o", str(out), *args])
    assert result.exit_code == 1 and message in result.output and not out.exists()


def test_cli_without_a_warehouse(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--db", str(tmp_path / "none.duckdb"), "html", "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 1 and "找不到仓库文件" in result.output and not (tmp_path / "r.html").exists()


@pytest.fixture(scope="module")
def qc_db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo warehouse after a QC run over the report's range with the shipped rules."""
    copy = tmp_path_factory.mktemp("html_qc") / "qc.duckdb"
    copy.write_bytes(demo_db.read_bytes())
    wh = Warehouse.open(copy)
    run_qc(wh.con, Settings(), load_rules(), day_from=FROM, day_to=TO)
    wh.close()
    return copy


def test_qc_chart_counts_the_findings_of_the_qc_run(qc_db: Path) -> None:
    wh = Warehouse.open(qc_db)
    expected = Counter((f["category"], f["severity"]) for f in findings(wh.con, FROM, TO))
    qc = gather(wh.con, Settings(), FROM, TO).qc
    outside = gather(wh.con, Settings(), dt.date(2026, 11, 2), dt.date(2026, 11, 3)).qc
    wh.close()
    assert qc.ran and len(expected) >= 3
    assert {(c["category"], c["severity"]): c["n"] for c in qc.counts} == expected
    assert not outside.ran  # no run covers those days: the page says QC has not been run


# ---- in a real headless chromium ------------------------------------------------------------------------------

CHART_MARKS = """() => Array.from(document.querySelectorAll('[data-figure]')).map(el => [el.id,
    Array.from(el.querySelectorAll('g.trace path')).filter(p => (p.getAttribute('d') || '').length > 4).length])"""


def _open(watched_page: Any, path: Path) -> Any:
    watched = watched_page(viewport={"width": 1280, "height": 900})
    watched.page.goto(path.as_uri())
    watched.page.wait_for_function("() => document.querySelectorAll('[data-figure]').length === "
                                   "document.querySelectorAll('[data-figure].js-plotly-plot').length")
    return watched


def test_page_draws_every_chart_offline_with_the_report_numbers(
        watched_page: Any, con: duckdb.DuckDBPyConnection, page_file: Path, tmp_path: Path) -> None:
    watched = _open(watched_page, page_file)
    marks = dict(watched.page.evaluate(CHART_MARKS))
    # The staffing heatmap draws its cells as one image, not as paths.
    assert set(marks) == {"shop-trends", "agent-trends", "agent-ranking", "response-histogram", "funnel",
                          "staffing-1"}
    assert all(n > 0 for name, n in marks.items() if name != "staffing-1"), marks
    assert watched.page.locator("#staffing-1 .heatmaplayer image").count() == 1
    assert watched.page.locator("#response-histogram .shapelayer path").count() == 1  # the slow threshold line
    assert "15 秒界限" in watched.page.inner_text("#response-histogram")
    shown = watched.page.evaluate("""() => Array.from(document.querySelectorAll('.card')).map(c => [
        c.dataset.shop, c.dataset.metric, c.dataset.value, c.querySelector('.value').innerText])""")
    now = _shop_figures(con, FROM, TO)
    grain_of = {m: g for m, g, _ in CARDS}
    assert len(shown) == len(now)
    for shop, metric_id, value, text in shown:
        assert float(value) == now[(shop, metric_id)]
        assert text == human_value(metric_id, grain_of[metric_id], now[(shop, metric_id)])
    table = watched.page.evaluate("""() => Array.from(document.querySelectorAll('#agent-table tbody tr')).map(
        tr => Array.from(tr.cells).map(td => td.innerText))""")
    agents = {r["account"].split(":", 1)[-1]: r for r in _report(con, "account_day", FROM, TO, period="all")}
    columns = list(TABLE_COLUMNS)  # no QC or exam scores in the demo: those columns stay out
    assert sorted(name for name, *_ in table) == sorted(agents)
    for name, *cells in table:
        assert cells == [human_value(c, "account_day", agents[name][c]) for c in columns], name
    assert watched.console_errors == [] and watched.page_errors == [] and watched.dialogs == []
    assert watched.requests == [page_file.as_uri()] and watched.blocked == []
    watched.page.screenshot(path=str(tmp_path / "html_report.png"), full_page=True)
    # Last: DevTools' CSS domain itself logs a file-URL warning on the page.
    for selector in (".card .label", "#shop-trends .annotation-text"):  # Chinese drawn with a CJK font, not tofu
        assert any("CJK" in f for f in platform_fonts(watched.page, selector)), selector


def test_qc_chart_and_scores_draw_after_a_qc_run(watched_page: Any, qc_db: Path, tmp_path: Path) -> None:
    wh = Warehouse.open(qc_db)
    path = tmp_path / "qc.html"
    path.write_text(render_html(wh.con, Settings(), FROM, TO), encoding="utf-8")
    categories = {f["category"] for f in findings(wh.con, FROM, TO)}
    wh.close()
    watched = _open(watched_page, path)
    marks = dict(watched.page.evaluate(CHART_MARKS))
    assert marks["qc-categories"] > 0 and watched.page.locator("#qc-note").count() == 0
    assert all(c in watched.page.inner_text("#qc-categories") for c in categories)
    assert "质检得分" in watched.page.inner_text("#agent-table thead")
    assert watched.console_errors == [] and watched.page_errors == [] and watched.blocked == []


def test_untrusted_names_stay_text_in_chromium(watched_page: Any, make_shop: Any, tmp_path: Path) -> None:
    evil = "<img src=x onerror=alert(1)>"
    con = make_shop(messages=message_csv(f"{evil}|{evil}|buyer|2026-11-11 10:00:00|hi",
                                         f"{evil}|{evil}|agent|2026-11-11 10:00:05|ok"))
    path = tmp_path / "evil.html"
    path.write_text(render_html(con, Settings()), encoding="utf-8")
    watched = _open(watched_page, path)
    assert evil in watched.page.inner_text("header h1")
    assert watched.page.locator("main img").count() == 0 and watched.dialogs == []
    assert watched.blocked == [] and watched.page_errors == []
