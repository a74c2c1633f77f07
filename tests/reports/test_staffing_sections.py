"""The staffing section (排班与人力需求) of the HTML report and the 排班 sheet of the workbook: the plan's figures."""
from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest

from kefu.config import Settings, settings_from
from kefu.demo import generate_demo
from kefu.ingest.canonical import import_paths
from kefu.report import prepared_engine
from kefu.reports import html_charts
from kefu.reports.excel import write_workbook
from kefu.reports.html import figures, render_data
from kefu.reports.html_data import HtmlData, gather
from kefu.reports.staffing_section import cell_text, shop_spec
from kefu.staffing.demand import DemandSpec
from kefu.staffing.rows import BACKTEST_COLUMNS, PLAN_COLUMNS, backtest_rows, busy_slots, label, plan_rows
from kefu.staffing.service import StaffingView, staffing_view
from kefu.store import Warehouse

# The shared demo shop runs 2026-11-02..11 (tests/reports/demo_shop.py); the report covers its last five days.
FROM, TO = dt.date(2026, 11, 7), dt.date(2026, 11, 11)
# Under the taobao preset the platform judges 08:00-23:00: the night intervals are not judged.
TAOBAO = settings_from({"preset": "taobao"})


@pytest.fixture(scope="module")
def con(demo_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    wh = Warehouse.open(demo_db)
    yield wh.con
    wh.close()


@pytest.fixture(scope="module")
def shop(con: duckdb.DuckDBPyConnection) -> str:
    (name,) = Warehouse(con, Path("demo"), read_only=True).shops()
    return name


@pytest.fixture(scope="module")
def view(con: duckdb.DuckDBPyConnection, shop: str) -> StaffingView:
    """What `kefu staffing plan --shop … --to 2026-11-11` plans: the default weeks up to the last day."""
    return staffing_view(prepared_engine(con, TAOBAO), TAOBAO, DemandSpec(shops=(shop,), day_to=TO))


@pytest.fixture(scope="module")
def data(con: duckdb.DuckDBPyConnection) -> HtmlData:
    return gather(con, TAOBAO, FROM, TO)


def test_a_shop_plans_the_default_weeks_up_to_its_last_day() -> None:
    assert shop_spec("店", dt.date(2026, 11, 11)) == DemandSpec(shops=("店",), day_to=dt.date(2026, 11, 11))


def test_the_report_plans_the_shop_as_the_staffing_commands_do(data: HtmlData, view: StaffingView,
                                                                shop: str) -> None:
    got = data.staffing[shop]
    assert (got.demand.day_from, got.demand.day_to) == (view.demand.day_from, view.demand.day_to)
    assert plan_rows(got.plan) == plan_rows(view.plan)
    assert backtest_rows(list(got.checks)) == backtest_rows(list(view.checks))


def test_heatmap_colours_each_judged_interval_by_its_gap(data: HtmlData, view: StaffingView) -> None:
    fig = figures(data, "zh")["staffing-1"]
    off, judged = fig["data"]
    slots = busy_slots(view.plan)
    assert judged["x"] == ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
    assert judged["y"] == [view.demand.interval_label(s) for s in slots] and judged["y"][0] < judged["y"][-1]
    assert fig["layout"]["yaxis"]["autorange"] == "reversed"  # the earliest interval at the top
    cells = {(p.cell.slot, p.cell.weekday): p for p in view.plan.cells}
    for i, slot in enumerate(slots):
        for d in range(7):
            p = cells[slot, d + 1]
            if p.judged:
                assert judged["z"][i][d] == pytest.approx(p.gap) and off["z"][i][d] is None
                mark = "" if p.staffing.reachable else "!"  # the agents' reply speed alone misses the target
                assert judged["text"][i][d] == f"{p.required}/{p.cell.agents_online:.1f}{mark}"
                assert ("达不到目标" in judged["customdata"][i][d][5]) == (not p.staffing.reachable)
                assert judged["customdata"][i][d][:2] == [p.required, p.scheduled]
                assert judged["customdata"][i][d][3] == pytest.approx(p.staffing.service_level)
            else:  # outside 08:00-23:00: the grey layer, no gap colour
                assert judged["z"][i][d] is None and off["z"][i][d] == 0 and off["text"][i][d].startswith("-/")
    assert any(p.judged for p in view.plan.cells) and any(not p.judged for p in view.plan.cells)


def test_the_deepest_shortfall_is_full_red_and_an_even_cell_white(data: HtmlData, view: StaffingView) -> None:
    judged = figures(data, "zh")["staffing-1"]["data"][1]
    short = min((p for p in view.plan.cells if p.judged), key=lambda p: p.gap)
    assert short.gap <= -1  # the demo shop is short somewhere
    scale = judged["colorscale"]
    assert judged["zmin"] == pytest.approx(short.gap) and scale[0][1] == html_charts.SHORT_COLOR
    zero = next(stop for stop, color in scale if color == html_charts.EVEN_COLOR)
    assert zero == pytest.approx(-judged["zmin"] / (judged["zmax"] - judged["zmin"]))
    assert judged["zmax"] == pytest.approx(max(1.0, max(p.gap for p in view.plan.cells if p.judged)))
    assert scale[-1][1] == html_charts.SPARE_COLOR


def _embedded(html: str, element: str) -> dict[str, Any]:
    found = re.search(rf'<script type="application/json" id="fig-{element}">(.*?)</script>', html, re.S)
    assert found, element
    return json.loads(found.group(1))


def test_html_page_holds_the_section_the_figure_and_the_backtest(data: HtmlData, view: StaffingView,
                                                                  shop: str) -> None:
    html = render_data(data)
    section = html[html.index('<section class="staffing"'):]
    section = section[:section.index("</section>")]
    assert f"{shop} · 排班与人力需求" in section and 'data-figure="fig-staffing-1"' in section
    plan = view.plan
    assert (f"目标 {plan.target.text()}（180 秒内）· 模型 Erlang C · "
            f"每人同时接待 {plan.concurrency} 个会话 · 缺勤率 30%") in section
    assert f"每周需排班 {plan.needed_hours():.1f} 工时，实际在线 {plan.online_hours():.1f} 工时" in section
    assert f"缺口 {plan.under_hours():.1f} 工时，富余 {plan.over_hours():.1f} 工时" in section
    z = _embedded(html, "staffing-1")["data"][1]["z"]
    assert z == figures(data, "zh")["staffing-1"]["data"][1]["z"]
    body = re.findall(r"<tr>(.*?)</tr>", section[section.index('class="backtest"'):], re.S)
    cells = [re.findall(r"<td>(.*?)</td>", row) for row in body[1:]]
    checks = backtest_rows(list(view.checks))
    assert checks and len(cells) == len(checks)
    for got, want in zip(cells, checks):
        assert got[:3] == [want["week_start"], str(want["intervals"]), str(want["rounds"])]
        assert got[3:] == [f"{want['measured']:.1%}", f"{want['predicted']:.1%}", f"{want['bias']:+.1%}",
                           f"{want['mae']:.1%}", f"{want['noise']:.1%}"]


def test_english_section(data: HtmlData, shop: str) -> None:
    html = render_data(data, lang="en")
    section = html[html.index('<section class="staffing"'):]
    section = section[:section.index("</section>")]
    assert f"{shop} · Staffing" in section and "answered within 180 s" in section and "model Erlang C" in section
    assert "排班" not in section and "周一" not in section
    assert [label(c, "en") for c in BACKTEST_COLUMNS] == re.findall(r"<th>(.*?)</th>", section)
    fig = figures(data, "en")["staffing-1"]
    assert fig["data"][1]["x"][0] == "Mon" and "needed online" in fig["data"][1]["hovertemplate"]


# ---- the workbook -----------------------------------------------------------------------------------------------

def _sheet(con: duckdb.DuckDBPyConnection, tmp_path: Path, lang: str = "zh", **kwargs: Any) -> Any:
    path = write_workbook(tmp_path / "book.xlsx", con, TAOBAO, lang=lang, **kwargs)
    return openpyxl.load_workbook(path)


def _header_row(ws: Any, first: str) -> int:
    """The 1-based row whose first cell is `first`."""
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == first)


