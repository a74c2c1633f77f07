"""The staffing section (排班与人力需求) of the HTML report, the workbook and the web page: one shop's plan as text."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kefu.config import Settings
from kefu.engines.duckdb import DuckDBEngine
from kefu.staffing.backtest import WeekCheck
from kefu.staffing.demand import Demand, DemandSpec
from kefu.staffing.plan import Plan, PlanCell
from kefu.staffing.rows import BACKTEST_COLUMNS, backtest_rows, busy_slots, label
from kefu.staffing.service import StaffingView, staffing_view

# The grid's colours, as `kefu staffing plan` draws them: short when the online agents round to fewer than the
# need, spare from one whole agent more.
SHORT_AT = -0.5
SPARE_AT = 1.0
RATES = ("measured", "predicted", "mae", "noise")
MODEL_NAMES = {"erlang": ("Erlang C", "Erlang C"), "simulation": ("离散事件模拟", "simulation")}


def _t(lang: str, zh: str, en: str) -> str:
    """The text in the language asked."""
    return zh if lang == "zh" else en


def shop_spec(shop: str, last: dt.date) -> DemandSpec:
    """The demand of a shop over the default weeks up to its last day (kefu.staffing.demand starts it no
    earlier than the shop's own first day, so days before its data never read as quiet ones)."""
    return DemandSpec(shops=(shop,), day_to=last)


def shop_views(engine: DuckDBEngine, settings: Settings, lasts: Mapping[str, dt.date]) -> dict[str, StaffingView]:
    """Each shop's staffing view up to its last day, on a prepared engine."""
    return {shop: staffing_view(engine, settings, shop_spec(shop, last)) for shop, last in lasts.items()}


def last_days(rows: list[dict[str, Any]]) -> dict[str, dt.date]:
    """The last day of each shop in report rows with a shop and an ISO day, shops in row order."""
    lasts: dict[str, dt.date] = {}
    for row in rows:
        day = dt.date.fromisoformat(row["day"])
        lasts[row["shop"]] = max(lasts.get(row["shop"], day), day)
    return lasts


def cell_text(p: PlanCell) -> str:
    """需/在 of a cell: '2/1.4' (needed / online on average), '2/1.4!' when no staffing meets the target there;
    '-/1.0' outside the judged hours."""
    if not p.judged:
        return f"-/{p.cell.agents_online:.1f}"
    return f"{p.required}/{p.cell.agents_online:.1f}" + ("" if p.staffing.reachable else "!")


def tone(p: PlanCell) -> str:
    """How a cell is coloured: off (not judged), short, spare, or '' (about right)."""
    if not p.judged:
        return "off"
    if p.gap <= SHORT_AT:
        return "short"
    return "spare" if p.gap >= SPARE_AT else ""


def _target(plan: Plan, lang: str) -> str:
    """The target as the platform names it (in English by its rate and time)."""
    goal = plan.target
    return goal.text() if lang == "zh" else f"{goal.rate:.0%} answered within {goal.within_s:g} s"


def summary_line(plan: Plan, lang: str = "zh") -> str:
    """Target, model, concurrency, shrinkage and the week's agent-hours in one line."""
    model = MODEL_NAMES.get(plan.model, (plan.model, plan.model))
    if lang == "zh":
        return (f"目标 {_target(plan, lang)}（{plan.target.within_s:g} 秒内）· 模型 {model[0]} · "
                f"每人同时接待 {plan.concurrency} 个会话 · 缺勤率 {plan.shrinkage:.0%} · "
                f"每周需排班 {plan.needed_hours():.1f} 工时，实际在线 {plan.online_hours():.1f} 工时，"
                f"缺口 {plan.under_hours():.1f} 工时，富余 {plan.over_hours():.1f} 工时")
    return (f"target {_target(plan, lang)} · model {model[1]} · chats per agent at once {plan.concurrency} · "
            f"shrinkage {plan.shrinkage:.0%} · a week: {plan.needed_hours():.1f} agent-hours to schedule, "
            f"{plan.online_hours():.1f} online, {plan.under_hours():.1f} short, {plan.over_hours():.1f} surplus")


def window_line(demand: Demand, lang: str = "zh") -> str:
    """Which days, intervals and units the figures come from."""
    days = (demand.day_to - demand.day_from).days + 1
    spec = demand.spec
    if lang == "zh":
        unit = {"rounds": "咨询轮次", "inquiries": "询单"}[spec.unit]
        return (f"按 {demand.day_from} 至 {demand.day_to} 的 {days} 天测算，每 {spec.interval_min} 分钟一格，"
                f"按{unit}计；实测每人同时接待 {demand.concurrency:g} 个会话（客服日峰值的中位数）")
    return (f"measured over the {days} days {demand.day_from} to {demand.day_to}, {spec.interval_min}-minute "
            f"intervals, in {spec.unit}; chats an agent carries at once: {demand.concurrency:g} (median daily peak)")


def legend_line(lang: str = "zh") -> str:
    """What a grid cell and its colour say."""
    return _t(lang, "格中为「需在线人数/实际平均在线人数」，「!」为不限人数也达不到目标；颜色为在线减需要："
                    "红色缺人，绿色富余，灰色为考核时段外（platform_hours 之外，不按目标配人）",
              "each cell: agents needed / online on average, ! where no staffing meets the target; colour: online "
              "minus needed (red short, green surplus, grey outside the platform's hours, where no target applies)")


def notes(plan: Plan, lang: str = "zh") -> list[str]:
    """What bounds the plan: the agents' own reply speed (when the plan counts it) and the intervals it caps."""
    out = []
    if plan.latency:
        measured, within = plan.demand.latency, plan.target.within_s
        share = measured.within(within)
        out.append(_t(lang, f"客服回复速度（低负荷时段实测 {measured.total:,} 轮）：{within:g} 秒内回复 {share:.1%}，"
                            "这是不限人数时的上限",
                      f"the agents' own replies (measured in calm intervals, {measured.total:,} rounds): {share:.1%} "
                      f"within {within:g} s, the most any staffing reaches"))
    if plan.unreachable():
        out.append(_t(lang, f"{plan.unreachable()} 个时段（标 !）不限人数也达不到目标：回复本身就慢，按接近上限配人；"
                            "要达标需提高回复速度",
                      f"{plan.unreachable()} intervals (marked !) miss the target however many agents: the replies "
                      "themselves are slow, so they are staffed near that ceiling"))
    return out


def backtest_table(checks: Sequence[WeekCheck], lang: str = "zh") -> tuple[list[str], list[list[str]]]:
    """The backtest weeks as headers and formatted cells (rates as percentages, the bias signed)."""
    def text(column: str, value: Any) -> str:
        if column in RATES:
            return f"{value:.1%}"
        return f"{value:+.1%}" if column == "bias" else str(value)

    rows = backtest_rows(list(checks))
    return ([label(c, lang) for c in BACKTEST_COLUMNS],
            [[text(c, r[c]) for c in BACKTEST_COLUMNS] for r in rows])


@dataclass(frozen=True)
class Section:
    """One shop's staffing as the report and the web page print it (the heatmap is drawn by html_charts)."""

    shop: str
    view: StaffingView
    summary: str
    window: str
    notes: tuple[str, ...]
    legend: str
    busy: bool  # anything arrived or anyone was online: there is a grid to draw
    backtest: tuple[list[str], list[list[str]]]


def section(shop: str, view: StaffingView, lang: str = "zh") -> Section:
    """The texts of one shop's staffing section."""
    return Section(shop, view, summary_line(view.plan, lang), window_line(view.demand, lang),
                   tuple(notes(view.plan, lang)), legend_line(lang), bool(busy_slots(view.plan)),
                   backtest_table(view.checks, lang))
