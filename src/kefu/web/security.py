"""Login throttling, CSRF checks and the security headers every response carries."""
from __future__ import annotations

import hmac
import threading
import time
from collections import defaultdict, deque
from typing import Callable

from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import Response

MAX_FAILURES = 5
WINDOW_S = 15 * 60

_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
# Swagger UI starts itself with an inline script and styles itself inline; only /docs allows that.
_DOCS_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
             "script-src 'self' 'unsafe-inline'")


class LoginThrottle:
    """At most MAX_FAILURES failed logins per user name and per client address within WINDOW_S."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str) -> deque[float]:
        q = self._failures[key]
        while q and q[0] <= self.clock() - WINDOW_S:
            q.popleft()
        return q

    def wait_s(self, username: str, client: str) -> int:
        """Seconds until another try is allowed (0: go ahead)."""
        with self._lock:
            waits = [q[0] + WINDOW_S - self.clock() for key in (f"u:{username}", f"c:{client}")
                     if len(q := self._recent(key)) >= MAX_FAILURES]
        return int(max(waits)) + 1 if waits else 0

    def failed(self, username: str, client: str) -> None:
        with self._lock:
            for key in (f"u:{username}", f"c:{client}"):
                self._recent(key).append(self.clock())

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(f"u:{username}", None)


def same_token(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of CSRF tokens; a missing one never matches."""
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


class SecurityHeaders(BaseHTTPMiddleware):
    """No framing, no sniffing, scripts and styles only from this server, no referrer leaks."""

    async def dispatch(self, request: Request, call_next: Callable) -> Response:  # type: ignore[type-arg]
        response: Response = await call_next(request)
        docs = request.url.path == "/docs"
        response.headers.setdefault("Content-Security-Policy", _DOCS_CSP if docs else _CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
