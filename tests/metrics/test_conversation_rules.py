"""Conversation metrics (metrics.md §2), one rule per test on tiny hand-made shops."""
from __future__ import annotations

import datetime as dt

import pytest

from kefu.config import Settings
from tests.conftest import message_csv, report_rows
from tests.engines.on_engine import OnEngine

D = "2026-11-11"
A, B = "店:甲", "店:乙"
ACCOUNTS = "account,shop,agent_name,group,kind\n店:甲,店,甲,售前,human\n店:乙,店,乙,售后,human\n店:蜜,店,蜜,售前,bot\n"


def test_a_burst_is_one_question_timed_from_its_first_message(make_shop) -> None:
    con = make_shop(messages=message_csv(
        f"b1|{A}|buyer|{D} 10:00:00", f"b1|{A}|buyer|{D} 10:00:05", f"b1|{A}|buyer|{D} 10:00:09",
        f"b1|{A}|agent|{D} 10:00:20", f"b1|{A}|agent|{D} 10:00:25",
    ))
    row = report_rows(con)[(A, D)]
    assert (row["questions"], row["responses"], row["avg_response_s"]) == (1, 1, 20.0)
    assert (row["buyer_messages"], row["agent_messages"], row["answer_ratio"]) == (3, 2, 2 / 3)


def test_messages_of_the_same_second_follow_the_file_order(make_shop, engine: OnEngine) -> None:
    con = make_shop(messages=message_csv(
        f"b1|{A}|buyer|{D} 10:00:00", f"b1|{A}|agent|{D} 10:00:00",  # asked, then answered in the same second
        f"b2|{B}|agent|{D} 10:00:00|您好", f"b2|{B}|buyer|{D} 10:00:00|在吗",  # the agent wrote first:
        f"b2|{B}|buyer|{D} 10:00:00|有货吗", f"b2|{B}|agent|{D} 10:00:07|有的",  # one question, 7 s
    ))
    rows = report_rows(con, engine=engine)
    first, second = rows[(A, D)], rows[(B, D)]
    assert (first["questions"], first["responses"], first["avg_response_s"], first["replied_buyers"]) == (1, 1, 0.0, 1)
    assert (second["questions"], second["responses"], second["avg_response_s"]) == (1, 1, 7.0)
    assert (second["buyer_messages"], second["agent_messages"], second["unclosed_buyers"]) == (2, 2, 0)


def test_auto_and_system_messages_are_neither_replies_nor_questions(make_shop) -> None:
    con = make_shop(messages=message_csv(
        f"b1|{A}|buyer|{D} 10:00:00", f"b1|{A}|auto|{D} 10:00:01", f"b1|{A}|buyer|{D} 10:00:03",
        f"b1|{A}|system|{D} 10:00:04", f"b1|{A}|agent|{D} 10:00:10",
    ))
    row = report_rows(con)[(A, D)]
    # The auto reply does not split the burst: one question, answered after 10 s.
    assert (row["questions"], row["responses"], row["avg_response_s"], row["agent_messages"]) == (1, 1, 10.0, 1)


def test_only_auto_replies_leave_the_buyer_unreplied_and_unclosed(make_shop) -> None:
    con = make_shop(messages=message_csv(f"b1|{A}|buyer|{D} 10:00:00", f"b1|{A}|auto|{D} 10:00:01"))
    row = report_rows(con)[(A, D)]
    assert (row["inquiry_buyers"], row["replied_buyers"], row["reply_rate"], row["unclosed_buyers"]) == (1, 0, 0.0, 1)
    assert row["avg_response_s"] is None and row["within_threshold_rate"] is None
    assert row["fast_first_response_rate"] is None and row["answer_ratio"] == 0.0


def test_bot_replies_are_valid_replies(make_shop) -> None:
    con = make_shop(accounts=ACCOUNTS, messages=message_csv(
        f"b1|店:蜜|buyer|{D} 10:00:00", f"b1|店:蜜|bot|{D} 10:00:02",
    ))
    row = report_rows(con)[("店:蜜", D)]
    assert (row["replied_buyers"], row["avg_first_response_s"], row["fast_first_response_rate"]) == (1, 2.0, 1.0)


