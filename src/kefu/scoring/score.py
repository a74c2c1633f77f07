"""Score agents (or groups) against a plan over a period: points per metric, total, rank, gates and bonus."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import duckdb

from kefu.config import Settings
from kefu.engines.duckdb import DuckDBEngine
from kefu.metrics.catalog import metric
from kefu.metrics.compile import ReportSpec
from kefu.output import human_value, label
from kefu.report import NoData, prepared_engine, run_report
from kefu.scoring.plan import GRAIN, Plan, PlanError, PlanMetric, Tier

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


def parse_period(text: str) -> tuple[dt.date, dt.date]:
    """'2026-11' (a month) or '2026-11-01..2026-11-30' (inclusive) as (first day, last day)."""
    if m := _MONTH.match(text):
        try:
            first = dt.date(int(m[1]), int(m[2]), 1)
        except ValueError:
            raise PlanError(f"周期 {text!r} 不是有效月份 / not a valid month") from None
        nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return first, nxt - dt.timedelta(days=1)
    if m := _RANGE.match(text):
        try:
            first, last = dt.date.fromisoformat(m[1]), dt.date.fromisoformat(m[2])
        except ValueError:
            raise PlanError(f"周期 {text!r} 含无效日期 / invalid date") from None
        if first > last:
            raise PlanError(f"周期 {text!r} 的开始晚于结束 / the period starts after it ends")
        return first, last
    raise PlanError(f"周期应为 2026-11 或 2026-11-01..2026-11-30，得到 {text!r} / period: YYYY-MM or D1..D2")


@dataclass
class Line:
    """One metric of one row: its value, its score out of 100, and the points it adds (score × weight)."""

    metric_id: str
    value: float | None
    score: float
    points: float
    how: str


@dataclass
class Scorecard:
    """The scored rows of a plan over a period, best first."""

    plan: Plan
    period: str
    day_from: dt.date
    day_to: dt.date
    by: str
    settings: Settings  # the settings the figures were computed with (the plan's preset applied)
    rows: list[dict[str, Any]] = field(default_factory=list)
    data_from: dt.date | None = None  # the warehouse's first and last day with data
    data_to: dt.date | None = None

    def coverage_note(self, lang: str = "zh") -> str:
        """A warning when the period reaches past the data (the scores then cover fewer days); else empty."""
        if self.data_from is None or self.data_to is None:
            return ""
        first, last = max(self.day_from, self.data_from), min(self.day_to, self.data_to)
        if (first, last) == (self.day_from, self.day_to):
            return ""
        days = (last - first).days + 1
        whole = (self.day_to - self.day_from).days + 1
        if lang == "zh":
            return (f"注意：数据只覆盖 {first} ~ {last}（{days}/{whole} 天），周期 {self.period} 的其余日期没有数据，"
                    "分数只反映有数据的天")
        return f"note: the data covers only {first} ~ {last} ({days} of {whole} days) of {self.period}"

    def flat(self) -> tuple[list[str], list[dict[str, Any]]]:
        """Columns and rows for CSV/JSON: keys, then value and points of each metric, total, rank, bonus."""
        keys = ["shop", self.by, "agent_name"] if self.by == "account" else ["shop", "group"]
        cols = keys + [f"{m.id}{suffix}" for m in self.plan.metrics for suffix in ("", "_points")]
        cols += ["total", "rank", "gates_passed", "bonus"]
        out = []
        for r in self.rows:
            flat = {k: r[k] for k in keys}
            for line in r["lines"]:
                flat[line.metric_id] = line.value
                flat[f"{line.metric_id}_points"] = line.points
            flat.update(total=r["total"], rank=r["rank"], gates_passed=r["gates_passed"], bonus=r["bonus"])
            out.append(flat)
        return cols, out


def _num(value: float) -> str:
    """A number in the arithmetic text: up to four decimals, no trailing zeros."""
    return f"{value:.4f}".rstrip("0").rstrip(".")


def _shown(metric_id: str, value: float | None) -> str:
    """A value as the reports show it."""
    return human_value(metric_id, GRAIN, value)


def _tier_of(tiers: tuple[Tier, ...], value: float) -> Tier | None:
    """The tier that holds a value, if any."""
    return next((t for t in tiers if t.holds(value)), None)


def score_line(pm: PlanMetric, value: float | None, name: str | None = None) -> Line:
    """The score (0-100) and points of one metric value, with the arithmetic (the metric called name)."""
    label = f"{name or metric(pm.id, GRAIN).label_zh} = {_shown(pm.id, value)}"
    if value is None:
        score, how = 0.0, f"{label}：无数据 → 0 分"
    elif pm.tiers:
        tier = _tier_of(pm.tiers, value)
        score = tier.award if tier else 0.0
        where = f"落在档位 {tier.text()}" if tier else "不在任何档位"
        how = f"{label}：{where} → {_num(score)} 分"
    else:
        assert pm.target is not None and pm.floor is not None
        raw = (value - pm.floor) / (pm.target - pm.floor) * 100
        score = min(100.0, max(0.0, raw))
        clamp = "" if score == raw else f"，限定在 0-100 → {score:.2f} 分"
        how = (f"{label}：线性 (底线 {_num(pm.floor)}，目标 {_num(pm.target)})："
               f"({_num(value)} − {_num(pm.floor)}) ÷ ({_num(pm.target)} − {_num(pm.floor)})"
               f" × 100 = {raw:.2f} 分{clamp}")
    # Points are kept to the cent of a point, so the shown sum is the total exactly.
    points = _cents(score * pm.weight / 100)
    return Line(pm.id, value, score, points, f"{how} × 权重 {_num(pm.weight)}% = {points:.2f}")


def _gates(plan: Plan, row: dict[str, Any], settings: Settings) -> tuple[bool, list[str]]:
    """Whether every gate holds, and a line per gate."""
    ok, lines = True, []
    for g in plan.gates:
        value = row.get(g.id)
        bounds = " 且 ".join(([f"≥ {_shown(g.id, g.min)}"] if g.min is not None else [])
                            + ([f"≤ {_shown(g.id, g.max)}"] if g.max is not None else []))
        passed = value is not None and (g.min is None or value >= g.min) and (g.max is None or value <= g.max)
        ok = ok and passed
        verdict = "通过" if passed else "未通过 → 奖金为 0"
        lines.append(f"门槛 {label(g.id, GRAIN, 'zh', settings)} {bounds}：{_shown(g.id, value)} {verdict}")
    return ok, lines


def _cents(value: float) -> float:
    """Round to two decimals, half up (元 to the fen, points to the cent of a point)."""
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def bonus_of(plan: Plan, total: float, gates_passed: bool) -> tuple[float, str]:
    """The bonus in 元 for a total score, with the arithmetic."""
    b = plan.bonus
    if not gates_passed:
        return 0.0, "奖金 = 0 元（门槛未通过）"
    if total < b.min_score:
        return 0.0, f"奖金 = 0 元（总分 {total:.2f} 低于起发分 {_num(b.min_score)}）"
    if b.rule == "base_percent":
        amount, how = b.base * total / 100, f"基数 {_num(b.base)} × {total:.2f}%"
    elif b.rule == "per_point":
        amount, how = b.per_point * total, f"{_num(b.per_point)} 元/分 × {total:.2f} 分"
    else:
        tier = _tier_of(b.tiers, total)
        amount = tier.award if tier else 0.0
        how = f"总分 {total:.2f} 落在档位 {tier.text()}" if tier else f"总分 {total:.2f} 不在任何档位"
    text = f"奖金 = {how} = {_cents(amount):.2f} 元"
    if b.cap is not None and amount > b.cap:
        amount = b.cap
        text += f"，封顶 {_num(b.cap)} → {_cents(amount):.2f} 元"
    return _cents(amount), text


def _members(con: duckdb.DuckDBPyConnection, engine: DuckDBEngine) -> dict[tuple[str, str], tuple[Any, ...]]:
    """(shop, account) → (group, kind, agent name) of every account the shop has."""
    table = engine.build([("shop_accounts", "")])["shop_accounts"]
    rows = con.execute(f"SELECT shop, account, grp, kind, agent_name FROM {table}").fetchall()
    return {(shop, account): (grp, kind, name) for shop, account, grp, kind, name in rows}


def _in_plan(plan: Plan, by: str, row: dict[str, Any], members: dict[tuple[str, str], tuple[Any, ...]]) -> bool:
    """Whether a report row is one the plan scores (its group; no bots unless asked)."""
    if by == "group":
        return plan.group is None or row["group"] == plan.group
    grp, kind, _ = members.get((row["shop"], row["account"]), (None, "human", None))
    return (plan.group is None or grp == plan.group) and (plan.include_bots or kind != "bot")


def _why_empty(plan: Plan, period: str, first: dt.date, last: dt.date, engine: DuckDBEngine, rows: int,
               by: str) -> str:
    """Why a scorecard has no row: the period holds no data, or the plan's group and bot rule leave out everyone."""
    span = f"{first} ~ {last}"
    if not rows:
        data = f"{engine.first_day} ~ {engine.last_day}" if engine.first_day else "无"
        return (f"周期 {period}（{span}）内没有客服数据；仓库中的数据为 {data} / no agent data in {period}"
                f" (the warehouse holds {data})")
    who = (f"分组为“{plan.group}”的" if plan.group else "") + ("" if plan.include_bots else "非机器人")
    noun = "个客服" if by == "account" else "个分组"
    return (f"周期 {period}（{span}）内有 {rows} {noun}，但方案“{plan.name}”只评{who}账号，没有一个符合"
            f" / {rows} rows in {period}, none in the plan's scope (group {plan.group or 'any'},"
            f" bots {'in' if plan.include_bots else 'out'})")


