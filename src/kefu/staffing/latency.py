"""How long agents take to reply when nothing queues: the part of the response time more agents cannot remove."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MIN_CALM_ROUNDS = 100
"""Fewer rounds than this in calm intervals are too few to read a latency from: all rounds are used instead."""


@dataclass(frozen=True)
class Latency:
    """The measured reply latency: rounds by whole seconds to their first reply (ceil), and rounds never answered."""

    seconds: tuple[int, ...] = ()
    rounds: tuple[int, ...] = ()
    never: int = 0

    @property
    def total(self) -> int:
        """Rounds measured."""
        return sum(self.rounds) + self.never

    def within(self, t: float) -> float:
        """The share of rounds answered within t seconds when no one waits for an agent (1 when nothing measured)."""
        if not self.total:
            return 1.0
        return sum(n for s, n in zip(self.seconds, self.rounds) if s <= t) / self.total

    def service_level(self, prob_wait: float, clear_rate: float, t: float) -> float:
        """P(wait + latency <= t): the wait is 0 with probability 1 − C, else exponential at clear_rate = (N−A)/h."""
        if not self.total:
            return 1 - prob_wait * math.exp(-clear_rate * t)
        seconds = np.asarray(self.seconds, dtype=float)
        rounds = np.asarray(self.rounds, dtype=float)
        inside = seconds <= t
        caught_up = np.sum(rounds[inside] * (1 - np.exp(-clear_rate * (t - seconds[inside]))))
        return float(((1 - prob_wait) * rounds[inside].sum() + prob_wait * caught_up) / self.total)

    def sample(self, n: int, seed: int) -> np.ndarray:
        """n latencies drawn from the measured ones (inf for a round never answered)."""
        rng = np.random.default_rng(seed)
        values = np.append(np.asarray(self.seconds, dtype=float), math.inf)
        weights = np.append(np.asarray(self.rounds, dtype=float), self.never)
        return rng.choice(values, size=n, p=weights / weights.sum())


def latency_from(rows: Sequence[tuple[bool, int | None, int]]) -> Latency:
    """The latency of (calm interval?, seconds or None when unanswered, rounds) rows: the calm rounds when there are
    enough of them, else every round."""
    calm = [(s, n) for is_calm, s, n in rows if is_calm]
    chosen = calm if sum(n for _, n in calm) >= MIN_CALM_ROUNDS else [(s, n) for _, s, n in rows]
    answered: dict[int, int] = {}
    never = 0
    for seconds, n in chosen:
        if seconds is None:
            never += n
        else:
            answered[seconds] = answered.get(seconds, 0) + n
    keys = sorted(answered)
    return Latency(tuple(keys), tuple(answered[k] for k in keys), never)
