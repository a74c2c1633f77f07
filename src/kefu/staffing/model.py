"""How many agents an interval needs: Erlang C over the agents' chat slots, or a simulation of them."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from kefu.staffing.erlang import Queue, avg_wait_s, prob_wait, servers_needed, service_level
from kefu.staffing.simulate import simulate
from kefu.staffing.target import Target

MODELS = ("erlang", "simulation")
"""erlang: Erlang C (M/M/N) over agents × concurrency slots; simulation: ciw with the measured handle times."""

SIMULATED_CHATS = 4000
"""Chats per simulated run: enough for the service level to ±1.5 points (95 %), fast enough for a week's plan."""


@dataclass(frozen=True)
class Staffing:
    """What `agents` agents achieve on an interval's traffic."""

    agents: int
    service_level: float
    prob_wait: float
    avg_wait_s: float
    occupancy: float  # the share of the agents' chat slots in use


@dataclass(frozen=True)
class Traffic:
    """An interval's traffic: arrivals, the slot time each holds, the chats an agent carries at once."""

    arrivals_per_s: float
    handle_s: float
    concurrency: int = 1
    handle_sample: Sequence[float] = ()

    @property
    def queue(self) -> Queue:
        """The queue of chat slots that Erlang C sees."""
        return Queue(self.arrivals_per_s, self.handle_s)


def evaluate(agents: int, traffic: Traffic, target: Target, model: str = "erlang") -> Staffing:
    """The service level, chance of waiting, mean wait and occupancy of `agents` agents on the traffic."""
    slots = agents * traffic.concurrency
    load = traffic.queue.erlangs
    occupancy = min(1.0, load / slots) if slots else (1.0 if load else 0.0)
    if model == "simulation":
        sim = simulate(agents, traffic.concurrency, traffic.arrivals_per_s, traffic.handle_s, target.within_s,
                       handle_sample=traffic.handle_sample, chats=SIMULATED_CHATS)
        return Staffing(agents, sim.service_level, sim.prob_wait, sim.avg_wait_s, occupancy)
    return Staffing(agents, service_level(slots, traffic.queue, target.within_s), prob_wait(slots, load),
                    avg_wait_s(slots, traffic.queue), occupancy)


def needed(traffic: Traffic, target: Target, max_occupancy: float = 1.0, model: str = "erlang") -> Staffing:
    """The fewest agents whose service level meets the target with the slots' occupancy at most max_occupancy."""
    if traffic.arrivals_per_s <= 0 or traffic.handle_s <= 0:
        return Staffing(0, 1.0, 0.0, 0.0, 0.0)
    slots = servers_needed(traffic.queue, target.rate, target.within_s, max_occupancy)
    agents = math.ceil(slots / traffic.concurrency)
    best = evaluate(agents, traffic, target, model)
    if model == "erlang":
        return best
    # The simulation starts from Erlang C's answer and steps to the fewest agents it finds enough.
    floor = max(1, math.ceil(traffic.queue.erlangs / (traffic.concurrency * max_occupancy)))
    while best.service_level < target.rate:
        best = evaluate(best.agents + 1, traffic, target, model)
    while best.agents > floor:
        fewer = evaluate(best.agents - 1, traffic, target, model)
        if fewer.service_level < target.rate:
            break
        best = fewer
    return best
