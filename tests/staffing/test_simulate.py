"""The ciw simulation agrees with Erlang C where both hold, and departs from it where handle times differ."""
from __future__ import annotations

import pytest

from kefu.staffing.erlang import Queue, avg_wait_s, prob_wait, service_level
from kefu.staffing.simulate import simulate

RATE, HANDLE = 120 / 3600, 300.0  # 10 Erlangs


def test_one_chat_per_agent_matches_erlang_c() -> None:
    sim = simulate(14, 1, RATE, HANDLE, 20, chats=40_000, seed=3)
    queue = Queue(RATE, HANDLE)
    assert sim.chats > 35_000
    assert sim.service_level == pytest.approx(service_level(14, queue, 20), abs=0.02)
    assert sim.prob_wait == pytest.approx(prob_wait(14, 10), abs=0.02)
    assert sim.avg_wait_s == pytest.approx(avg_wait_s(14, queue), rel=0.25)


def test_slots_per_agent_are_parallel_servers() -> None:
    # 7 agents with 2 chats each are 14 slots: Erlang C on 14 servers.
    sim = simulate(7, 2, RATE, HANDLE, 20, chats=40_000, seed=5)
    assert sim.service_level == pytest.approx(service_level(14, Queue(RATE, HANDLE), 20), abs=0.02)


def test_measured_handle_times_replace_the_exponential_assumption() -> None:
    # Every chat takes exactly 300 s (M/D/N): waits are about half those of M/M/N (the Cosmetatos
    # approximation), so the simulation must come out well below Erlang C's mean wait.
    sim = simulate(12, 1, RATE, HANDLE, 20, handle_sample=[300.0], chats=40_000, seed=7)
    erlang = avg_wait_s(12, Queue(RATE, HANDLE))
    assert 0.4 * erlang < sim.avg_wait_s < 0.75 * erlang


def test_the_same_seed_gives_the_same_figures() -> None:
    assert simulate(3, 2, 0.01, 200, 30, chats=2000, seed=11) == simulate(3, 2, 0.01, 200, 30, chats=2000, seed=11)


def test_no_traffic_and_no_agents() -> None:
    assert simulate(3, 1, 0.0, 100, 20).service_level == 1.0
    assert simulate(0, 2, 0.1, 100, 20).service_level == 0.0


def test_a_sample_gives_the_shape_and_handle_s_the_mean() -> None:
    # Sessions of 600 s that each hold two rounds: 300 s of slot time per round, as fixed as the sample.
    scaled = simulate(12, 1, RATE, HANDLE, 20, handle_sample=[600.0], chats=20_000, seed=7)
    fixed = simulate(12, 1, RATE, HANDLE, 20, handle_sample=[300.0], chats=20_000, seed=7)
    assert scaled == fixed
