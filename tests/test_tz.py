"""The time-zone rule: local times to instants (offset before a change), agreeing with zoneinfo fold=0."""
from __future__ import annotations

import datetime as dt
import zoneinfo

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.tz import day_start_utc, local_to_utc, utc_to_local

ZONES = ["Asia/Shanghai", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Santiago"]


def _zoneinfo_utc(local: dt.datetime, zone: str) -> dt.datetime:
    aware = local.replace(tzinfo=zoneinfo.ZoneInfo(zone), fold=0)
    return aware.astimezone(dt.UTC).replace(tzinfo=None)


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    local=st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2035, 12, 31)),
)
def test_local_to_utc_agrees_with_zoneinfo_fold0(zone: str, local: dt.datetime) -> None:
    local = local.replace(microsecond=0)
    got = local_to_utc(np.array([local], dtype="datetime64[us]"), zone)[0].astype(dt.datetime)
    assert got == _zoneinfo_utc(local, zone)


@settings(max_examples=200, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    instant=st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2035, 12, 31)),
)
def test_utc_to_local_agrees_with_zoneinfo(zone: str, instant: dt.datetime) -> None:
    expected = instant.replace(tzinfo=dt.UTC).astimezone(zoneinfo.ZoneInfo(zone)).replace(tzinfo=None)
    got = utc_to_local(np.array([instant], dtype="datetime64[us]"), zone)[0].astype(dt.datetime)
    assert got == expected


def test_skipped_and_ambiguous_times_take_the_offset_before_the_change() -> None:
    local = np.array(["2026-03-08T02:30", "2026-11-01T01:30"], dtype="datetime64[us]")
    got = local_to_utc(local, "America/New_York")
    # 02:30 does not exist: read with EST (-5); 01:30 happens twice: the first, EDT (-4).
    assert list(got.astype("datetime64[s]").astype(str)) == ["2026-03-08T07:30:00", "2026-11-01T05:30:00"]


def test_a_dst_day_has_23_or_25_hours() -> None:
    days = [dt.date(2026, 3, 8), dt.date(2026, 3, 9), dt.date(2026, 11, 1), dt.date(2026, 11, 2)]
    starts = day_start_utc(days, "America/New_York")
    assert (starts[1] - starts[0]) == dt.timedelta(hours=23)
    assert (starts[3] - starts[2]) == dt.timedelta(hours=25)


def test_nat_stays_nat() -> None:
    values = np.array(["2026-01-01T00:00", "NaT"], dtype="datetime64[us]")
    assert np.isnat(local_to_utc(values, "Asia/Shanghai")[1])
