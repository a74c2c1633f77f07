"""用户 (admins only): list users, add, change role and scope, disable, re-enable, delete; the server's settings."""
from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Form, HTTPException
from fastapi.responses import RedirectResponse, Response

from kefu.config import SETTINGS
from kefu.web.auth import ROLE_LABELS, User, UserError, check_grants
from kefu.web.context import Ctx
from kefu.web.deps import CtxDep, check_csrf, render

router = APIRouter(include_in_schema=False)


def _admin(ctx: Ctx) -> None:
    if ctx.scope.user.role != "admin":
        raise HTTPException(403, "只有管理员可以管理用户 / admins only")


def _page(ctx: Ctx, error: str = "", status: int = 200) -> Response:
    settings = ctx.store.settings.as_dict()
    rows = [(s.name, settings[s.name], s.help_zh) for s in SETTINGS]
    return render(ctx, ctx.request, "users.html", status, users=ctx.parts.auth.users(), roles=ROLE_LABELS,
                  error=error, settings=rows, accounts=ctx.store.accounts(), shops=ctx.store.shops())


def _checked(ctx: Ctx, shops: list[str], accounts: list[str]) -> None:
    """Grants must name the warehouse's shops and accounts (a crafted form cannot add others)."""
    check_grants(shops, accounts, ctx.store.shops(), [a["account"] for a in ctx.store.accounts()])


def _change(ctx: Ctx, csrf_token: str, action: Callable[[], object]) -> Response:
    """Run one user change for an admin with a valid form token; back to the list, or the page with the error."""
    _admin(ctx)
    check_csrf(ctx, csrf_token)
    try:
        action()
    except UserError as exc:
        return _page(ctx, str(exc), 400)
    return RedirectResponse("/users", status_code=303)


@router.get("/users")
def users_page(ctx: CtxDep) -> Response:
    _admin(ctx)
    return _page(ctx)


@router.post("/users")
def add_user(ctx: CtxDep, csrf_token: str = Form(""), username: str = Form(""),
             password: str = Form(""), role: str = Form(""), shops: list[str] = Form([]),
             accounts: list[str] = Form([])) -> Response:
    def add() -> User:
        _checked(ctx, shops, accounts)
        return ctx.parts.auth.add_user(username, password, role, shops=shops, accounts=accounts)

    return _change(ctx, csrf_token, add)


@router.post("/users/{username}/role")
def set_role(username: str, ctx: CtxDep, csrf_token: str = Form(""), role: str = Form(""),
             shops: list[str] = Form([]), accounts: list[str] = Form([])) -> Response:
    def change() -> User:
        _checked(ctx, shops, accounts)
        return ctx.parts.auth.set_role(username, role, shops=shops, accounts=accounts)

    return _change(ctx, csrf_token, change)


@router.post("/users/{username}/disable")
def disable_user(username: str, ctx: CtxDep, csrf_token: str = Form("")) -> Response:
    return _change(ctx, csrf_token, lambda: ctx.parts.auth.set_disabled(username, True))


@router.post("/users/{username}/enable")
def enable_user(username: str, ctx: CtxDep, csrf_token: str = Form("")) -> Response:
    return _change(ctx, csrf_token, lambda: ctx.parts.auth.set_disabled(username, False))


@router.post("/users/{username}/delete")
def delete_user(username: str, ctx: CtxDep, csrf_token: str = Form(""), confirm: str = Form("")) -> Response:
    def delete() -> None:
        if confirm != "yes":
            raise UserError(f"删除 {username} 需要勾选确认 / tick the box to confirm")
        ctx.parts.auth.delete_user(username)

    return _change(ctx, csrf_token, delete)
