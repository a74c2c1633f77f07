"""Chat rows (nick, time, text) into canonical messages: who sent each one, and the buyer and account it belongs to."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from kefu.ingest.profiles import Markers

SHOP_SIDE = ("agent", "bot", "auto")
NO_ACCOUNT = "无法确定接待客服账号，请用 --account 指定 / cannot tell the shop account; pass --account"
NO_BUYER = "无法确定买家（缺少消息对象行或买家列） / cannot tell the buyer"
NO_SHOP = ("无法确定店铺：请用 --shop 店铺主账号 或 --account 店铺:子账号 指定"
           " / cannot tell the shop; pass --shop or --account")


@dataclass
class ChatRow:
    """One message as a source gives it; optional fields are None when the source lacks them."""

    nick: str | None  # who sent it: a nick, or a role word such as 买家/客服
    ts: str | None
    content: str | None
    block: int = 0  # conversation block: rows after one partner line share it
    partner: str | None = None  # the other party named by the block's partner line
    owner: str | None = None  # the shop account whose export this is (an owner line such as 导出账号: NICK)
    receiver: str | None = None
    account: str | None = None
    buyer: str | None = None
    shop: str | None = None


@dataclass
class ChatContext:
    """What the import knows besides the rows: --shop, --account, the warehouse's accounts, the markers."""

    markers: Markers
    shop: str | None = None
    account: str | None = None
    known: dict[str, tuple[str, str]] = field(default_factory=dict)  # account -> (shop, kind)


@dataclass
class Message:
    """A canonical message (strings as the validator reads them), or the reason it cannot be one."""

    shop: str | None = None
    buyer: str | None = None
    account: str | None = None
    sender: str | None = None
    content: str | None = None
    error: tuple[str, str] | None = None  # (column, reason)


def infer_shop(rows: list[ChatRow], ctx: ChatContext) -> str | None:
    """The shop: --shop, else --account's main nick, else a known account's shop, else the usual `店铺:` prefix."""
    if ctx.shop:
        return ctx.shop
    if ctx.account:
        return ctx.account.split(":", 1)[0]
    nicks = Counter(n for r in rows for n in (r.nick, r.receiver, r.account, r.owner) if n)
    for nick, _ in nicks.most_common():
        if nick in ctx.known:
            return ctx.known[nick][0]
    prefixes = Counter({n.split(":", 1)[0]: c for n, c in nicks.items() if ":" in n})
    return prefixes.most_common(1)[0][0] if prefixes else None


class Classifier:
    """Tells shop-side nicks from buyers and a message's sender role, by the shop, known accounts and markers."""

    def __init__(self, shop: str, ctx: ChatContext) -> None:
        self.shop, self.ctx, self.m = shop, ctx, ctx.markers
        self.bots = set(self.m.bot_nicks)

    def account_of(self, nick: str) -> str:
        """The account nick of a shop-side nick: a bare sub-account name gets the shop in front."""
        if ":" in nick or nick == self.shop or nick in self.ctx.known:
            return nick
        return f"{self.shop}:{nick}"

    def shop_side(self, nick: str | None) -> bool:
        """True for the shop's main account, its sub-accounts, known accounts and bot nicks."""
        if not nick:
            return False
        return (nick == self.shop or nick.startswith(self.shop + ":") or nick in self.ctx.known
                or nick in self.bots or self.m.roles.get(nick) in ("agent", "bot"))

    def is_bot(self, nick: str) -> bool:
        """True for an assistant account: a bot nick (alone or after `店铺:`) or kind=bot in accounts."""
        known = self.ctx.known.get(self.account_of(nick))
        return (nick in self.bots or nick.split(":", 1)[-1] in self.bots or self.m.roles.get(nick) == "bot"
                or (known is not None and known[1] == "bot"))

    def partner_is_buyer(self, row: ChatRow) -> bool:
        """True when the block's partner is the buyer: not the shop's, or another shop account (an internal chat)."""
        if not row.partner:
            return False
        if not self.shop_side(row.partner):
            return True
        return row.owner is not None and self.account_of(row.partner) != self.account_of(row.owner)

    def classify(self, nick: str | None, content: str | None, from_partner: bool = False
                 ) -> tuple[str, str | None, str | None]:
        """(sender, content without an auto-reply marker, account a transfer notice hands over to).

        from_partner: the nick is the block's partner and that partner is the buyer.
        """
        text = content or ""
        role = self.m.roles.get(nick or "")
        if role == "system" or (nick or "") in self.m.system_nicks:
            return "system", content, self._transfer_target(text)
        for pattern in self.m.system_patterns:
            if pattern.search(text):
                return "system", content, self._transfer_target(text)
        if role == "buyer" or from_partner or not self.shop_side(nick):
            return "buyer", content, None
        for prefix in self.m.auto_prefixes:
            if text.startswith(prefix):
                return "auto", text[len(prefix):].lstrip() or None, None
        return ("bot" if self.is_bot(nick or "") else "agent"), content, None

    def _transfer_target(self, text: str) -> str | None:
        """The account a transfer notice names (group `to` of a system pattern), if any."""
        for pattern in self.m.system_patterns:
            found = pattern.search(text)
            if found and "to" in pattern.groupindex and found.group("to"):
                return self.account_of(found.group("to"))
        return None


