"""Service evaluations (服务评价): invitations agents send after a chat, and the buyers' ratings."""
from __future__ import annotations

from dataclasses import dataclass

from kefu.demo.staff import DAY, HOUR, MINUTE
from kefu.demo.world import World

# 非常满意 … 很不满意, as most buyers answer an invitation from a human agent.
LEVEL_WEIGHTS = (58, 24, 9, 5, 4)
INVITE_ODDS = 0.55  # an agent invites the buyer after a served chat
RATE_ODDS = 0.45  # an invited buyer rates
UNINVITED_ODDS = 0.03  # a buyer rates the service without being asked


@dataclass(frozen=True)
class Evaluation:
    """One evaluation row: its id, account, buyer, times (seconds into the period) and level."""

    eval_id: str
    account: str
    buyer: str
    invited: int | None
    rated: int | None
    level: int | None


def add_evaluations(w: World) -> list[Evaluation]:
    """Invitations and ratings for the chats human agents answered, in time order."""
    rng = w.rng
    humans = {a.account for a in w.staff.accounts if a.kind == "human"}
    last_reply: dict[tuple[str, str, int], int] = {}
    for t, buyer, account, sender, *_ in w.messages:
        if sender == "agent" and account in humans:
            last_reply[(buyer, account, t // DAY)] = max(t, last_reply.get((buyer, account, t // DAY), t))
    out: list[tuple[int | None, str, str, int | None, int | None, int | None]] = []
    for (buyer, account, _), t in sorted(last_reply.items(), key=lambda kv: (kv[1], kv[0])):
        invited: int | None = None
        if rng.random() < INVITE_ODDS:
            invited = t + rng.randint(5, 3 * MINUTE)
        elif rng.random() >= UNINVITED_ODDS:
            continue
        rated = None
        if invited is None or rng.random() < RATE_ODDS:
            rated = (invited or t) + rng.choice((rng.randint(MINUTE, 2 * HOUR), rng.randint(6 * HOUR, 30 * HOUR)))
        if invited is not None and invited >= w.end:
            continue
        if rated is not None and rated >= w.end:  # rated after the export was made
            if invited is None:
                continue
            rated = None
        level = rng.choices((5, 4, 3, 2, 1), weights=LEVEL_WEIGHTS)[0] if rated is not None else None
        out.append((invited if invited is not None else rated, account, buyer, invited, rated, level))
    out.sort(key=lambda e: (e[0] or 0, e[1], e[2]))
    return [Evaluation(f"EV{i + 1:07d}", a, b, inv, rat, lvl) for i, (_, a, b, inv, rat, lvl) in enumerate(out)]
