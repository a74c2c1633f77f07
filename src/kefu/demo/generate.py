"""generate_demo: a whole demo shop written as the canonical CSV files of data.md."""
from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from pathlib import Path

from kefu.demo import filtered, texts
from kefu.demo.aftersales import add_complaints, add_ratings, add_refunds, order_status, refunded_fen
from kefu.demo.chat import aftersale, presale
from kefu.demo.evaluations import add_evaluations
from kefu.demo.qc_cases import add_qc_cases
from kefu.demo.staff import DAY, HOUR, MINUTE
from kefu.demo.world import World, money

DEFAULT_START = dt.date(2026, 11, 1)

# The canonical columns of each file, in the order of data.md.
HEADERS: dict[str, tuple[str, ...]] = {
    "accounts": ("account", "shop", "agent_name", "group", "kind"),
    "messages": ("msg_id", "shop", "buyer", "account", "sender", "ts", "content", "msg_type"),
    "orders": ("order_id", "shop", "buyer", "created_at", "paid_at", "amount", "items", "status", "refund_amount"),
    "refunds": ("refund_id", "order_id", "shop", "buyer", "created_at", "finished_at", "completed_by",
                "disputed", "amount", "handler"),
    "complaints": ("complaint_id", "order_id", "shop", "created_at"),
    "ratings": ("order_id", "shop", "rated_at", "service_score"),
    "presence": ("account", "start", "end", "status"),
    "evaluations": ("eval_id", "shop", "account", "buyer", "invited_at", "rated_at", "level"),
    "blocklist": ("shop", "buyer", "reason"),
}


@dataclass(frozen=True)
class DemoSummary:
    """What generate_demo wrote: the folder, the period and the row count of each file."""

    out_dir: Path
    shop: str
    start: dt.date
    days: int
    buyers: int
    accounts: int
    messages: int
    orders: int
    refunds: int
    complaints: int
    ratings: int
    presence: int
    evaluations: int
    blocklist: int

    def __str__(self) -> str:
        last = self.start + dt.timedelta(days=self.days - 1)
        return (f"已生成演示店铺「{self.shop}」：{self.days} 天（{self.start} 至 {last}），"
                f"{self.buyers:,} 位买家，{self.messages:,} 条消息，{self.orders:,} 笔订单，"
                f"{self.refunds:,} 笔退款，{self.complaints:,} 条投诉，{self.ratings:,} 条评价，"
                f"{self.evaluations:,} 条服务评价，"
                f"{self.accounts} 个客服账号 → {self.out_dir}")


def generate_demo(out_dir: Path, *, days: int = 14, buyers_per_day: int = 40, seed: int = 7,
                  start: dt.date | None = None, shop: str = texts.DEFAULT_SHOP) -> DemoSummary:
    """Write a realistic, seed-deterministic demo shop as canonical CSV files into out_dir."""
    if days < 1 or buyers_per_day < 1:
        raise ValueError("days and buyers_per_day must be at least 1")
    if not shop or ":" in shop:
        raise ValueError("shop must be a main-account nick without ':'")
    w = World(random.Random(seed), shop, start or DEFAULT_START, days)
    _simulate(w, buyers_per_day)
    add_qc_cases(w, seed)
    return _write(w, Path(out_dir))


