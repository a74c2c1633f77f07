"""Login throttling, CSRF checks and the security headers every response carries."""
from __future__ import annotations

import hmac
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable

from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import Response

# Failures within WINDOW_S that start a wait, per key: one user from one address (a mistyped password),
# one address under any names (spraying), one name from any address (distributed guessing). A person who
# mistypes at the office's shared address waits alone; the others keep signing in.
MAX_FAILURES = 5
ADDRESS_FAILURES = 20
USER_FAILURES = 50
WINDOW_S = 15 * 60
BACKOFF_S = 30  # the first wait; each further failure doubles it, up to WINDOW_S

_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
# Swagger UI starts itself with an inline script and styles itself inline; only /docs allows that.
_DOCS_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
             "script-src 'self' 'unsafe-inline'")
# plotly.js styles what it draws inline (a stylesheet it inserts as it loads, style attributes as it draws): the
# pages with a plotly chart allow inline styles, and their scripts stay this server's own.
_PLOT_CSP = _CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
PLOT_PAGES = frozenset({"/staffing"})


class LoginThrottle:
    """Failed logins counted per (user, address), per address and per user, each with a doubling wait."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    @staticmethod
    def _keys(username: str, client: str) -> tuple[tuple[str, int], ...]:
        """The counters a login attempt touches, each with the failures that start its wait."""
        return ((f"p:{client}\x1f{username}", MAX_FAILURES), (f"c:{client}", ADDRESS_FAILURES),
                (f"u:{username}", USER_FAILURES))

    def _recent(self, key: str) -> deque[float]:
        q = self._failures[key]
        while q and q[0] <= self.clock() - WINDOW_S:
            q.popleft()
        return q

    def wait_s(self, username: str, client: str) -> int:
        """Seconds until another try is allowed (0: go ahead)."""
        now = self.clock()
        with self._lock:
            waits = [q[-1] + min(BACKOFF_S * 2 ** (len(q) - limit), WINDOW_S) - now
                     for key, limit in self._keys(username, client) if len(q := self._recent(key)) >= limit]
        wait = max(waits, default=0.0)
        return int(wait) + 1 if wait > 0 else 0

    def failed(self, username: str, client: str) -> None:
        with self._lock:
            for key, _ in self._keys(username, client):
                self._recent(key).append(self.clock())

    def succeeded(self, username: str, client: str) -> None:
        """A right password clears that user's failures from that address (the other counters keep theirs)."""
        with self._lock:
            self._failures.pop(self._keys(username, client)[0][0], None)


def same_token(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of CSRF tokens; a missing one never matches."""
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


class SecurityHeaders(BaseHTTPMiddleware):
    """No framing, no sniffing, scripts and styles only from this server, no referrer leaks."""

    async def dispatch(self, request: Request, call_next: Callable) -> Response:
        response: Response = await call_next(request)
        path = request.url.path
        csp = _DOCS_CSP if path == "/docs" else _PLOT_CSP if path in PLOT_PAGES else _CSP
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
