"""Backtest: the service level the model predicts for the agents who were online, against the platform figure
measured in the same intervals."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from kefu.staffing.demand import Demand
from kefu.staffing.model import Traffic, evaluate
from kefu.staffing.target import Target


@dataclass(frozen=True)
class WeekCheck:
    """One week: the platform rounds counted, the measured and the predicted rate, and the interval errors."""

    week_start: dt.date
    intervals: int  # intervals with counted rounds
    rounds: int
    measured: float
    predicted: float
    mae: float  # mean absolute error over the intervals, weighted by their rounds
    noise: float  # the mae a right model would still show: the chance spread of a rate over so few rounds

    @property
    def bias(self) -> float:
        """Predicted minus measured rate over the week."""
        return self.predicted - self.measured


EXACT_UP_TO = 200
"""Rounds up to which an interval's chance spread is summed exactly; beyond, the normal approximation."""


def chance_spread(rounds: int, p: float) -> float:
    """E|k/n − p| for k ~ Binomial(n, p): how far a measured rate strays from a right prediction by chance."""
    if rounds > EXACT_UP_TO:
        return math.sqrt(2 / math.pi * p * (1 - p) / rounds)
    return sum(math.comb(rounds, k) * p ** k * (1 - p) ** (rounds - k) * abs(k / rounds - p)
               for k in range(rounds + 1))


def backtest(demand: Demand, within_s: float, concurrency: int, model: str = "erlang",
             latency: bool = True) -> list[WeekCheck]:
    """Per week of the demand window, compare predicted and measured rates in each interval with counted rounds.

    within_s is the platform_threshold_s the measured rate was counted at; the model is asked the same.
    The agents of an interval are those online on average during it, rounded to whole agents; its traffic is
    what arrived in it and the slot time those chats held, as the plan sees them.
    """
    interval_s = demand.spec.interval_s
    target = Target(rate=0.5, within_s=within_s)  # only the time matters: the rate predicted is the output
    weeks: dict[dt.date, list[tuple[int, float, float]]] = {}
    for sd in demand.slot_days:
        if sd.counted == 0:
            continue
        handle = sd.held_s / sd.arrivals if sd.arrivals else 0.0
        traffic = Traffic(sd.arrivals / interval_s, handle, concurrency, sd.held,
                          demand.latency if latency else None)
        predicted = evaluate(round(sd.online_s / interval_s), traffic, target, model).service_level
        start = demand.day_from + dt.timedelta(days=(sd.day - demand.day_from).days // 7 * 7)
        weeks.setdefault(start, []).append((sd.counted, sd.fast / sd.counted, predicted))
    out = []
    for start, rows in sorted(weeks.items()):
        rounds = sum(n for n, _, _ in rows)
        out.append(WeekCheck(
            week_start=start, intervals=len(rows), rounds=rounds,
            measured=sum(n * m for n, m, _ in rows) / rounds, predicted=sum(n * p for n, _, p in rows) / rounds,
            mae=sum(n * abs(p - m) for n, m, p in rows) / rounds,
            noise=sum(n * chance_spread(n, p) for n, _, p in rows) / rounds))
    return out
