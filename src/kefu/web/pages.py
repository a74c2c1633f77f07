"""HTML pages: login, 概览, 客服, explanation, downloads (the import, live and users pages are in their modules)."""
from __future__ import annotations

import secrets
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from kefu.output import EVIDENCE_LABELS
from kefu.reports.excel import write_workbook
from kefu.reports.html import render_html
from kefu.web import views
from kefu.web.access import Forbidden
from kefu.web.context import SESSION_COOKIE, Ctx, parse_day, parts_of
from kefu.web.deps import (
    WRONG_LOGIN,
    CtxDep,
    LoginRefused,
    authenticate,
    explained,
    render,
    set_session_cookie,
    sign_out,
)
from kefu.web.queries import day_range, report_table
from kefu.web.security import same_token
from kefu.web.tables import XLSX_TYPE, attachment, table_download

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "kefu_login_csrf"
PAGE_ROWS = 100  # rows of the 客服 table per page (downloads and the API carry them all)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect a login to another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login")
def login_form(request: Request, next: str = "/", error: str = "") -> Response:
    parts = parts_of(request)
    if parts.auth.session(request.cookies.get(SESSION_COOKIE)):
        return RedirectResponse(_safe_next(next), status_code=303)
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render(None, request, "login.html", next=_safe_next(next), csrf=token, error=error,
                      no_users=not parts.auth.has_users())
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login",
                        secure=request.url.scheme == "https")
    return response


