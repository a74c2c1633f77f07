"""Shared state of one demo run: the clock, buyer nicks, ids, messages and orders."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from itertools import accumulate

from kefu.demo import texts
from kefu.demo.staff import DAY, HOUR, MINUTE, Staff

# Relative chat traffic per hour of day: quiet nights, a morning and an afternoon
# wave, and the evening peak (20-23 h) that Taobao shops know well.
_HOUR_WEIGHTS = (4, 2, 1, 1, 1, 1, 2, 3, 6, 9, 11, 10, 7, 8, 10, 10, 9, 8, 8, 11, 15, 17, 14, 8)
_CUM_HOURS = tuple(accumulate(_HOUR_WEIGHTS))
_PROMO_DAYS = ((6, 18), (11, 11), (12, 12))

# A message row before it gets its id: ts, buyer, account, sender, content, msg_type.
Message = tuple[int, str, str, str, str, str]


@dataclass(slots=True)
class Refund:
    """One refund application of an order."""

    refund_id: str
    created: int
    finished: int | None
    completed_by: str
    disputed: bool
    amount_fen: int
    handler: str


@dataclass(slots=True)
class Order:
    """One order; times are seconds from the period start."""

    order_id: str
    buyer: str
    product: texts.Product
    items: int
    amount_fen: int
    created: int
    paid: int | None
    refund: Refund | None = None
    rated: bool = False
    asked: list[str] = field(default_factory=list)  # after-sale topics the buyer chatted about


def money(fen: int) -> str:
    """Fen as a yuan amount with two decimals, exact."""
    return f"{fen // 100}.{fen % 100:02d}"


@dataclass
class World:
    """Everything generated so far, plus the helpers the chat and order code share."""

    rng: random.Random
    shop: str
    start: dt.date
    days: int
    staff: Staff = field(init=False)
    messages: list[Message] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    blocklist: list[tuple[str, str]] = field(default_factory=list)
    chat_buyers: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.end = self.days * DAY
        self.staff = Staff(self.rng, self.shop, self.days, self.start.weekday())
        self.paid_by_day: list[list[Order]] = [[] for _ in range(self.days)]
        self.refund_deck: list[str] = []
        # Sets only answer "is it taken?": output order never depends on their iteration.
        self._nicks: set[str] = {a.account for a in self.staff.accounts}
        self._ids: set[str] = set()

    def say(self, t: int, buyer: str, account: str, sender: str, content: str, msg_type: str = "text") -> bool:
        """Record a message if it falls inside the period; False when the period is over."""
        if not 0 <= t < self.end:
            return False
        self.messages.append((t, buyer, account, sender, content, msg_type))
        return True

    def traffic(self, day: int) -> float:
        """How busy a day is relative to an ordinary weekday (weekends, shopping festivals)."""
        date = self.start + dt.timedelta(days=day)
        factor = 1.15 if date.weekday() >= 5 else 1.0
        if (date.month, date.day) in _PROMO_DAYS:
            factor *= 1.8
        return factor * self.rng.uniform(0.9, 1.1)

    def arrival(self, day: int) -> int:
        """A buyer's first message time on a day, following the hourly traffic curve."""
        hour = self.rng.choices(range(24), cum_weights=_CUM_HOURS)[0]
        return day * DAY + hour * HOUR + self.rng.randrange(HOUR)

    def flash_arrival(self, day: int) -> int:
        """An arrival in the 20:00 flash-sale rush that piles up concurrent chats."""
        return day * DAY + 20 * HOUR + self.rng.randrange(10 * MINUTE)

    def new_nick(self) -> str:
        """A fresh, realistic buyer nick (会员名) that no one else has."""
        rng = self.rng
        while True:
            u = rng.random()
            digits = str(rng.randrange(1975, 2006) if rng.random() < 0.4 else rng.randrange(1, 9999))
            if u < 0.3:
                nick = f"tb{rng.randrange(10**7, 10**10)}"  # the platform's default nick
            elif u < 0.55:
                nick = rng.choice(texts.NICK_ADJ) + rng.choice(texts.NICK_NOUN) + (digits if rng.random() < 0.4 else "")
            elif u < 0.7:
                nick = rng.choice(texts.NICK_PHRASES) + digits
            elif u < 0.88:
                nick = rng.choice(texts.NICK_PINYIN) + rng.choice(("", "_")) + digits
            else:
                nick = rng.choice(texts.SURNAMES) + rng.choice(("小姐", "先生", "同学", "晓", "子")) + digits
            if nick not in self._nicks:
                self._nicks.add(nick)
                return nick

    def buyer_for_chat(self) -> str:
        """A chatting buyer: mostly new, sometimes a returning one."""
        if self.chat_buyers and self.rng.random() < 0.08:
            return self.rng.choice(self.chat_buyers)
        nick = self.new_nick()
        self.chat_buyers.append(nick)
        return nick

    def new_id(self, prefix: str, digits: int) -> str:
        """A unique digit-string id such as Taobao's 2840012345678901."""
        while True:
            value = prefix + str(self.rng.randrange(10 ** (digits - 1), 10**digits))
            if value not in self._ids:
                self._ids.add(value)
                return value

    def place_order(self, buyer: str, product: texts.Product, created: int, pays: bool) -> Order | None:
        """Create an order (paid a little later when pays), or None outside the period."""
        if not 0 <= created < self.end:
            return None
        rng = self.rng
        items = rng.choices((1, 2, 3, 4), weights=(70, 20, 7, 3))[0]
        gross = product.price_fen * items
        # 店铺满减 plus an occasional coupon, as the agents promise in the chats.
        discount = (6000 if gross >= 59900 else 3000 if gross >= 29900 else 0) + rng.choice((0, 0, 0, 500, 1000))
        paid = created + rng.randint(15, 20 * MINUTE) if pays else None
        if paid is not None and paid >= self.end:
            paid = None
        order = Order(self.new_id("28", 14), buyer, product, items, gross - min(discount, gross // 2), created, paid)
        self.orders.append(order)
        if paid is not None:
            self.paid_by_day[paid // DAY].append(order)
        return order

    def recent_paid_order(self, day: int) -> Order | None:
        """A paid order from the past week, the kind after-sale chats are about."""
        days = [d for d in range(max(0, day - 7), day) if self.paid_by_day[d]]
        if not days:
            return None
        # Recent orders draw more questions (shipping, sizes) than older ones.
        d = self.rng.choices(days, weights=[1 + d - days[0] for d in days])[0]
        order = self.rng.choice(self.paid_by_day[d])
        # Most orders draw one after-sale chat at most: look once more when this one had one.
        if order.asked and self.rng.random() < 0.7:
            order = self.rng.choice(self.paid_by_day[d])
        return order
