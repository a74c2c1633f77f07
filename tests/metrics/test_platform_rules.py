"""Platform rules (metrics.md §7): the rounds each platform counts and how it times them, one clause per test."""
from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kefu.cli import app
from kefu.config import Settings, settings_from
from kefu.explain import explain
from kefu.ingest import import_paths
from kefu.output import label
from kefu.store import Warehouse
from tests.conftest import EXAMPLES, message_csv, report_rows
from tests.engines.on_engine import OnEngine
from tests.engines.random_shop import random_shop

D = "2026-11-11"
NEXT = "2026-11-12"
A, B, BOT = "店:甲", "店:乙", "店:蜜"
ACCOUNTS = "account,shop,agent_name,group,kind\n店:甲,店,甲,售前,human\n店:乙,店,乙,售后,human\n店:蜜,店,蜜,售前,bot\n"
Shop = Callable[..., duckdb.DuckDBPyConnection]
FIGURES = ("platform_rounds", "platform_answered", "platform_fast_rounds", "platform_fast_rate",
           "platform_avg_response_s")


def figures(con: duckdb.DuckDBPyConnection, settings: Settings, who: str = A, day: str = D,
            grain: str = "account_day", engine: OnEngine | None = None) -> tuple[Any, ...]:
    row = report_rows(con, grain, settings, engine)[(who, day)]
    return tuple(row[f] for f in FIGURES)


def test_hours_count_a_round_by_its_starts_local_time(make_shop: Shop) -> None:
    starts = ["07:59:59", "08:00:00", "22:59:59", "23:00:00"]
    con = make_shop(accounts=ACCOUNTS, messages=message_csv(
        *[f"b{i}|{A}|buyer|{D} {t}" for i, t in enumerate(starts)], f"b9|{A}|buyer|{D} 23:30:00"))
    hours = Settings(platform_hours="08:00-23:00")
    assert figures(con, hours)[0] == 2  # 08:00:00 and 22:59:59; 07:59:59 and 23:00:00 are outside
    assert figures(con, Settings(platform_hours="23:00-24:00"))[0] == 2  # 23:00:00 and 23:30:00
    assert figures(con, Settings())[0] == 5


def test_a_burst_is_one_round_and_every_message_is_one_in_message_units(make_shop: Shop) -> None:
    con = make_shop(accounts=ACCOUNTS, messages=message_csv(
        f"b1|{A}|buyer|{D} 10:00:00", f"b1|{A}|buyer|{D} 10:00:20", f"b1|{A}|buyer|{D} 10:00:50",
        f"b1|{A}|agent|{D} 10:01:00"))
    assert figures(con, Settings()) == (1, 1, 1, 1.0, 60.0)
    # Each buyer message is a round, answered by the same reply: 60, 40 and 10 s.
    assert figures(con, Settings(platform_unit="message", platform_threshold_s=45)) == (3, 3, 2, 2 / 3, 110 / 3)


def test_a_round_a_bot_answered_first_is_left_out_of_human_figures(make_shop: Shop) -> None:
    con = make_shop(accounts=ACCOUNTS, messages=message_csv(
        f"b1|{A}|buyer|{D} 10:00:00", f"b1|{A}|bot|{D} 10:00:02", f"b1|{A}|agent|{D} 10:05:00",
        f"b2|{A}|buyer|{D} 11:00:00", f"b2|{A}|agent|{D} 11:00:30"))
    assert figures(con, Settings()) == (1, 1, 1, 1.0, 30.0)  # b1's round is the bot's: counted nowhere
    assert figures(con, Settings(platform_reply="agent_or_bot")) == (2, 2, 2, 1.0, 16.0)


def test_rounds_sent_to_a_bot_account_are_left_out(make_shop: Shop) -> None:
    con = make_shop(accounts=ACCOUNTS, messages=message_csv(
        f"b1|{BOT}|buyer|{D} 10:00:00", f"b1|{BOT}|agent|{D} 10:00:05"))
    assert figures(con, Settings(), who=BOT)[:2] == (0, 0)
    assert figures(con, Settings(platform_reply="agent_or_bot"), who=BOT)[:2] == (1, 1)


def test_first_only_counts_nothing_when_the_first_round_is_left_out(make_shop: Shop) -> None:
    con = make_shop(accounts=ACCOUNTS, messages=message_csv(
        f"b1|{A}|buyer|{D} 10:00:00", f"b1|{A}|bot|{D} 10:00:01", f"b1|{A}|buyer|{D} 10:01:00",
        f"b1|{A}|agent|{D} 10:01:20",
        f"b2|{A}|buyer|{D} 11:00:00", f"b2|{A}|agent|{D} 11:00:40", f"b2|{A}|buyer|{D} 11:02:00",
        f"b2|{A}|agent|{D} 11:02:05"))
    first = Settings(platform_first_only=True, platform_threshold_s=30)
    assert figures(con, first) == (1, 1, 0, 0.0, 40.0)  # b1's first round was the bot's; b2's first only
    assert figures(con, Settings())[:2] == (3, 3)


