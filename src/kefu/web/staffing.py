"""排班: a shop's staffing heatmap, summary and backtest (kefu.staffing), for managers and admins of their shops."""
from __future__ import annotations

import datetime as dt
import functools
import gzip

import plotly
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from plotly.offline import get_plotlyjs

from kefu.metrics.compile import ReportSpec
from kefu.report import NoData
from kefu.reports.html_charts import staffing_heatmap
from kefu.reports.staffing_section import last_days, section, shop_spec
from kefu.web.access import Forbidden
from kefu.web.context import Ctx
from kefu.web.deps import CtxDep, render

router = APIRouter(include_in_schema=False)
PLOTLY_URL = f"/assets/plotly.min.js?v={plotly.__version__}"  # the version busts browsers' week-long cache


def staffing_shops(ctx: Ctx) -> list[str]:
    """The shops whose staffing the user may see: staffing is every agent's work together, so agents see none."""
    if not ctx.scope.sees_shop_totals:
        raise HTTPException(403, "排班看的是全店的人力，客服账号不能查看，请联系店长 / agents cannot see staffing")
    return ctx.scope.visible_shops(ctx.store.shops())


def shop_last_day(ctx: Ctx, shop: str) -> dt.date | None:
    """The last day of a shop's data (None when it has none)."""
    try:
        rows = ctx.store.report(ReportSpec(grain="shop_day")).rows
    except NoData:
        return None
    return last_days([r for r in rows if r["shop"] == shop]).get(shop)


@router.get("/staffing")
def staffing_page(ctx: CtxDep, shop: str = "") -> Response:
    """排班: per weekday × interval, the agents the target needs against those online, over the shop's last weeks."""
    choices = staffing_shops(ctx)
    if shop and shop not in choices:
        raise Forbidden(shop)
    chosen = shop or (choices[0] if choices else "")
    last = shop_last_day(ctx, chosen) if chosen else None
    if last is None:
        return render(ctx, ctx.request, "staffing.html", part=None, choices=choices, chosen=chosen)
    view = ctx.store.staffing(shop_spec(chosen, last))
    part = section(chosen, view, "zh")
    return render(ctx, ctx.request, "staffing.html", part=part, choices=choices, chosen=chosen,
                  figure=staffing_heatmap(view.plan, "zh") if part.busy else None, plotly_url=PLOTLY_URL)


@functools.lru_cache(maxsize=1)
def _plotly_js() -> tuple[bytes, bytes]:
    """The bundled plotly.js, plain and gzipped (4.8 MB and about a third of it), read once."""
    plain = get_plotlyjs().encode("utf-8")
    return plain, gzip.compress(plain, 6)


@router.get("/assets/plotly.min.js")
def plotly_js(request: Request) -> Response:
    """plotly.js from the installed package, so the heatmap draws offline under the pages' script-src 'self'."""
    plain, packed = _plotly_js()
    headers = {"Cache-Control": "public, max-age=604800", "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(packed, media_type="text/javascript; charset=utf-8",
                        headers={**headers, "Content-Encoding": "gzip"})
    return Response(plain, media_type="text/javascript; charset=utf-8", headers=headers)
