"""询单流失: the follow-up list of a day (kefu.reports.lost), cut to the user's accounts."""
from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response

from kefu.reports.excel import write_lost_xlsx
from kefu.reports.lost import COLUMN_LABELS, COLUMNS, lost_buyers, status_text
from kefu.web.context import Ctx, parse_day
from kefu.web.deps import CtxDep, render
from kefu.web.queries import day_range
from kefu.web.tables import XLSX_TYPE, attachment, csv_bytes

router = APIRouter(include_in_schema=False)

# The page's columns, to fit a 1366-pixel screen: the account names its shop, the heading names the day and the
# status says whether the buyer was replied to; the downloads keep every column.
PAGE_COLUMNS = ("account", "buyer", "status", "first_ts", "last_ts", "buyer_messages", "order_ids", "order_value",
                "goods", "last_messages")


def lost_rows(ctx: Ctx, day: dt.date | None, account: str, mask: bool) -> tuple[dt.date | None, list[dict[str, Any]]]:
    """The lost buyers of a day (default: the latest day with data, as kefu.reports.lost.last_day) the user may see."""
    if day is None:
        span = day_range(ctx)
        if span is None:
            return None, []
        day = dt.date.fromisoformat(span[1])
    if account:
        ctx.scope.check_account(account, ctx.store.account_shops().get(account))
    with ctx.store.reader() as cur:
        rows = lost_buyers(cur, ctx.store.settings, day, account or None, mask=ctx.scope.mask(mask))
    return day, ctx.scope.rows(rows)


@router.get("/lost")
def lost_page(ctx: CtxDep, day: str = "", account: str = "", mask: str = "1") -> Response:
    the_day, rows = lost_rows(ctx, parse_day(day, "day"), account, mask != "0")
    accounts = sorted(a for a, s in ctx.store.account_shops().items() if ctx.scope.allows_account(a, s))
    return render(ctx, ctx.request, "lost.html", day=the_day, rows=rows, account=account, accounts=accounts,
                  columns=PAGE_COLUMNS, labels={c: v[0] for c, v in COLUMN_LABELS.items()},
                  status_text=status_text, query=dict(ctx.request.query_params))


@router.get("/download/lost.{fmt}")
def lost_download(fmt: str, ctx: CtxDep, day: str = "", account: str = "", mask: str = "1") -> Response:
    """The list as CSV (ids as headers, like `kefu lost --format csv`) or the Excel feature's xlsx."""
    if fmt not in ("csv", "xlsx"):
        raise HTTPException(404)
    the_day, rows = lost_rows(ctx, parse_day(day, "day"), account, mask != "0")
    name = f"kefu-lost-{the_day}"
    if fmt == "csv":
        content = csv_bytes(list(COLUMNS), rows, ctx.store.settings.csv_escape_formulas)
        return attachment(content, f"{name}.csv", "text/csv; charset=utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        path = write_lost_xlsx(Path(tmp) / "lost.xlsx", rows)
        return attachment(path.read_bytes(), f"{name}.xlsx", XLSX_TYPE)
