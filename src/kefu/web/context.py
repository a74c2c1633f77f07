"""Per-request context: who is signed in and what they may read; the app's shared parts."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from fastapi import Request

from kefu.config import Settings
from kefu.web.access import Scope
from kefu.web.auth import AuthStore, Session
from kefu.web.jobs import ImportWorker
from kefu.web.security import LoginThrottle
from kefu.web.service import WebWarehouse

SESSION_COOKIE = "kefu_session"


@dataclass(frozen=True)
class WebConfig:
    """How `kefu serve` runs: files, settings and limits."""

    db: Path
    auth_db: Path
    settings: Settings
    work_dir: Path
    max_upload_mb: int = 200
    live_interval_s: float = 5.0
    plans_dir: Path | None = None


@dataclass
class Parts:
    """What every request shares (one of each per server)."""

    config: WebConfig
    store: WebWarehouse
    auth: AuthStore
    worker: ImportWorker
    throttle: LoginThrottle


class LoginRequired(Exception):
    """No valid session: pages redirect to the login form, the API answers 401."""


@dataclass(frozen=True)
class Ctx:
    """A signed-in request: the session and the user's scope."""

    request: Request
    session: Session
    scope: Scope
    parts: Parts

    @property
    def store(self) -> WebWarehouse:
        return self.parts.store


def parts_of(request: Request) -> Parts:
    parts: Parts = request.app.state.parts
    return parts


def current(request: Request) -> Ctx:
    """The signed-in context of a request (FastAPI dependency); raises LoginRequired."""
    parts = parts_of(request)
    session = parts.auth.session(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise LoginRequired()
    return Ctx(request, session, Scope.of(session.user, parts.store.account_shops()), parts)


def parse_day(value: str | None, name: str) -> dt.date | None:
    """A YYYY-MM-DD parameter, or a ValueError with a Chinese message."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name} 需要 YYYY-MM-DD 格式的日期，得到 {value!r} / {name} expects YYYY-MM-DD") from None
