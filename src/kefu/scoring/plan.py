"""绩效方案 plans: load a TOML plan and validate it against the metric catalog, with Chinese errors."""
from __future__ import annotations

import difflib
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kefu.config import Settings, settings_from
from kefu.metrics.catalog import metrics_of
from kefu.presets import shipped

GRAIN = "account_day"
DIRECTIONS = ("higher", "lower")
BONUS_RULES = ("base_percent", "per_point", "tiers")


class PlanError(ValueError):
    """A plan that cannot be used, with a Chinese-first message naming the file and the field."""


@dataclass(frozen=True)
class Tier:
    """A half-open range [min, max) of a value and what it earns (points or 元)."""

    min: float | None
    max: float | None
    award: float

    def holds(self, value: float) -> bool:
        """Whether the value falls in this tier."""
        return (self.min is None or value >= self.min) and (self.max is None or value < self.max)

    def text(self) -> str:
        """The range as '[0.95, 0.98)'."""
        lo = "-∞" if self.min is None else f"{self.min:g}"
        hi = "+∞" if self.max is None else f"{self.max:g}"
        return f"[{lo}, {hi})"


@dataclass(frozen=True)
class PlanMetric:
    """One scored metric: its weight and either a linear floor→target or tiers of points (0-100)."""

    id: str
    weight: float
    direction: str = "higher"
    target: float | None = None
    floor: float | None = None
    tiers: tuple[Tier, ...] = ()


@dataclass(frozen=True)
class Gate:
    """A condition for any bonus at all: the metric's value must lie within [min, max]."""

    id: str
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class Bonus:
    """How the total score turns into 元, and the cap."""

    rule: str
    base: float = 0.0
    per_point: float = 0.0
    tiers: tuple[Tier, ...] = ()
    min_score: float = 0.0
    cap: float | None = None


@dataclass(frozen=True)
class Plan:
    """A scorecard plan for one group of agents."""

    name: str
    group: str | None
    include_bots: bool
    metrics: tuple[PlanMetric, ...]
    gates: tuple[Gate, ...]
    bonus: Bonus
    source: str = ""
    preset: str = ""  # a platform preset (kefu presets) the plan's figures are computed by, whatever the report's

    def settings_for(self, settings: Settings) -> Settings:
        """The settings to score with: the plan's preset, when it names one, decides every platform_* value."""
        if not self.preset:
            return settings
        return settings_from({**settings.as_dict(), **shipped()[self.preset].settings, "preset": self.preset})


def _number(raw: Any, where: str, required: bool = False) -> float | None:
    """A finite number from the plan, or None when absent and allowed."""
    if raw is None:
        if required:
            raise PlanError(f"{where} 缺少数值 / {where} is required")
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
        raise PlanError(f"{where} 应为数字，得到 {raw!r} / {where} must be a number")
    return float(raw)


def _known_metric(metric_id: Any, where: str) -> str:
    """An account-level metric id of the catalog; else an error listing the close ids."""
    ids = [m.id for m in metrics_of(GRAIN)]
    if metric_id in ids:
        return str(metric_id)
    if metric_id in {m.id for m in metrics_of("shop_day")}:
        raise PlanError(f"{where}：{metric_id} 是店铺级指标，不能按客服评分 / {metric_id} is a shop-level metric")
    close = difflib.get_close_matches(str(metric_id), ids, n=5, cutoff=0.5)
    hint = f"，相近的有：{', '.join(close)}" if close else "，用 kefu metrics list 查看全部"
    raise PlanError(f"{where}：未知指标 {metric_id!r}{hint} / unknown metric id")


def _tiers(raw: Any, where: str, award_key: str) -> tuple[Tier, ...]:
    """Tiers from a list of {min, max, <award_key>} tables; overlapping ranges are an error."""
    if not isinstance(raw, list) or not raw:
        raise PlanError(f"{where} 应为非空的档位列表 / {where} must be a non-empty list of tiers")
    tiers = []
    for i, t in enumerate(raw, start=1):
        at = f"{where}[{i}]"
        if not isinstance(t, dict) or award_key not in t:
            raise PlanError(f"{at} 需要 min/max 与 {award_key} / {at} needs min/max and {award_key}")
        lo, hi = _number(t.get("min"), f"{at}.min"), _number(t.get("max"), f"{at}.max")
        if lo is not None and hi is not None and lo >= hi:
            raise PlanError(f"{at}：min {lo:g} 不小于 max {hi:g} / min must be below max")
        tiers.append(Tier(lo, hi, _number(t[award_key], f"{at}.{award_key}", required=True) or 0.0))
    ordered = sorted(tiers, key=lambda t: -math.inf if t.min is None else t.min)
    for a, b in zip(ordered, ordered[1:]):
        if a.max is None or b.min is None or a.max > b.min:
            raise PlanError(f"{where}：档位 {a.text()} 与 {b.text()} 重叠 / tiers overlap")
    return tuple(ordered)


