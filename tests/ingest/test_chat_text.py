"""Qianniu chat text: header variants, multi-line bodies, partner/owner lines, sender classes, round trips."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from kefu.config import Settings
from kefu.ingest import ImportOptions, import_paths
from kefu.ingest.chat_text import Layout, looks_like, parse
from kefu.ingest.profiles import PROFILE_DIR, builtin_profiles
from kefu.ingest.senders import ChatContext, assemble
from kefu.store import Warehouse
from tests.ingest.render import HEADERS, PARTNERS, TIMES, qianniu_text, write_text

PROFILE = next(p for p in builtin_profiles() if p.name == "qianniu_chat_text")
PROFILE_FILE = PROFILE_DIR / "qianniu_chat_text.toml"
LAYOUT = Layout.of(PROFILE)
assert PROFILE.markers is not None
MARKERS = PROFILE.markers
SHOP = "橙子旗舰店"
WANG, LI, BOT = f"{SHOP}:小王", f"{SHOP}:小李", f"{SHOP}:店小蜜"


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[Warehouse]:
    with Warehouse.open(tmp_path / "kefu.duckdb") as w:
        yield w


@pytest.mark.parametrize("line, nick, ts", [
    ("2026-11-11 10:00:05 橙子旗舰店:小王", WANG, "2026-11-11 10:00:05"),
    ("橙子旗舰店:小王 (2026-11-11 10:00:05):", WANG, "2026-11-11 10:00:05"),
    ("橙子旗舰店:小王（2026/11/11 10:00:05）：", WANG, "2026-11-11 10:00:05"),
    ("猫猫1 2026-1-5 9:03:07", "猫猫1", "2026-01-05 09:03:07"),
    ("(2026/1/5 9:03:07) 猫猫1", "猫猫1", "2026-01-05 09:03:07"),
    ("[2026-11-11 10:00:05] tb 小 猫", "tb 小 猫", "2026-11-11 10:00:05"),
])
def test_header_variants(line: str, nick: str, ts: str) -> None:
    assert LAYOUT.header(line) == (nick, ts)


@pytest.mark.parametrize("line", ["在吗", "2026-11-11 到货了吗", "10:00:05 好的", "2026-11-11 10:00:05"])
def test_content_lines_are_no_headers(line: str) -> None:
    assert LAYOUT.header(line) is None


def test_plain_text_is_no_chat_record_but_a_short_title_is_allowed() -> None:
    assert not looks_like("在吗\n好的\n谢谢\n再见\n2026-11-11 10:00:05 猫猫1\n", LAYOUT)
    assert looks_like("聊天记录\n2026-11-11~2026-11-12\n\n2026-11-11 10:00:05 猫猫1\n在吗\n", LAYOUT)
    # A content line holding a word, a space and a full time reads as a header: the layout's one ambiguity.
    assert LAYOUT.header("订单 2026-11-11 10:00:05") == ("订单", "2026-11-11 10:00:05")


def test_multiline_bodies_crlf_partner_and_owner_lines() -> None:
    text = ("聊天记录导出\r\n导出账号: 橙子旗舰店:小王\r\n====================\r\n与 猫猫1 的聊天记录\r\n"
            "2026-11-11 10:00:00 猫猫1\r\n在吗\r\n\r\n这个 有货吗  \r\n\r\n"
            "2026-11-11 10:00:12 橙子旗舰店:小王\r\n\r\n亲在的\r\n有货哦\r\n"
            "消息对象：兔兔3\r\n2026-11-11 12:00:00 兔兔3\r\n")
    rows, lines = parse(text, LAYOUT)
    assert [(r.nick, r.ts, r.content, r.partner, r.owner) for r in rows] == [
        ("猫猫1", "2026-11-11 10:00:00", "在吗\n\n这个 有货吗  ", "猫猫1", WANG),
        (WANG, "2026-11-11 10:00:12", "亲在的\n有货哦", "猫猫1", WANG),
        ("兔兔3", "2026-11-11 12:00:00", None, "兔兔3", WANG),
    ]
    assert lines == [5, 10, 15]
    assert looks_like(text, LAYOUT)


def _classified(text: str, **ctx: object) -> list[tuple[str | None, str | None, str | None, str | None]]:
    rows, _ = parse(text, LAYOUT)
    return [(m.buyer, m.account, m.sender, m.content) for m in assemble(rows, ChatContext(MARKERS, **ctx))]


def test_sender_classes_and_transfers() -> None:
    text = "\n".join([
        "2026-11-11 10:00:00 狗狗2", "尺码怎么选",
        "2026-11-11 10:00:01 橙子旗舰店", "自动回复：您好",
        "2026-11-11 10:00:02 店小蜜", "为您推荐M码",
        "2026-11-11 10:00:03 系统消息", "已转接给小李",
        "2026-11-11 10:00:09 狗狗2", "能便宜点吗",
        "2026-11-11 10:00:10 狗狗2", "[订单卡片] 2840012345678901",
        "2026-11-11 10:00:11 狗狗2", "狗狗2 撤回了一条消息",
        "2026-11-11 10:00:40 橙子旗舰店:小李", "[离开自动回复] 稍等",
        "2026-11-11 10:00:41 橙子旗舰店:小李", "亲可以领券哦",
    ])
    assert _classified(text) == [
        ("狗狗2", SHOP, "buyer", "尺码怎么选"),  # before any reply: the first shop account that answers
        ("狗狗2", SHOP, "auto", "您好"),
        ("狗狗2", BOT, "bot", "为您推荐M码"),
        ("狗狗2", BOT, "system", "已转接给小李"),
        ("狗狗2", LI, "buyer", "能便宜点吗"),  # the transfer hands the conversation to 小李
        ("狗狗2", LI, "system", "[订单卡片] 2840012345678901"),
        ("狗狗2", LI, "system", "狗狗2 撤回了一条消息"),
        ("狗狗2", LI, "auto", "稍等"),
        ("狗狗2", LI, "agent", "亲可以领券哦"),
    ]


def test_bot_by_accounts_kind_and_account_option() -> None:
    text = "2026-11-11 10:00:00 兔兔3\n在吗\n2026-11-11 10:00:02 橙子旗舰店:小蜜蜂\n在的\n"
    known = {"橙子旗舰店:小蜜蜂": (SHOP, "bot")}
    assert [s for _, _, s, _ in _classified(text, known=known)] == ["buyer", "bot"]
    # An unanswered buyer in a one-account export: --account names the account.
    assert _classified("2026-11-11 10:00:00 兔兔3\n在吗\n", account=WANG) == [("兔兔3", WANG, "buyer", "在吗")]


def test_unknown_account_is_a_rejected_row_and_unknown_shop_a_file_error(wh: Warehouse, tmp_path: Path) -> None:
    path = write_text(tmp_path / "chat.txt", "2026-11-11 10:00:00 兔兔3\n在吗\n"
                      "2026-11-11 10:05:00 猫猫1\n在\n2026-11-11 10:05:09 橙子旗舰店:小王\n在的\n", "utf-8")
    summary = import_paths(wh, [path], Settings())
    [bad] = summary.rejections
    assert (bad.line, bad.column) == (1, "account") and "--account" in bad.reason
    assert bad.values["发送人"] == "兔兔3"
    assert summary.files[0].inserted == 2
    lonely = write_text(tmp_path / "lonely.txt", "2026-11-11 10:00:00 兔兔3\n在吗\n", "utf-8")
    [error] = import_paths(wh, [lonely], Settings()).errors
    assert "--shop" in error


# --- round trip: canonical messages rendered in every layout parse back to the same rows ---------

BUYERS = st.text(alphabet="猫狗兔熊小乐jjAZ0129_", min_size=1, max_size=8).filter(
    lambda n: n not in MARKERS.system_nicks and n not in MARKERS.bot_nicks and n not in MARKERS.roles
    and not n.startswith(SHOP))
LINE = st.text(alphabet="在吗好的亲有货发什么快递？！,. 0123456789:-/()[]【】abcXYZ", min_size=1, max_size=20)


def _plain(line: str) -> bool:
    """A content line the layout cannot take for structure, and no marker of another sender."""
    return (LAYOUT.header(line) is None and LAYOUT.partner(line) is None and LAYOUT.owner(line) is None
            and not LAYOUT.separator(line) and line.strip() != "")


CONTENT = st.lists(LINE.filter(_plain), min_size=1, max_size=3).map("\n".join).filter(
    lambda c: not any(p.search(c) for p in MARKERS.system_patterns)
    and not any(c.startswith(a) for a in MARKERS.auto_prefixes))
SYSTEM = st.sampled_from(["系统提示: 买家已下单", "猫猫 撤回了一条消息", "[商品卡片] 户外冲锋衣"])
SHOP_ACCOUNTS = st.sampled_from([WANG, LI, SHOP, BOT])


@st.composite
def conversation(draw: st.DrawFn, buyer: str, start: dt.datetime) -> list[dict[str, str | None]]:
    """Messages of one buyer: segments of accounts joined by transfer notices, in time order."""
    accounts = draw(st.lists(SHOP_ACCOUNTS, min_size=1, max_size=3, unique=True))
    t = start
    out: list[dict[str, str | None]] = []

    def add(account: str, sender: str, content: str | None) -> None:
        nonlocal t
        t += dt.timedelta(seconds=draw(st.integers(0, 90)))
        out.append({"buyer": buyer, "account": account, "sender": sender, "ts": str(t), "content": content})

    for k, account in enumerate(accounts):
        if k:
            add(accounts[k - 1], "system", f"{accounts[k - 1]} --> {account}")
        shop_side = "bot" if account == BOT else "agent"
        kinds = draw(st.lists(st.sampled_from(["buyer", "buyer", shop_side, "auto", "system", "empty"]),
                              min_size=1, max_size=5))
        if k == 0 and not any(s in (shop_side, "auto") for s in kinds):
            kinds.append(shop_side)  # the first account answers at least once, so buyers before it belong to it
        for kind in kinds:
            if kind == "system":
                add(account, "system", draw(SYSTEM))
            elif kind == "empty":
                add(account, "buyer", None)  # an image: no text
            elif kind == "auto":  # blanks right after the marker are dropped with it
                add(account, kind, draw(CONTENT.filter(lambda c: not c[0].isspace())))
            else:
                add(account, kind, draw(CONTENT))
    return out


@st.composite
def chat_file(draw: st.DrawFn) -> list[tuple[str, list[dict[str, str | None]]]]:
    """Conversations with distinct buyers, one after another."""
    buyers = draw(st.lists(BUYERS, min_size=1, max_size=3, unique=True))
    start = dt.datetime(2026, 11, 11, 9, 0, 0)
    out = []
    for buyer in buyers:
        msgs = draw(conversation(buyer, start))
        out.append((buyer, msgs))
        start = dt.datetime.fromisoformat(str(msgs[-1]["ts"])) + dt.timedelta(minutes=5)
    return out


@hyp_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chat_file(), st.sampled_from(sorted(HEADERS)), st.sampled_from(sorted(TIMES)),
       st.sampled_from(sorted(PARTNERS)), st.sampled_from(["\n", "\r\n"]))
def test_round_trip_every_layout(convs: list[tuple[str, list[dict[str, str | None]]]], header: str, time: str,
                                 partner: str, newline: str) -> None:
    text = qianniu_text([(None, b, msgs) for b, msgs in convs], header=header, time=time, partner=partner,
                        newline=newline)
    rows, _ = parse(text, LAYOUT)
    got = [(m.buyer, m.account, m.sender, r.ts, m.content)
           for r, m in zip(rows, assemble(rows, ChatContext(MARKERS, shop=SHOP)))]
    want = [(m["buyer"], m["account"], m["sender"], m["ts"], m["content"]) for _, msgs in convs for m in msgs]
    assert got == want


FIXTURE = [
    {"buyer": "猫猫1", "account": WANG, "sender": "buyer", "ts": "2026-11-11 10:00:00", "content": "在吗"},
    {"buyer": "猫猫1", "account": WANG, "sender": "auto", "ts": "2026-11-11 10:00:01", "content": "您好欢迎光临"},
    {"buyer": "猫猫1", "account": WANG, "sender": "buyer", "ts": "2026-11-11 10:00:05", "content": "这个有货吗\n黑色"},
    {"buyer": "猫猫1", "account": WANG, "sender": "agent", "ts": "2026-11-11 10:00:12", "content": "亲在的有货哦"},
    {"buyer": "兔兔3", "account": WANG, "sender": "buyer", "ts": "2026-11-11 12:00:00", "content": "发什么快递"},
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
@pytest.mark.parametrize("header", ["time_nick", "nick_paren", "nick_time"])
def test_fixture_in_every_encoding_imports_and_twice_adds_nothing(
        wh: Warehouse, tmp_path: Path, encoding: str, header: str) -> None:
    blocks = [(WANG, "猫猫1", FIXTURE[:4]), (WANG, "兔兔3", FIXTURE[4:])]
    path = write_text(tmp_path / "千牛聊天记录.txt", qianniu_text(blocks, header=header, newline="\r\n"), encoding)
    summary = import_paths(wh, [path], Settings())
    f = summary.files[0]
    assert (f.format, f.inserted, f.rejected_count, f.error) == ("qianniu_chat_text", 5, 0, None)
    got = wh.con.execute("SELECT buyer, account, sender, strftime(ts + INTERVAL 8 HOUR, '%Y-%m-%d %H:%M:%S'), "
                         "content FROM messages ORDER BY seq").fetchall()
    assert got == [(m["buyer"], m["account"], m["sender"], m["ts"], m["content"]) for m in FIXTURE]
    again = import_paths(wh, [path], Settings(), options=ImportOptions(encoding=None))
    assert (again.files[0].inserted, again.files[0].duplicates) == (0, 5)


def test_a_profile_overrides_the_markers(wh: Warehouse, tmp_path: Path) -> None:
    profile = tmp_path / "my_chat.toml"
    profile.write_text(
        (Path(PROFILE_FILE).read_text(encoding="utf-8")
         .replace('name = "qianniu_chat_text"', 'name = "my_chat"')
         + '\n[markers]\nbot_nicks = ["小助手"]\nauto_prefixes = ["<auto>"]\n'),
        encoding="utf-8")
    path = write_text(tmp_path / "chat.txt", "2026-11-11 10:00:00 兔兔3\n在吗\n2026-11-11 10:00:01 橙子旗舰店:小助手\n"
                      "<auto>欢迎\n2026-11-11 10:00:02 橙子旗舰店:店小蜜\n在的\n", "utf-8")
    summary = import_paths(wh, [path], Settings(), options=ImportOptions(profile=profile))
    assert summary.files[0].format == "my_chat"
    assert [r[0] for r in wh.con.execute("SELECT sender FROM messages ORDER BY ts").fetchall()] == [
        "buyer", "auto", "agent"]  # 店小蜜 is no bot nick in this profile, 小助手's <auto> line is automatic
