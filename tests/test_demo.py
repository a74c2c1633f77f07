"""Tests of the demo shop generator: format, validity, special cases, determinism, scale."""
from __future__ import annotations

import csv
import datetime as dt
import os
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from kefu.demo import DEFAULT_SHOP, DemoSummary, generate_demo

# The canonical columns, copied from data.md, in its order.
EXPECTED_HEADERS = {
    "accounts": ["account", "shop", "agent_name", "group", "kind"],
    "messages": ["msg_id", "shop", "buyer", "account", "sender", "ts", "content", "msg_type"],
    "orders": ["order_id", "shop", "buyer", "created_at", "paid_at", "amount", "items", "status", "refund_amount"],
    "refunds": ["refund_id", "order_id", "shop", "buyer", "created_at", "finished_at", "completed_by",
                "disputed", "amount", "handler"],
    "complaints": ["complaint_id", "order_id", "shop", "created_at"],
    "ratings": ["order_id", "shop", "rated_at", "service_score"],
    "presence": ["account", "start", "end", "status"],
    "evaluations": ["eval_id", "shop", "account", "buyer", "invited_at", "rated_at", "level"],
    "blocklist": ["shop", "buyer", "reason"],
}
# metrics.md §1, the default ad rule.
CONTACT = re.compile(r"(https?://|www\.)|[0-9]{6,}|(微信|VX|V信|QQ|Q群).{0,3}[A-Za-z0-9]", re.I | re.A | re.S)
AD_WORDS = ("刷单", "兼职", "日结", "招聘", "代运营", "推广合作", "引流", "返利", "贷款", "加群")
# 违规词 the seeds forbid in the shop's own messages: extreme claims, off-platform contacts, 刷单.
FORBIDDEN = ("全网最低", "第一", "顶级", "100%", "最便宜", "刷单", "好评返现", "微信", "QQ", "VX")
START = dt.date(2026, 11, 1)
DAYS = 14
Tables = dict[str, list[dict[str, str]]]


def is_ad(text: str) -> bool:
    """The default ad rule of metrics.md §1."""
    return bool(CONTACT.search(text)) and any(w in text for w in AD_WORDS)


def ts(value: str) -> dt.datetime:
    """A canonical local time; fails on any other form."""
    return dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S")


