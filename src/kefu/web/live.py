"""实时: today's figures per agent so far, pushed to the page by server-sent events every few seconds."""
from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse

from kefu.web import views
from kefu.web.context import Ctx, parse_day
from kefu.web.deps import CtxDep, render
from kefu.web.queries import LIVE_COLUMNS, live_day, live_rows

router = APIRouter(include_in_schema=False)


def live_payload(ctx: Ctx, asked: dt.date | None) -> dict[str, Any]:
    """The live figures of the day shown: raw values for machines, formatted cells for the page."""
    day, is_today = live_day(ctx, asked)
    rows = live_rows(ctx, day) if day else []
    cells = [[r["account"]] + [views.cell(c, "account_day", r.get(c)) for c in LIVE_COLUMNS] for r in rows]
    return {"day": day.isoformat() if day else None, "is_today": is_today, "generation": ctx.store.generation,
            "at": ctx.store.now().strftime("%H:%M:%S"), "columns": list(LIVE_COLUMNS), "rows": rows,
            "cells": cells}


@router.get("/live")
def live_page(ctx: CtxDep, day: str = "") -> Response:
    payload = live_payload(ctx, parse_day(day, "day"))
    headers = [views.header(c, "account_day") for c in LIVE_COLUMNS]
    return render(ctx, ctx.request, "live.html", live=payload, headers=headers,
                  interval=ctx.parts.config.live_interval_s, asked=day)


async def live_events(ctx: Ctx, asked: dt.date | None, events: int | None) -> AsyncIterator[str]:
    """One `data:` event now and then every interval, until the browser leaves (or `events` were sent)."""
    sent = 0
    while events is None or sent < events:
        if await ctx.request.is_disconnected():
            return
        payload = await run_in_threadpool(live_payload, ctx, asked)
        yield f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"
        sent += 1
        if events is None or sent < events:
            await asyncio.sleep(ctx.parts.config.live_interval_s)


@router.get("/live/stream")
def live_stream(ctx: CtxDep, day: str = "", events: int | None = None) -> StreamingResponse:
    """text/event-stream of the live figures; `events` limits how many are sent before the stream ends."""
    return StreamingResponse(live_events(ctx, parse_day(day, "day"), events), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
