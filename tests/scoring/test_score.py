"""Scores, ranks and bonuses recomputed by hand on a small shop, and on the demo shop with the example plans."""
from __future__ import annotations

import copy
from typing import Any

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.config import Settings
from kefu.metrics.compile import ReportSpec
from kefu.report import NoData, run_report
from kefu.scoring import PlanError, example_plan, load_plan, parse_period, score
from kefu.scoring.plan import PlanMetric, parse_plan
from kefu.scoring.score import bonus_of, score_line
from tests.conftest import message_csv
from tests.scoring.test_plan import GOOD

ACCOUNTS = """account,shop,agent_name,group,kind
店:甲,店,张三,售前,human
店:乙,店,李四,售前,human
店:丙,店,王五,售后,human
店:蜜,店,店小蜜,售前,bot
"""
MESSAGES = message_csv(
    # 甲: 4 inquiries over two days, 3 replied after 10, 20 and 30 s; b1 pays.
    "b1|店:甲|buyer|2026-11-11 10:00:00|在吗", "b1|店:甲|agent|2026-11-11 10:00:10|在的",
    "b2|店:甲|buyer|2026-11-11 11:00:00|有货吗", "b2|店:甲|agent|2026-11-11 11:00:20|有",
    "b3|店:甲|buyer|2026-11-11 12:00:00|包邮吗",
    "b4|店:甲|buyer|2026-11-12 10:00:00|尺码", "b4|店:甲|agent|2026-11-12 10:00:30|看详情页",
    # 乙: 2 inquiries answered in 5 s, both pay (300 and 200).
    "c1|店:乙|buyer|2026-11-11 10:00:00|在吗", "c1|店:乙|agent|2026-11-11 10:00:05|在的",
    "c2|店:乙|buyer|2026-11-12 10:00:00|在吗", "c2|店:乙|agent|2026-11-12 10:00:05|在的",
    # 丙 (售后) and the bot.
    "d1|店:丙|buyer|2026-11-11 10:00:00|退货", "d1|店:丙|agent|2026-11-11 10:00:40|好的",
    "e1|店:蜜|buyer|2026-11-11 10:00:00|发货", "e1|店:蜜|bot|2026-11-11 10:00:01|48小时内",
)
ORDERS = """order_id,shop,buyer,created_at,paid_at,amount,items
o1,店,b1,2026-11-11 10:01:00,2026-11-11 10:02:00,100.00,1
o2,店,c1,2026-11-11 10:01:00,2026-11-11 10:02:00,300.00,1
o3,店,c2,2026-11-12 10:01:00,2026-11-12 10:02:00,200.00,2
"""


@pytest.fixture
def con(make_shop) -> duckdb.DuckDBPyConnection:
    return make_shop(accounts=ACCOUNTS, messages=MESSAGES, orders=ORDERS)


def test_scores_ranks_gates_and_bonus_by_hand(con: duckdb.DuckDBPyConnection) -> None:
    card = score(con, Settings(), parse_plan(GOOD), "2026-11")
    assert [r["account"] for r in card.rows] == ["店:乙", "店:甲"]  # 售前 humans only: no 丙, no bot
    yi, jia = card.rows
    # 乙: reply 100% -> tier 100 × 40% = 40; avg 5 s (better than target 10) -> 100 × 30% = 30;
    # conversion 2/2 = 1.0 (above 0.5) -> 100 × 30% = 30. Total 100; bonus 2000 × 100% = 2000, capped at 1800.
    assert [line.points for line in yi["lines"]] == [40.0, 30.0, 30.0]
    assert yi["total"] == 100.0 and yi["rank"] == 1 and yi["gates_passed"] and yi["bonus"] == 1800.0
    # 甲: reply 3/4 = 0.75 -> in no tier -> 0; avg (10+20+30)/3 = 20 s -> (20-60)/(10-60) = 80 × 30% = 24;
    # conversion 1/4 = 0.25 -> 0.25/0.5 = 50 × 30% = 15. Total 39, rank 2; reply 0.75 < gate 0.9 -> bonus 0.
    assert [line.value for line in jia["lines"]] == [0.75, 20.0, 0.25]
    assert [line.points for line in jia["lines"]] == [0.0, 24.0, 15.0]
    assert jia["total"] == 39.0 and jia["rank"] == 2 and not jia["gates_passed"] and jia["bonus"] == 0.0
    assert jia["agent_name"] == "张三"
    assert jia["explain"].splitlines() == [
        "回复率 = 75.0%：不在任何档位 → 0 分 × 权重 40% = 0.00",
        "平均响应时间(秒) = 20.0：线性 (底线 60，目标 10)：(20 − 60) ÷ (10 − 60) × 100 = 80.00 分 × 权重 30% = 24.00",
        "询单转化率 = 25.0%：线性 (底线 0，目标 0.5)：(0.25 − 0) ÷ (0.5 − 0) × 100 = 50.00 分 × 权重 30% = 15.00",
        "总分 = 0.00 + 24.00 + 15.00 = 39.00 分",
        "门槛 回复率 ≥ 90.0%：75.0% 未通过 → 奖金为 0",
        "奖金 = 0 元（门槛未通过）",
    ]
    assert yi["explain"].splitlines()[-1] == "奖金 = 基数 2000 × 100.00% = 2000.00 元，封顶 1800 → 1800.00 元"