def test_cap_and_unanswered_modes(make_shop: Shop) -> None:
    con = make_shop(accounts=ACCOUNTS, messages=message_csv(
        f"b1|{A}|buyer|{D} 10:00:00", f"b1|{A}|agent|{D} 10:11:40",  # 700 s
        f"b2|{A}|buyer|{D} 11:00:00", f"b2|{A}|agent|{D} 11:01:40",  # 100 s
        f"b3|{A}|buyer|{D} 12:00:00"))  # never answered
    assert figures(con, Settings()) == (3, 2, 1, 1 / 3, 400.0)
    assert figures(con, Settings(platform_cap_s=600)) == (3, 2, 1, 1 / 3, 350.0)
    # Unanswered rounds count the cap in the mean; the fast count looks at the time before capping.
    taobao = Settings(platform_cap_s=600, platform_unanswered="cap", platform_threshold_s=650)
    assert figures(con, taobao) == (3, 2, 1, 1 / 3, (600 + 100 + 600) / 3)


def test_a_reply_on_the_next_day_leaves_the_round_unanswered(make_shop: Shop) -> None:
    con = make_shop(accounts=ACCOUNTS, messages=message_csv(
        f"b1|{A}|buyer|{D} 23:59:50", f"b1|{A}|agent|{NEXT} 00:00:10"))
    assert figures(con, Settings()) == (1, 0, 0, 0.0, None)


def test_the_shop_grain_counts_the_shops_conversation_across_accounts(make_shop: Shop) -> None:
    con = make_shop(accounts=ACCOUNTS, messages=message_csv(
        f"b1|{A}|buyer|{D} 10:00:00",  # A never answers; B does, in the shop's conversation
        f"b1|{B}|agent|{D} 10:00:30",
        f"b2|{BOT}|buyer|{D} 11:00:00", f"b2|{BOT}|bot|{D} 11:00:01"))
    assert figures(con, Settings())[:2] == (1, 0)  # A's own conversation: unanswered
    assert figures(con, Settings(), who="店", grain="shop_day") == (1, 1, 1, 1.0, 30.0)
    kuaishou = settings_from({"preset": "kuaishou"})
    assert figures(con, kuaishou, who="店", grain="shop_day")[:2] == (2, 2)


PRESET_FIGURES = {
    "taobao": (2, 2, 2, 1.0, 87.5),
    "douyin": (2, 2, 2, 1.0, 87.5),
    "pdd": (2, 2, 2, 1.0, 87.5),
    "jd": (0, 0, 0, None, None),  # first rounds only, from 09:00: b1's first round began at 08:30
    "kuaishou": (3, 2, 2, 2 / 3, 87.5),  # until 24:00, each message a round
}


# Spark runs the two presets whose clauses the random shops' settings (tests/engines) leave out: hours
# until 24:00 with message rounds, and a day without a round (its rates null).
@pytest.mark.parametrize("engine, preset", [("duckdb", name) for name in PRESET_FIGURES]
                         + [("spark", "jd"), ("spark", "kuaishou")], indirect=["engine"])
def test_each_preset_reads_as_its_platform_rule(make_shop: Shop, engine: OnEngine, preset: str) -> None:
    con = make_shop(accounts=ACCOUNTS, messages=message_csv(
        f"b1|{A}|buyer|{D} 08:30:00", f"b1|{A}|agent|{D} 08:30:25",  # 25 s
        f"b1|{A}|buyer|{D} 08:40:00", f"b1|{A}|agent|{D} 08:42:30",  # 150 s
        f"b2|{A}|buyer|{D} 23:30:00"))  # after 23:00, unanswered
    assert figures(con, settings_from({"preset": preset}), engine=engine) == pytest.approx(PRESET_FIGURES[preset])


@hyp_settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), unit=st.sampled_from(["question", "message"]),
       reply=st.sampled_from(["agent", "agent_or_bot"]), first=st.booleans(),
       hours=st.sampled_from(["00:00-24:00", "08:00-23:00", "21:00-22:00"]), threshold=st.integers(1, 3600))
