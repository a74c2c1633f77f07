"""Buyer conversations: pre-sale (human or 店小蜜), after-sale, and the buyers KPIs filter out."""
from __future__ import annotations

import random
from collections.abc import Mapping

from kefu.demo import texts as tx
from kefu.demo.aftersales import open_refund
from kefu.demo.staff import DAY, HOUR, MINUTE, Account
from kefu.demo.world import Order, World, money


def human_delay(rng: random.Random, busy: bool, pace: float) -> int:
    """Seconds a human agent takes to answer: mostly 3-20 s, with a tail of minutes."""
    u = rng.random()
    if u < 0.72:
        delay = min(20, max(3, round(rng.lognormvariate(2.1, 0.45))))
    elif u < 0.9:
        delay = rng.randint(20, 60)
    elif u < 0.98:
        delay = rng.randint(60, 300)
    else:
        delay = rng.randint(300, 900)
    # Marked busy at the evening peak: several buyers at once, so answers come slower.
    return max(2, round(delay * pace * (1.5 if busy else 1.0)))


class Talk:
    """One buyer's chat with one account, written forward in time."""

    def __init__(self, w: World, buyer: str, acc: Account, t: int) -> None:
        self.w, self.rng, self.buyer, self.acc, self.t = w, w.rng, buyer, acc, t
        self.alive = True  # False once the period is over
        self.gone = False  # the agent came back so late that the buyer had left
        self.order: Order | None = None

    def _put(self, sender: str, content: str, msg_type: str = "text") -> None:
        if self.alive and not self.w.say(self.t, self.buyer, self.acc.account, sender, content, msg_type):
            self.alive = False

    def pause(self, lo: int, hi: int) -> None:
        """Let lo..hi seconds pass (the buyer reads, thinks, types)."""
        self.t += self.rng.randint(lo, hi)

    def ask(self, *contents: str | tuple[str, str]) -> None:
        """A burst of consecutive buyer messages; a pair is (content, msg_type)."""
        for i, c in enumerate(contents):
            if i:
                self.pause(2, 20)
            content, msg_type = c if isinstance(c, tuple) else (c, "text")
            self._put("buyer", content, msg_type)

    def notice(self, content: str, msg_type: str = "text") -> None:
        """A platform notice (transfer, order card): never a question nor a reply."""
        self._put("system", content, msg_type)

    def auto(self) -> None:
        """The account's welcome auto-reply, right after the buyer's first message."""
        self.pause(0, 1)
        self._put("auto", self.rng.choice(tx.AUTO_WELCOME).format(shop=self.w.shop))

    def rest(self, burst: list[str | tuple[str, str]]) -> None:
        """The rest of a burst whose first message was already sent."""
        if len(burst) > 1:
            self.pause(2, 15)
            self.ask(*burst[1:])

    def answer(self, *contents: str | tuple[str, str], min_delay: int = 0, quick: bool = False) -> bool:
        """Reply with one or more messages (quick: a 快捷短语); False when no reply comes in the period."""
        due = self._due(min_delay, quick)
        if due is None:
            self.alive = False
            return False
        self.t = due
        sender = "bot" if self.acc.kind == "bot" else "agent"
        for i, c in enumerate(contents):
            if i:
                # 店小蜜 sends its answers at once; a person types the next one.
                if sender == "bot":
                    self.pause(1, 2)
                else:
                    self.pause(3, 15)
            content, msg_type = c if isinstance(c, tuple) else (c, "text")
            self._put(sender, content, msg_type)
        return self.alive

    def follow_up(self, content: str) -> bool:
        """A message the agent starts (order seen, payment reminder): sent only while on duty."""
        if self.acc.kind == "human" and not self.w.staff.online(self.acc.account, self.t):
            return False
        return self.answer(content)

    def _due(self, min_delay: int, quick: bool) -> int | None:
        if self.acc.kind == "bot":
            return self.t + self.rng.randint(1, 2)
        staff = self.w.staff
        status = staff.status(self.acc.account, self.t)
        if status in ("online", "busy"):
            delay = self.rng.randint(2, 6) if quick else human_delay(self.rng, status == "busy", self.acc.pace)
            return self.t + max(min_delay, delay)
        # Away or off shift: the message waits until the agent is back.
        back = staff.next_online(self.acc.account, self.t)
        if back is None:
            return None
        self.gone = back - self.t > 30 * MINUTE
        return back + self.rng.randint(5, 60)


