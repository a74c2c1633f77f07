"""Refunds, complaints, DSR ratings and order statuses that follow from the orders."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kefu.demo.staff import DAY, HOUR
from kefu.demo.world import Order, Refund, World

# How long each way of finishing a refund takes, in seconds (lo, hi).
_FINISH_DELAY = {"merchant": (2 * HOUR, 3 * DAY), "platform": (DAY, 4 * DAY), "buyer": (HOUR, 3 * DAY)}
# Who finishes refunds, dealt from a shuffled deck: 70% the shop itself (自主完结),
# and every ten refunds show each way at least once, even in a short demo.
_FINISH_DECK = ("merchant",) * 7 + ("platform",) + ("buyer",) * 2
# A dispute (小二介入) is what usually makes the platform decide.
_DISPUTE_ODDS = {"merchant": 0.03, "platform": 0.6, "buyer": 0.05}


@dataclass(frozen=True)
class Complaint:
    """One buyer complaint (投诉) about an order."""

    complaint_id: str
    order_id: str
    created: int


def open_refund(w: World, order: Order, created: int, handler: str) -> None:
    """Apply for a refund of a paid order, finished later or still open at the period end."""
    if order.refund is not None or order.paid is None or not order.paid < created < w.end:
        return
    rng = w.rng
    if not w.refund_deck:
        w.refund_deck = rng.sample(_FINISH_DECK, len(_FINISH_DECK))
    completed_by = w.refund_deck.pop()
    disputed = rng.random() < _DISPUTE_ODDS[completed_by]
    finished: int | None = created + rng.randint(*_FINISH_DELAY[completed_by])
    if finished is not None and finished >= w.end:
        finished, completed_by = None, ""
    # Mostly 退货退款 of the whole order; sometimes a small 仅退款 as compensation.
    amount = order.amount_fen if rng.random() < 0.75 else min(order.amount_fen, rng.choice((1000, 2000, 3000, 5000)))
    order.refund = Refund(w.new_id("15", 16), created, finished, completed_by, disputed, amount, handler)


def add_refunds(w: World) -> None:
    """Refunds nobody chatted about first (the buyer applies straight from the order)."""
    handlers = [a.account for a in w.staff.aftersale]
    for order in w.orders:
        if order.paid is not None and order.refund is None and w.rng.random() < 0.05:
            open_refund(w, order, order.paid + w.rng.randint(2 * HOUR, 6 * DAY), w.rng.choice(handlers))


def add_complaints(w: World) -> list[Complaint]:
    """A few complaints, each about a paid order, an hour to a week after payment."""
    eligible = [(o.paid, o.order_id) for o in w.orders if o.paid is not None and w.end - o.paid > 2 * HOUR]
    if not eligible:
        return []
    chosen = w.rng.sample(eligible, min(len(eligible), max(1, round(len(eligible) * 0.006))))
    made = sorted((paid + w.rng.randint(HOUR, min(8 * DAY, w.end - paid - 1)), order_id) for paid, order_id in chosen)
    return [Complaint(f"TS{w.start + dt.timedelta(days=created // DAY):%Y%m%d}{i + 1:05d}", order_id, created)
            for i, (created, order_id) in enumerate(made)]


def add_ratings(w: World) -> list[tuple[int, Order, int]]:
    """(rated time, order, 服务态度 score) for the paid orders whose buyers rated the shop."""
    rng = w.rng
    out: list[tuple[int, Order, int]] = []
    for order in w.orders:
        if order.paid is None or _closed(order) or rng.random() >= 0.35:
            continue
        rated = order.paid + rng.randint(3 * DAY, 10 * DAY)
        if rated < w.end:
            order.rated = True
            # A refund usually means something went wrong: such buyers rate lower.
            weights = (40, 25, 15, 10, 10) if order.refund else (78, 14, 4, 2, 2)
            out.append((rated, order, rng.choices((5, 4, 3, 2, 1), weights=weights)[0]))
    out.sort(key=lambda r: r[0])
    return out


def refunded_fen(order: Order) -> int:
    """The 退款金额 the order report shows at the export: a refund finished with the money returned, else 0.

    A refund the buyer finished (withdrew) returned nothing; an open one has returned nothing yet.
    """
    r = order.refund
    done = r is not None and r.finished is not None and r.completed_by in ("merchant", "platform")
    return r.amount_fen if done and r is not None else 0


def _closed(order: Order) -> bool:
    """True when a finished refund of the whole order closed the trade."""
    r = order.refund
    return (r is not None and r.finished is not None and r.completed_by in ("merchant", "platform")
            and r.amount_fen == order.amount_fen)


def order_status(order: Order, end: int) -> str:
    """The 订单状态 as the shop's order export would show it at the end of the period."""
    if order.paid is None:
        # Unpaid orders close automatically after a day.
        return "等待买家付款" if end - order.created < DAY else "交易关闭"
    if _closed(order):
        return "交易关闭"
    if order.rated:
        return "交易成功"
    age = end - order.paid
    if age < DAY:
        return "买家已付款，等待卖家发货"
    return "卖家已发货，等待买家确认" if age < 10 * DAY else "交易成功"
