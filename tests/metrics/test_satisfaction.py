"""Satisfaction (metrics.md §8): invitations of inquiry buyers, ratings of every buyer, per account and shop."""
from __future__ import annotations

from collections.abc import Callable

import duckdb
import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from kefu.config import Settings
from tests.conftest import report_rows

SHOP = "店"
A, B = "店:甲", "店:乙"
ACCOUNTS = f"""account,shop,agent_name,group,kind
{A},{SHOP},甲,售前,human
{B},{SHOP},乙,售后,human
"""
# 11-11: 买家1 and 买家2 ask 甲; 买家2 also asks 乙; a sub-account buyer (filtered) asks 甲; 买家3 asks 乙 on 11-12.
MESSAGES = f"""shop,buyer,account,sender,ts,content
{SHOP},买家1,{A},buyer,2026-11-11 10:00:00,在吗
{SHOP},买家1,{A},agent,2026-11-11 10:00:10,在的
{SHOP},买家2,{A},buyer,2026-11-11 11:00:00,有货吗
{SHOP},买家2,{A},agent,2026-11-11 11:00:10,有的
{SHOP},买家2,{B},buyer,2026-11-11 12:00:00,发什么快递
{SHOP},买家2,{B},agent,2026-11-11 12:00:20,中通
{SHOP},子:号,{A},buyer,2026-11-11 13:00:00,在吗
{SHOP},子:号,{A},agent,2026-11-11 13:00:05,在
{SHOP},买家3,{B},buyer,2026-11-12 09:00:00,在吗
"""
EVALUATIONS = f"""eval_id,shop,account,buyer,invited_at,rated_at,level
e1,,{A},买家1,2026-11-11 10:01:00,2026-11-11 10:30:00,非常满意
e2,,{A},买家2,2026-11-11 11:01:00,2026-11-13 08:00:00,2
e3,,{A},子:号,2026-11-11 13:01:00,2026-11-11 13:30:00,很不满意
e4,,{B},买家3,2026-11-11 20:00:00,,
e5,,{B},买家2,2026-11-11 12:01:00,2026-11-11 12:30:00,一般
e6,,{A},买家1,2026-11-11 10:02:00,,
"""


@pytest.fixture
def con(make_shop: Callable[..., duckdb.DuckDBPyConnection]) -> duckdb.DuckDBPyConnection:
    return make_shop(accounts=ACCOUNTS, messages=MESSAGES, evaluations=EVALUATIONS)


def test_invitations_count_the_accounts_inquiry_buyers_of_the_day(con: duckdb.DuckDBPyConnection) -> None:
    rows = report_rows(con)
    a, b = rows[(A, "2026-11-11")], rows[(B, "2026-11-11")]
    # 甲: 买家1 (invited twice: one buyer) and 买家2; the filtered sub-account buyer's invitation does not count.
    assert (a["inquiry_buyers"], a["eval_invited_buyers"], a["eval_invite_rate"]) == (2, 2, 1.0)
    # 乙: 买家2 invited; 买家3 was invited on 11-11 but asked on 11-12, so neither day counts the invitation.
    assert (b["inquiry_buyers"], b["eval_invited_buyers"], b["eval_invite_rate"]) == (1, 1, 1.0)
    assert rows[(B, "2026-11-12")]["eval_invited_buyers"] == 0


def test_ratings_count_every_row_on_the_day_rated(con: duckdb.DuckDBPyConnection) -> None:
    rows = report_rows(con)
    a = rows[(A, "2026-11-11")]
    # 甲 on 11-11: 非常满意 (5) from 买家1, 很不满意 (1) from the filtered buyer: filters do not apply to ratings.
    assert (a["eval_ratings"], a["eval_satisfied"], a["eval_dissatisfied"]) == (2, 1, 1)
    assert (a["satisfaction_rate"], a["dissatisfaction_rate"]) == (0.5, 0.5)
    b = rows[(B, "2026-11-11")]  # 一般 (3) is neither satisfied nor dissatisfied
    assert (b["eval_ratings"], b["eval_satisfied"], b["eval_dissatisfied"], b["satisfaction_rate"]) == (1, 0, 0, 0.0)


def test_a_rating_on_a_day_without_chat_makes_an_account_row_with_no_chat(con: duckdb.DuckDBPyConnection) -> None:
    rows = report_rows(con)
    late = rows[(A, "2026-11-13")]  # e2, rated two days after the chat
    assert (late["eval_ratings"], late["eval_dissatisfied"], late["dissatisfaction_rate"]) == (1, 1, 1.0)
    assert (late["inquiry_buyers"], late["agent_messages"], late["questions"]) == (0, 0, 0)
    assert late["eval_invite_rate"] is None and late["reply_rate"] is None
    # No message or order on 11-13: the shop has no row that day, and the rating counts at account grain only.
    assert (SHOP, "2026-11-13") not in report_rows(con, "shop_day")


