"""Shop-local wall-clock times to instants and back, by the data contract's rule.

A local time without an offset is read in the shop's zone; a skipped or ambiguous
local time takes the UTC offset in force before the change (what zoneinfo does with
fold=0). The conversion is vectorised over numpy arrays of datetime64[us].
"""
from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import lru_cache

import numpy as np

_US = np.timedelta64(1, "us")
_HOUR = dt.timedelta(hours=1)


def _offset_at_utc(zone: zoneinfo.ZoneInfo, instant: dt.datetime) -> dt.timedelta:
    """The zone's UTC offset in force at a naive UTC instant."""
    offset = instant.replace(tzinfo=dt.UTC).astimezone(zone).utcoffset()
    assert offset is not None
    return offset


def _transition_within(zone: zoneinfo.ZoneInfo, lo: dt.datetime, hi: dt.datetime) -> dt.datetime:
    """The first UTC second in (lo, hi] whose offset differs from lo's (bisection)."""
    before = _offset_at_utc(zone, lo)
    while hi - lo > dt.timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        mid = mid.replace(microsecond=0)
        if _offset_at_utc(zone, mid) == before:
            lo = mid
        else:
            hi = mid
    return hi


@lru_cache(maxsize=64)
def transitions(tz: str, first_day: dt.date, last_day: dt.date) -> tuple[tuple[dt.datetime, int, int], ...]:
    """(utc instant, offset before s, offset after s) of each change between the two days."""
    zone = zoneinfo.ZoneInfo(tz)
    t = dt.datetime.combine(first_day - dt.timedelta(days=2), dt.time())
    end = dt.datetime.combine(last_day + dt.timedelta(days=2), dt.time())
    out: list[tuple[dt.datetime, int, int]] = []
    current = _offset_at_utc(zone, t)
    while t < end:
        nxt = t + _HOUR
        offset = _offset_at_utc(zone, nxt)
        if offset != current:
            at = _transition_within(zone, t, nxt)
            out.append((at, int(current.total_seconds()), int(offset.total_seconds())))
            current = offset
        t = nxt
    return tuple(out)


def _span_days(values: np.ndarray) -> tuple[dt.date, dt.date]:
    """The first and last calendar day an array of datetime64 values touches."""
    lo = values.min().astype("datetime64[D]").astype(dt.date)
    hi = values.max().astype("datetime64[D]").astype(dt.date)
    return lo, hi


def base_offset(tz: str, day: dt.date) -> int:
    """The zone's UTC offset in seconds at 00:00 UTC of day."""
    zone = zoneinfo.ZoneInfo(tz)
    return int(_offset_at_utc(zone, dt.datetime.combine(day, dt.time())).total_seconds())


def _changes_over(values: np.ndarray, tz: str) -> tuple[tuple[tuple[dt.datetime, int, int], ...], np.ndarray]:
    """The zone's changes around valid values, and the offsets in force before the first and after each."""
    first, last = _span_days(values)
    changes = transitions(tz, first, last)
    offsets = np.array(
        [base_offset(tz, first - dt.timedelta(days=2))] + [after for _, _, after in changes], dtype="int64"
    )
    return changes, offsets


def local_to_utc(local: np.ndarray, tz: str) -> np.ndarray:
    """Instants (naive UTC datetime64[us]) of naive local datetime64[us] values; NaT stays NaT."""
    local = local.astype("datetime64[us]")
    valid = ~np.isnat(local)
    if not valid.any():
        return local
    changes, offsets = _changes_over(local[valid], tz)
    # A local time t uses the offset after a change once t >= change + max(before, after):
    # below that it is either before the change or skipped/ambiguous, which take the earlier offset.
    thresholds = np.array(
        [np.datetime64(at, "us") + np.timedelta64(max(before, after), "s") for at, before, after in changes],
        dtype="datetime64[us]",
    )
    index = np.searchsorted(thresholds, local, side="right")
    out = local - offsets[index] * 1_000_000 * _US
    out[~valid] = np.datetime64("NaT")
    return out


def utc_to_local(instants: np.ndarray, tz: str) -> np.ndarray:
    """Local wall-clock datetime64[us] of naive UTC instants; NaT stays NaT."""
    instants = instants.astype("datetime64[us]")
    valid = ~np.isnat(instants)
    if not valid.any():
        return instants
    changes, offsets = _changes_over(instants[valid], tz)
    starts = np.array([np.datetime64(at, "us") for at, _, _ in changes], dtype="datetime64[us]")
    index = np.searchsorted(starts, instants, side="right")
    out = instants + offsets[index] * 1_000_000 * _US
    out[~valid] = np.datetime64("NaT")
    return out


def day_start_utc(days: list[dt.date], tz: str) -> list[dt.datetime]:
    """The instant (naive UTC) at which each local natural day begins."""
    if not days:
        return []
    local = np.array([np.datetime64(d, "us") for d in days], dtype="datetime64[us]")
    return [v.astype(dt.datetime) for v in local_to_utc(local, tz)]


def is_fixed_offset(tz: str, first_day: dt.date, last_day: dt.date) -> bool:
    """True when the zone keeps one UTC offset over the days (so local = utc + constant)."""
    return not transitions(tz, first_day, last_day)