def test_workbook_sheet_holds_the_grid_the_plan_rows_and_the_backtest(con: duckdb.DuckDBPyConnection,
                                                                      tmp_path: Path, view: StaffingView,
                                                                      shop: str) -> None:
    book = _sheet(con, tmp_path)
    assert book.sheetnames[-2:] == ["排班", "指标说明"]
    ws = book["排班"]
    plan = view.plan
    assert ws["A1"].value == f"{shop} · 排班与人力需求" and ws["A2"].value.startswith(f"目标 {plan.target.text()}")
    grid_head = _header_row(ws, "时段")
    assert [c.value for c in ws[grid_head]][:8] == ["时段", "周一", "周二", "周三", "周四", "周五", "周六", "周日"]
    assert ws.freeze_panes == f"B{grid_head + 1}"  # the weekdays and the intervals stay in view
    cells = {(plan.demand.interval_label(p.cell.slot), p.cell.weekday): p for p in plan.cells}
    slots = busy_slots(plan)
    for r in range(grid_head + 1, grid_head + 1 + len(slots)):
        for d in range(1, 8):
            p = cells[ws.cell(r, 1).value, d]
            cell = ws.cell(r, d + 1)
            assert cell.value == cell_text(p)
            fill = cell.fill.fgColor.rgb if cell.fill.fill_type else None
            if not p.judged:
                assert fill == "FFEDEDED"
            elif p.gap <= -0.5:
                assert fill == "FFF4CCCC", (cell.coordinate, p.gap)  # short: red
            elif p.gap >= 1:
                assert fill == "FFD9EAD3"  # a whole agent spare: green
            else:
                assert fill is None
    head = _header_row(ws, label("weekday"))
    assert [c.value for c in ws[head]][:len(PLAN_COLUMNS)] == [label(c) for c in PLAN_COLUMNS]
    assert ws.auto_filter.ref.startswith(f"A{head}:")  # the filter is on the plan's rows
    expected = plan_rows(plan)
    for i, want in enumerate(expected):
        got = [c.value for c in ws[head + 1 + i]][:len(PLAN_COLUMNS)]
        assert got == [("是" if want[c] else "否") if isinstance(want[c], bool) else want[c] for c in PLAN_COLUMNS]
    assert ws.cell(head + 1, PLAN_COLUMNS.index("service_level") + 1).number_format == "0.0%"
    back = _header_row(ws, label("week_start"))
    checks = backtest_rows(list(view.checks))
    assert back > head + len(expected) and checks
    for i, want in enumerate(checks):
        got = [c.value for c in ws[back + 1 + i]][:len(BACKTEST_COLUMNS)]
        assert got[0].date().isoformat() == want["week_start"] and got[1:] == [want[c] for c in BACKTEST_COLUMNS[1:]]


