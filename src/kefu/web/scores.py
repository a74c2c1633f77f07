"""绩效: scorecards of a plan over a period (kefu.scoring), cut to the user's accounts."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from kefu.config import Settings
from kefu.output import human_value, label
from kefu.scoring import PlanError, Scorecard, example_plan, example_plans, load_plan, score
from kefu.scoring.plan import GRAIN
from kefu.web.context import Ctx
from kefu.web.deps import CtxDep, render
from kefu.web.queries import day_range
from kefu.web.tables import table_download

router = APIRouter(include_in_schema=False)
DEFAULT_PLAN = "售前"
BY_CHOICES = {"account": "按客服", "group": "按分组"}


def plans(ctx: Ctx) -> dict[str, Path]:
    """Plans to pick: the shipped examples and the TOML files of `kefu serve --plans DIR`."""
    found = {name: example_plan(name) for name in example_plans()}
    folder = ctx.parts.config.plans_dir
    if folder is not None:
        found.update({p.stem: p for p in sorted(folder.glob("*.toml"))})
    return found


def scorecard(ctx: Ctx, plan: str, period: str, by: str = "account") -> Scorecard:
    """The plan's scorecard over the period with only the rows the user may see.

    Ranks are among everyone the plan covers; users who do not see every shop get no rank, so a gap in the
    ranks cannot tell them about agents of other shops. Group scores mix every member's work: agents get none.
    """
    choices = plans(ctx)
    if plan not in choices:
        raise HTTPException(404, f"没有方案 {plan} / no such plan")
    if by not in BY_CHOICES or (by == "group" and not ctx.scope.sees_shop_totals):
        raise HTTPException(404)
    with ctx.store.reader() as cur:
        card = score(cur, ctx.store.settings, load_plan(choices[plan]), period, by)
    rows = [r for r in card.rows if ctx.scope.allows_account(r.get("account"), r["shop"])]
    if not ctx.scope.covers(ctx.store.shops()):
        rows = [{**r, "rank": None} for r in rows]
    return dataclasses.replace(card, rows=rows)


def default_period(ctx: Ctx) -> str:
    """The month of the latest day with data."""
    span = day_range(ctx)
    return span[1][:7] if span else ""


@router.get("/scores")
def scores_page(ctx: CtxDep, plan: str = DEFAULT_PLAN, period: str = "", by: str = "account") -> Response:
    period = period or default_period(ctx)
    card, error = None, ""
    if period:
        try:
            card = scorecard(ctx, plan, period, by)
        except (PlanError, LookupError) as exc:
            error = str(exc)
    headers: list[str] = []
    if card is not None:
        headers = [f"{label(pm.id, GRAIN, 'zh', card.settings)}（权重 {pm.weight:g}）" for pm in card.plan.metrics]
    by_choices = BY_CHOICES if ctx.scope.sees_shop_totals else {"account": BY_CHOICES["account"]}
    return render(ctx, ctx.request, "scores.html", card=card, error=error, plan=plan, period=period, by=by,
                  by_choices=by_choices, plans=list(plans(ctx)), headers=headers,
                  note=card.coverage_note() if card else "",
                  value=lambda line: human_value(line.metric_id, GRAIN, line.value))


@router.get("/download/scores.{fmt}")
def scores_download(fmt: str, ctx: CtxDep, plan: str = DEFAULT_PLAN, period: str = "", by: str = "account") -> Response:
    """The scorecard's flat table (value and points per metric, total, rank, bonus) as CSV or xlsx."""
    if fmt not in ("csv", "xlsx"):
        raise HTTPException(404)
    try:
        card = scorecard(ctx, plan, period or default_period(ctx), by)
    except PlanError as exc:
        raise ValueError(str(exc)) from None
    columns, rows = card.flat()
    return table_download(fmt, f"kefu-scores-{plan}-{card.period}", card.plan.name, columns, rows,
                          lambda column: _header(column, card.settings),
                          escape_formulas=ctx.store.settings.csv_escape_formulas)


def _header(column: str, settings: Settings) -> str:
    """A download header: the key and total columns in Chinese, each metric by its name under the plan's settings."""
    labels: dict[str, Any] = {"shop": "店铺", "account": "客服账号", "group": "分组", "agent_name": "姓名",
                              "total": "总分", "rank": "排名", "gates_passed": "门槛", "bonus": "奖金(元)"}
    if column in labels:
        return str(labels[column])
    base = column.removesuffix("_points")
    name = label(base, GRAIN, "zh", settings)
    return f"{name}·得分" if base != column else name
