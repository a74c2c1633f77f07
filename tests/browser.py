"""A real headless Debian chromium for tests (Playwright sync API): one browser per session, watched pages.

Use the fixtures `browser` (session) and `watched_page` (a factory: `watched_page(allow=...)` opens a page in a
fresh context whose console errors, page errors, dialogs and outgoing requests are recorded; requests that `allow`
rejects are blocked). `platform_fonts(page, selector)` tells which fonts really drew a text. Tests skip with the
reason when playwright or chromium is missing.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


def only_files(url: str) -> bool:
    """The default request policy: local files and inline data only, nothing from any network."""
    return url.startswith(("file:", "data:", "blob:", "about:"))


@dataclass
class WatchedPage:
    """A page with what it did: console errors, uncaught page errors, requests made and blocked, dialogs opened."""

    page: Any
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def platform_fonts(page: Any, selector: str) -> list[str]:
    """The font families chromium really drew the first element matching `selector` with (via DevTools).

    On a file: page DevTools logs a console error of its own: check the page's console errors first.
    """
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument")["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        return [f["familyName"] for f in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]]
    finally:
        cdp.detach()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless chromium for the whole test session."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright 未安装 / playwright is not installed")
    if not CHROMIUM.exists():
        pytest.skip(f"找不到 {CHROMIUM}，运行 make system-deps 安装 / chromium is not installed")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def watched_page(browser: Any) -> Iterator[Callable[..., WatchedPage]]:
    """A factory of watched pages, each in its own context, closed after the test."""
    contexts: list[Any] = []

    def open_page(allow: Callable[[str], bool] = only_files, **context_args: Any) -> WatchedPage:
        context = browser.new_context(**context_args)
        contexts.append(context)
        page = context.new_page()
        watched = WatchedPage(page)

        def route(r: Any) -> None:
            if allow(r.request.url):
                r.continue_()
            else:
                watched.blocked.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page.on("request", lambda req: watched.requests.append(req.url))
        page.on("console", lambda msg: watched.console_errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: watched.page_errors.append(str(exc)))
        page.on("dialog", lambda dialog: (watched.dialogs.append(dialog.message), dialog.dismiss()))
        return watched

    yield open_page
    for context in contexts:
        context.close()