def _context(rng: random.Random, product: tx.Product) -> dict[str, object]:
    """Values for the placeholders of the question and answer texts."""
    height = rng.randint(155, 186)
    sizes = ("S", "M", "L", "XL", "XXL", "XXL")
    return {"p": product.short, "h": height, "w": rng.randint(90, 180),
            "size": sizes[(height - 155) // 6], "city": rng.choice(tx.CITIES)}


def _pick(rng: random.Random, qa: tx.QA, fmt: Mapping[str, object]) -> tuple[str, str]:
    """One buyer phrasing and one agent answer of a question-and-answer pair."""
    return rng.choice(qa[0]).format(**fmt), rng.choice(qa[1]).format(**fmt)


def presale(w: World, day: int, t: int | None = None, *, min_first_delay: int = 0) -> None:
    """A pre-sale inquiry, perhaps via 店小蜜, that may end in an order now, later or never."""
    rng = w.rng
    if t is None:
        t = w.flash_arrival(day) if rng.random() < 0.12 else w.arrival(day)
    buyer = w.buyer_for_chat()
    product = rng.choice(tx.PRODUCTS)
    fmt = _context(rng, product)
    pool = tx.PRESALE_QA[product.kind] + tx.PRESALE_QA["any"]
    qas = [_pick(rng, qa, fmt) for qa in rng.sample(pool, rng.choices((1, 2, 3, 4), weights=(30, 35, 25, 10))[0])]
    intent = rng.choices(("chat", "later", "next", "leave"), weights=(16, 14, 8, 62))[0]
    duty = w.staff.on_duty(w.staff.presale, t)
    if duty and (min_first_delay or rng.random() > 0.3):
        talk = Talk(w, buyer, rng.choice(duty), t)
        _human(talk, product, qas, intent, transferred=False, min_first_delay=min_first_delay)
    elif not duty and rng.random() < 0.2:
        # At night some buyers write to the main account and get an answer when the owner is back.
        talk = Talk(w, buyer, w.staff.main, t)
        _human(talk, product, qas, intent, transferred=False)
    else:
        talk = _bot(w, buyer, t, product, qas, intent)
    order = talk.order
    if order is None and intent != "leave":
        if intent == "next":
            created = (t // DAY + 1) * DAY + w.arrival(0) % DAY
        else:
            created = talk.t + rng.randint(10 * MINUTE, 5 * HOUR)
        order = w.place_order(buyer, product, max(created, talk.t + MINUTE), rng.random() < 0.85)
    # Some buyers come back the same day to the after-sale team about what they just paid.
    if order is not None and order.paid is not None and rng.random() < 0.12:
        later = order.paid + rng.randint(20 * MINUTE, 3 * HOUR)
        if later // DAY == order.paid // DAY:
            aftersale(w, order, later, topics=("urge", "address", "invoice"))


def _human(talk: Talk, product: tx.Product, qas: list[tuple[str, str]], intent: str, *,
           transferred: bool, min_first_delay: int = 0) -> None:
    """The human part of a pre-sale chat: questions, answers, and the close by intent."""
    rng = talk.rng
    for i, (question, answer) in enumerate(qas):
        first = i == 0 and not transferred
        if i:
            # Now and then the buyer comes back much later: a new session.
            if rng.random() < 0.08:
                talk.pause(11 * MINUTE, 40 * MINUTE)
            else:
                talk.pause(15, 150)
        burst: list[str | tuple[str, str]] = []
        if first and rng.random() < 0.3:
            burst.append((tx.GOODS_CARD.format(title=product.title), "goods"))
        if first and rng.random() < 0.5:
            burst.append(rng.choice(tx.OPENERS))
        burst.append(question)
        talk.ask(burst[0])
        if first and rng.random() < 0.8:
            talk.auto()
        reply = [answer]
        wait = min_first_delay if first else 0
        if first:
            greeting = rng.choice(tx.GREETINGS).format(name=talk.acc.title)
            if rng.random() < 0.02:
                # Never answered: the buyer nudges once, then gives up.
                talk.rest(burst)
                talk.pause(MINUTE, 5 * MINUTE)
                talk.ask(rng.choice(tx.NUDGES))
                return
            if rng.random() < talk.acc.quick:
                # 黄金6秒: a quick phrase greets the buyer while the question is still being typed.
                if not talk.answer(greeting, min_delay=wait, quick=True) or talk.gone:
                    return
                wait = 0
            else:
                reply.insert(0, greeting)
        talk.rest(burst)
        if not first and rng.random() < 0.05:
            # A missed question: the buyer nudges; the agent apologises, or never comes back.
            talk.pause(MINUTE, 4 * MINUTE)
            talk.ask(rng.choice(tx.NUDGES))
            if rng.random() < 0.4:
                return
            reply.insert(0, tx.AGENT_LATE)
        if not talk.answer(*reply, min_delay=wait) or talk.gone:
            return
    unclosed = rng.random() < 0.07
    talk.pause(10, 120)
    if intent == "chat":
        if _order_in_chat(talk, product) and rng.random() < 0.5:
            _close(talk, rng.choice(tx.THANKS), tx.AGENT_CLOSINGS, unclosed)
    elif intent == "leave":
        _close(talk, rng.choice(tx.LEAVE), tx.AGENT_RETAIN, unclosed)
    else:
        _close(talk, rng.choice(tx.THANKS) + "，晚点拍", tx.AGENT_CLOSINGS, unclosed)


def _order_in_chat(talk: Talk, product: tx.Product) -> bool:
    """The buyer orders while chatting: order cards appear, the agent confirms or nudges payment.

    True when the agent followed the order up, so that the chat can go on to a close.
    """
    rng, w = talk.rng, talk.w
    talk.ask(rng.choice(tx.BUY))
    if not talk.answer(rng.choice(tx.AGENT_BUY_OK)):
        return False
    talk.pause(30, 5 * MINUTE)
    order = w.place_order(talk.buyer, product, talk.t, rng.random() < 0.85)
    if order is None:
        return False
    talk.order = order
    talk.notice(tx.SYSTEM_ORDER_CREATED.format(order_id=order.order_id, amount=money(order.amount_fen)), "order")
    if order.paid is not None:
        talk.t = order.paid
        talk.notice(tx.SYSTEM_ORDER_PAID.format(order_id=order.order_id), "order")
        return talk.follow_up(rng.choice(tx.AGENT_ORDER_SEEN))
    # 催付: reminding a buyer who ordered but did not pay.
    talk.pause(3 * MINUTE, 10 * MINUTE)
    return talk.follow_up(rng.choice(tx.AGENT_PAY_NUDGE))


def _close(talk: Talk, buyer_text: str, agent_texts: tuple[str, ...], unclosed: bool) -> None:
    """The buyer's last word, and the agent's closing unless the chat is left unclosed."""
    talk.pause(5, 90)
    talk.ask(buyer_text)
    if unclosed:
        return
    if talk.acc.kind == "human" and talk.rng.random() < 0.2:
        talk.answer((talk.rng.choice(tx.CHAT_EMOJI), "emoji"))
    else:
        talk.answer(talk.rng.choice(agent_texts))


def _bot(w: World, buyer: str, t: int, product: tx.Product, qas: list[tuple[str, str]], intent: str) -> Talk:
    """店小蜜 answers first; the buyer may ask for a human and be transferred."""
    rng = w.rng
    bot = Talk(w, buyer, w.staff.bot, t)
    n_bot = 1 if len(qas) == 1 else rng.randint(1, len(qas) - 1)
    for i, (question, answer) in enumerate(qas[:n_bot]):
        if i:
            bot.pause(10, 90)
            bot.ask(question)
            bot.answer(tx.BOT_ANSWER_PREFIX + answer)
        elif rng.random() < 0.4:
            # 店小蜜 answers every message at once, the opener too.
            bot.ask(rng.choice(tx.OPENERS))
            bot.answer(tx.BOT_GREETING)
            bot.pause(3, 20)
            bot.ask(question)
            bot.answer(tx.BOT_ANSWER_PREFIX + answer)
        else:
            bot.ask(question)
            bot.answer(tx.BOT_GREETING, tx.BOT_ANSWER_PREFIX + answer)
    unclosed = rng.random() < 0.07
    if rng.random() < 0.45:
        _close(bot, rng.choice(tx.THANKS if intent != "leave" else tx.LEAVE), tx.BOT_MORE, unclosed)
        return bot
    bot.pause(5, 60)
    bot.ask(rng.choice(tx.ASK_HUMAN))
    duty = w.staff.on_duty(w.staff.presale, bot.t)
    if not duty:
        bot.answer(tx.BOT_AFTER_HOURS)
        if rng.random() < 0.5:
            bot.pause(20, 2 * MINUTE)
            bot.ask(rng.choice(tx.NIGHT_MESSAGES).format(p=product.short))
        return bot
    human = rng.choice(duty)
    bot.answer(tx.BOT_TRANSFERRING)
    bot.notice(tx.SYSTEM_TRANSFER.format(name=human.title))
    if not bot.alive:
        return bot
    talk = Talk(w, buyer, human, bot.t + 1)
    talk.notice(tx.SYSTEM_TRANSFERRED_IN.format(p=product.short))
    # After a transfer the agent speaks first, then the buyer asks on (or asks again).
    if talk.answer(rng.choice(tx.GREETINGS).format(name=human.title)) and not talk.gone:
        rest = qas[n_bot:] or qas[:1]
        talk.pause(5, 40)
        _human(talk, product, rest, intent, transferred=True)
    return talk


def aftersale(w: World, order: Order, t: int, topics: tuple[str, ...] = ()) -> None:
    """A buyer asks the after-sale team about a paid order (下单后咨询); returns may become refunds."""
    rng = w.rng
    team = w.staff.aftersale
    # In the evening the late pre-sale shift covers after-sale; at night the buyer
    # leaves a message that waits for the next after-sale shift.
    duty = w.staff.on_duty(team, t) or w.staff.on_duty(w.staff.presale, t)
    acc = rng.choice(duty or team)
    assert order.paid is not None
    if not topics and t - order.paid < DAY:
        topics = ("urge", "address", "invoice")  # not shipped yet
    elif not topics:
        topics = ("logistics",) * 4 + ("return",) * 2 + ("quality", "invoice", "urge", "urge")
    # A buyer who comes back about the same order has a new question.
    topic = rng.choice([k for k in topics if k not in order.asked] or topics)
    order.asked.append(topic)
    days_ago = t // DAY - order.paid // DAY
    fmt = {"p": order.product.short, "city": rng.choice(tx.CITIES),
           "ago": ("今天", "昨天", "前天")[days_ago] if days_ago < 3 else f"{days_ago}天前"}
    question, answer = _pick(rng, tx.AFTERSALE_QA[topic], fmt)
    talk = Talk(w, order.buyer, acc, t)
    talk.notice(tx.SYSTEM_ORDER_CARD.format(order_id=order.order_id, p=order.product.short,
                                            items=order.items, amount=money(order.amount_fen)), "order")
    burst: list[str | tuple[str, str]] = [rng.choice(tx.OPENERS)] if rng.random() < 0.4 else []
    burst.append(question)
    if topic == "quality":
        burst.append(("", "image"))  # a photo of the damage: a message without text
    talk.ask(burst[0])
    if rng.random() < 0.7:
        talk.auto()
    greetings = tx.AFTERSALE_GREETINGS if acc.group == "售后" else tx.GREETINGS
    reply = [rng.choice(greetings).format(name=acc.title), answer]
    if rng.random() < acc.quick:
        if not talk.answer(reply.pop(0), quick=True) or talk.gone:
            return
    talk.rest(burst)
    if not talk.answer(*reply) or talk.gone:
        return
    unclosed = rng.random() < 0.07
    talk.pause(10, 2 * MINUTE)
    _close(talk, rng.choice(tx.ACKS + tx.THANKS), tx.AFTERSALE_CLOSINGS, unclosed)
    if topic in tx.REFUND_TOPICS and rng.random() < 0.35:
        handler = acc if acc in team else rng.choice(team)
        open_refund(w, order, talk.t + rng.randint(2 * MINUTE, 30 * MINUTE), handler.account)
