"""Rewrite some demo texts so that quality inspection finds realistic cases; timings stay as they are.

Only message contents change, drawn from a random stream of their own: the chats, their times and
every KPI of `kefu report` are the same as without these cases.
"""
from __future__ import annotations

import random
import re

from kefu.demo import texts as tx
from kefu.demo.world import World

# How often each person slips (the main account's owner rarely; 小王 is fast but careless).
_CARELESS = {"小王": 1.0, "阿杰": 0.6, "晓晓": 0.45, "小雅": 0.3}
_CLOSINGS = frozenset(tx.AGENT_CLOSINGS + tx.AFTERSALE_CLOSINGS)
_ORDER_SEEN = frozenset(tx.AGENT_ORDER_SEEN)


def _templates(texts: list[str]) -> re.Pattern[str]:
    """A pattern that matches any of the texts with its {placeholders} filled in."""
    parts = [re.sub(r"\\\{\w+\\\}", ".+?", re.escape(t)) for t in texts]
    return re.compile("(?:" + "|".join(parts) + ")")


_AFTERSALE_QUESTIONS = _templates([q for questions, _ in tx.AFTERSALE_QA.values() for q in questions])
_PRODUCT_ANSWERS = _templates([a for kind in ("wear", "shoes", "gear") for _, answers in tx.PRESALE_QA[kind]
                               for a in answers])
_ANSWERS = _templates([a for qas in tx.PRESALE_QA.values() for _, answers in qas for a in answers]
                      + [a for _, answers in tx.AFTERSALE_QA.values() for a in answers])


def _careless(w: World, account: str) -> float:
    """An account's carelessness: 0.15 for the owner's main account."""
    return _CARELESS.get(account[len(w.shop) + 1:], 0.15) if account != w.shop else 0.15


def _masked_phone(rng: random.Random) -> str:
    """A mobile number as the platform shows it to agents: the middle four digits hidden."""
    return f"1{rng.choice('3578')}{rng.randrange(10)}****{rng.randrange(10000):04d}"


def _rewrite(rng: random.Random, w: World, account: str, sender: str, content: str, msg_type: str) -> str:
    """The text of one message after the QC cases are mixed in."""
    if msg_type != "text":
        return content
    if sender == "buyer":
        if _AFTERSALE_QUESTIONS.fullmatch(content) and rng.random() < 0.25:
            return rng.choice(tx.QC_RISK)
        return content
    if sender != "agent":
        return content
    p = _careless(w, account)
    if content in _ORDER_SEEN:
        if rng.random() < 0.85 - 0.3 * p:
            return rng.choice(tx.QC_VERIFY).format(name=rng.choice(tx.SURNAMES) + "**", phone=_masked_phone(rng),
                                                   city=rng.choice(tx.CITIES))
        return content
    if content in _CLOSINGS:
        u = rng.random()
        if u < 0.02 * p:
            return tx.QC_CASHBACK
        if u < 0.2 * p:
            return rng.choice(tx.QC_NO_FAREWELL)
        return content
    if not _ANSWERS.fullmatch(content):
        return content
    u = rng.random()
    answer = re.sub(r"^(亲亲|亲)，", "", content.rstrip("~。！"))
    if u < 0.004 * p:
        return tx.QC_WECHAT.format(n=rng.randrange(10, 99))
    if u < 0.01 * p:
        return rng.choice(tx.QC_RUDE)
    if u < 0.05 * p:
        return rng.choice(tx.QC_NEGATIVE).format(answer=answer)
    if u < 0.08 * p and _PRODUCT_ANSWERS.fullmatch(content):
        return rng.choice(tx.QC_EXTREME).format(answer=answer)
    return content


def add_qc_cases(w: World, seed: int) -> None:
    """Rewrite, in place, the texts of some messages into what QC flags (its own random stream)."""
    rng = random.Random(f"kefu-demo-qc:{seed}")
    w.messages = [(t, buyer, account, sender, _rewrite(rng, w, account, sender, content, msg_type), msg_type)
                  for t, buyer, account, sender, content, msg_type in w.messages]