def _simulate(w: World, buyers_per_day: int) -> None:
    """Generate every chat, order and after-sales event of the period, day by day."""
    rng = w.rng
    blocked = [w.new_nick() for _ in range(rng.randint(2, 3))]
    w.blocklist = list(zip(blocked, rng.sample(texts.BLOCKLIST_REASONS, len(blocked))))
    # Each kind of filtered buyer shows up on some random days, and surely on one.
    specials = [(filtered.sub_account, 0.5), (filtered.internal, 0.3), (filtered.ad, 0.6)]
    sure_days = [rng.randrange(w.days) for _ in specials]
    blocked_days = [rng.randrange(w.days) for _ in blocked]
    for day in range(w.days):
        traffic = w.traffic(day)
        for _ in range(round(buyers_per_day * 0.45 * traffic)):
            # Silent orders: buyers who buy without ever asking.
            w.place_order(w.new_nick(), rng.choice(texts.PRODUCTS), w.arrival(day), rng.random() < 0.93)
        chats = max(1, round(buyers_per_day * traffic))
        n_after = round(chats * 0.22)
        for _ in range(chats - n_after):
            presale(w, day)
        for _ in range(n_after):
            order = w.recent_paid_order(day)
            if order is None:
                presale(w, day)
            else:
                aftersale(w, order, w.arrival(day))
        if day + 1 < w.days:
            # A night owl whose first answer comes after midnight.
            presale(w, day, day * DAY + 23 * HOUR + 59 * MINUTE + rng.randint(30, 50), min_first_delay=15)
        for (make, odds), sure in zip(specials, sure_days):
            if day == sure or rng.random() < odds:
                make(w, day)
        for buyer, sure in zip(blocked, blocked_days):
            if day == sure or rng.random() < 0.2:
                filtered.blocked(w, day, buyer)
    add_refunds(w)


def _write_csv(path: Path, header: Iterable[str], rows: Iterable[Iterable[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(header)
        out.writerows(rows)


def _write(w: World, out_dir: Path) -> DemoSummary:
    """Write the nine files and count their rows."""
    out_dir.mkdir(parents=True, exist_ok=True)
    dates = [(w.start + dt.timedelta(days=d)).isoformat() for d in range(w.days + 1)]
    seconds = [f"{s:02d}" for s in range(60)]

    # Formatting is the hot spot of large demos: "YYYY-MM-DD HH:MM:" is cached per minute.
    @lru_cache(maxsize=4096)
    def minute(m: int) -> str:
        d, r = divmod(m, 1440)
        return f"{dates[d]} {r // 60:02d}:{r % 60:02d}:"

    def stamp(t: int | None) -> str:
        return "" if t is None else minute(t // 60) + seconds[t % 60]

    shop = w.shop
    complaints = add_complaints(w)
    ratings = add_ratings(w)
    evaluations = add_evaluations(w)
    # Same-second messages keep the order they were written in (data.md: message order).
    w.messages.sort(key=itemgetter(0))
    orders = sorted(w.orders, key=lambda o: o.created)
    refunds = sorted(((o.refund, o) for o in w.orders if o.refund is not None), key=lambda p: p[0].created)
    presence = [(acc, iv) for acc, ivs in w.staff.presence.items() for iv in ivs]
    tables: dict[str, list[tuple[object, ...]]] = {
        "accounts": [(a.account, shop, a.agent_name, a.group, a.kind) for a in w.staff.accounts],
        "messages": [(f"m{i + 1:08d}", shop, m[1], m[2], m[3], stamp(m[0]), m[4], m[5])
                     for i, m in enumerate(w.messages)],
        "orders": [(o.order_id, shop, o.buyer, stamp(o.created), stamp(o.paid), money(o.amount_fen), o.items,
                    order_status(o, w.end), money(refunded_fen(o))) for o in orders],
        "refunds": [(r.refund_id, o.order_id, shop, o.buyer, stamp(r.created), stamp(r.finished), r.completed_by,
                     "true" if r.disputed else "false", money(r.amount_fen), r.handler)
                    for r, o in refunds],
        "complaints": [(c.complaint_id, c.order_id, shop, stamp(c.created)) for c in complaints],
        "ratings": [(o.order_id, shop, stamp(t), score) for t, o, score in ratings],
        "presence": [(acc, stamp(iv.start), stamp(iv.end), iv.status) for acc, iv in presence],
        "evaluations": [(e.eval_id, shop, e.account, e.buyer, stamp(e.invited), stamp(e.rated), e.level or "")
                        for e in evaluations],
        "blocklist": [(shop, buyer, reason) for buyer, reason in w.blocklist],
    }
    for name, rows in tables.items():
        _write_csv(out_dir / f"{name}.csv", HEADERS[name], rows)
    counts = {name: len(rows) for name, rows in tables.items()}
    return DemoSummary(out_dir=out_dir, shop=shop, start=w.start, days=w.days,
                       buyers=len({m[1] for m in w.messages}), **counts)