def test_a_reply_on_the_next_day_answers_nothing(make_shop) -> None:
    con = make_shop(messages=message_csv(
        f"b1|{A}|buyer|{D} 23:59:50", f"b1|{A}|agent|2026-11-12 00:00:10", f"b1|{A}|buyer|2026-11-12 00:00:30",
    ))
    rows = report_rows(con)
    first, second = rows[(A, D)], rows[(A, "2026-11-12")]
    assert (first["questions"], first["responses"], first["replied_buyers"], first["unclosed_buyers"]) == (1, 0, 0, 1)
    # Next day: the agent wrote before the buyer; the buyer's question stays unanswered.
    counts = (second["agent_messages"], second["questions"], second["responses"], second["replied_buyers"])
    assert counts == (1, 1, 0, 0)


def test_replies_before_the_first_buyer_message_do_not_make_a_buyer_replied(make_shop) -> None:
    con = make_shop(messages=message_csv(f"b1|{A}|agent|{D} 09:00:00", f"b1|{A}|buyer|{D} 09:05:00"))
    row = report_rows(con)[(A, D)]
    assert (row["inquiry_buyers"], row["replied_buyers"], row["agent_messages"], row["unclosed_buyers"]) == (1, 0, 1, 1)


def test_agent_only_conversation_makes_a_row_without_inquiries(make_shop) -> None:
    con = make_shop(messages=message_csv(f"b1|{A}|agent|{D} 09:00:00"))
    row = report_rows(con)[(A, D)]
    assert (row["inquiry_buyers"], row["agent_messages"], row["reply_rate"], row["lost_buyers"]) == (0, 1, None, 0)


def test_no_row_for_an_account_with_only_auto_messages(make_shop) -> None:
    con = make_shop(messages=message_csv(f"b1|{A}|auto|{D} 09:00:00", f"b2|店:乙|buyer|{D} 09:00:00"))
    assert set(report_rows(con)) == {("店:乙", D)}


# Each account's response times, and the median and P90 they interpolate to.
QUANTILES = {"店:甲": ([10], 10.0, 10.0), "店:乙": ([10, 20], 15.0, 19.0), "店:丙": ([1, 2, 3, 4, 100], 3.0, 61.6)}


def test_median_and_p90_interpolate_linearly(make_shop, engine: OnEngine) -> None:
    lines = []
    for account, (times, _, _) in QUANTILES.items():
        for i, t in enumerate(times):
            buyer, asked = f"b{len(lines)}", dt.datetime(2026, 11, 11, 10, i)
            lines += [f"{buyer}|{account}|buyer|{asked}", f"{buyer}|{account}|agent|{asked + dt.timedelta(seconds=t)}"]
    rows = report_rows(make_shop(messages=message_csv(*lines)), engine=engine)
    for account, (_, median, p90) in QUANTILES.items():
        row = rows[(account, D)]
        assert (row["median_response_s"], row["p90_response_s"]) == (pytest.approx(median), pytest.approx(p90))


def test_slow_threshold_and_fast_first_response_follow_settings(make_shop) -> None:
    messages = message_csv(
        f"b1|{A}|buyer|{D} 10:00:00", f"b1|{A}|agent|{D} 10:00:06",   # 6 s: fast (<= 6), not slow
        f"b2|{A}|buyer|{D} 11:00:00", f"b2|{A}|agent|{D} 11:00:15",   # 15 s: not slow (> 15 is slow)
        f"b3|{A}|buyer|{D} 12:00:00", f"b3|{A}|agent|{D} 12:00:16",   # 16 s: slow
    )
    con = make_shop(messages=messages)
    row = report_rows(con)[(A, D)]
    assert (row["slow_responses"], row["within_threshold_rate"], row["fast_first_response_rate"]) == (1, 2 / 3, 1 / 3)
    strict = report_rows(con, settings=Settings(slow_threshold_s=10, fast_first_response_s=15))[(A, D)]
    assert (strict["slow_responses"], strict["fast_first_response_rate"]) == (2, 2 / 3)


PRESENCE = "account,start,end,status\n" + "\n".join([
    f"{A},{D} 09:00:00,{D} 10:00:00,online",
    f"{A},{D} 10:00:00,{D} 10:00:30,away",
    f"{A},{D} 10:00:30,{D} 12:00:00,busy",
    f"{A},{D} 12:00:00,{D} 13:00:00,offline",
]) + "\n"