def test_workbook_sheet_in_english(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    ws = _sheet(con, tmp_path, "en")["Staffing"]
    assert ws["A1"].value.endswith("· staffing")
    head = _header_row(ws, "weekday")
    assert [c.value for c in ws[head]][:len(PLAN_COLUMNS)] == [label(c, "en") for c in PLAN_COLUMNS]
    assert {ws.cell(r, PLAN_COLUMNS.index("judged") + 1).value for r in range(head + 1, head + 337)} == {"yes", "no"}


# ---- several shops ----------------------------------------------------------------------------------------------

SHOP_A, SHOP_B = "甲店", "乙店"


@pytest.fixture(scope="module")
def two_shops(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    root = tmp_path_factory.mktemp("two_shops")
    generate_demo(root / "a", days=7, buyers_per_day=10, seed=3, shop=SHOP_A, start=dt.date(2026, 11, 2))
    generate_demo(root / "b", days=7, buyers_per_day=4, seed=5, shop=SHOP_B, start=dt.date(2026, 11, 2))
    wh = Warehouse.open(root / "two.duckdb")
    assert import_paths(wh, [root / "a", root / "b"], Settings()).ok
    yield wh.con
    wh.close()


def test_one_section_and_one_sheet_per_shop_of_the_report(two_shops: duckdb.DuckDBPyConnection,
                                                          tmp_path: Path) -> None:
    data = gather(two_shops, Settings())
    html = render_data(data)
    shown = re.findall(r'<section class="staffing" data-shop="(.*?)">', html)
    assert shown == data.shops and sorted(shown) == sorted([SHOP_A, SHOP_B])
    engine = prepared_engine(two_shops, Settings())
    for i, shop in enumerate(shown, 1):
        want = staffing_view(engine, Settings(), DemandSpec(shops=(shop,), day_to=dt.date(2026, 11, 8)))
        z = _embedded(html, f"staffing-{i}")["data"][1]["z"]
        gaps = [g for row in z for g in row if g is not None]
        assert gaps == pytest.approx([p.gap for p in sorted(want.plan.cells, key=lambda p: (p.cell.slot,
                                                                                             p.cell.weekday))
                                      if p.cell.slot in busy_slots(want.plan)])
    book = openpyxl.load_workbook(write_workbook(tmp_path / "two.xlsx", two_shops, Settings()))
    assert [n for n in book.sheetnames if n.startswith("排班")] == [f"排班·{s}" for s in data.shops]
    assert book[f"排班·{SHOP_B}"]["A1"].value == f"{SHOP_B} · 排班与人力需求"


def test_a_shops_report_holds_only_its_staffing(two_shops: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    data = gather(two_shops, Settings(), shops=[SHOP_B])
    assert list(data.staffing) == [SHOP_B]
    html = render_data(data)
    assert re.findall(r'<section class="staffing" data-shop="(.*?)">', html) == [SHOP_B] and SHOP_A not in html
    book = openpyxl.load_workbook(write_workbook(tmp_path / "b.xlsx", two_shops, Settings(), shops=[SHOP_B]))
    assert "排班" in book.sheetnames and book["排班"]["A1"].value == f"{SHOP_B} · 排班与人力需求"
