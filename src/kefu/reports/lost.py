"""询单流失 follow-up list: the inquiry buyers of a day who did not pay in the window, most promising first."""
from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

from kefu.config import Settings
from kefu.engines.duckdb import DuckDBEngine
from kefu.metrics.compile import ReportSpec
from kefu.privacy import mask_nick, mask_phones
from kefu.report import prepared_engine, run_report

# What happened to a lost inquiry, in follow-up order: an unpaid order is one click from
# paying (催付); a buyer who never ordered needs a follow-up; the last two need none.
STATUSES: dict[str, tuple[str, str, str, str]] = {
    "unpaid_order": ("已下单未付款", "催付", "ordered, not paid", "chase payment"),
    "no_order": ("未下单", "跟进", "never ordered", "follow up"),
    "paid_late": ("窗口外付款", "无需跟进", "paid after the window", "none"),
    "paid_elsewhere": ("已在其他客服处付款", "无需跟进", "paid via another account", "none"),
}

COLUMNS = ("shop", "account", "buyer", "day", "status", "first_ts", "last_ts", "buyer_messages",
           "replied", "unclosed", "order_ids", "order_value", "goods", "last_messages")

COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "shop": ("店铺", "shop"), "account": ("客服账号", "account"), "buyer": ("买家", "buyer"),
    "day": ("日期", "day"), "status": ("流失情况 → 建议动作", "status → action"),
    "first_ts": ("首条消息", "first message"), "last_ts": ("末条消息", "last message"),
    "buyer_messages": ("买家消息数", "buyer messages"), "replied": ("已回复", "replied"),
    "unclosed": ("未闭环", "unclosed"), "order_ids": ("未付款订单", "unpaid orders"),
    "order_value": ("订单金额(元)", "order value (yuan)"), "goods": ("咨询商品", "goods asked about"),
    "last_messages": ("最近消息", "last messages"),
}

SENDER_ZH = {"buyer": "买家", "agent": "客服", "bot": "店小蜜"}

LAST_MESSAGES = 3

_SQL = """
WITH lost AS (
    SELECT c.shop, c.account, c.buyer, c.day, c.q0_ts, c.buyer_messages, c.replied, c.unclosed
    FROM {conversations} c
    LEFT JOIN {conversion} v USING (shop, account, buyer, day)
    WHERE c.inquiry = 1 AND COALESCE(v.paid, 0) = 0 AND c.day BETWEEN $day_from AND $day_to
      AND ($account IS NULL OR c.account = $account)
),
credited AS (
    SELECT shop, account, buyer, day,
        string_agg(CASE WHEN paid_at IS NULL THEN order_id END, ' ' ORDER BY created_at) AS order_ids,
        SUM(CASE WHEN paid_at IS NULL THEN amount END) AS order_value,
        MAX(CASE WHEN paid_at IS NULL THEN 1 ELSE 0 END) AS unpaid,
        MAX(CASE WHEN paid_at IS NOT NULL THEN 1 ELSE 0 END) AS paid_late
    FROM {credited_orders}
    WHERE day BETWEEN $day_from AND $day_to
    GROUP BY ALL
),
talk AS (
    SELECT cm.shop, cm.account, cm.buyer, cm.day, MAX(cm.ts) AS last_ts,
        list(cm.sender || '\x1f' || COALESCE(m.content, '') ORDER BY cm.pos_from_end)
            FILTER (WHERE cm.pos_from_end <= {last_n}) AS last_messages
    FROM {conv_msgs} cm
    JOIN {msgs} m ON m.shop = cm.shop AND m.account = cm.account AND m.buyer = cm.buyer
        AND m.ts = cm.ts AND m.seq = cm.seq
    WHERE cm.day BETWEEN $day_from AND $day_to
    GROUP BY ALL
),
goods AS (
    SELECT shop, account, buyer, day, string_agg(DISTINCT content, '；') AS goods
    FROM {msgs}
    WHERE day BETWEEN $day_from AND $day_to AND msg_type = 'goods' AND sender = 'buyer' AND content <> ''
    GROUP BY ALL
)
-- Status in follow-up order (the order of STATUSES).
SELECT l.shop, l.account, l.buyer, l.day,
    CASE WHEN COALESCE(sv.paid, 0) = 1 THEN 'paid_elsewhere'
         WHEN cr.unpaid = 1 THEN 'unpaid_order'
         WHEN cr.paid_late = 1 THEN 'paid_late'
         ELSE 'no_order' END AS status,
    strftime(local_time(l.q0_ts), '%Y-%m-%d %H:%M:%S') AS first_ts,
    strftime(local_time(t.last_ts), '%Y-%m-%d %H:%M:%S') AS last_ts,
    l.buyer_messages, l.replied, l.unclosed, cr.order_ids, cr.order_value, g.goods, t.last_messages
FROM lost l
LEFT JOIN credited cr USING (shop, account, buyer, day)
LEFT JOIN talk t USING (shop, account, buyer, day)
LEFT JOIN goods g USING (shop, account, buyer, day)
LEFT JOIN {shop_conversion} sv ON sv.shop = l.shop AND sv.buyer = l.buyer AND sv.day = l.day
-- Most promising first: by status, then the larger unpaid order, a buyer who sent a goods card,
-- the more engaged buyer, the latest talk.
ORDER BY l.day, list_position({statuses}, status), cr.order_value DESC NULLS LAST, g.goods IS NULL,
    l.buyer_messages DESC, t.last_ts DESC, l.account, l.buyer
"""