def _plan_metric(raw: dict[str, Any], i: int) -> PlanMetric:
    """One [[metrics]] entry."""
    where = f"metrics[{i}]"
    mid = _known_metric(raw.get("id"), where)
    weight = _number(raw.get("weight"), f"{where}.weight", required=True) or 0.0
    if weight <= 0:
        raise PlanError(f"{where}.weight 应大于 0 / weight must be positive")
    direction = raw.get("direction", "higher")
    if direction not in DIRECTIONS:
        raise PlanError(f"{where}.direction 应为 higher 或 lower，得到 {direction!r} / direction: higher|lower")
    if "tiers" in raw:
        tiers = _tiers(raw["tiers"], f"{where}.tiers", "points")
        if any(not 0 <= t.award <= 100 for t in tiers):
            raise PlanError(f"{where}.tiers 的 points 应在 0-100 之间 / tier points must be 0-100")
        return PlanMetric(mid, weight, direction, tiers=tiers)
    target = _number(raw.get("target"), f"{where}.target", required=True)
    floor = _number(raw.get("floor"), f"{where}.floor", required=True)
    assert target is not None and floor is not None
    if (direction == "higher" and floor >= target) or (direction == "lower" and floor <= target):
        word = "小于" if direction == "higher" else "大于"
        raise PlanError(f"{where}：direction={direction} 时 floor 应{word} target / floor must lie on the worse side")
    return PlanMetric(mid, weight, direction, target=target, floor=floor)


def _bonus(raw: Any) -> Bonus:
    """The [bonus] table."""
    if not isinstance(raw, dict):
        raise PlanError("缺少 [bonus] 奖金规则 / the [bonus] table is required")
    rule = raw.get("rule")
    if rule not in BONUS_RULES:
        raise PlanError(f"bonus.rule 应为 {'|'.join(BONUS_RULES)}，得到 {rule!r} / unknown bonus rule")
    cap = _number(raw.get("cap"), "bonus.cap")
    min_score = _number(raw.get("min_score"), "bonus.min_score") or 0.0
    if rule == "tiers":
        return Bonus(rule, tiers=_tiers(raw.get("tiers"), "bonus.tiers", "bonus"), min_score=min_score, cap=cap)
    key = "base" if rule == "base_percent" else "per_point"
    amount = _number(raw.get(key), f"bonus.{key}", required=True) or 0.0
    return Bonus(rule, base=amount if key == "base" else 0.0, per_point=amount if key == "per_point" else 0.0,
                 min_score=min_score, cap=cap)


def parse_plan(data: dict[str, Any], source: str = "") -> Plan:
    """A validated plan from parsed TOML."""
    head = data.get("plan", {})
    raw_metrics = data.get("metrics")
    if not isinstance(raw_metrics, list) or not raw_metrics:
        raise PlanError("缺少 [[metrics]] 考核指标 / at least one [[metrics]] entry is required")
    metrics = tuple(_plan_metric(m, i) for i, m in enumerate(raw_metrics, start=1))
    seen = [m.id for m in metrics]
    if len(set(seen)) != len(seen):
        twice = ", ".join(sorted({i for i in seen if seen.count(i) > 1}))
        raise PlanError(f"指标重复：{twice} / a metric is listed twice")
    total = sum(m.weight for m in metrics)
    if abs(total - 100) > 1e-9:
        raise PlanError(f"权重之和应为 100，实际为 {total:g} / weights must sum to 100, got {total:g}")
    gates = []
    for i, g in enumerate(data.get("gates", []), start=1):
        where = f"gates[{i}]"
        lo, hi = _number(g.get("min"), f"{where}.min"), _number(g.get("max"), f"{where}.max")
        if lo is None and hi is None:
            raise PlanError(f"{where} 需要 min 或 max / a gate needs min or max")
        gates.append(Gate(_known_metric(g.get("id"), where), lo, hi))
    preset = str(head.get("preset", ""))
    if preset and preset not in shipped():
        raise PlanError(f"plan.preset {preset!r} 不是内置的平台口径预设（{', '.join(shipped())}）"
                        f" / plan.preset is not a shipped preset")
    return Plan(name=str(head.get("name", Path(source).stem if source else "绩效方案")), preset=preset,
                group=head.get("group"), include_bots=bool(head.get("include_bots", False)),
                metrics=metrics, gates=tuple(gates), bonus=_bonus(data.get("bonus")), source=source)


def load_plan(path: str | Path) -> Plan:
    """Read and validate a plan file; PlanError (naming the file) when it cannot be used."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanError(f"找不到方案文件 {path} / plan file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise PlanError(f"{path}：TOML 格式错误：{exc} / invalid TOML") from None
    try:
        return parse_plan(data, str(path))
    except PlanError as exc:
        raise PlanError(f"{path}：{exc}") from None