def test_scoring_a_group_uses_the_groups_period_figures(con: duckdb.DuckDBPyConnection) -> None:
    card = score(con, Settings(), parse_plan(GOOD), "2026-11-01..2026-11-30", by="group")
    (row,) = card.rows
    group = run_report(con, ReportSpec(by="group", period="all"), Settings()).rows
    expected = next(g for g in group if g["group"] == "售前")
    # 售前 holds 甲, 乙 and the bot: 7 inquiries, 6 replied (summed counts, then divided).
    assert row["group"] == "售前" and row["lines"][0].value == pytest.approx(6 / 7) == expected["reply_rate"]
    cols, flat = card.flat()
    assert cols[:2] == ["shop", "group"] and flat[0]["total"] == row["total"]


def test_bonus_rules(con: duckdb.DuckDBPyConnection) -> None:
    per_point = parse_plan({**GOOD, "gates": [], "bonus": {"rule": "per_point", "per_point": 20, "min_score": 30}})
    card = score(con, Settings(), per_point, "2026-11")
    assert [r["bonus"] for r in card.rows] == [2000.0, 780.0]  # 20 × 100, 20 × 39
    tiers = parse_plan({**GOOD, "gates": [], "bonus": {"rule": "tiers", "tiers": [
        {"min": 90, "bonus": 1000}, {"min": 30, "max": 90, "bonus": 500}]}})
    assert [r["bonus"] for r in score(con, Settings(), tiers, "2026-11").rows] == [1000.0, 500.0]
    high_bar = parse_plan({**GOOD, "gates": [], "bonus": {"rule": "per_point", "per_point": 20, "min_score": 40}})
    assert [r["bonus"] for r in score(con, Settings(), high_bar, "2026-11").rows] == [2000.0, 0.0]
    assert bonus_of(high_bar, 39.0, True) == (0.0, "奖金 = 0 元（总分 39.00 低于起发分 40）")


def test_equal_totals_share_a_rank(con: duckdb.DuckDBPyConnection) -> None:
    flat_plan: dict[str, Any] = copy.deepcopy(GOOD)
    flat_plan["metrics"] = [{"id": "inquiry_buyers", "weight": 100, "floor": 0, "target": 1}]
    flat_plan["plan"] = {"name": "全员", "include_bots": True}
    card = score(con, Settings(), parse_plan(flat_plan), "2026-11")
    assert len(card.rows) == 4 and {r["rank"] for r in card.rows} == {1}


def test_missing_value_scores_zero_and_fails_its_gate() -> None:
    plan = parse_plan(GOOD)
    line = score_line(plan.metrics[1], None)
    assert (line.points, line.how) == (0.0, "平均响应时间(秒) = —：无数据 → 0 分 × 权重 30% = 0.00")


def test_periods() -> None:
    import datetime as dt

    assert parse_period("2026-02") == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert parse_period("2026-11-03..2026-11-09") == (dt.date(2026, 11, 3), dt.date(2026, 11, 9))
    for bad in ("2026-13", "2026/11", "2026-11-09..2026-11-03", "2026-02-30..2026-03-01"):
        with pytest.raises(PlanError):
            parse_period(bad)