@router.post("/login")
def login(request: Request, username: str = Form(""), password: str = Form(""), csrf_token: str = Form(""),
          next: str = Form("/")) -> Response:
    if not same_token(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
        raise HTTPException(403, "CSRF 校验失败，请刷新页面后重试 / CSRF check failed")
    try:
        token, _ = authenticate(request, username, password)
    except LoginRefused as refused:
        message = (f"登录失败次数过多，请 {refused.wait_s // 60 + 1} 分钟后再试 / too many failed logins"
                   if refused.wait_s else WRONG_LOGIN)
        return render(None, request, "login.html", refused.status, next=_safe_next(next), csrf=csrf_token,
                      error=message, no_users=False)
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(request, response, token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(ctx: CtxDep, csrf_token: str = Form("")) -> Response:
    sign_out(ctx, csrf_token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
def overview(ctx: CtxDep, shop: str = "", account: str = "", day_from: str = "", day_to: str = "") -> Response:
    """概览: headline cards of the range and daily trends, for a shop (agents: for one of their accounts)."""
    d_from, d_to = parse_day(day_from, "开始日期"), parse_day(day_to, "结束日期")
    span = day_range(ctx)
    if span is None:
        return render(ctx, ctx.request, "overview.html", empty=True)
    if ctx.scope.sees_shop_totals:
        grain, choices = "shop_day", ctx.scope.visible_shops(ctx.store.shops())
        chosen = shop if shop in choices else (choices[0] if choices else "")
        pick: dict[str, Any] = {"shop": chosen}
    else:
        grain, choices = "account_day", sorted(ctx.scope.accounts or ())
        chosen = account if account in choices else (choices[0] if choices else "")
        pick = {"account": chosen}
    total = report_table(ctx, grain=grain, day_from=d_from, day_to=d_to, period="all", **pick) if chosen else None
    daily = report_table(ctx, grain=grain, day_from=d_from, day_to=d_to, **pick) if chosen else None
    row = total.rows[0] if total and total.rows else None
    trends = [views.trend(c, grain, daily.rows) for c in views.TRENDS[grain]] if daily and daily.rows else []
    cards = views.cards(grain, ctx.store.settings)
    return render(ctx, ctx.request, "overview.html", empty=False, grain=grain, choices=choices, chosen=chosen,
                  row=row, cards=cards, trends=trends, span=span, day_from=day_from, day_to=day_to,
                  chart=(views.CHART_W, views.CHART_H), html_report=ctx.scope.sees_shop_totals)


def _table_args(request: Request) -> dict[str, Any]:
    """The report parameters shared by the 客服 page and its downloads."""
    q = request.query_params
    return {"grain": q.get("grain", "account_day"), "day_from": parse_day(q.get("from"), "from"),
            # The page opens on the chosen period per account; days are one click (or period=day) away.
            "day_to": parse_day(q.get("to"), "to"), "period": q.get("period", "all"), "by": q.get("by") or None,
            "shop": q.get("shop") or None, "account": q.get("account") or None, "sort": q.get("sort") or None,
            "desc": q.get("desc", "1") != "0"}


@router.get("/agents")
def agents(ctx: CtxDep) -> Response:
    """客服: the account-day (or period) table, sortable; each day figure links to its explanation."""
    args = _table_args(ctx.request)
    table = report_table(ctx, **args)
    shops = ctx.scope.visible_shops(ctx.store.shops()) if ctx.scope.sees_shop_totals else []
    pages = max(1, -(-len(table.rows) // PAGE_ROWS))
    asked = ctx.request.query_params.get("page", "1")
    page = min(max(1, int(asked) if asked.isdigit() else 1), pages)
    rows = table.rows[(page - 1) * PAGE_ROWS:page * PAGE_ROWS]
    cells = views.table_cells(table.columns, rows, table.spec.grain, table.spec.period)
    return render(ctx, ctx.request, "agents.html", table=table, cells=cells, page=page, pages=pages, args=args,
                  shops=shops, query=dict(ctx.request.query_params))


def _report_shops(ctx: Ctx, what: str) -> list[str] | None:
    """The shops a whole report may hold for this user: all (None), the managed ones, or none for an agent."""
    if not ctx.scope.sees_shop_totals:
        raise Forbidden(what)
    every = ctx.store.shops()
    return None if ctx.scope.covers(every) else ctx.scope.visible_shops(every)


@router.get("/download/report.html")
def download_html(ctx: CtxDep, day_from: str = Query("", alias="from"),
                  day_to: str = Query("", alias="to")) -> Response:
    """The offline HTML report of the shops the user manages (agents get none: it shows shop totals)."""
    shops = _report_shops(ctx, "html")
    with ctx.store.reader() as cur:
        html = render_html(cur, ctx.store.settings, parse_day(day_from, "from"), parse_day(day_to, "to"),
                           shops=shops)
    return attachment(html.encode("utf-8"), "kefu-report.html", "text/html; charset=utf-8")


@router.get("/download/workbook.xlsx")
def download_workbook(ctx: CtxDep, day_from: str = Query("", alias="from"),
                      day_to: str = Query("", alias="to")) -> Response:
    """The manager's Excel workbook (every sheet of kefu.reports.excel) of the shops the user manages."""
    shops = _report_shops(ctx, "workbook")
    with tempfile.TemporaryDirectory() as tmp, ctx.store.reader() as cur:
        path = write_workbook(Path(tmp) / "kefu.xlsx", cur, ctx.store.settings, parse_day(day_from, "from"),
                              parse_day(day_to, "to"), shops=shops)
        return attachment(path.read_bytes(), "kefu-workbook.xlsx", XLSX_TYPE)


@router.get("/download/report.{fmt}")
def download_report(fmt: str, ctx: CtxDep) -> Response:
    """The table of the 客服/概览 page as CSV or xlsx, cut to the user's scope."""
    if fmt not in ("csv", "xlsx"):
        raise HTTPException(404)
    args = _table_args(ctx.request)
    table = report_table(ctx, **args)
    grain, summed = table.spec.grain, table.spec.adds_up_days
    return table_download(fmt, f"kefu-{grain}", "客服报表" if grain == "account_day" else "店铺报表",
                          table.columns, table.rows, lambda c: views.header(c, grain, ctx.store.settings, summed),
                          escape_formulas=ctx.store.settings.csv_escape_formulas)


@router.get("/explain")
def explain_page(ctx: CtxDep, metric: str = "", day: str = "", account: str = "", shop: str = "",
                 mask: str = "1") -> Response:
    """The buyers, questions or orders behind one figure."""
    exp = explained(ctx, metric, day, account, shop, mask != "0")
    return render(ctx, ctx.request, "explain.html", exp=exp, labels=EVIDENCE_LABELS,
                  query=dict(ctx.request.query_params), masked=ctx.scope.mask(mask != "0"))


@router.get("/download/explain.{fmt}")
def download_explain(fmt: str, ctx: CtxDep, metric: str = "", day: str = "", account: str = "",
                     shop: str = "", mask: str = "1", part: int = 0) -> Response:
    """One evidence table of an explanation as CSV or xlsx."""
    if fmt not in ("csv", "xlsx"):
        raise HTTPException(404)
    exp = explained(ctx, metric, day, account, shop, mask != "0")
    try:
        ev = exp.evidence[part]
    except IndexError as exc:
        raise HTTPException(404, str(exc)) from None
    rows = [dict(zip(ev.columns, r)) for r in ev.rows]
    return table_download(fmt, f"kefu-explain-{metric}-{day}", ev.heading(), ev.columns, rows,
                          lambda c: EVIDENCE_LABELS.get(c, c),
                          escape_formulas=ctx.store.settings.csv_escape_formulas)

