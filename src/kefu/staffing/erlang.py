"""Erlang C (M/M/N): the chance a contact waits, the service level and the mean wait for N servers."""
from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Queue:
    """A Poisson stream of contacts served by identical servers with exponential handle times."""

    arrivals_per_s: float
    handle_s: float

    @property
    def erlangs(self) -> float:
        """The offered load A = arrival rate × mean handle time, in Erlangs."""
        return self.arrivals_per_s * self.handle_s


def erlang_b(servers: int, erlangs: float) -> float:
    """The Erlang B blocking probability, by the recursion that stays stable for hundreds of servers."""
    blocking = 1.0
    for n in range(1, servers + 1):
        blocking = erlangs * blocking / (n + erlangs * blocking)
    return blocking


def prob_wait(servers: int, erlangs: float) -> float:
    """Erlang C: the probability that an arriving contact waits (1 when the load is at or over capacity)."""
    if erlangs <= 0:
        return 0.0
    if servers <= erlangs:
        return 1.0
    b = erlang_b(servers, erlangs)
    return servers * b / (servers - erlangs * (1 - b))


def service_level(servers: int, queue: Queue, target_s: float) -> float:
    """The share of contacts answered within target_s seconds: 1 − C·e^(−(N−A)·t/h)."""
    a = queue.erlangs
    if a <= 0:
        return 1.0
    if servers <= a:
        return 0.0
    return 1 - prob_wait(servers, a) * math.exp(-(servers - a) * target_s / queue.handle_s)


def avg_wait_s(servers: int, queue: Queue) -> float:
    """The mean wait (ASA) in seconds over all contacts: C·h / (N − A); infinite at or over capacity."""
    a = queue.erlangs
    if a <= 0:
        return 0.0
    if servers <= a:
        return math.inf
    return prob_wait(servers, a) * queue.handle_s / (servers - a)


def servers_needed(queue: Queue, target_rate: float, target_s: float, max_occupancy: float = 1.0) -> int:
    """The fewest servers whose service level reaches target_rate within target_s and whose occupancy A/N stays
    at or below max_occupancy (0 when no contact arrives)."""
    a = queue.erlangs
    if a <= 0:
        return 0
    if not 0 < target_rate < 1:
        raise ValueError(f"target_rate must be between 0 and 1 (exclusive): {target_rate}")
    servers = max(1, math.floor(a) + 1, math.ceil(a / max_occupancy))
    while service_level(servers, queue, target_s) < target_rate:
        servers += 1
    return servers
