"""JSON API under /api/v1: the pages' data with the same permissions (OpenAPI at /docs)."""
from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from kefu.scoring import PlanError
from kefu.web.context import parse_day
from kefu.web.deps import WRONG_LOGIN, CtxDep, LoginRefused, authenticate, explained, set_session_cookie, sign_out
from kefu.web.importing import start_import, visible_job
from kefu.web.live import live_payload
from kefu.web.lost import lost_rows
from kefu.web.qc import qc_rows
from kefu.web.queries import report_table
from kefu.web.scores import default_period, scorecard
from kefu.web.uploads import UploadError

router = APIRouter(prefix="/api/v1", tags=["kefu"])


class Credentials(BaseModel):
    username: str
    password: str


@router.post("/session", summary="登录 / log in (sets the session cookie, returns the CSRF token)")
def login(creds: Credentials, request: Request) -> Response:
    try:
        token, session = authenticate(request, creds.username, creds.password)
    except LoginRefused as refused:
        if refused.wait_s:
            return JSONResponse({"error": "登录失败次数过多，请稍后再试 / too many failed logins"}, status_code=429,
                                headers={"Retry-After": str(refused.wait_s)})
        return JSONResponse({"error": WRONG_LOGIN}, status_code=401)
    user = session.user
    response = JSONResponse({"username": user.username, "role": user.role, "csrf": session.csrf})
    set_session_cookie(request, response, token)
    return response


@router.delete("/session", summary="退出 / log out")
def logout(ctx: CtxDep) -> dict[str, bool]:
    sign_out(ctx, None)
    return {"ok": True}


@router.get("/me", summary="当前用户与权限 / who am I")
def me(ctx: CtxDep) -> dict[str, Any]:
    u = ctx.scope.user
    return {"username": u.username, "role": u.role, "shops": sorted(ctx.scope.shops) if ctx.scope.shops else None,
            "accounts": sorted(ctx.scope.accounts) if ctx.scope.accounts is not None else None}


@router.get("/shops", summary="可见店铺 / shops you may see")
def shops(ctx: CtxDep) -> list[str]:
    return ctx.scope.visible_shops(ctx.store.shops())


@router.get("/report", summary="KPI 报表（与 kefu report --format json 相同） / the KPI report")
def report(ctx: CtxDep, grain: Literal["account_day", "shop_day"] = "account_day",
           day_from: str | None = Query(None, alias="from"), day_to: str | None = Query(None, alias="to"),
           period: Literal["day", "week", "month", "all"] = "day",
           by: Literal["account", "group", "shop"] | None = None, shop: str | None = None,
           account: str | None = None) -> dict[str, Any]:
    table = report_table(ctx, grain=grain, day_from=parse_day(day_from, "from"), day_to=parse_day(day_to, "to"),
                         period=period, by=by, shop=shop, account=account)
    return {"grain": table.spec.grain, "period": table.spec.period, "by": table.spec.group_by,
            "settings": ctx.store.settings.as_dict(), "rows": table.rows}


@router.get("/explain", summary="一个数字背后的行 / the rows behind one figure")
def explain(ctx: CtxDep, metric: str = Query(...), day: str = Query(...),
            account: str = "", shop: str = "", mask: bool = True) -> dict[str, Any]:
    exp = explained(ctx, metric, day, account, shop, mask)
    return {"metric": exp.metric.id, "label": exp.metric.label_zh, "definition": exp.metric.definition_zh,
            "grain": exp.grain, "key": exp.key, "value": exp.value,
            "evidence": [{"measure": ev.measure.id, "label": ev.heading(), "columns": ev.columns,
                          "rows": [[_json(v) for v in r] for r in ev.rows]} for ev in exp.evidence]}


def _json(value: Any) -> Any:
    """Evidence values JSON can carry (decimals and dates as the report writes them)."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return float(value) if hasattr(value, "as_tuple") else str(value)


@router.get("/live", summary="实时：某天（默认今天）各客服的数字 / today's figures per agent")
def live(ctx: CtxDep, day: str | None = None) -> dict[str, Any]:
    payload = live_payload(ctx, parse_day(day, "day"))
    payload.pop("cells")
    return payload


@router.get("/lost", summary="询单流失：某天（默认最近一天）没有付款的咨询买家 / lost inquiries of a day")
def lost(ctx: CtxDep, day: str | None = None, account: str = "", mask: bool = True) -> dict[str, Any]:
    the_day, rows = lost_rows(ctx, parse_day(day, "day"), account, mask)
    return {"day": the_day.isoformat() if the_day else None, "rows": rows}


@router.get("/scores", summary="绩效：方案在周期内的评分 / scorecard of a plan over a period")
def scores(ctx: CtxDep, plan: str = "售前", period: str = "", by: str = "account") -> dict[str, Any]:
    try:
        card = scorecard(ctx, plan, period or default_period(ctx), by)
    except PlanError as exc:
        raise ValueError(str(exc)) from None
    columns, rows = card.flat()
    return {"plan": card.plan.name, "period": card.period, "from": card.day_from.isoformat(),
            "to": card.day_to.isoformat(), "by": card.by, "note": card.coverage_note() or None,
            "columns": columns, "rows": rows,
            "explain": [r["explain"] for r in card.rows]}


@router.get("/qc", summary="质检发现（最新的在前） / stored QC findings, newest first")
def qc(ctx: CtxDep, day_from: str | None = Query(None, alias="from"),
       day_to: str | None = Query(None, alias="to"), account: str = "", category: str = "", severity: str = "",
       decision: str = Query("", description="pending | confirmed | dismissed"), mask: bool = True) -> dict[str, Any]:
    rows = qc_rows(ctx, parse_day(day_from, "from"), parse_day(day_to, "to"), account, category, severity, decision,
                   mask)
    return {"rows": rows}


@router.post("/imports", summary="上传并导入（multipart 字段 files，可多个；头 X-CSRF-Token） / upload and import")
async def create_import(request: Request, ctx: CtxDep) -> Response:
    try:
        job = await start_import(ctx, request)
    except UploadError as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    return JSONResponse(job.to_dict(), status_code=202)


@router.get("/imports", summary="导入任务 / import jobs")
def imports(ctx: CtxDep) -> list[dict[str, Any]]:
    return [j.to_dict() for j in ctx.parts.worker.visible(ctx.scope)]


@router.get("/imports/{job_id}", summary="一个导入任务的进度与结果 / one import job")
def import_job(job_id: str, ctx: CtxDep) -> dict[str, Any]:
    return visible_job(ctx, job_id).to_dict()
