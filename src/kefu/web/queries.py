"""The data behind pages, API and downloads: library results cut to the user's scope (no KPI logic here)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from kefu.explain import Explanation
from kefu.metrics.catalog import metric
from kefu.metrics.compile import ReportSpec
from kefu.web.access import Forbidden
from kefu.web.context import Ctx, parse_day

LIVE_COLUMNS = ("inquiry_buyers", "replied_buyers", "unreplied_buyers", "unclosed_buyers", "avg_response_s",
                "avg_first_response_s", "p90_response_s", "slow_responses", "max_concurrent")


@dataclass(frozen=True)
class Table:
    """Rows of one report after scoping, with the columns to show."""

    spec: ReportSpec
    columns: list[str]
    rows: list[dict[str, Any]]


def report_table(ctx: Ctx, *, grain: str = "account_day", day_from: dt.date | None = None,
                 day_to: dt.date | None = None, period: str = "day", by: str | None = None,
                 shop: str | None = None, account: str | None = None, sort: str | None = None,
                 desc: bool = True) -> Table:
    """run_report rows the user may read, optionally one shop/account, sorted by a column.

    Without a range, a user who sees part of the warehouse gets the range of their own data: another shop's
    later days would otherwise show in every row's period (and tell that the shop exists).
    """
    if (day_from is None or day_to is None) and not ctx.scope.covers(ctx.store.shops()):
        span = day_range(ctx)
        if span is not None:
            day_from = day_from or dt.date.fromisoformat(span[0])
            day_to = day_to or dt.date.fromisoformat(span[1])
    spec = ReportSpec(grain=grain, by=by or None, period=period, day_from=day_from, day_to=day_to)
    scope = ctx.scope
    if not scope.sees_shop_totals and (grain != "account_day" or spec.group_by != "account"):
        raise Forbidden("客服只能查看自己账号的数据 / agents see their own accounts only")
    if shop and not scope.allows_shop(shop):
        raise Forbidden(shop)
    if account:
        scope.check_account(account, ctx.store.account_shops().get(account))
    report = ctx.store.report(spec)
    rows = [r for r in scope.rows(report.rows)
            if (not shop or r["shop"] == shop) and (not account or r.get("account") == account)]
    if sort and sort in report.columns:
        present = [r for r in rows if r.get(sort) is not None]
        missing = [r for r in rows if r.get(sort) is None]
        rows = sorted(present, key=lambda r: r[sort], reverse=desc) + missing
    return Table(spec, report.columns, rows)


def explain_figure(ctx: Ctx, metric_id: str, day: str, *, account: str, shop: str, mask: bool) -> Explanation:
    """explain() of a figure the user may read, asked by a page or the API; anything else is Forbidden (not found)."""
    try:
        metric(metric_id, "account_day" if account else "shop_day")
    except KeyError:
        raise ValueError(f"没有指标 {metric_id!r} / unknown metric") from None
    the_day = parse_day(day, "day")
    if the_day is None:
        raise ValueError("需要 day（YYYY-MM-DD） / day is required")
    scope = ctx.scope
    if account:
        known = ctx.store.account_shops()
        scope.check_account(account, known.get(account))
    elif shop:
        scope.check_shop_totals(shop)
    else:
        raise ValueError("需要 account（客服日指标）或 shop（店铺日指标） / give account or shop")
    exp = ctx.store.explain(metric_id, the_day, account=account or None, shop=shop or None, mask=scope.mask(mask))
    if account:  # the account's shop, as the report sees it, must be granted too
        scope.check_account(account, exp.key["shop"])
    return exp


def day_range(ctx: Ctx) -> tuple[str, str] | None:
    """First and last local day of the data the user may see (an agent: their own accounts' days), or None."""
    grain = "shop_day" if ctx.scope.sees_shop_totals else "account_day"
    try:
        # Daily rows: a period="all" row spans the warehouse's whole range, whoever it belongs to.
        days = [r["day"] for r in ctx.scope.rows(ctx.store.report(ReportSpec(grain=grain)).rows)]
    except LookupError:
        return None
    return (min(days), max(days)) if days else None


def live_day(ctx: Ctx, asked: dt.date | None) -> tuple[dt.date | None, bool]:
    """The day the live page shows: asked, else the shop's today, else the latest day with data (flagged)."""
    if asked:
        return asked, True
    today = ctx.store.now().date()
    span = day_range(ctx)
    if span is None:
        return None, False
    last = dt.date.fromisoformat(span[1])
    return (today, True) if today <= last else (last, False)


def live_rows(ctx: Ctx, day: dt.date) -> list[dict[str, Any]]:
    """Per-account figures of one day so far (waiting buyers, response times), scoped to the user."""
    table = report_table(ctx, grain="account_day", day_from=day, day_to=day, sort="unclosed_buyers")
    return [{k: r.get(k) for k in ("shop", "account", *LIVE_COLUMNS)} for r in table.rows]
