"""Seeded random shops touching every rule: bursts, ties, bots, auto-replies, filters, presence, evaluations."""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np

START = dt.datetime(2026, 3, 6, 20, 0, 0)  # a weekend evening before Europe's and America's DST changes
SPAN_S = 4 * 24 * 3600
CONTENTS = ["在吗", "这个有货吗", "好的", "兼职刷单 加QQ 12345678", "招聘日结 vx abc123", "谢谢", "尺码怎么选"]


def _ts(offset: int) -> str:
    return (START + dt.timedelta(seconds=int(offset))).strftime("%Y-%m-%d %H:%M:%S")


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def random_shop(folder: Path, seed: int) -> None:
    """Write one random shop `随机店{seed}` as canonical CSV files into folder."""
    rng = np.random.default_rng(seed)
    shop = f"随机店{seed}"
    accounts = [f"{shop}:甲", f"{shop}:乙", f"{shop}:丙", f"{shop}:小蜜"]
    buyers = [f"买家{seed}_{i}" for i in range(12)] + [f"{shop}:甲", "子:号", shop, "黑名单买家"]
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / "accounts.csv", ["account", "shop", "agent_name", "group", "kind"],
           [[accounts[0], shop, "甲", "售前", "human"], [accounts[1], shop, "乙", "售后", "human"],
            [accounts[3], shop, "小蜜", "", "bot"]])  # 丙 is only seen in messages
    _write(folder / "blocklist.csv", ["shop", "buyer", "reason"], [[shop, "黑名单买家", "恶意"]])

    messages: list[list[object]] = []
    for c in range(40):
        buyer = buyers[rng.integers(len(buyers))]
        account = accounts[rng.integers(len(accounts))]
        t = int(rng.integers(0, SPAN_S))
        for _ in range(int(rng.integers(1, 9))):
            sender = rng.choice(["buyer", "buyer", "buyer", "agent", "agent", "bot", "auto", "system"])
            if sender in ("agent", "auto", "system") and account.endswith("小蜜"):
                sender = "bot"
            content = CONTENTS[rng.integers(len(CONTENTS))] if sender == "buyer" else "您好"
            messages.append([f"m{c}_{len(messages)}", shop, buyer, account, sender, _ts(t), content, "text"])
            # Same-second ties, quick replies, slow replies and long silences (new sessions, next day).
            t += int(rng.choice([0, 0, 3, 8, 20, 90, 700, 5000]))
    _write(folder / "messages.csv", ["msg_id", "shop", "buyer", "account", "sender", "ts", "content", "msg_type"],
           messages)

    orders = []
    for i in range(25):
        buyer = buyers[rng.integers(12)] if rng.random() < 0.9 else ""
        created = int(rng.integers(0, SPAN_S + 2 * 24 * 3600))
        paid = "" if rng.random() < 0.2 else _ts(created + int(rng.integers(0, 3 * 24 * 3600)))
        amount = f"{rng.integers(100, 99999) / 100:.2f}"
        refunded = f"{float(amount) * rng.choice([0, 0, 0.5, 1]):.2f}"  # the order report's own refund column
        orders.append([f"{shop}-o{i}", shop, buyer, _ts(created), paid, amount, int(rng.integers(1, 5)), "",
                       refunded])
    _write(folder / "orders.csv", ["order_id", "shop", "buyer", "created_at", "paid_at", "amount", "items", "status",
                                   "refund_amount"], orders)

    refunds = []
    for i, o in enumerate(orders[:8]):
        created = int(rng.integers(0, SPAN_S))
        finished = "" if rng.random() < 0.3 else _ts(created + int(rng.integers(60, 3 * 24 * 3600)))
        by = rng.choice(["merchant", "platform", "buyer"]) if finished else ""
        refunds.append([f"{shop}-r{i}", o[0], shop, o[2], _ts(created), finished, by,
                        "true" if rng.random() < 0.3 else "false", o[5], accounts[0]])
    _write(folder / "refunds.csv", ["refund_id", "order_id", "shop", "buyer", "created_at", "finished_at",
                                    "completed_by", "disputed", "amount", "handler"], refunds)
    _write(folder / "complaints.csv", ["complaint_id", "order_id", "shop", "created_at"],
           [[f"{shop}-c{i}", orders[i][0], shop, _ts(int(rng.integers(0, SPAN_S)))] for i in range(3)])
    _write(folder / "ratings.csv", ["order_id", "shop", "rated_at", "service_score"],
           [[orders[i][0], shop, _ts(int(rng.integers(0, SPAN_S))), int(rng.integers(1, 6))] for i in range(10)])

    # Invitations of inquiring and filtered buyers (some rated later, a day on), ratings without an invitation,
    # words and numbers for levels, and id-less rows.
    evaluations = []
    for i in range(14):
        by = messages[int(rng.integers(len(messages)))]
        invited = "" if i % 5 == 4 else _ts(int(rng.integers(0, SPAN_S)))
        rated = "" if rng.random() < 0.3 else _ts(int(rng.integers(0, SPAN_S + 24 * 3600)))
        level = rng.choice(["1", "2", "3", "4", "5", "非常满意", "满意", "一般", "不满意", "很不满意"]) if rated else ""
        rated, level = (rated, level) if rated or invited else (_ts(0), "5")
        evaluations.append([f"{shop}-e{i}" if i % 3 else "", "", by[3], by[2], invited, rated, level])
    _write(folder / "evaluations.csv", ["eval_id", "shop", "account", "buyer", "invited_at", "rated_at", "level"],
           evaluations)

    presence = []
    for account in accounts[:2]:  # 丙 and the bot have no presence rows
        t = int(rng.integers(-3600, 3600))
        while t < SPAN_S:
            length = int(rng.integers(600, 6 * 3600))
            presence.append([account, _ts(t), _ts(t + length), rng.choice(["online", "busy", "away", "offline"])])
            t += length + int(rng.choice([0, 0, 300]))
    _write(folder / "presence.csv", ["account", "start", "end", "status"], presence)
