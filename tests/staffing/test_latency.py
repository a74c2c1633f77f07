"""The reply latency on top of Erlang C's wait: exact in the limits, measured from calm intervals."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.staffing.erlang import Queue, prob_wait, service_level
from kefu.staffing.latency import MIN_CALM_ROUNDS, Latency, latency_from
from kefu.staffing.model import Traffic, evaluate, needed
from kefu.staffing.target import Target

QUEUE = Queue(120 / 3600, 300)


def test_instant_replies_are_plain_erlang_c() -> None:
    instant = Latency((0,), (10,), 0)
    for n in (11, 14, 20):
        clear = (n - QUEUE.erlangs) / QUEUE.handle_s
        assert instant.service_level(prob_wait(n, 10), clear, 20) == pytest.approx(service_level(n, QUEUE, 20))


def test_a_slow_share_caps_the_service_level() -> None:
    latency = Latency((5, 400), (80, 10), 10)  # 80 % within 5 s, 10 % in 400 s, 10 % never answered
    assert latency.within(20) == pytest.approx(0.8)
    assert latency.service_level(0.0, 1.0, 20) == pytest.approx(0.8)
    traffic = Traffic(QUEUE.arrivals_per_s, QUEUE.handle_s, latency=latency)
    assert traffic.ceiling(20) == pytest.approx(0.8)
    assert evaluate(200, traffic, Target(0.5, 20)).service_level == pytest.approx(0.8, abs=1e-6)


@given(n=st.integers(11, 40), t=st.floats(1, 300), lag=st.integers(0, 30))
def test_latency_never_helps_and_more_agents_never_hurt(n: int, t: float, lag: int) -> None:
    latency = Latency((lag,), (1,), 0)
    with_lag = Traffic(QUEUE.arrivals_per_s, QUEUE.handle_s, latency=latency)
    target = Target(0.5, t)
    plain = evaluate(n, Traffic(QUEUE.arrivals_per_s, QUEUE.handle_s), target).service_level
    assert evaluate(n, with_lag, target).service_level <= plain + 1e-12
    assert evaluate(n + 1, with_lag, target).service_level >= evaluate(n, with_lag, target).service_level - 1e-12


def test_needed_marks_an_unreachable_target() -> None:
    slow = Traffic(QUEUE.arrivals_per_s, QUEUE.handle_s, latency=Latency((10,), (85,), 15))
    result = needed(slow, Target(0.9, 20))
    assert not result.reachable and 0.84 <= result.service_level < 0.85
    assert evaluate(result.agents - 1, slow, Target(0.9, 20)).service_level < 0.84
    fine = needed(slow, Target(0.8, 20))
    assert fine.reachable and fine.service_level >= 0.8


def test_calm_rounds_are_preferred_when_there_are_enough() -> None:
    calm = [(True, 10, MIN_CALM_ROUNDS), (True, None, 5)]
    busy = [(False, 600, 1000)]
    assert latency_from(calm + busy) == Latency((10,), (MIN_CALM_ROUNDS,), 5)
    few = latency_from([(True, 10, 3), *busy])
    assert few.total == 1003 and few.within(60) == pytest.approx(3 / 1003)


def test_samples_follow_the_measured_shares() -> None:
    draws = Latency((2, 50), (3, 1), 1).sample(50_000, seed=1)
    assert np.mean(draws == 2) == pytest.approx(0.6, abs=0.01)
    assert np.mean(np.isinf(draws)) == pytest.approx(0.2, abs=0.01)
    assert math.isinf(draws.max())
