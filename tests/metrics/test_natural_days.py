"""Natural days are the shop's local calendar days (data.md): in a zone other than UTC, over its clock changes."""
from __future__ import annotations

import pytest

from kefu.config import Settings
from tests.conftest import message_csv, report_rows
from tests.engines.on_engine import OnEngine

A = "店:甲"
NEW_YORK = Settings(timezone="America/New_York")  # clocks forward on 2026-03-08, back on 2026-11-01


def test_days_begin_at_local_midnight_and_last_23_or_25_hours_when_the_clocks_change(
        make_shop, engine: OnEngine) -> None:
    presence = "account,start,end,status\n" + "\n".join([
        f"{A},2026-03-08 00:00:00,2026-03-09 00:00:00,online",
        f"{A},2026-11-01 00:00:00,2026-11-02 00:00:00,online",
    ])
    con = make_shop(NEW_YORK, presence=presence, messages=message_csv(
        f"b1|{A}|buyer|2026-03-07 23:50:00", f"b1|{A}|agent|2026-03-08 00:05:00",  # answered the next local day
        f"b2|{A}|buyer|2026-03-08 22:30:00", f"b2|{A}|agent|2026-03-08 22:30:10",  # 03-09 in UTC, 03-08 here
        f"b3|{A}|buyer|2026-11-01 12:00:00", f"b3|{A}|agent|2026-11-01 12:00:30",
    ))
    rows = report_rows(con, settings=NEW_YORK, engine=engine)
    assert set(rows) == {(A, "2026-03-07"), (A, "2026-03-08"), (A, "2026-11-01")}
    before, spring, autumn = rows[(A, "2026-03-07")], rows[(A, "2026-03-08")], rows[(A, "2026-11-01")]
    assert (before["questions"], before["responses"], before["unclosed_buyers"]) == (1, 0, 1)
    assert (spring["questions"], spring["responses"], spring["avg_response_s"], spring["agent_messages"]) == (
        1, 1, 10.0, 2)
    assert (spring["online_hours"], autumn["online_hours"]) == (pytest.approx(23.0), pytest.approx(25.0))
    assert autumn["avg_response_s"] == 30.0