def test_invariants_on_random_shops(seed: int, unit: str, reply: str, first: bool, hours: str,
                                    threshold: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        random_shop(Path(folder) / "shop", seed)
        with Warehouse.open(Path(folder) / "kefu.duckdb") as wh:
            import_paths(wh, [Path(folder) / "shop"], Settings())
            free = Settings(platform_unit=unit, platform_reply=reply, platform_first_only=first,
                            platform_hours=hours, platform_threshold_s=threshold)
            for grain in ("account_day", "shop_day"):
                for row in report_rows(wh.con, grain, free).values():
                    rounds, answered, fast, rate, mean = (row[f] for f in FIGURES)
                    assert 0 <= fast <= answered <= rounds
                    assert rate is None if rounds == 0 else 0 <= rate <= 1
                    assert (mean is None) == (answered == 0)
            # Questions as rounds, every reply counting, all day: the rounds are §2's questions and the
            # answered ones its responses (computed by another model).
            every = Settings(platform_reply="agent_or_bot")
            for row in report_rows(wh.con, "account_day", every).values():
                assert (row["platform_rounds"], row["platform_answered"]) == (row["questions"], row["responses"])


def test_a_preset_names_the_headline_figures_as_the_platform_does_while_its_values_hold() -> None:
    taobao = settings_from({"preset": "taobao"})
    assert label("platform_fast_rate", "account_day", "zh", taobao) == "3分钟人工响应率"
    assert label("platform_avg_response_s", "shop_day", "zh", taobao) == "旺旺人工平均响应时长"
    assert label("platform_fast_rate", "account_day", "zh", settings_from({"preset": "jd"})) == "首次30秒应答率"
    # A setting that departs from the preset, or no preset: the rate is named by its threshold.
    moved = settings_from({"preset": "taobao", "platform_threshold_s": 60})
    assert label("platform_fast_rate", "account_day", "zh", moved) == "平台口径60秒响应率"
    assert label("platform_avg_response_s", "account_day", "zh", moved) == "平台口径平均响应时长(秒)"
    assert label("platform_fast_rate", "account_day", "zh", Settings()) == "平台口径180秒响应率"
    assert label("platform_fast_rate", "account_day", "en", taobao) == "platform 180-second response rate"


def test_the_report_shows_the_presets_labels(tmp_path: Path) -> None:
    db = str(tmp_path / "kefu.duckdb")
    assert CliRunner().invoke(app, ["--db", db, "import", str(EXAMPLES / "basic")]).exit_code == 0
    shown = CliRunner().invoke(app, ["--db", db, "report", "--grain", "shop_day", "--set", "preset=taobao"])
    assert shown.exit_code == 0 and "3分钟人工响应率" in shown.output
    bad = CliRunner().invoke(app, ["--db", db, "report", "--set", "platform_unanswered=cap"])
    assert bad.exit_code == 1 and "platform_cap_s" in bad.output


def test_explain_lists_the_counted_rounds_with_their_seconds_and_why_the_others_are_left_out(
        make_shop: Shop) -> None:
    con = make_shop(accounts=ACCOUNTS, messages=message_csv(
        f"b1|{A}|buyer|{D} 07:30:00", f"b1|{A}|agent|{D} 07:31:00",  # before 08:00
        f"b2|{A}|buyer|{D} 10:00:00", f"b2|{A}|bot|{D} 10:00:02", f"b2|{A}|agent|{D} 10:05:00",  # the bot's
        f"b3|{A}|buyer|{D} 11:00:00", f"b3|{A}|agent|{D} 11:11:40",  # 700 s, capped at 600
        f"b4|{A}|buyer|{D} 12:00:00",  # unanswered: counts the cap
        f"b5|{BOT}|buyer|{D} 13:00:00", f"b5|{BOT}|agent|{D} 13:00:05"))
    taobao = Settings(platform_hours="08:00-23:00", platform_cap_s=600, platform_unanswered="cap")
    day = dt.date.fromisoformat(D)
    exp = explain(con, taobao, "platform_avg_response_s", day, account=A, mask=False)
    assert exp.value == 600.0
    # The seconds and the timed rounds are the same rows: listed once.
    rounds, left_out = exp.evidence
    assert [e.heading() for e in exp.evidence] == ["平台口径响应总秒数", "不计入的轮次"]
    counted = [dict(zip(rounds.columns, r)) for r in rounds.rows]
    assert [(r["buyer"], r["ts"], r["reply_ts"], r["counted_s"]) for r in counted] == [
        ("b3", f"{D} 11:00:00", f"{D} 11:11:40", 600), ("b4", f"{D} 12:00:00", None, 600)]
    assert "left_out" not in rounds.columns and "tod_s" not in rounds.columns
    why = {r[left_out.columns.index("buyer")]: r[left_out.columns.index("left_out")] for r in left_out.rows}
    assert why == {"b1": "不在统计时段 08:00-23:00", "b2": "机器人先回复"}
    bot = explain(con, taobao, "platform_rounds", day, account=BOT, mask=False)
    assert bot.value == 0 and bot.evidence[0].rows == []
    assert [r[bot.evidence[1].columns.index("left_out")] for r in bot.evidence[1].rows] == ["发给机器人账号"]
    # With every round counted, nothing is left out and no second table is shown.
    everything = explain(con, Settings(platform_reply="agent_or_bot"), "platform_rounds", day, account=A)
    assert len(everything.evidence) == 1 and len(everything.evidence[0].rows) == everything.value == 4
