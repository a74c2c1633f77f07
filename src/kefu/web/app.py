"""The FastAPI application: shared parts, error pages, static files, offline API docs."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

import swagger_ui
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from kefu.metrics.compile import ReportError
from kefu.report import NoData
from kefu.store import WarehouseBusy
from kefu.web import admin, api, importing, live, lost, pages, qc, scores, staffing
from kefu.web.access import Forbidden
from kefu.web.auth import AuthStore
from kefu.web.context import LoginRequired, Parts, WebConfig
from kefu.web.deps import CtxDep, templates
from kefu.web.jobs import ImportWorker, ProgressHook
from kefu.web.security import LoginThrottle, SecurityHeaders
from kefu.web.service import WebWarehouse

HERE = Path(__file__).parent


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(request: Request, status: int, message: str) -> Response:
    """A Chinese error as JSON for the API, as a page otherwise."""
    if _is_api(request):
        return JSONResponse({"error": message}, status_code=status)
    return templates.TemplateResponse(request, "error.html", {"message": message, "status": status},
                                      status_code=status)


def create_app(config: WebConfig, *, progress_hook: ProgressHook | None = None) -> FastAPI:
    """The web app on one warehouse file; its import worker stops with the app."""
    store = WebWarehouse(config.db, config.settings)
    parts = Parts(config, store, AuthStore(config.auth_db), ImportWorker(store, config.work_dir, progress_hook),
                  LoginThrottle())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        parts.worker.stop()
        parts.auth.close()
        store.close()

    app = FastAPI(title="kefu 客服绩效 API", version="1", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan,
                  description="客服绩效数据接口：与网页版相同的数据与权限。先 POST /api/v1/session 登录"
                              "（会话 cookie），写操作在 X-CSRF-Token 头中带上登录返回的 csrf。")
    app.state.parts = parts
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    # Swagger UI 5 from the swagger-ui-py package: the docs work offline.
    app.mount("/swagger", StaticFiles(directory=Path(swagger_ui.__file__).parent / "static"), name="swagger")
    for module in (pages, lost, qc, scores, staffing, importing, live, admin):
        app.include_router(module.router)
    app.include_router(api.router)

    # The API's description and docs are for signed-in users, like everything else the server shows.
    @app.get("/openapi.json", include_in_schema=False)
    def openapi(_: CtxDep) -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False)
    def docs(_: CtxDep) -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="kefu API",
                                   swagger_js_url="/swagger/swagger-ui-bundle.js",
                                   swagger_css_url="/swagger/swagger-ui.css", swagger_favicon_url="/static/favicon.svg")

    @app.exception_handler(LoginRequired)
    def login_required(request: Request, _: LoginRequired) -> Response:
        if _is_api(request):
            return JSONResponse({"error": "请先登录 / login required"}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _error(request, exc.status_code, str(exc.detail))

    @app.exception_handler(Forbidden)
    def forbidden(request: Request, exc: Forbidden) -> Response:
        # Not found, rather than forbidden: whether another shop's data exists is not the user's business.
        return _error(request, 404, "没有找到，或你无权查看 / not found or not yours to see")

    @app.exception_handler(NoData)
    def no_data(request: Request, exc: NoData) -> Response:
        return _error(request, 404, str(exc))

    @app.exception_handler(WarehouseBusy)
    def busy(request: Request, exc: WarehouseBusy) -> Response:
        return _error(request, 503, exc.web_text)

    @app.exception_handler(ReportError)
    @app.exception_handler(ValueError)
    def bad_request(request: Request, exc: Exception) -> Response:
        return _error(request, 400, str(exc))

    return app