def test_shop_grain_counts_the_shops_inquiry_buyers_and_all_its_ratings(con: duckdb.DuckDBPyConnection) -> None:
    day = report_rows(con, "shop_day")[(SHOP, "2026-11-11")]
    # The shop's inquiry buyers are 买家1 and 买家2 (one each, though 买家2 asked two accounts); both invited.
    assert (day["inquiry_buyers"], day["eval_invited_buyers"], day["eval_invite_rate"]) == (2, 2, 1.0)
    assert (day["eval_ratings"], day["eval_satisfied"], day["eval_dissatisfied"]) == (3, 1, 1)
    assert day["satisfaction_rate"] == pytest.approx(1 / 3)


def test_periods_add_the_daily_counts(con: duckdb.DuckDBPyConnection) -> None:
    whole = report_rows(con, period="month")[(A, "2026-11")]
    assert (whole["eval_invited_buyers"], whole["inquiry_buyers"], whole["eval_ratings"]) == (2, 2, 3)
    assert whole["satisfaction_rate"] == pytest.approx(1 / 3) and whole["dissatisfaction_rate"] == pytest.approx(2 / 3)
    by_shop = report_rows(con, by="shop", period="month")[(SHOP, "2026-11")]
    assert (by_shop["eval_ratings"], by_shop["eval_invited_buyers"]) == (4, 3)  # person-days of both accounts


def test_shops_without_evaluations_show_zero_counts_and_empty_rates(
        make_shop: Callable[..., duckdb.DuckDBPyConnection]) -> None:
    row = report_rows(make_shop(accounts=ACCOUNTS, messages=MESSAGES))[(A, "2026-11-11")]
    assert (row["eval_invited_buyers"], row["eval_invite_rate"], row["eval_ratings"]) == (0, 0.0, 0)
    assert row["satisfaction_rate"] is None and row["dissatisfaction_rate"] is None


def test_on_the_fly_and_stored_facts_agree(con: duckdb.DuckDBPyConnection) -> None:
    other = Settings(attribution="first_touch")  # another fact setting: computed on the fly
    for grain in ("account_day", "shop_day"):
        stored, fly = report_rows(con, grain), report_rows(con, grain, other)
        keys = ("eval_invited_buyers", "eval_ratings", "eval_satisfied", "eval_dissatisfied")
        assert {k: [r[c] for c in keys] for k, r in stored.items()} == {k: [r[c] for c in keys] for k, r in fly.items()}


LEVELS = st.sampled_from(["1", "2", "3", "4", "5", "非常满意", "满意", "一般", "不满意", "很不满意"])


@hyp_settings(max_examples=15, deadline=None)
@given(levels=st.lists(LEVELS, min_size=1, max_size=12), invited=st.lists(st.booleans(), min_size=12, max_size=12))
def test_rates_stay_within_bounds_and_add_up(tmp_path_factory: pytest.TempPathFactory, levels: list[str],
                                            invited: list[bool]) -> None:
    from kefu.ingest import import_paths
    from kefu.store import Warehouse

    folder = tmp_path_factory.mktemp("hyp")
    (folder / "accounts.csv").write_text(ACCOUNTS, encoding="utf-8")
    (folder / "messages.csv").write_text(MESSAGES, encoding="utf-8")
    lines = ["account,buyer,invited_at,rated_at,level"] + [
        f"{A},买家{i % 3 + 1},{'2026-11-11 10:05:00' if invited[i] else ''},2026-11-11 15:{i:02d}:00,{level}"
        for i, level in enumerate(levels)]
    (folder / "evaluations.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with Warehouse.open(folder / "kefu.duckdb") as wh:
        assert import_paths(wh, [folder], Settings()).ok
        for grain in ("account_day", "shop_day"):
            row = report_rows(wh.con, grain)[(A if grain == "account_day" else SHOP, "2026-11-11")]
            assert row["eval_ratings"] == len(levels)
            assert row["eval_satisfied"] + row["eval_dissatisfied"] <= row["eval_ratings"]
            for rate in ("eval_invite_rate", "satisfaction_rate", "dissatisfaction_rate"):
                assert 0 <= row[rate] <= 1
            assert row["eval_invited_buyers"] <= row["inquiry_buyers"]


def test_explain_lists_the_rows_each_count_counts(con: duckdb.DuckDBPyConnection) -> None:
    import datetime as dt

    from kefu.explain import explain

    day = dt.date(2026, 11, 11)
    invited = explain(con, Settings(), "eval_invited_buyers", day, account=A, mask=False)
    assert invited.value == 2 and sorted(r[invited.evidence[0].columns.index("buyer")]
                                         for r in invited.evidence[0].rows) == ["买家1", "买家2"]
    unhappy = explain(con, Settings(), "dissatisfaction_rate", day, account=A, mask=False)
    counted = {e.measure.id: e.rows for e in unhappy.evidence}
    assert len(counted["eval_dissatisfied"]) == 1 and len(counted["eval_ratings"]) == 2
    shop = explain(con, Settings(), "eval_ratings", day, shop=SHOP, mask=False)
    assert shop.value == len(shop.evidence[0].rows) == 3
