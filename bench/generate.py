"""A fast, deterministic generator of canonical shop data at scale (numpy + Arrow, no Python row loops).

About one order per ten messages; conversations with buyer bursts, agent and bot (店小蜜)
replies, auto-replies and system notices; evening peaks; presence shifts with breaks;
refunds, complaints, ratings; a few blocklisted, sub-account and ad-sending buyers.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

EPOCH = np.datetime64("2026-10-01T00:00:00", "s")
DAYS = 28
HUMANS_PER_SHOP = 8
MESSAGES_PER_CONVERSATION = 10
BUYER_TEXTS = ["在吗", "这个有货吗", "什么时候发货", "尺码怎么选", "能便宜点吗", "好的谢谢", "已拍下", "地址改一下"]
AGENT_TEXTS = ["亲，在的", "有货的亲", "今天下单明天发", "建议拍大一码", "已为您备注", "好的亲"]
AD_TEXT = "兼职刷单日结，加微信 abc12345"
# Hour-of-day weights: quiet at night, a lunch bump and the evening peak.
HOUR_WEIGHTS = np.array([2, 1, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 8, 8, 9, 9, 8, 8, 9, 11, 13, 14, 12, 6], float)


def _names(prefix: str | pa.Array, ids: np.ndarray) -> pa.Array:
    """prefix + id as an Arrow string array (vectorised)."""
    return pc.binary_join_element_wise(prefix, pa.array(ids).cast(pa.string()), "")


def _times(seconds: np.ndarray) -> pa.Array:
    """Shop-local wall-clock text 'YYYY-MM-DD HH:MM:SS' of seconds after EPOCH."""
    ts = pa.array((EPOCH + seconds.astype("timedelta64[s]")).astype("datetime64[s]"))
    return pc.strftime(ts, format="%Y-%m-%d %H:%M:%S")


def _optional_times(seconds: np.ndarray, present: np.ndarray) -> pa.Array:
    """Like _times, empty where not present."""
    return pc.if_else(pa.array(present), _times(seconds), pa.scalar(None, pa.string()))


def generate(n_messages: int, seed: int = 7) -> dict[str, pa.Table]:
    """The canonical tables of a shop group with about n_messages messages."""
    rng = np.random.default_rng(seed)
    n_shops = max(1, n_messages // 500_000)
    n_conv = n_messages // MESSAGES_PER_CONVERSATION
    shops = np.array([f"店铺{i:03d}" for i in range(n_shops)], dtype=object)
    shop_accounts = np.array([[f"{s}:客服{j}" for j in range(HUMANS_PER_SHOP)] + [f"{s}:店小蜜"] for s in shops],
                             dtype=object)

    # Conversations: shop, account, buyer, start (day + evening-weighted hour).
    conv_shop = rng.integers(0, n_shops, n_conv)
    conv_acc = rng.integers(0, HUMANS_PER_SHOP + 1, n_conv)
    buyers_per_shop = max(50, n_conv // n_shops // 3)
    conv_buyer = rng.integers(0, buyers_per_shop, n_conv)
    hour = rng.choice(24, n_conv, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    conv_start = rng.integers(0, DAYS, n_conv) * 86400 + hour * 3600 + rng.integers(0, 3600, n_conv)

    # Messages per conversation (mean 10), each with a sender and a gap after the previous one.
    lengths = rng.poisson(MESSAGES_PER_CONVERSATION - 1, n_conv) + 1
    conv_of = np.repeat(np.arange(n_conv), lengths)
    n = len(conv_of)
    first = np.r_[0, np.cumsum(lengths)[:-1]]
    pos = np.arange(n) - np.repeat(first, lengths)
    is_bot_account = conv_acc[conv_of] == HUMANS_PER_SHOP
    # Senders: bursts of buyer messages, agent (or bot) replies, auto-replies after the first message.
    sender = rng.choice(np.array(["buyer", "agent", "auto", "system"], dtype=object), n, p=[0.52, 0.40, 0.05, 0.03])
    sender[pos == 0] = "buyer"
    sender[(pos == 1) & (rng.random(n) < 0.5)] = "auto"
    sender[is_bot_account & (sender == "agent")] = "bot"
    gap = np.where(sender == "auto", rng.integers(0, 2, n), rng.exponential(35.0, n).astype(np.int64))
    gap = np.where(rng.random(n) < 0.02, rng.integers(700, 4000, n), gap)  # a pause: a new session
    gap[pos == 0] = 0
    offset = np.cumsum(gap) - np.repeat(np.cumsum(gap)[first], lengths)
    ts = conv_start[conv_of] + offset

    buyer_ids = conv_shop[conv_of] * buyers_per_shop + conv_buyer[conv_of]
    buyer = _names("买家", buyer_ids)
    special = buyer_ids % 997
    buyer = pc.if_else(pa.array(special == 1), _names("子账号:", buyer_ids), buyer)
    texts = np.where(sender == "buyer", np.array(BUYER_TEXTS, dtype=object)[rng.integers(0, len(BUYER_TEXTS), n)],
                     np.array(AGENT_TEXTS, dtype=object)[rng.integers(0, len(AGENT_TEXTS), n)])
    texts[(special == 2) & (sender == "buyer")] = AD_TEXT
    msg_shop = shops[conv_shop[conv_of]]
    messages = pa.table({
        "msg_id": _names("m", np.arange(n)),
        "shop": pa.array(msg_shop, pa.string()),
        "buyer": buyer,
        "account": pa.array(shop_accounts[conv_shop[conv_of], conv_acc[conv_of]], pa.string()),
        "sender": pa.array(sender, pa.string()),
        "ts": _times(ts),
        "content": pa.array(texts, pa.string()),
        "msg_type": pa.array(np.full(n, "text", dtype=object), pa.string()),
    })

    # Orders: most from chatting buyers within a day of the talk, the rest silent; ~85% paid.
    n_orders = n_messages // 10
    from_chat = rng.random(n_orders) < 0.7
    oc = rng.integers(0, n_conv, n_orders)
    silent_shop = rng.integers(0, n_shops, n_orders)
    o_shop = np.where(from_chat, conv_shop[oc], silent_shop)
    o_buyer_id = np.where(from_chat, conv_shop[oc] * buyers_per_shop + conv_buyer[oc],
                          silent_shop * buyers_per_shop + rng.integers(0, buyers_per_shop, n_orders))
    created = np.where(from_chat, conv_start[oc] + rng.integers(60, 36 * 3600, n_orders),
                       rng.integers(0, DAYS * 86400, n_orders))
    paid = rng.random(n_orders) < 0.85
    paid_at = created + rng.integers(10, 3600, n_orders)
    order_ids = _names("o", np.arange(n_orders))
    orders = pa.table({
        "order_id": order_ids,
        "shop": pa.array(shops[o_shop], pa.string()),
        "buyer": _names("买家", o_buyer_id),
        "created_at": _times(created),
        "paid_at": _optional_times(paid_at, paid),
        "amount": pa.array(np.round(rng.lognormal(4.5, 0.8, n_orders), 2)),
        "items": pa.array(rng.integers(1, 5, n_orders)),
        "status": pa.array(np.where(paid, "交易成功", "等待付款").astype(object), pa.string()),
    })

    # After-sales: refunds of 6% of paid orders, complaints 0.5%, ratings 25%.
    paid_idx = np.flatnonzero(paid)
    r = rng.choice(paid_idx, len(paid_idx) * 6 // 100, replace=False)
    r_created = paid_at[r] + rng.integers(3600, 5 * 86400, len(r))
    finished = rng.random(len(r)) < 0.8
    refunds = pa.table({
        "refund_id": _names("r", np.arange(len(r))),
        "order_id": order_ids.take(pa.array(r)),
        "shop": pa.array(shops[o_shop[r]], pa.string()),
        "buyer": _names("买家", o_buyer_id[r]),
        "created_at": _times(r_created),
        "finished_at": _optional_times(r_created + rng.integers(600, 4 * 86400, len(r)), finished),
        "completed_by": pc.if_else(pa.array(finished), pa.array(
            rng.choice(np.array(["merchant", "platform", "buyer"], dtype=object), len(r), p=[0.8, 0.1, 0.1]),
            pa.string()), pa.scalar(None, pa.string())),
        "disputed": pa.array(rng.random(len(r)) < 0.05),
        "amount": orders["amount"].take(pa.array(r)),
        "handler": pa.array(shop_accounts[o_shop[r], 0], pa.string()),
    })
    c = rng.choice(paid_idx, max(1, len(paid_idx) // 200), replace=False)
    complaints = pa.table({
        "complaint_id": _names("c", np.arange(len(c))), "order_id": order_ids.take(pa.array(c)),
        "shop": pa.array(shops[o_shop[c]], pa.string()), "created_at": _times(paid_at[c] + 86400),
    })
    g = rng.choice(paid_idx, len(paid_idx) // 4, replace=False)
    ratings = pa.table({
        "order_id": order_ids.take(pa.array(g)), "shop": pa.array(shops[o_shop[g]], pa.string()),
        "rated_at": _times(paid_at[g] + rng.integers(86400, 7 * 86400, len(g))),
        "service_score": pa.array(rng.choice(5, len(g), p=[0.02, 0.02, 0.06, 0.2, 0.7]) + 1),
    })

    # Presence of the human accounts: morning and evening shifts with a break, some days off.
    humans = shop_accounts[:, :HUMANS_PER_SHOP].ravel()
    acc = np.repeat(humans, DAYS)
    day = np.tile(np.arange(DAYS), len(humans)) * 86400
    works = rng.random(len(acc)) < 0.85
    s1 = day + 8 * 3600 + rng.integers(0, 3600, len(acc))
    e1 = day + 12 * 3600
    s2 = day + 13 * 3600 + rng.integers(0, 1800, len(acc))
    e2 = day + 23 * 3600 + rng.integers(0, 3599, len(acc))
    starts = np.concatenate([s1, e1, s2])[np.tile(works, 3)]
    ends = np.concatenate([e1, s2, e2])[np.tile(works, 3)]
    status = np.concatenate([np.full(len(acc), "online", dtype=object), np.full(len(acc), "away", dtype=object),
                             np.where(rng.random(len(acc)) < 0.3, "busy", "online").astype(object)])[np.tile(works, 3)]
    presence = pa.table({
        "account": pa.array(np.tile(acc, 3)[np.tile(works, 3)], pa.string()),
        "start": _times(starts), "end": _times(ends), "status": pa.array(status, pa.string()),
    })

    accounts = pa.table({
        "account": pa.array(shop_accounts.ravel(), pa.string()),
        "shop": pa.array(np.repeat(shops, HUMANS_PER_SHOP + 1), pa.string()),
        "agent_name": pa.array([a.split(":")[1] for a in shop_accounts.ravel()], pa.string()),
        "group": pa.array(np.tile(["售前"] * 5 + ["售后"] * 3 + [None], n_shops), pa.string()),
        "kind": pa.array(np.tile(["human"] * HUMANS_PER_SHOP + ["bot"], n_shops), pa.string()),
    })
    blocked = np.arange(0, n_shops * buyers_per_shop, 1009)
    blocklist = pa.table({"shop": pa.array(shops[blocked // buyers_per_shop], pa.string()),
                          "buyer": _names("买家", blocked), "reason": pa.array(["恶意"] * len(blocked), pa.string())})
    return {"accounts": accounts, "messages": messages, "orders": orders, "refunds": refunds,
            "complaints": complaints, "ratings": ratings, "presence": presence, "blocklist": blocklist}


def write(tables: dict[str, pa.Table], out_dir: Path, fmt: str) -> None:
    """Write the tables as canonical CSV (UTF-8, header) or Parquet files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        if fmt == "csv":
            pacsv.write_csv(table, out_dir / f"{name}.csv",
                            pacsv.WriteOptions(quoting_style="needed", include_header=True))
        else:
            pq.write_table(table, out_dir / f"{name}.parquet")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    args = parser.parse_args()
    write(generate(args.messages, args.seed), args.out_dir, args.format)


if __name__ == "__main__":
    main()