def test_no_rows_in_the_period_says_why(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(NoData, match="周期 2026-10（2026-10-01 ~ 2026-10-31）内没有客服数据；仓库中的数据为 "
                                     "2026-11-11 ~ 2026-11-12"):
        score(con, Settings(), parse_plan(GOOD), "2026-10")
    nobody = copy.deepcopy(GOOD)
    nobody["plan"]["group"] = "客服主管"
    with pytest.raises(NoData, match="内有 4 个客服，但方案“.*”只评分组为“客服主管”的非机器人账号"):
        score(con, Settings(), parse_plan(nobody), "2026-11")


def test_a_period_past_the_data_is_noted(con: duckdb.DuckDBPyConnection) -> None:
    card = score(con, Settings(), parse_plan(GOOD), "2026-11")
    assert card.coverage_note() == ("注意：数据只覆盖 2026-11-11 ~ 2026-11-12（2/30 天），周期 2026-11 的其余日期"
                                    "没有数据，分数只反映有数据的天")
    assert score(con, Settings(), parse_plan(GOOD), "2026-11-11..2026-11-12").coverage_note() == ""


def _by_hand(plan: Any, values: dict[str, Any]) -> float:
    """A plan's total for one agent's period figures, computed independently of the scoring module."""
    total = 0.0
    for pm in plan.metrics:
        v = values[pm.id]
        if v is None:
            s = 0.0
        elif pm.tiers:
            s = next((t.award for t in pm.tiers if (t.min is None or v >= t.min) and (t.max is None or v < t.max)), 0)
        elif pm.direction == "higher":
            s = 100 * min(max((v - pm.floor) / (pm.target - pm.floor), 0), 1)
        else:
            s = 100 * min(max((pm.floor - v) / (pm.floor - pm.target), 0), 1)
        total += round(s * pm.weight / 100 + 1e-9, 2)
    return round(total, 2)


@pytest.mark.parametrize("name", ["售前", "售后"])
def test_example_plans_on_the_demo_shop(demo_con: duckdb.DuckDBPyConnection, name: str) -> None:
    plan = load_plan(example_plan(name))
    card = score(demo_con, Settings(), plan, "2026-11")
    agents = {r["account"]: r for r in run_report(demo_con, ReportSpec(period="all", day_from=card.day_from,
                                                                      day_to=card.day_to), Settings()).rows}
    assert len(card.rows) >= 2
    for r in card.rows:
        assert "店小蜜" not in r["account"]
        assert r["total"] == pytest.approx(_by_hand(plan, agents[r["account"]]), abs=0.011)
        reply = agents[r["account"]]["reply_rate"]
        if reply < 0.95 or r["total"] < plan.bonus.min_score:
            assert r["bonus"] == 0
        elif plan.bonus.rule == "base_percent":
            assert r["bonus"] == pytest.approx(round(plan.bonus.base * r["total"] / 100, 2))
        else:
            assert r["bonus"] == pytest.approx(min(round(plan.bonus.per_point * r["total"], 2), plan.bonus.cap))
    totals = [r["total"] for r in card.rows]
    assert totals == sorted(totals, reverse=True) and card.rows[0]["rank"] == 1


@given(floor=st.floats(-1e6, 1e6), span=st.floats(1e-3, 1e6), weight=st.floats(0.5, 100),
       a=st.floats(-2e6, 2e6), b=st.floats(-2e6, 2e6), lower=st.booleans())
def test_linear_points_stay_within_the_weight_and_follow_the_direction(floor: float, span: float, weight: float,
                                                                     a: float, b: float, lower: bool) -> None:
    target = floor - span if lower else floor + span
    pm = PlanMetric("reply_rate", weight, "lower" if lower else "higher", target=target, floor=floor)
    pa, pb = score_line(pm, a).points, score_line(pm, b).points
    assert 0 <= pa <= round(weight, 2) + 0.005 and 0 <= pb <= round(weight, 2) + 0.005
    better, worse = (min(a, b), max(a, b)) if lower else (max(a, b), min(a, b))
    assert score_line(pm, better).points >= score_line(pm, worse).points


def test_a_plan_with_a_preset_scores_the_platform_figure_under_its_name(con: duckdb.DuckDBPyConnection) -> None:
    data = copy.deepcopy(GOOD)
    data["plan"]["preset"] = "taobao"
    data["metrics"][1] = {"id": "platform_fast_rate", "weight": 30, "floor": 0, "target": 1}
    # The report's own threshold (5 s) would count none of 甲's rounds fast; the plan's preset counts 180 s.
    card = score(con, Settings(platform_threshold_s=5), parse_plan(data), "2026-11")
    jia = next(r for r in card.rows if r["account"] == "店:甲")
    line = jia["lines"][1]
    assert line.value == 0.75 and line.points == 22.5  # 3 of 4 rounds within 180 s: 75 × 30%
    assert line.how.startswith("3分钟人工响应率 = 75.0%")
    assert card.settings.preset == "taobao"
