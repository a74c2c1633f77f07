"""Chats of buyers the KPIs leave out (metrics.md §1): sub-accounts, colleagues, ads, blocklist."""
from __future__ import annotations

import string

from kefu.demo import texts as tx
from kefu.demo.chat import Talk
from kefu.demo.staff import DAY, HOUR, Account
from kefu.demo.world import World


def _desk(w: World, t: int) -> Account:
    """Whoever answers pre-sale at t: an agent on duty, else the main account."""
    duty = w.staff.on_duty(w.staff.presale, t)
    return w.rng.choice(duty) if duty else w.staff.main


def sub_account(w: World, day: int) -> None:
    """Another company's sub-account (nick with ':') writes; the seeds say it needs no reply."""
    rng = w.rng
    t = w.arrival(day)
    talk = Talk(w, f"{rng.choice(tx.OTHER_SHOPS)}:{rng.choice(tx.OTHER_STAFF)}", _desk(w, t), t)
    talk.ask(rng.choice(tx.SUB_ACCOUNT_TEXTS))
    if rng.random() < 0.5:
        talk.answer(tx.SUB_ACCOUNT_REPLY)


def internal(w: World, day: int) -> None:
    """A colleague (or the owner) messages another account of the shop during work hours."""
    rng = w.rng
    t = day * DAY + rng.randrange(10 * HOUR, 17 * HOUR)
    acc = _desk(w, t)
    colleague = rng.choice([a for a in [w.staff.main, *w.staff.humans] if a is not acc])
    talk = Talk(w, colleague.account, acc, t)
    talk.ask(rng.choice(tx.INTERNAL_TEXTS))
    talk.answer(rng.choice(tx.INTERNAL_REPLIES))


def ad(w: World, day: int) -> None:
    """An ad (广告): an ad word plus a contact; agents do not answer those."""
    rng = w.rng
    t = w.arrival(day)
    talk = Talk(w, w.new_nick(), _desk(w, t), t)
    wechat = "".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 4))) + str(rng.randrange(100, 999999))
    qq = str(rng.randrange(10**7, 10**10))
    talk.ask(rng.choice(tx.AD_TEMPLATES).format(wx=wechat, qq=qq))
    if rng.random() < 0.8:
        talk.auto()


def blocked(w: World, day: int, buyer: str) -> None:
    """A blocklisted buyer keeps writing to the after-sale team."""
    rng = w.rng
    t = w.arrival(day)
    duty = w.staff.on_duty(w.staff.aftersale, t)
    talk = Talk(w, buyer, rng.choice(duty or w.staff.aftersale), t)
    talk.ask(*rng.sample(tx.BLOCKED_TEXTS, rng.randint(1, 2)))
    if talk.answer(tx.BLOCKED_REPLY) and rng.random() < 0.5:
        talk.pause(20, 120)
        talk.ask(rng.choice(tx.BLOCKED_TEXTS))
