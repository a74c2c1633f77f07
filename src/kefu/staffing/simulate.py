"""Discrete-event simulation (ciw) of agents who each carry several chats at once."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import ciw
import numpy as np

from kefu.staffing.latency import Latency

WARM_UP_HANDLES = 20
"""The first this-many mean handle times are left out of the figures: the queue starts empty."""


@dataclass(frozen=True)
class SimResult:
    """What the chats of one simulated run saw."""

    service_level: float
    prob_wait: float
    avg_wait_s: float
    chats: int


def simulate(agents: int, slots: int, arrivals_per_s: float, handle_s: float, target_s: float, *,
             handle_sample: Sequence[float] = (), latency: Latency | None = None, chats: int = 20_000,
             seed: int = 1) -> SimResult:
    """Simulate Poisson arrivals served by agents × slots parallel chat slots, first come first served.

    Handle times are exponential with mean handle_s, or drawn from handle_sample (the measured durations) when
    one is given, so the figures need not assume the exponential times Erlang C does. The sample gives the
    shape and handle_s the mean: a measured session can hold several arrivals (rounds), and the slot time one
    arrival holds is handle_s. With a latency,
    each chat's reply comes that long after its slot frees up (drawn from the measured latencies).
    """
    if arrivals_per_s <= 0:
        return SimResult(1.0, 0.0, 0.0, 0)
    if agents * slots <= 0:
        return SimResult(0.0, 1.0, float("inf"), 0)
    sample = [s for s in handle_sample if s >= 0]
    mean = sum(sample) / len(sample) if sample else 0.0
    if mean > 0:
        service = ciw.dists.Empirical([s * handle_s / mean for s in sample])
    else:
        service = ciw.dists.Exponential(rate=1 / handle_s)
    network = ciw.create_network(arrival_distributions=[ciw.dists.Exponential(rate=arrivals_per_s)],
                                 service_distributions=[service], number_of_servers=[agents * slots])
    ciw.seed(seed)
    sim = ciw.Simulation(network)
    warm_up = WARM_UP_HANDLES * handle_s
    sim.simulate_until_max_time(warm_up + chats / arrivals_per_s)
    waits = [r.waiting_time for r in sim.get_all_records() if r.arrival_date >= warm_up]
    if not waits:
        return SimResult(1.0, 0.0, 0.0, 0)
    replies = np.asarray(waits)
    if latency is not None and latency.total:
        replies = replies + latency.sample(len(waits), seed)
    return SimResult(service_level=float(np.mean(replies <= target_s)),
                     prob_wait=sum(w > 0 for w in waits) / len(waits),
                     avg_wait_s=sum(waits) / len(waits), chats=len(waits))