def status_text(status: str, lang: str = "zh") -> str:
    """A status as a manager reads it, with the follow-up it calls for: '已下单未付款 → 催付'."""
    zh, action_zh, en, action_en = STATUSES[status]
    return f"{zh} → {action_zh}" if lang == "zh" else f"{en} → {action_en}"


def _messages(pairs: list[str] | None, buyer: str, mask: bool) -> str:
    """The last messages, oldest first, as 'who：text' lines (buyer masked, phones hidden by default)."""
    lines = []
    for pair in reversed(pairs or []):
        sender, _, content = pair.partition("\x1f")
        who = mask_nick(buyer) if sender == "buyer" and mask else buyer if sender == "buyer" else SENDER_ZH[sender]
        lines.append(f"{who}：{mask_phones(content) if mask else content}")
    return "\n".join(lines)


def last_day(con: duckdb.DuckDBPyConnection, settings: Settings) -> dt.date | None:
    """The last day the shop report has a row for: the day a lost list opens on (as the web's 询单流失 page)."""
    rows = run_report(con, ReportSpec(grain="shop_day", period="all"), settings).rows
    return max((dt.date.fromisoformat(r["to"]) for r in rows), default=None)


def lost_buyers(con: duckdb.DuckDBPyConnection, settings: Settings, day: dt.date, account: str | None = None,
                mask: bool = True) -> list[dict[str, Any]]:
    """The lost inquiries (询单流失) of a day, one row per account and buyer, most promising first."""
    return lost_between(con, settings, day, day, account, mask)


def lost_between(con: duckdb.DuckDBPyConnection, settings: Settings, day_from: dt.date, day_to: dt.date,
                 account: str | None = None, mask: bool = True,
                 engine: DuckDBEngine | None = None) -> list[dict[str, Any]]:
    """The lost inquiries of the days from..to: one row per account, buyer and day, most promising first."""
    engine = engine or prepared_engine(con, settings, day_from, day_to)
    shop_conversion = engine.build([("conversion", "shop")])["conversion"]
    tables = engine.build([("conversion", "account"), ("msgs", "")])
    statuses = "[" + ", ".join(f"'{s}'" for s in STATUSES) + "]"
    sql = _SQL.format(shop_conversion=shop_conversion, last_n=LAST_MESSAGES, statuses=statuses, **tables)
    cursor = con.execute(sql, {"day_from": day_from, "day_to": day_to, "account": account})
    names = [d[0] for d in cursor.description]
    rows = []
    for values in cursor.fetchall():
        row = dict(zip(names, values))
        row["day"] = row["day"].isoformat()
        row["order_value"] = None if row["order_value"] is None else float(row["order_value"])
        row["last_messages"] = _messages(row["last_messages"], row["buyer"], mask)
        if mask:
            row["buyer"] = mask_nick(row["buyer"])
        rows.append({c: row[c] for c in COLUMNS})
    return rows
