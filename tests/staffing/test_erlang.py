"""Erlang C against published values, and the invariants every staffing answer rests on."""
from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.staffing.erlang import Queue, avg_wait_s, erlang_b, prob_wait, servers_needed, service_level

TEN_ERLANGS = Queue(arrivals_per_s=120 / 3600, handle_s=300)  # 120 contacts an hour, 300 s each


def test_the_published_ten_erlang_case() -> None:
    # The worked example of the Erlang C tables: 10 Erlangs, 80 % in 20 s, 300 s handle time -> 14 agents,
    # who answer 86.7 % within 20 s, 17.4 % of contacts wait, 13.1 s on average.
    assert TEN_ERLANGS.erlangs == pytest.approx(10)
    assert servers_needed(TEN_ERLANGS, 0.8, 20) == 14
    assert service_level(14, TEN_ERLANGS, 20) == pytest.approx(0.8666, abs=5e-4)
    assert prob_wait(14, 10) == pytest.approx(0.1741, abs=5e-4)
    assert avg_wait_s(14, TEN_ERLANGS) == pytest.approx(13.06, abs=0.01)
    assert service_level(13, TEN_ERLANGS, 20) < 0.8  # one fewer misses


def test_textbook_values() -> None:
    # Two Erlangs on three servers: Erlang B = 4/19, Erlang C = 4/9 (exact by the closed forms).
    assert erlang_b(3, 2) == pytest.approx(4 / 19)
    assert prob_wait(3, 2) == pytest.approx(4 / 9)
    assert prob_wait(1, 0.5) == pytest.approx(0.5)  # M/M/1: the chance of waiting is the utilisation


def test_overload_and_no_load() -> None:
    assert prob_wait(10, 10) == 1.0 and service_level(10, TEN_ERLANGS, 20) == 0.0
    assert math.isinf(avg_wait_s(9, TEN_ERLANGS))
    idle = Queue(0.0, 300)
    assert servers_needed(idle, 0.8, 20) == 0 and service_level(0, idle, 20) == 1.0


def test_hundreds_of_servers_stay_finite() -> None:
    big = Queue(arrivals_per_s=950 / 300, handle_s=300)
    n = servers_needed(big, 0.9, 10)
    assert 950 < n < 1050
    assert 0 < prob_wait(n, 950) < 1


def test_occupancy_cap_adds_servers() -> None:
    assert servers_needed(TEN_ERLANGS, 0.8, 20, max_occupancy=0.6) == math.ceil(10 / 0.6)


def test_a_rate_outside_zero_and_one_is_refused() -> None:
    with pytest.raises(ValueError):
        servers_needed(TEN_ERLANGS, 1.0, 20)


@given(erlangs=st.floats(0.1, 60), target_s=st.floats(1, 600), rate=st.floats(0.05, 0.99))
def test_the_answer_is_the_fewest_servers_that_meet_the_target(erlangs: float, target_s: float, rate: float) -> None:
    queue = Queue(erlangs / 300, 300)
    n = servers_needed(queue, rate, target_s)
    assert service_level(n, queue, target_s) >= rate
    assert n - 1 <= erlangs or service_level(n - 1, queue, target_s) < rate


@given(erlangs=st.floats(0.1, 40), extra=st.integers(1, 30))
def test_more_servers_never_serve_worse(erlangs: float, extra: int) -> None:
    queue = Queue(erlangs / 120, 120)
    n = math.floor(erlangs) + 1
    assert 0 <= prob_wait(n + extra, erlangs) <= prob_wait(n, erlangs) <= 1
    assert service_level(n + extra, queue, 30) >= service_level(n, queue, 30)
    assert avg_wait_s(n + extra, queue) <= avg_wait_s(n, queue)
