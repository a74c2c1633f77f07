"""What the routers share: the templates, page rendering, CSRF checks, the one login and request dependencies."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import jinja2
from fastapi import Depends, HTTPException, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from kefu.explain import Explanation
from kefu.web import views
from kefu.web.access import Forbidden
from kefu.web.auth import Session
from kefu.web.context import SESSION_COOKIE, Ctx, current, parts_of
from kefu.web.queries import explain_figure
from kefu.web.security import same_token

templates = Jinja2Templates(env=jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True))

CtxDep = Annotated[Ctx, Depends(current)]
"""A signed-in request (a route with it answers LoginRequired to anyone else)."""

WRONG_LOGIN = "用户名或密码错误 / wrong user name or password"


class LoginRefused(Exception):
    """A login that started no session: too many failures (wait_s > 0, HTTP 429) or a wrong password (401)."""

    def __init__(self, wait_s: int = 0) -> None:
        super().__init__(wait_s)
        self.wait_s = wait_s

    @property
    def status(self) -> int:
        return 429 if self.wait_s else 401


def render(ctx: Ctx | None, request: Request, name: str, status: int = 200, **data: Any) -> Response:
    """A page with the navigation of the signed-in user."""
    base = {"ctx": ctx, "views": views}
    return templates.TemplateResponse(request, name, {**base, **data}, status_code=status)


def check_csrf(ctx: Ctx, token: str | None) -> None:
    """Every POST carries the session's CSRF token (form field or X-CSRF-Token header)."""
    if not same_token(ctx.session.csrf, token or ctx.request.headers.get("x-csrf-token")):
        raise HTTPException(403, "CSRF 校验失败，请刷新页面后重试 / CSRF check failed")


def authenticate(request: Request, username: str, password: str) -> tuple[str, Session]:
    """One login of the form or the API: throttled per user and address; a new session's cookie token and session.

    Raises LoginRefused while the throttle makes the client wait, or when the password is wrong (a failure counted).
    """
    parts = parts_of(request)
    client = request.client.host if request.client else "-"
    wait = parts.throttle.wait_s(username, client)
    if wait:
        raise LoginRefused(wait)
    user = parts.auth.verify(username, password)
    if user is None:
        parts.throttle.failed(username, client)
        raise LoginRefused()
    parts.throttle.succeeded(username, client)
    return parts.auth.start_session(user)


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """HttpOnly + SameSite=Lax always; Secure when the app is reached over https."""
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", path="/",
                        secure=request.url.scheme == "https")


def sign_out(ctx: Ctx, csrf_token: str | None) -> None:
    """End the request's session, once the CSRF token checks out."""
    check_csrf(ctx, csrf_token)
    ctx.parts.auth.end_session(ctx.request.cookies.get(SESSION_COOKIE))


def explained(ctx: Ctx, metric_id: str, day: str, account: str, shop: str, mask: bool) -> Explanation:
    """explain_figure for a page or the API: a figure that is not there is a 404 that says why."""
    try:
        return explain_figure(ctx, metric_id, day, account=account, shop=shop, mask=mask)
    except Forbidden:
        raise  # shown as not found by the app, without saying whether the data exists
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
