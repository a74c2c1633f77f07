"""Plan loading and validation: the shipped examples load; bad plans give clear Chinese errors."""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from kefu.config import Settings
from kefu.scoring import PlanError, example_plan, example_plans, load_plan
from kefu.scoring.plan import parse_plan

GOOD: dict[str, Any] = {
    "plan": {"name": "测试方案", "group": "售前"},
    "metrics": [
        {"id": "reply_rate", "weight": 40, "tiers": [{"min": 0.95, "max": 1.0, "points": 60},
                                                      {"min": 1.0, "points": 100}]},
        {"id": "avg_response_s", "weight": 30, "direction": "lower", "floor": 60, "target": 10},
        {"id": "conversion_rate", "weight": 30, "floor": 0, "target": 0.5},
    ],
    "gates": [{"id": "reply_rate", "min": 0.9}],
    "bonus": {"rule": "base_percent", "base": 2000, "cap": 1800},
}


def variant(**changes: Any) -> dict[str, Any]:
    """GOOD with some top-level parts replaced."""
    data = copy.deepcopy(GOOD)
    data.update(changes)
    return data


@pytest.mark.parametrize("name", ["售前", "售前-淘宝", "售后"])
def test_example_plans_load(name: str) -> None:
    plan = load_plan(example_plan(name))
    assert plan.group == name.split("-")[0] and not plan.include_bots
    assert sum(m.weight for m in plan.metrics) == 100
    assert plan.gates and plan.bonus.rule in ("base_percent", "per_point")


def test_a_good_plan_parses() -> None:
    plan = parse_plan(GOOD)
    assert [m.id for m in plan.metrics] == ["reply_rate", "avg_response_s", "conversion_rate"]
    assert plan.metrics[0].tiers[0].min == 0.95 and plan.metrics[1].direction == "lower"
    assert plan.bonus.cap == 1800 and plan.gates[0].min == 0.9


def test_unknown_metric_lists_close_ids() -> None:
    data = copy.deepcopy(GOOD)
    data["metrics"][0]["id"] = "reply_rat"
    with pytest.raises(PlanError, match=r"metrics\[1\]：未知指标 'reply_rat'，相近的有：reply_rate"):
        parse_plan(data)


def test_shop_level_metric_is_refused_with_the_reason() -> None:
    data = copy.deepcopy(GOOD)
    data["gates"][0]["id"] = "refund_rate_28d"
    with pytest.raises(PlanError, match="refund_rate_28d 是店铺级指标"):
        parse_plan(data)


def test_weights_must_sum_to_100() -> None:
    data = copy.deepcopy(GOOD)
    data["metrics"][2]["weight"] = 25
    with pytest.raises(PlanError, match="权重之和应为 100，实际为 95"):
        parse_plan(data)


def test_overlapping_tiers_are_refused() -> None:
    data = copy.deepcopy(GOOD)
    data["metrics"][0]["tiers"] = [{"min": 0.95, "max": 0.99, "points": 60}, {"min": 0.98, "points": 100}]
    with pytest.raises(PlanError, match=r"档位 \[0.95, 0.99\) 与 \[0.98, \+∞\) 重叠"):
        parse_plan(data)
    data["metrics"][0]["tiers"] = [{"max": 0.9, "points": 0}, {"points": 100}]
    with pytest.raises(PlanError, match="重叠"):
        parse_plan(data)


def test_bonus_tiers_are_checked_too() -> None:
    bad = variant(bonus={"rule": "tiers", "tiers": [{"min": 60, "bonus": 500}, {"min": 90, "bonus": 1000}]})
    with pytest.raises(PlanError, match=r"bonus.tiers：档位 \[60, \+∞\) 与 \[90, \+∞\) 重叠"):
        parse_plan(bad)


@pytest.mark.parametrize("change, message", [
    ({"metrics": []}, "缺少 \\[\\[metrics\\]\\]"),
    ({"bonus": None}, "缺少 \\[bonus\\]"),
    ({"bonus": {"rule": "lottery"}}, "bonus.rule 应为"),
    ({"bonus": {"rule": "per_point"}}, "bonus.per_point 缺少数值"),
    ({"gates": [{"id": "reply_rate"}]}, "gates\\[1\\] 需要 min 或 max"),
])
def test_incomplete_plans(change: dict[str, Any], message: str) -> None:
    with pytest.raises(PlanError, match=message):
        parse_plan(variant(**change))


@pytest.mark.parametrize("entry, message", [
    ({"id": "conversion_rate", "weight": 30, "floor": 0.5, "target": 0.2}, "floor 应小于 target"),
    ({"id": "conversion_rate", "weight": 30, "direction": "lower", "floor": 0.2, "target": 0.5}, "floor 应大于"),
    ({"id": "conversion_rate", "weight": 30, "direction": "up", "floor": 0, "target": 1}, "direction 应为"),
    ({"id": "conversion_rate", "weight": "30", "floor": 0, "target": 1}, "weight 应为数字"),
    ({"id": "conversion_rate", "weight": 30, "floor": 0}, "target 缺少数值"),
    ({"id": "conversion_rate", "weight": 30, "tiers": [{"min": 0, "points": 120}]}, "points 应在 0-100"),
    ({"id": "reply_rate", "weight": 30, "floor": 0, "target": 1}, "指标重复：reply_rate"),
])
def test_bad_metric_entries(entry: dict[str, Any], message: str) -> None:
    data = copy.deepcopy(GOOD)
    data["metrics"][2] = entry
    with pytest.raises(PlanError, match=message):
        parse_plan(data)


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="找不到方案文件"):
        load_plan(tmp_path / "none.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[plan\nname = 1", encoding="utf-8")
    with pytest.raises(PlanError, match="broken.toml：TOML 格式错误"):
        load_plan(broken)
    bad = tmp_path / "bad.toml"
    bad.write_text('[[metrics]]\nid = "nope"\nweight = 100\nfloor = 0\ntarget = 1\n[bonus]\nrule = "tiers"\n',
                   encoding="utf-8")
    with pytest.raises(PlanError, match=r"bad.toml：metrics\[1\]：未知指标 'nope'"):
        load_plan(bad)


def test_the_taobao_variant_scores_the_3_minute_rate_by_the_taobao_preset() -> None:
    plain, taobao = load_plan(example_plan("售前")), load_plan(example_plan("售前-淘宝"))
    assert example_plans() == ["售前", "售前-淘宝", "售后"]
    assert taobao.preset == "taobao" and plain.preset == ""
    swapped = {m.id for m in taobao.metrics} ^ {m.id for m in plain.metrics}
    assert swapped == {"avg_response_s", "platform_fast_rate"}
    # Whatever the report's platform settings, the plan scores by its preset; a plan without one keeps them.
    mine = Settings(platform_hours="00:00-24:00", platform_threshold_s=30)
    used = taobao.settings_for(mine)
    assert (used.preset, used.platform_hours, used.platform_threshold_s) == ("taobao", "08:00-23:00", 180)
    assert plain.settings_for(mine) is mine


def test_a_plan_naming_an_unknown_preset_is_refused() -> None:
    with pytest.raises(PlanError, match="plan.preset 'taobo'"):
        parse_plan(variant(plan={"name": "x", "preset": "taobo"}))