@pytest.mark.parametrize("asked, replied, expected", [
    ("09:30:00", "09:30:08", 8.0),    # online: clock runs from the question
    ("10:00:10", "10:00:40", 10.0),   # away: clock starts when the busy interval begins (10:00:30)
    ("10:00:10", "10:00:20", 0.0),    # next online interval begins after the reply: time 0
    ("12:30:00", "12:31:00", 0.0),    # offline, no later online interval: time 0
])
def test_presence_moves_the_start_of_the_clock(make_shop, asked: str, replied: str, expected: float) -> None:
    con = make_shop(presence=PRESENCE, messages=message_csv(f"b1|{A}|buyer|{D} {asked}", f"b1|{A}|agent|{D} {replied}"))
    assert report_rows(con)[(A, D)]["avg_response_s"] == expected


@pytest.mark.parametrize("asked, expected", [
    ("10:00:00", 5.0),   # held by the long interval although a later, shorter one has ended: online
    ("13:00:00", 0.0),   # after both: no later online interval that day, so time 0
])
def test_any_online_interval_holding_the_question_counts_even_when_intervals_overlap(
        make_shop, asked: str, expected: float) -> None:
    presence = "account,start,end,status\n" + "\n".join([
        f"{A},{D} 08:00:00,{D} 12:00:00,online",
        f"{A},{D} 09:00:00,{D} 09:30:00,busy",
    ])
    con = make_shop(presence=presence, messages=message_csv(
        f"b1|{A}|buyer|{D} {asked}", f"b1|{A}|agent|{D} {asked[:-2]}05"))
    assert report_rows(con)[(A, D)]["avg_response_s"] == expected


def test_an_interval_begun_the_day_before_holds_the_morning_questions(make_shop) -> None:
    presence = f"account,start,end,status\n{A},2026-11-10 22:00:00,{D} 08:00:00,online\n"
    con = make_shop(presence=presence, messages=message_csv(
        f"b1|{A}|buyer|{D} 07:00:00", f"b1|{A}|agent|{D} 07:00:09",
        f"b2|{A}|buyer|{D} 09:00:00", f"b2|{A}|agent|{D} 09:00:09"))
    row = report_rows(con)[(A, D)]
    # 07:00 is online (9 s); 09:00 is offline with no later interval (0 s).
    assert (row["responses"], row["avg_response_s"]) == (2, 4.5)


def test_online_hours_count_online_and_busy_within_the_natural_day(make_shop) -> None:
    presence = "account,start,end,status\n" + "\n".join([
        f"{A},2026-11-10 22:00:00,{D} 02:00:00,online",   # 2 h fall on D
        f"{A},{D} 09:00:00,{D} 10:30:00,busy",            # 1.5 h
        f"{A},{D} 10:30:00,{D} 11:00:00,away",            # not online
    ])
    con = make_shop(presence=presence, messages=message_csv(
        f"b1|{A}|buyer|{D} 09:00:00", f"b1|店:乙|buyer|{D} 09:00:00"))
    rows = report_rows(con)
    assert rows[(A, D)]["online_hours"] == pytest.approx(3.5)
    assert rows[("店:乙", D)]["online_hours"] is None
    # The shop's average is over human accounts that have presence rows: only 甲.
    assert report_rows(con, "shop_day")[("店", D)]["avg_online_hours"] == pytest.approx(3.5)


def test_max_concurrent_counts_touching_sessions_as_overlapping(make_shop, engine: OnEngine) -> None:
    con = make_shop(messages=message_csv(
        f"b1|{A}|buyer|{D} 10:00:00", f"b1|{A}|agent|{D} 10:05:00",
        f"b2|{A}|buyer|{D} 10:05:00", f"b2|{A}|agent|{D} 10:06:00",  # begins as b1's ends: both at once
        f"b1|{B}|buyer|{D} 10:00:00", f"b1|{B}|agent|{D} 10:05:00",
        f"b2|{B}|buyer|{D} 10:05:01", f"b2|{B}|agent|{D} 10:06:00",  # a second later: one after the other
    ))
    rows = report_rows(con, engine=engine)
    assert (rows[(A, D)]["max_concurrent"], rows[(B, D)]["max_concurrent"]) == (2, 1)


def test_sessions_split_at_gaps(make_shop) -> None:
    con = make_shop(messages=message_csv(
        f"b1|{A}|buyer|{D} 10:00:00", f"b1|{A}|buyer|{D} 10:30:00",
        f"b2|{A}|buyer|{D} 10:10:00", f"b2|{A}|agent|{D} 10:20:00",
    ))
    # b1's messages are 30 min apart: two point sessions at 10:00 and 10:30, neither inside b2's [10:10, 10:20].
    assert report_rows(con)[(A, D)]["max_concurrent"] == 1
    assert report_rows(con, settings=Settings(session_gap_s=3600))[(A, D)]["max_concurrent"] == 2
