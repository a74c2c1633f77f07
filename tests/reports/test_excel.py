"""The Excel workbook read back with openpyxl: sheets, headers, values, formats, frozen panes, filters, no formulas."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest

from kefu.config import Settings
from kefu.metrics.catalog import metric, metrics_of
from kefu.metrics.compile import ReportSpec
from kefu.output import counts_people, label
from kefu.report import run_report
from kefu.reports.excel import write_report_xlsx, write_workbook
from tests.reports.test_lost import D, shop

SHEETS = ["概览", "客服日报", "客服汇总", "询单流失", "排班", "指标说明"]
# The staffing sheet leads with summary lines over its grid (test_staffing_sections.py reads it).
TABLE_SHEETS = [s for s in SHEETS if s != "排班"]


def rows_of(ws: Any) -> list[dict[str, Any]]:
    """A sheet's rows as dicts keyed by the header row."""
    values = list(ws.iter_rows(values_only=True))
    return [dict(zip(values[0], r)) for r in values[1:]]


@pytest.fixture(scope="module")
def demo_book(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    from kefu.store import Warehouse

    wh = Warehouse.open(demo_db)
    path = write_workbook(tmp_path_factory.mktemp("xlsx") / "报表.xlsx", wh.con, Settings())
    wh.close()
    return openpyxl.load_workbook(path)


def test_every_sheet_is_there_filled_frozen_and_filtered(demo_book: openpyxl.Workbook) -> None:
    assert demo_book.sheetnames == SHEETS
    for ws in (demo_book[name] for name in TABLE_SHEETS):
        assert ws.max_row > 2, ws.title
        assert ws.freeze_panes is not None and ws.freeze_panes.endswith("2"), ws.title
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}", ws.title
        assert all(ws.cell(1, c).value for c in range(1, ws.max_column + 1))
        assert ws.column_dimensions["A"].width > 8


def test_daily_sheets_hold_the_report_values_with_unit_formats(demo_book: openpyxl.Workbook,
                                                              demo_con: duckdb.DuckDBPyConnection) -> None:
    for title, grain in (("概览", "shop_day"), ("客服日报", "account_day")):
        ws = demo_book[title]
        expected = run_report(demo_con, ReportSpec(grain=grain), Settings()).rows
        got = rows_of(ws)
        assert len(got) == len(expected)
        for m in metrics_of(grain):  # headers as the settings name them (platform figures by their threshold)
            assert [g[label(m.id, grain, "zh", Settings())] for g in got] == pytest.approx(
                [e[m.id] for e in expected]), m.id
        headers = [c.value for c in ws[1]]
        for m in metrics_of(grain):
            fmt = ws.cell(2, headers.index(label(m.id, grain, "zh", Settings())) + 1).number_format
            assert fmt == {"rate": "0.0%", "seconds": "0.0", "yuan": "#,##0.00", "count": "#,##0",
                           "hours": "0.00", "ratio": "0.00", "items": "0.00", "score": "0.00"}[m.unit], m.id


def test_days_and_times_are_excel_dates(demo_book: openpyxl.Workbook) -> None:
    overview, lost = demo_book["概览"], demo_book["询单流失"]
    assert isinstance(overview["B2"].value, dt.datetime) and overview["B2"].number_format == "yyyy-mm-dd"
    headers = [c.value for c in lost[1]]
    first = lost.cell(2, headers.index("首条消息") + 1)
    assert isinstance(first.value, dt.datetime) and first.number_format == "yyyy-mm-dd hh:mm:ss"
    period = rows_of(demo_book["客服汇总"])[0]
    assert isinstance(period["起"], dt.datetime) and isinstance(period["周期"], str)  # a period label stays text


def test_summary_has_group_subtotals_recomputed_from_summed_counts(demo_book: openpyxl.Workbook,
                                                                   demo_con: duckdb.DuckDBPyConnection) -> None:
    got = rows_of(demo_book["客服汇总"])
    # The period adds the daily counts: buyer counts are headed 人次 (person-days), not 人数.
    label = {m.id: m.label_zh.removesuffix("人数") + "人次" if counts_people(m.id, "account_day") else m.label_zh
             for m in metrics_of("account_day")}
    assert "咨询人次" in got[0] and "咨询人数" not in got[0]
    subtotals = {r["客服账号"].removesuffix(" 小计"): r for r in got if r["客服账号"].endswith(" 小计")}
    assert set(subtotals) == {"售前", "售后"}
    groups = run_report(demo_con, ReportSpec(by="group", period="all"), Settings()).rows
    for g in groups:
        sub = subtotals[g["group"]]
        assert sub[label["reply_rate"]] == pytest.approx(g["reply_rate"])
        assert sub[label["avg_response_s"]] == pytest.approx(g["avg_response_s"])
    # The subtotal ratio is summed counts divided, not an average or sum of the agents' ratios.
    pre = [r for r in got[: got.index(subtotals["售前"])]]
    inquiries = sum(r[label["inquiry_buyers"]] for r in pre)
    replied = sum(r[label["replied_buyers"]] for r in pre)
    assert subtotals["售前"][label["inquiry_buyers"]] == inquiries
    assert subtotals["售前"][label["reply_rate"]] == pytest.approx(replied / inquiries)
    assert got[-1]["客服账号"] == "全部客服合计（人次）"
    assert got[-1][label["inquiry_buyers"]] == sum(r[label["inquiry_buyers"]] for r in got
                                                   if not r["客服账号"].endswith(" 小计") and r is not got[-1])