def read(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def files_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.csv"))}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoSummary]:
    folder = tmp_path_factory.mktemp("demo")
    return folder, generate_demo(folder)


@pytest.fixture(scope="module")
def tables(demo: tuple[Path, DemoSummary]) -> Tables:
    return {name: read(demo[0], name) for name in EXPECTED_HEADERS}


@pytest.fixture(scope="module")
def conversations(tables: Tables) -> dict[tuple[str, str], list[dict[str, str]]]:
    """Messages per (account, buyer), in file order (= message order)."""
    out: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for m in tables["messages"]:
        out[(m["account"], m["buyer"])].append(m)
    return out


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    generate_demo(tmp_path / "a", days=3, buyers_per_day=15, seed=11)
    generate_demo(tmp_path / "b", days=3, buyers_per_day=15, seed=11)
    generate_demo(tmp_path / "c", days=3, buyers_per_day=15, seed=12)
    a, b, c = (files_bytes(tmp_path / x) for x in "abc")
    assert len(a) == len(EXPECTED_HEADERS)
    assert a == b
    assert a["messages.csv"] != c["messages.csv"]
    assert a["orders.csv"] != c["orders.csv"]


def test_output_does_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    # Iterating a set of strings would make the files differ between interpreter runs.
    code = "import sys; from kefu.demo import generate_demo; generate_demo(sys.argv[1], days=3, buyers_per_day=15)"
    for i, hash_seed in enumerate(("1", "987")):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-c", code, str(tmp_path / str(i))], check=True, env=env)
    assert files_bytes(tmp_path / "0") == files_bytes(tmp_path / "1")


def test_every_file_has_the_canonical_header(demo: tuple[Path, DemoSummary]) -> None:
    folder = demo[0]
    assert sorted(p.stem for p in folder.glob("*.csv")) == sorted(EXPECTED_HEADERS)
    for name, header in EXPECTED_HEADERS.items():
        raw = (folder / f"{name}.csv").read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        with (folder / f"{name}.csv").open(encoding="utf-8", newline="") as f:
            assert next(csv.reader(f)) == header, name


def test_summary_counts_match_the_files(demo: tuple[Path, DemoSummary], tables: Tables) -> None:
    folder, summary = demo
    assert summary.out_dir == folder
    assert (summary.shop, summary.start, summary.days) == (DEFAULT_SHOP, START, DAYS)
    for name, rows in tables.items():
        assert getattr(summary, name) == len(rows), name
    assert summary.buyers == len({m["buyer"] for m in tables["messages"]})
    text = str(summary)
    assert "\n" not in text
    assert text.startswith(f"已生成演示店铺「{DEFAULT_SHOP}」：14 天")
    assert f"{summary.messages:,} 条消息" in text and "," in f"{summary.messages:,}"
    assert text.endswith(f"→ {folder}")


def test_accounts(tables: Tables) -> None:
    accounts = tables["accounts"]
    assert all(a["shop"] == DEFAULT_SHOP and a["kind"] in ("human", "bot") for a in accounts)
    humans = [a for a in accounts if a["kind"] == "human" and a["account"] != DEFAULT_SHOP]
    assert 3 <= len(humans) <= 4
    assert {a["group"] for a in humans} == {"售前", "售后"}
    assert all(a["agent_name"] and a["account"].startswith(DEFAULT_SHOP + ":") for a in humans)
    assert [a["kind"] for a in accounts if a["account"] == DEFAULT_SHOP] == ["human"]
    bots = [a for a in accounts if a["kind"] == "bot"]
    assert len(bots) == 1 and "店小蜜" in bots[0]["account"]
    assert len({a["account"] for a in accounts}) == len(accounts)


def test_messages_are_valid_and_in_order(tables: Tables) -> None:
    messages = tables["messages"]
    first, end = dt.datetime.combine(START, dt.time()), dt.datetime.combine(START + dt.timedelta(days=DAYS), dt.time())
    assert len({m["msg_id"] for m in messages}) == len(messages)
    known = {a["account"] for a in tables["accounts"]}
    times = [ts(m["ts"]) for m in messages]
    assert times == sorted(times)
    assert first <= times[0] and times[-1] < end
    for m in messages:
        assert m["sender"] in ("buyer", "agent", "bot", "auto", "system")
        assert m["shop"] == DEFAULT_SHOP and m["buyer"] and m["account"] in known
        assert m["msg_type"] in ("text", "emoji", "image", "goods", "order")
        assert m["content"] or m["msg_type"] == "image"
    bot_account = next(a["account"] for a in tables["accounts"] if a["kind"] == "bot")
    assert all(m["account"] == bot_account for m in messages if m["sender"] == "bot")
    assert all(m["sender"] != "agent" for m in messages if m["account"] == bot_account)


def test_forbidden_words_are_rare_slips_of_human_agents(tables: Tables) -> None:
    shop_side = [m for m in tables["messages"] if m["sender"] in ("agent", "bot", "auto")]
    slips = [m for m in shop_side if any(w in m["content"] for w in FORBIDDEN)]
    # The bot and the auto-replies stay clean; a few human slips are there for quality inspection to find.
    assert slips and all(m["sender"] == "agent" for m in slips)
    assert len(slips) < 0.02 * sum(m["sender"] == "agent" for m in shop_side)


def test_orders_are_valid(tables: Tables) -> None:
    orders = tables["orders"]
    assert len({o["order_id"] for o in orders}) == len(orders)
    end = dt.datetime.combine(START + dt.timedelta(days=DAYS), dt.time())
    for o in orders:
        assert re.fullmatch(r"[0-9]{16}", o["order_id"])
        assert o["shop"] == DEFAULT_SHOP and o["buyer"]
        created = ts(o["created_at"])
        assert created < end
        if o["paid_at"]:
            assert created <= ts(o["paid_at"]) < end
            assert o["status"] != "等待买家付款"
        else:
            assert o["status"] in ("等待买家付款", "交易关闭")
        assert re.fullmatch(r"[0-9]+\.[0-9]{2}", o["amount"]) and Decimal(o["amount"]) > 0
        assert int(o["items"]) >= 1
        assert o["status"] in ("交易成功", "等待买家付款", "交易关闭", "买家已付款，等待卖家发货",
                               "卖家已发货，等待买家确认")


def test_refunds_complaints_ratings_are_valid(tables: Tables) -> None:
    orders = {o["order_id"]: o for o in tables["orders"]}
    paid = [o for o in orders.values() if o["paid_at"]]
    refunds = tables["refunds"]
    refunded = {r["order_id"] for r in refunds}
    assert all(Decimal(o["refund_amount"]) == 0 for o in orders.values() if o["order_id"] not in refunded)
    after_sale = {a["account"] for a in tables["accounts"] if a["group"] == "售后"}
    assert 0.03 <= len(refunds) / len(paid) <= 0.1
    assert len({r["refund_id"] for r in refunds}) == len(refunds)
    for r in refunds:
        order = orders[r["order_id"]]
        assert order["paid_at"] and ts(r["created_at"]) > ts(order["paid_at"])
        assert r["buyer"] == order["buyer"] and r["shop"] == DEFAULT_SHOP
        assert r["handler"] in after_sale
        assert r["disputed"] in ("true", "false")
        assert Decimal("0") < Decimal(r["amount"]) <= Decimal(order["amount"])
        # The order report's 退款金额: what a refund finished by the shop or the platform returned.
        returned = r["finished_at"] and r["completed_by"] in ("merchant", "platform")
        assert Decimal(order["refund_amount"]) == (Decimal(r["amount"]) if returned else 0)
        if r["finished_at"]:
            assert ts(r["finished_at"]) > ts(r["created_at"])
            assert r["completed_by"] in ("merchant", "platform", "buyer")
        else:
            assert r["completed_by"] == ""
    assert any(not r["finished_at"] for r in refunds)
    assert any(r["disputed"] == "true" for r in refunds)
    assert {r["completed_by"] for r in refunds} >= {"merchant", "platform", "buyer"}
    complaints = tables["complaints"]
    assert complaints and len({c["complaint_id"] for c in complaints}) == len(complaints)
    for c in complaints:
        assert ts(c["created_at"]) > ts(orders[c["order_id"]]["paid_at"])
    ratings = tables["ratings"]
    assert len({r["order_id"] for r in ratings}) == len(ratings)
    scores = [int(r["service_score"]) for r in ratings]
    assert all(1 <= s <= 5 for s in scores)
    assert sum(s >= 4 for s in scores) / len(scores) >= 0.75
    for r in ratings:
        assert ts(r["rated_at"]) - ts(orders[r["order_id"]]["paid_at"]) >= dt.timedelta(days=3)


def test_presence_intervals(tables: Tables) -> None:
    by_account: dict[str, list[tuple[dt.datetime, dt.datetime, str]]] = defaultdict(list)
    for p in tables["presence"]:
        by_account[p["account"]].append((ts(p["start"]), ts(p["end"]), p["status"]))
    humans = {a["account"] for a in tables["accounts"] if a["kind"] == "human"}
    assert set(by_account) == humans  # every human account, and never the bot
    first, end = dt.datetime.combine(START, dt.time()), dt.datetime.combine(START + dt.timedelta(days=DAYS), dt.time())
    for account, intervals in by_account.items():
        intervals.sort()
        assert intervals[0][0] >= first and intervals[-1][1] < end
        for start, stop, status in intervals:
            assert stop > start
            assert status in ("online", "busy", "away", "offline")
        for (_, stop, _), (start, _, _) in zip(intervals, intervals[1:]):
            assert start >= stop, account
        assert {s for _, _, s in intervals} >= {"online", "away", "offline"}
    assert any(s == "busy" for ivs in by_account.values() for _, _, s in ivs)


def test_filtered_buyers_are_present(tables: Tables) -> None:
    messages = tables["messages"]
    buyer_msgs = [m for m in messages if m["sender"] == "buyer"]
    accounts = {a["account"] for a in tables["accounts"]}
    assert any(":" in m["buyer"] and m["buyer"].split(":")[0] != DEFAULT_SHOP for m in buyer_msgs)
    assert any(m["buyer"] in accounts for m in buyer_msgs)
    ads = [m for m in buyer_msgs if is_ad(m["content"])]
    assert ads
    # The rule needs both parts: a buyer asking about 微信支付 is not an ad.
    assert any("微信" in m["content"] and not is_ad(m["content"]) for m in buyer_msgs)
    # Ads come from strangers: nobody who ever ordered sent one.
    assert not {m["buyer"] for m in ads} & {o["buyer"] for o in tables["orders"]}
    blocked = {b["buyer"] for b in tables["blocklist"]}
    assert 2 <= len(blocked) <= 3 and all(b["reason"] for b in tables["blocklist"])
    assert blocked <= {m["buyer"] for m in buyer_msgs}


def test_chat_special_cases(tables: Tables,
                            conversations: dict[tuple[str, str], list[dict[str, str]]]) -> None:
    messages = tables["messages"]
    senders = {m["sender"] for m in messages}
    assert senders == {"buyer", "agent", "bot", "auto", "system"}
    assert any(m["content"].startswith("已转接给客服") for m in messages if m["sender"] == "system")
    assert any(m["msg_type"] == "order" for m in messages if m["sender"] == "system")
    # The welcome auto-reply follows the buyer's first message at once.
    for convo in conversations.values():
        for prev, m in zip(convo, convo[1:]):
            if m["sender"] == "auto":
                assert prev["sender"] == "buyer" and ts(m["ts"]) - ts(prev["ts"]) <= dt.timedelta(seconds=1)
    crossing = unclosed = 0
    for convo in conversations.values():
        talk = [m for m in convo if m["sender"] in ("buyer", "agent", "bot")]
        for i, m in enumerate(talk):
            if m["sender"] == "buyer" and (i == 0 or talk[i - 1]["sender"] != "buyer"):
                reply = next((r for r in talk[i:] if r["sender"] != "buyer"), None)
                if reply and reply["ts"][:10] > m["ts"][:10] and ts(reply["ts"]) - ts(m["ts"]) < dt.timedelta(hours=1):
                    crossing += 1
        unclosed += bool(talk) and talk[-1]["sender"] == "buyer"
    assert crossing >= 1
    assert 0 < unclosed < len(conversations) * 0.3


def test_buyer_talks_to_pre_sale_and_after_sale_the_same_day(tables: Tables) -> None:
    group = {a["account"]: a["group"] for a in tables["accounts"]}
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    for m in tables["messages"]:
        if m["sender"] == "buyer":
            seen[(m["buyer"], m["ts"][:10])].add(group[m["account"]])
    assert any(groups >= {"售前", "售后"} for groups in seen.values())


def test_evening_peak_and_concurrent_sessions(conversations: dict[tuple[str, str], list[dict[str, str]]]) -> None:
    starts = [ts(c[0]["ts"]) for c in conversations.values()]
    evening = sum(20 <= t.hour < 23 for t in starts)
    small_hours = sum(2 <= t.hour < 5 for t in starts)
    assert evening > 5 * small_hours
    # Sessions as metrics.md cuts them (gap > 600 s); the most that overlap for one account.
    sessions: dict[str, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for (account, _), convo in conversations.items():
        talk = [ts(m["ts"]) for m in convo if m["sender"] in ("buyer", "agent", "bot")]
        if not talk:
            continue
        start = prev = talk[0]
        for t in talk[1:]:
            if (t - prev).total_seconds() > 600:
                sessions[account].append((start, prev))
                start = t
            prev = t
        sessions[account].append((start, prev))
    # The largest overlap begins at some session's start.
    most = max(sum(1 for s2, e2 in spans if s2 <= s1 <= e2) for spans in sessions.values() for s1, _ in spans)
    assert most >= 3


def test_response_times_look_real(conversations: dict[tuple[str, str], list[dict[str, str]]]) -> None:
    times: list[float] = []
    unanswered = 0
    for convo in conversations.values():
        talk = [m for m in convo if m["sender"] in ("buyer", "agent")]
        for i, m in enumerate(talk):
            if m["sender"] == "buyer" and (i == 0 or talk[i - 1]["sender"] != "buyer"):
                reply = next((r for r in talk[i:] if r["sender"] == "agent"), None)
                if reply is None or reply["ts"][:10] != m["ts"][:10]:
                    unanswered += 1
                else:
                    times.append((ts(reply["ts"]) - ts(m["ts"])).total_seconds())
    assert 3 <= statistics.median(times) <= 20
    assert 0.5 <= sum(t <= 15 for t in times) / len(times) <= 0.9
    assert sum(t > 60 for t in times) / len(times) >= 0.05
    assert unanswered > 0


def test_orders_relate_to_chats(tables: Tables) -> None:
    orders = tables["orders"]
    first_chat: dict[str, dt.datetime] = {}
    inquiries: dict[tuple[str, str], dt.datetime] = {}
    for m in tables["messages"]:
        if m["sender"] == "buyer":
            first_chat.setdefault(m["buyer"], ts(m["ts"]))
            inquiries.setdefault((m["buyer"], m["ts"][:10]), ts(m["ts"]))
    assert any(not o["paid_at"] for o in orders)
    assert any(o["buyer"] not in first_chat for o in orders)  # silent orders
    assert any(o["buyer"] in first_chat and ts(o["created_at"]) < first_chat[o["buyer"]] for o in orders)
    by_buyer: dict[str, list[dt.datetime]] = defaultdict(list)
    for o in orders:
        by_buyer[o["buyer"]].append(ts(o["created_at"]))
    ordering = 0
    for (buyer, day), q0 in inquiries.items():
        window_end = dt.datetime.fromisoformat(day) + dt.timedelta(days=2)
        ordering += any(q0 <= c < window_end for c in by_buyer[buyer])
    assert 0.2 <= ordering / len(inquiries) <= 0.45
    # Some buyers order minutes after the chat, others the next day.
    gaps = [min(c - q0 for c in by_buyer[b] if c >= q0) for (b, _), q0 in inquiries.items()
            if any(c >= q0 for c in by_buyer[b])]
    assert any(g < dt.timedelta(hours=1) for g in gaps) and any(g > dt.timedelta(hours=12) for g in gaps)


def test_custom_shop_and_start(tmp_path: Path) -> None:
    start = dt.date(2027, 3, 1)
    summary = generate_demo(tmp_path, days=2, buyers_per_day=8, start=start, shop="青禾茶叶专营店")
    assert summary.shop == "青禾茶叶专营店" and summary.start == start
    accounts = read(tmp_path, "accounts")
    assert all(a["account"] == "青禾茶叶专营店" or a["account"].startswith("青禾茶叶专营店:") for a in accounts)
    days = {m["ts"][:10] for m in read(tmp_path, "messages")}
    assert days <= {"2027-03-01", "2027-03-02"}
    assert all(p["end"] <= "2027-03-02 23:59:59" for p in read(tmp_path, "presence"))


def test_size_scales_with_days_and_buyers(tmp_path: Path) -> None:
    base = generate_demo(tmp_path / "base", days=4, buyers_per_day=20)
    longer = generate_demo(tmp_path / "longer", days=8, buyers_per_day=20)
    busier = generate_demo(tmp_path / "busier", days=4, buyers_per_day=40)
    for bigger in (longer, busier):
        assert 1.6 <= bigger.messages / base.messages <= 2.6
        assert 1.5 <= bigger.orders / base.orders <= 2.7
        assert bigger.buyers > base.buyers
    assert longer.presence > base.presence
    assert busier.presence == base.presence  # shifts do not depend on traffic


def test_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate_demo(tmp_path, days=0)
    with pytest.raises(ValueError):
        generate_demo(tmp_path, buyers_per_day=0)
    with pytest.raises(ValueError):
        generate_demo(tmp_path, shop="某店:小王")


def test_default_demo_is_fast(tmp_path: Path) -> None:
    began = time.perf_counter()
    generate_demo(tmp_path)
    assert time.perf_counter() - began < 1.0
