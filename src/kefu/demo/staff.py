"""The demo shop's accounts and their shifts, as a presence log that chats consult."""
from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass

DAY = 86_400
HOUR = 3_600
MINUTE = 60


@dataclass(frozen=True)
class Account:
    """One customer-service account of the shop."""

    account: str
    agent_name: str
    group: str
    kind: str  # human or bot
    nick: str  # the part after ':' that colleagues use: 小王
    title: str  # how the account introduces itself to buyers: 客服小王
    pace: float = 1.0  # multiplies the person's answer delays
    quick: float = 0.5  # odds of greeting with a quick phrase within seconds (黄金6秒)


@dataclass(frozen=True)
class Interval:
    """One presence row: [start, end) in seconds from the period start."""

    start: int
    end: int
    status: str


def _shift_plan(nick: str, day: int, weekday: int) -> list[tuple[int, int, str]]:
    """Planned (start, end, role) spans of one day, seconds from that day's midnight.

    The two pre-sale agents swap early and late shifts every week; the late shift
    ends at 00:30 so that evening chats run past midnight. The after-sale agents
    cover each other's day off; the shop owner drops in at the morning and evening peaks.
    """
    late_is_wang = (day // 7) % 2 == 1
    early = (8 * HOUR + 30 * MINUTE, 17 * HOUR + 30 * MINUTE, "early")
    late = (14 * HOUR + 30 * MINUTE, 24 * HOUR + 30 * MINUTE, "late")
    if nick == "小王":
        return [late if late_is_wang else early]
    if nick == "小雅":
        return [early if late_is_wang else late]
    if nick == "阿杰":
        if weekday == 6:
            return []
        return [(9 * HOUR, (21 if weekday == 5 else 18) * HOUR, "day")]
    if nick == "晓晓":
        if weekday == 5:
            return []
        return [((9 if weekday == 6 else 12) * HOUR, 21 * HOUR, "day")]
    return [(9 * HOUR + 30 * MINUTE, 11 * HOUR, "owner"), (20 * HOUR, 22 * HOUR + 30 * MINUTE, "owner")]


def _breaks(rng: random.Random, a: int, b: int, role: str) -> list[tuple[int, int, str]]:
    """Away and busy windows inside one shift [a, b), absolute seconds, non-overlapping."""
    day0 = a - a % DAY
    wanted: list[tuple[int, int, str]] = []
    if role in ("early", "day") and a < day0 + 12 * HOUR < b:
        x = day0 + 11 * HOUR + 50 * MINUTE + rng.randrange(-10, 20) * MINUTE
        wanted.append((x, x + rng.randrange(30, 50) * MINUTE, "away"))
    if role == "late":
        x = day0 + 18 * HOUR + rng.randrange(-10, 20) * MINUTE
        wanted.append((x, x + rng.randrange(25, 45) * MINUTE, "away"))
        # The evening peak: the agent marks herself busy but keeps receiving chats.
        if rng.random() < 0.6:
            y = day0 + 20 * HOUR + rng.randrange(0, 30) * MINUTE
            wanted.append((y, y + rng.randrange(60, 120) * MINUTE, "busy"))
    for _ in range(rng.randrange(0, 3)):
        x = rng.randrange(a + 30 * MINUTE, max(a + 31 * MINUTE, b - 45 * MINUTE))
        wanted.append((x, x + rng.randrange(4, 15) * MINUTE, "away"))
    wanted.sort()
    kept: list[tuple[int, int, str]] = []
    for x, y, status in wanted:
        if x > a and y < b and (not kept or x > kept[-1][1]):
            kept.append((x, y, status))
    return kept


class Staff:
    """The shop's accounts and, for each human account, a gap-free presence log."""

    def __init__(self, rng: random.Random, shop: str, days: int, first_weekday: int) -> None:
        self.shop = shop
        # The last second of the last day: every time stays inside the period's days.
        self.end = days * DAY - 1
        # Each person has a style, so the KPIs differ between agents as in a real team.
        self.main = Account(shop, "周店长", "售前", "human", "店长", "店长", 1.4, 0.25)
        self.bot = Account(f"{shop}:店小蜜", "店小蜜", "售前", "bot", "店小蜜", "店小蜜")
        people = (("小王", "王静", "售前", 0.8, 0.75), ("小雅", "李雅", "售前", 1.1, 0.5),
                  ("阿杰", "陈杰", "售后", 1.0, 0.55), ("晓晓", "周晓", "售后", 1.25, 0.35))
        self.humans = [Account(f"{shop}:{nick}", name, group, "human", nick, f"客服{nick}", pace, quick)
                       for nick, name, group, pace, quick in people]
        self.presale = [a for a in self.humans if a.group == "售前"]
        self.aftersale = [a for a in self.humans if a.group == "售后"]
        self.accounts = [self.main, *self.humans, self.bot]
        self.presence: dict[str, list[Interval]] = {}
        # Day -1 too: its late shift is still on at the first midnight.
        for acc in [self.main, *self.humans]:
            spans: list[Interval] = []
            for day in range(-1, days):
                for a, b, role in _shift_plan(acc.nick, day, (first_weekday + day) % 7):
                    a = day * DAY + a + rng.randrange(-10, 8) * MINUTE + rng.randrange(60)
                    b = day * DAY + b + rng.randrange(-8, 12) * MINUTE + rng.randrange(60)
                    cur = a
                    for x, y, status in _breaks(rng, a, b, role):
                        spans += [Interval(cur, x, "online"), Interval(x, y, status)]
                        cur = y
                    spans.append(Interval(cur, b, "online"))
            self.presence[acc.account] = self._fill(spans)
        self._starts = {acc: [iv.start for iv in ivs] for acc, ivs in self.presence.items()}

    def _fill(self, spans: list[Interval]) -> list[Interval]:
        """Clip to the period, put offline in the gaps and merge neighbours of one status."""
        out: list[Interval] = []
        cur = 0
        for iv in spans:
            start, end = max(iv.start, 0), min(iv.end, self.end)
            if end <= start:
                continue
            if start > cur:
                out.append(Interval(cur, start, "offline"))
            out.append(Interval(start, end, iv.status))
            cur = end
        if cur < self.end:
            out.append(Interval(cur, self.end, "offline"))
        merged: list[Interval] = []
        for iv in out:
            if merged and merged[-1].status == iv.status:
                merged[-1] = Interval(merged[-1].start, iv.end, iv.status)
            else:
                merged.append(iv)
        return merged

    def status(self, account: str, t: int) -> str:
        """The presence status of a human account at second t."""
        ivs = self.presence[account]
        return ivs[bisect_right(self._starts[account], t) - 1].status

    def online(self, account: str, t: int) -> bool:
        """True when the account can receive chats at t (online or busy)."""
        return self.status(account, t) in ("online", "busy")

    def next_online(self, account: str, t: int) -> int | None:
        """The start of the account's first online interval after t, if the period has one."""
        ivs = self.presence[account]
        for i in range(bisect_right(self._starts[account], t), len(ivs)):
            if ivs[i].status in ("online", "busy"):
                return ivs[i].start
        return None

    def on_duty(self, group: list[Account], t: int) -> list[Account]:
        """The accounts of a group that are online at t, the owner added for pre-sale."""
        pool = [a for a in group if self.online(a.account, t)]
        if group is self.presale and self.online(self.main.account, t):
            pool.append(self.main)
        return pool