def test_notes_list_every_metric_from_the_declarations(demo_book: openpyxl.Workbook) -> None:
    got = rows_of(demo_book["指标说明"])
    expected = [(g, m.id) for g in ("account_day", "shop_day") for m in metrics_of(g)]
    assert [(r["粒度"], r["id"]) for r in got] == expected
    row = got[[r["id"] for r in got].index("reply_rate")]
    assert row["中文名"] == "回复率" and row["单位"] == "%" and row["定义"] == metric("reply_rate").definition_zh


def test_strings_that_look_like_formulas_stay_text(make_shop, tmp_path: Path) -> None:
    con = shop(make_shop)
    path = write_workbook(tmp_path / "book.xlsx", con, Settings(), D, D)
    ws = openpyxl.load_workbook(path)["询单流失"]
    lost = rows_of(ws)
    evil = [r for r in lost if r["买家"].startswith("=")]
    assert evil and evil[0]["买家"] == "=***)"
    assert "=1+1" in evil[0]["最近消息"]
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
    assert lost[0]["流失情况 → 建议动作"] == "已下单未付款 → 催付" and lost[0]["订单金额(元)"] == 299.0
    assert ws.cell(2, 12).number_format == "#,##0.00"


def test_unmasked_formula_nick_is_written_as_text(make_shop, tmp_path: Path) -> None:
    from kefu.reports.excel import write_lost_xlsx
    from kefu.reports.lost import lost_buyers

    rows = lost_buyers(shop(make_shop), Settings(), D, mask=False)
    ws = openpyxl.load_workbook(write_lost_xlsx(tmp_path / "lost.xlsx", rows))["询单流失"]
    cells = [c for row in ws.iter_rows(min_row=2) for c in row if c.value == '=HYPERLINK("evil.cn")']
    assert len(cells) == 1 and cells[0].data_type == "s"


def test_report_xlsx_in_english_with_a_comparison(demo_con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    from kefu.reports.compare import with_previous

    last = dt.date.fromisoformat(run_report(demo_con, ReportSpec(), Settings()).rows[-1]["day"])
    report = run_report(demo_con, ReportSpec(period="all", day_from=last - dt.timedelta(days=2), day_to=last),
                        Settings())
    report = with_previous(demo_con, report, Settings())
    ws = openpyxl.load_workbook(write_report_xlsx(tmp_path / "r.xlsx", report, "en")).active
    assert ws.title == "Agents daily"
    headers = [c.value for c in ws[1]]
    assert headers[:5] == ["shop", "account", "period", "from", "to"]
    i = headers.index("reply rate (change)")
    assert headers[i - 2: i] == ["reply rate", "reply rate (previous)"]
    assert ws.cell(2, i + 1).number_format == "+0.0%;-0.0%;0.0%"
    row = rows_of(ws)[0]
    assert row["reply rate (change)"] == pytest.approx(row["reply rate"] - row["reply rate (previous)"])


def test_qc_sheet_appears_when_findings_exist(make_shop, tmp_path: Path) -> None:
    from kefu.qc import findings

    con = shop(make_shop)
    con.execute("INSERT INTO qc_findings (run_id, shop, account, buyer, day, ts, msg_key, rule_id, rule_name, category,"
                " severity, points, matched, text) VALUES ('r1', '店', '店:小王', '小甲', DATE '2026-11-11',"
                " TIMESTAMP '2026-11-11 02:00:10', 'k1', 'ban', '极限词', '极限词', '严重', 5, '最低', '=全网最低')")
    book = openpyxl.load_workbook(write_workbook(tmp_path / "qc.xlsx", con, Settings(), D, D))
    assert "质检" in book.sheetnames
    got = rows_of(book["质检"])
    assert len(got) == len(findings(con, day_from=D, day_to=D)) == 1
    assert got[0]["消息"] == "=全网最低" and got[0]["扣分"] == 5
    assert got[0]["时间"] == dt.datetime(2026, 11, 11, 10, 0, 10) and got[0]["买家"] == "小***"  # shop-local, masked
    assert got[0]["日期"] == dt.datetime(2026, 11, 11)
