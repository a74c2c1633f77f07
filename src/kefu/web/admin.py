"""用户 (admins only): list users and their grants, add a user, see the settings the server runs with."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, HTTPException
from fastapi.responses import RedirectResponse, Response

from kefu.config import SETTINGS
from kefu.web.auth import ROLE_LABELS, UserError
from kefu.web.context import Ctx, current
from kefu.web.pages import check_csrf, render

router = APIRouter(include_in_schema=False)


def _admin(ctx: Ctx) -> None:
    if ctx.scope.user.role != "admin":
        raise HTTPException(403, "只有管理员可以管理用户 / admins only")


def _page(ctx: Ctx, error: str = "", status: int = 200) -> Response:
    settings = ctx.store.settings.as_dict()
    rows = [(s.name, settings[s.name], s.help_zh) for s in SETTINGS]
    return render(ctx, ctx.request, "users.html", status, users=ctx.parts.auth.users(), roles=ROLE_LABELS,
                  error=error, settings=rows, accounts=ctx.store.accounts(), shops=ctx.store.shops())


@router.get("/users")
def users_page(ctx: Ctx = Depends(current)) -> Response:
    _admin(ctx)
    return _page(ctx)


@router.post("/users")
def add_user(ctx: Ctx = Depends(current), csrf_token: str = Form(""), username: str = Form(""),
             password: str = Form(""), role: str = Form(""), shops: list[str] = Form([]),
             accounts: list[str] = Form([])) -> Response:
    _admin(ctx)
    check_csrf(ctx, csrf_token)
    try:
        ctx.parts.auth.add_user(username, password, role, shops=shops, accounts=accounts)
    except UserError as exc:
        return _page(ctx, str(exc), 400)
    return RedirectResponse("/users", status_code=303)
