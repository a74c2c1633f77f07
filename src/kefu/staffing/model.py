"""How many agents an interval needs: Erlang C over the agents' chat slots, or a simulation of them, with the
agents' own reply latency on top of any wait for a free slot."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from kefu.staffing.erlang import Queue, avg_wait_s, prob_wait, servers_needed, service_level
from kefu.staffing.latency import Latency
from kefu.staffing.target import Target

MODELS = ("erlang", "simulation")
"""erlang: Erlang C (M/M/N) over agents × concurrency slots; simulation: ciw with the measured handle times."""

SIMULATED_CHATS = 4000
"""Chats per simulated run: enough for the service level to ±1.5 points (95 %), fast enough for a week's plan."""

REACH_MARGIN = 0.01
"""A plan staffs to at most this close to the best level any staffing reaches (the latency's ceiling): closer,
each agent more buys almost nothing, and a target nearer the ceiling than this counts as out of reach."""


@dataclass(frozen=True)
class Staffing:
    """What `agents` agents achieve on an interval's traffic."""

    agents: int
    service_level: float
    prob_wait: float
    avg_wait_s: float
    occupancy: float  # the share of the agents' chat slots in use
    reachable: bool = True  # False: the agents' reply latency alone misses the target, whatever the staffing


@dataclass(frozen=True)
class Traffic:
    """An interval's traffic: arrivals, the slot time each holds, the chats an agent carries, the reply latency."""

    arrivals_per_s: float
    handle_s: float
    concurrency: int = 1
    handle_sample: Sequence[float] = ()
    latency: Latency | None = None  # None: a reply is instant once an agent is free (plain Erlang C)

    @property
    def queue(self) -> Queue:
        """The queue of chat slots that Erlang C sees."""
        return Queue(self.arrivals_per_s, self.handle_s)

    def ceiling(self, within_s: float) -> float:
        """The best service level any number of agents reaches: the share of replies within the time by latency."""
        return self.latency.within(within_s) if self.latency is not None else 1.0


def evaluate(agents: int, traffic: Traffic, target: Target, model: str = "erlang") -> Staffing:
    """The service level, chance of waiting, mean wait and occupancy of `agents` agents on the traffic."""
    slots = agents * traffic.concurrency
    load = traffic.queue.erlangs
    if load <= 0:  # nothing holds a slot: a reply waits only for the agent's own latency
        return Staffing(agents, traffic.ceiling(target.within_s), 0.0, 0.0, 0.0)
    occupancy = min(1.0, load / slots) if slots else 1.0
    if model == "simulation":
        from kefu.staffing.simulate import simulate  # ciw and its graph library load only for a simulation

        sim = simulate(agents, traffic.concurrency, traffic.arrivals_per_s, traffic.handle_s, target.within_s,
                       handle_sample=traffic.handle_sample, latency=traffic.latency, chats=SIMULATED_CHATS)
        return Staffing(agents, sim.service_level, sim.prob_wait, sim.avg_wait_s, occupancy)
    wait = prob_wait(slots, load)
    if traffic.latency is None:
        level = service_level(slots, traffic.queue, target.within_s)
    elif slots <= load:
        level = 0.0
    else:
        level = traffic.latency.service_level(wait, (slots - load) / traffic.handle_s, target.within_s)
    return Staffing(agents, level, wait, avg_wait_s(slots, traffic.queue), occupancy)


def needed(traffic: Traffic, target: Target, max_occupancy: float = 1.0, model: str = "erlang") -> Staffing:
    """The fewest agents whose service level meets the target with the slots' occupancy at most max_occupancy.

    The reply latency caps what any staffing reaches; when the target is not at least REACH_MARGIN under that
    ceiling, the answer is the fewest agents within REACH_MARGIN of the ceiling, marked unreachable.
    """
    if traffic.arrivals_per_s <= 0 or traffic.handle_s <= 0:
        return Staffing(0, traffic.ceiling(target.within_s), 0.0, 0.0, 0.0)
    ceiling = traffic.ceiling(target.within_s)
    goal = min(target.rate, ceiling - REACH_MARGIN)
    reachable = goal >= target.rate
    slots = servers_needed(traffic.queue, min(target.rate, 0.999), target.within_s, max_occupancy)
    floor = max(1, math.ceil(traffic.queue.erlangs / (traffic.concurrency * max_occupancy)))
    best = evaluate(max(floor, math.ceil(slots / traffic.concurrency)), traffic, target, model)
    if traffic.latency is not None or model != "erlang":
        # The plain Erlang C answer is a starting point: step to the fewest agents that meet the goal.
        while best.service_level < goal:
            best = evaluate(best.agents + 1, traffic, target, model)
        while best.agents > floor:
            fewer = evaluate(best.agents - 1, traffic, target, model)
            if fewer.service_level < goal:
                break
            best = fewer
    return Staffing(best.agents, best.service_level, best.prob_wait, best.avg_wait_s, best.occupancy, reachable)