def score(con: duckdb.DuckDBPyConnection, settings: Settings, plan: Plan, period: str,
          by: str = "account") -> Scorecard:
    """Score every agent (or group) the plan covers over the period; rows best first with rank and bonus."""
    if by not in ("account", "group"):
        raise PlanError(f"只能按 account 或 group 评分，得到 {by!r} / score by account or group")
    first, last = parse_period(period)
    settings = plan.settings_for(settings)
    engine = prepared_engine(con, settings, first, last)
    report = run_report(con, ReportSpec(grain=GRAIN, by=by, period="all", day_from=first, day_to=last), settings,
                        engine)
    members = _members(con, engine)
    rows = [r for r in report.rows if _in_plan(plan, by, r, members)]
    if not rows:
        raise NoData(_why_empty(plan, period, first, last, engine, len(report.rows), by))
    card = Scorecard(plan, period, first, last, by, settings, data_from=engine.first_day, data_to=engine.last_day)
    for r in rows:
        lines = [score_line(pm, r.get(pm.id), label(pm.id, GRAIN, "zh", settings)) for pm in plan.metrics]
        total = _cents(sum(line.points for line in lines))
        passed, gate_lines = _gates(plan, r, settings)
        bonus, bonus_text = bonus_of(plan, total, passed)
        out = {"shop": r["shop"], by: r[by], "lines": lines, "total": total, "gates_passed": passed, "bonus": bonus,
               "agent_name": members.get((r["shop"], r.get("account", "")), (None, None, None))[2]}
        sums = " + ".join(f"{line.points:.2f}" for line in lines)
        out["explain"] = "\n".join([line.how for line in lines] + [f"总分 = {sums} = {total:.2f} 分"]
                                   + gate_lines + [bonus_text])
        card.rows.append(out)
    card.rows.sort(key=lambda r: (-r["total"], r["shop"], r[by]))
    for r in card.rows:
        # Competition ranking: equal totals share a rank, the next one skips (1, 2, 2, 4).
        r["rank"] = 1 + sum(1 for o in card.rows if o["total"] > r["total"])
    return card
