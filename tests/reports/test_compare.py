"""`--compare previous`: the previous period's days, its figures recomputed per §5, and the change."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from kefu.cli import app
from kefu.config import Settings
from kefu.metrics.catalog import metrics_of
from kefu.metrics.compile import ReportSpec
from kefu.report import prepared_engine, run_report
from kefu.reports.compare import previous_range, with_previous
from kefu.store import Warehouse

day = dt.date.fromisoformat


@pytest.mark.parametrize("period, start, end, prev", [
    ("day", "2026-11-11", "2026-11-11", ("2026-11-10", "2026-11-10")),
    ("week", "2026-11-09", "2026-11-15", ("2026-11-02", "2026-11-08")),
    ("month", "2026-11-01", "2026-11-30", ("2026-10-01", "2026-10-31")),
    ("month", "2026-03-01", "2026-03-31", ("2026-02-01", "2026-02-28")),
    ("month", "2026-03-10", "2026-03-20", ("2026-02-10", "2026-02-20")),
    ("month", "2026-01-01", "2026-01-15", ("2025-12-01", "2025-12-15")),
    ("all", "2026-11-05", "2026-11-14", ("2026-10-26", "2026-11-04")),
])
def test_previous_range(period: str, start: str, end: str, prev: tuple[str, str]) -> None:
    assert previous_range(period, day(start), day(end)) == (day(prev[0]), day(prev[1]))


@given(st.dates(dt.date(2000, 1, 1), dt.date(2100, 1, 1)), st.integers(0, 90))
def test_an_all_period_is_followed_by_its_previous_with_no_gap(start: dt.date, extra: int) -> None:
    end = start + dt.timedelta(days=extra)
    p_start, p_end = previous_range("all", start, end)
    assert p_end + dt.timedelta(days=1) == start and (p_end - p_start) == (end - start)


def test_previous_figures_are_the_report_of_the_previous_days(demo_con: duckdb.DuckDBPyConnection) -> None:
    settings = Settings()
    days = sorted({r["day"] for r in run_report(demo_con, ReportSpec(), settings).rows})
    first, last = day(days[0]), day(days[-1])
    mid = first + (last - first) // 2 + dt.timedelta(days=1)
    spec = ReportSpec(period="all", by="group", day_from=mid, day_to=last)
    compared = with_previous(demo_con, run_report(demo_con, spec, settings), settings)
    before = run_report(demo_con, ReportSpec(period="all", by="group", day_from=mid - (last - mid) - dt.timedelta(1),
                                             day_to=mid - dt.timedelta(1)), settings)
    prev_of = {r["group"]: r for r in before.rows}
    assert compared.rows
    for row in compared.rows:
        for m in metrics_of("account_day"):
            then = prev_of[row["group"]][m.id]
            assert row[f"{m.id}_prev"] == pytest.approx(then)
            if row[m.id] is not None and then is not None:
                assert row[f"{m.id}_change"] == pytest.approx(row[m.id] - then)
            else:
                assert row[f"{m.id}_change"] is None


def test_rows_without_a_previous_period_get_nulls(demo_con: duckdb.DuckDBPyConnection) -> None:
    report = with_previous(demo_con, run_report(demo_con, ReportSpec(grain="shop_day", period="all"), Settings()),
                           Settings())
    row = report.rows[0]
    assert row["inquiry_buyers"] > 0 and row["inquiry_buyers_prev"] is None and row["inquiry_buyers_change"] is None
    assert report.columns[report.columns.index("reply_rate"):][:3] == ["reply_rate", "reply_rate_prev",
                                                                      "reply_rate_change"]


def _open(path: Path) -> duckdb.DuckDBPyConnection:
    return Warehouse.open(path).con


def test_cli_compare_previous_weekly(demo_db: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["--db", str(demo_db), "report", "--grain", "shop_day", "--period", "week",
                              "--compare", "previous", "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["compare"] == "previous"
    rows = json.loads(out.output)["rows"]
    assert [r["from"] for r in rows] == ["2026-11-02", "2026-11-09"]
    assert rows[0]["inquiry_buyers_prev"] is None
    # The week still running is compared over the days it has with the same days of the week before.
    con = _open(demo_db)
    engine = prepared_engine(con, Settings())
    assert engine.last_day is not None and engine.last_day < day("2026-11-15")
    same_days = run_report(con, ReportSpec(grain="shop_day", period="all", day_from=day("2026-11-02"),
                                           day_to=engine.last_day - dt.timedelta(days=7)), Settings()).rows[0]
    assert rows[1]["inquiry_buyers_prev"] == same_days["inquiry_buyers"]
    assert rows[1]["reply_rate_prev"] == pytest.approx(same_days["reply_rate"])
    con.close()  # one process opens a file one way: the CLI below reads it read-only
    table = runner.invoke(app, ["--db", str(demo_db), "report", "--grain", "shop_day", "--period", "week",
                                "--compare", "previous"], env={"COLUMNS": "200"})
    # A week adds the daily counts: buyers read 人次 (person-days).
    assert table.exit_code == 0 and "咨询人次·上期" in table.output and "咨询人次·变化" in table.output