def _fill_buyers(rows: list[ChatRow], msgs: list[Message], cls: Classifier) -> None:
    """Each message's buyer: its own column, the buyer who wrote it, the partner or receiver, else a neighbour's."""
    for row, msg in zip(rows, msgs):
        if row.buyer:
            msg.buyer = row.buyer
        elif msg.sender == "buyer" and row.nick and row.nick not in cls.m.roles:
            msg.buyer = row.nick
        elif cls.partner_is_buyer(row):
            msg.buyer = row.partner
        elif row.receiver and not cls.shop_side(row.receiver) and row.receiver not in cls.m.roles:
            msg.buyer = row.receiver
    for order in (range(len(rows)), range(len(rows) - 1, -1, -1)):
        last: dict[int, str] = {}
        for i in order:
            if msgs[i].buyer is None and rows[i].block in last:
                msgs[i].buyer = last[rows[i].block]
            elif (buyer := msgs[i].buyer) is not None:
                last[rows[i].block] = buyer


def _fill_accounts(rows: list[ChatRow], msgs: list[Message], cls: Classifier, transfers: list[str | None]) -> None:
    """Each message's account: its own, the export's owner or --account, the conversation's current one, or next."""
    for row, msg in zip(rows, msgs):
        if row.account:
            msg.account = row.account
        elif msg.sender in SHOP_SIDE and row.nick and row.nick not in cls.m.roles:
            msg.account = cls.account_of(row.nick)
        elif row.receiver and cls.shop_side(row.receiver) and row.receiver not in cls.m.roles:
            msg.account = cls.account_of(row.receiver)
    following: list[str | None] = [None] * len(rows)
    upcoming: dict[tuple[int, str | None], str] = {}
    for i in range(len(rows) - 1, -1, -1):
        key = (rows[i].block, msgs[i].buyer)
        following[i] = upcoming.get(key)
        if (account := msgs[i].account) is not None:
            upcoming[key] = account
    current: dict[tuple[int, str | None], str] = {}
    for i, msg in enumerate(msgs):
        key = (rows[i].block, msg.buyer)
        if msg.account is None:
            owner = cls.account_of(own) if (own := rows[i].owner) else cls.ctx.account
            msg.account = owner or current.get(key) or following[i]
        if (account := msg.account) is not None:
            current[key] = account
        if (moved := transfers[i]) is not None:
            current[key] = moved  # later messages of the conversation belong to the new account


def assemble(rows: list[ChatRow], ctx: ChatContext) -> list[Message]:
    """Canonical messages of rows in file order; one that lacks its buyer or account carries an error."""
    shop = infer_shop(rows, ctx)
    if shop is None:
        raise ValueError(NO_SHOP)
    cls = Classifier(shop, ctx)
    msgs: list[Message] = []
    transfers: list[str | None] = []
    for row in rows:
        from_partner = row.nick is not None and row.nick == row.partner and cls.partner_is_buyer(row)
        sender, content, target = cls.classify(row.nick, row.content, from_partner)
        msgs.append(Message(shop=row.shop or shop, sender=sender, content=content))
        transfers.append(target)
    _fill_buyers(rows, msgs, cls)
    _fill_accounts(rows, msgs, cls, transfers)
    for msg in msgs:
        if msg.buyer is None:
            msg.error = ("buyer", NO_BUYER)
        elif msg.account is None:
            msg.error = ("account", NO_ACCOUNT)
    return msgs
