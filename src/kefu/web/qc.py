"""质检: stored QC findings (kefu.qc.findings) with filters, cut to the user's accounts; admins queue QC runs."""
from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from fastapi import APIRouter, Form, HTTPException
from fastapi.responses import RedirectResponse, Response

from kefu.qc import findings
from kefu.qc.reviews import DECISIONS, ReviewError, decision_word, review
from kefu.tz import utc_to_local
from kefu.web.context import Ctx, parse_day
from kefu.web.deps import CtxDep, check_csrf, render
from kefu.web.tables import table_download

router = APIRouter(include_in_schema=False)

COLUMNS = ("day", "ts", "shop", "account", "buyer", "category", "severity", "rule_name", "points", "matched", "text",
           "emotion", "decision", "rule_id", "finding_id", "run_id")
LABELS = {"day": "日期", "ts": "时间", "shop": "店铺", "account": "客服账号", "buyer": "买家", "category": "类别",
          "severity": "严重程度", "rule_name": "规则", "points": "扣分", "matched": "命中", "text": "原文",
          "emotion": "买家情绪", "decision": "复核", "rule_id": "规则 id", "finding_id": "编号", "run_id": "质检运行"}
REVIEW_FILTERS = {"pending": "待复核", "confirmed": "已确认", "dismissed": "已驳回"}
SEVERITIES = ("严重", "一般", "提示")
SHOWN = 500


def qc_rows(ctx: Ctx, day_from: dt.date | None, day_to: dt.date | None, account: str, category: str,
            severity: str, decision: str, mask: bool) -> list[dict[str, Any]]:
    """Stored findings newest first, filtered, only of accounts the user may see."""
    if account:
        ctx.scope.check_account(account, ctx.store.account_shops().get(account))
    with ctx.store.reader() as cur:
        rows = findings(cur, day_from, day_to, account or None, mask=ctx.scope.mask(mask), category=category or None,
                        decision=decision if decision in REVIEW_FILTERS else None)
    rows = [r for r in ctx.scope.rows(rows) if not severity or r["severity"] == severity]
    if not rows:
        return []
    # Stored times are UTC; people read the shop's local time, as explain() shows it.
    local = utc_to_local(np.array([r["ts"] for r in rows], dtype="datetime64[us]"), ctx.store.settings.timezone)
    return [{**r, "day": r["day"].isoformat(), "ts": str(t.astype("datetime64[s]")).replace("T", " "),
             "decision": decision_word(r["decision"]),
             "emotion": None if r["emotion"] is None else round(r["emotion"], 2)}
            for r, t in zip(rows, local)]


def _args(ctx: Ctx) -> dict[str, Any]:
    q = ctx.request.query_params
    return {"day_from": parse_day(q.get("from"), "from"), "day_to": parse_day(q.get("to"), "to"),
            "account": q.get("account", ""), "category": q.get("category", ""), "severity": q.get("severity", ""),
            "decision": q.get("decision", ""), "mask": q.get("mask", "1") != "0"}


@router.get("/qc")
def qc_page(ctx: CtxDep) -> Response:
    rows = qc_rows(ctx, **_args(ctx))
    accounts = sorted(a for a, s in ctx.store.account_shops().items() if ctx.scope.allows_account(a, s))
    categories = sorted({r["category"] for r in rows})
    return render(ctx, ctx.request, "qc.html", rows=rows[:SHOWN], total=len(rows), shown=SHOWN, columns=COLUMNS,
                  labels=LABELS, accounts=accounts, categories=categories, severities=SEVERITIES,
                  review_filters=REVIEW_FILTERS,
                  query=dict(ctx.request.query_params), jobs=ctx.parts.worker.visible(ctx.scope))


@router.get("/download/qc.{fmt}")
def qc_download(fmt: str, ctx: CtxDep) -> Response:
    if fmt not in ("csv", "xlsx"):
        raise HTTPException(404)
    rows = qc_rows(ctx, **_args(ctx))
    return table_download(fmt, "kefu-qc", "质检发现", list(COLUMNS), rows, lambda c: LABELS[c],
                          escape_formulas=ctx.store.settings.csv_escape_formulas)


@router.post("/qc/run")
def qc_run(ctx: CtxDep, csrf_token: str = Form(""), day_from: str = Form(""), day_to: str = Form("")) -> Response:
    """Queue a QC run with the shipped rules (admins: a run covers every shop of the range)."""
    check_csrf(ctx, csrf_token)
    if ctx.scope.user.role != "admin":
        raise HTTPException(403, "只有管理员可以运行质检 / admins only")
    job = ctx.parts.worker.submit_qc(ctx.scope, parse_day(day_from, "from"), parse_day(day_to, "to"))
    return RedirectResponse(f"/import/{job.id}", status_code=303)


@router.post("/qc/review")
def qc_review(ctx: CtxDep, csrf_token: str = Form(""), finding_id: str = Form(""),
              decision: str = Form(""), note: str = Form(""), back: str = Form("")) -> Response:
    """A manager confirms or dismisses a finding of their shops (undo: back to pending); QC figures follow at once."""
    check_csrf(ctx, csrf_token)
    if ctx.scope.is_agent:
        raise HTTPException(403, "客服不能复核质检发现 / agents cannot review findings")
    if decision not in (*DECISIONS, "undo"):
        raise HTTPException(400, "复核结论应为 confirmed、dismissed 或 undo / unknown decision")
    try:
        with ctx.store.writing() as wh:
            review(wh.con, [finding_id], None if decision == "undo" else decision, ctx.scope.user.username,
                   note.strip() or None, allowed=lambda shop, account: ctx.scope.allows_account(account, shop))
    except ReviewError as exc:
        raise HTTPException(404, str(exc)) from exc
    ctx.store.data_changed()
    # back is the page's own query string: the redirect stays on /qc whatever it holds.
    return RedirectResponse(f"/qc?{back.lstrip('?')}" if back else "/qc", status_code=303)
