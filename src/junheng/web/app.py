"""``create_app(settings)``: the FastAPI application — pages, REST API, static assets, security.

No engine exists until ``create_app`` is called (nothing is connected at
import time).  The app holds one engine, one background job runner and the
templates in ``app.state.web``.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from junheng.services import registry as R
from junheng.services.errors import NotAuthenticated, ServiceError
from junheng.services.jobs import JobRunner
from junheng.services.settings import Settings
from junheng.web.deps import WebState, render
from junheng.web.security import SecurityHeaders

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
TEMPLATES = HERE / "templates"


def create_app(settings: Settings | None = None, *, recover_jobs: bool = True) -> FastAPI:
    """Build the web application for ``settings`` (default: from the environment).

    ``recover_jobs`` marks jobs left unfinished by a stopped server as failed.
    With several server processes only the parent does that, once, before any
    worker starts (``junheng serve --workers``): a worker must never fail the
    live jobs of its siblings.
    """
    from junheng.web import api, pages
    from junheng.web.api import care as care_api
    from junheng.web.api import layout as layout_api
    from junheng.web.api import teachers as teachers_api
    from junheng.web.pages import aid as aid_pages
    from junheng.web.pages import care as care_pages
    from junheng.web.pages import evidence as evidence_pages
    from junheng.web.pages import layout as layout_pages
    from junheng.web.pages import tasks as tasks_pages
    from junheng.web.pages import teachers as teachers_pages

    settings = settings or Settings.from_env()
    engine = R.open_database(settings.db_url, server=True)
    runner = JobRunner(engine, workers=settings.job_workers, per_user=settings.jobs_per_user)
    if recover_jobs:
        runner.recover()
    templates = Jinja2Templates(directory=str(TEMPLATES))
    templates.env.auto_reload = False  # templates ship with the package: no stat() per render
    from junheng.domain.labels import label
    from junheng.services.authz import ROLES
    from junheng.services.layout import format_figure

    templates.env.globals["roles_zh"] = {r: zh for r, (zh, _en) in ROLES.items()}
    templates.env.globals["figure"] = format_figure
    templates.env.globals["label"] = label  # label('stage', 'junior') → 初中: the one label catalogue

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        runner.shutdown()
        engine.dispose()

    app = FastAPI(title="均衡 Junheng API", version="1", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json",
                  description="县域义务教育优质均衡 — 登记、评估、导入、用户与审计 / registry, assessment, import, "
                              "users and audit. 登录后使用（Cookie 会话）；写操作需带 X-CSRF-Token 头。")
    app.state.web = WebState(engine, settings, runner, templates)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(care_api.router)
    app.include_router(care_pages.router, include_in_schema=False)
    app.include_router(aid_pages.router, include_in_schema=False)
    app.include_router(evidence_pages.router, include_in_schema=False)
    app.include_router(layout_api.router, prefix="/api")
    app.include_router(layout_pages.router, include_in_schema=False)
    app.include_router(teachers_api.router, prefix="/api")
    app.include_router(teachers_pages.router, include_in_schema=False)
    app.include_router(tasks_pages.router, include_in_schema=False)

    @app.get("/api/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/api/openapi.json", title="均衡 Junheng API",
                                   swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
                                   swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
                                   swagger_favicon_url="/static/favicon.svg")

    @app.exception_handler(ServiceError)
    async def service_error(request: Request, exc: ServiceError) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"code": exc.code, "detail": exc.zh, "detail_en": exc.en, "extra": _jsonable(exc.detail)},
                                status_code=exc.status)
        if isinstance(exc, NotAuthenticated):
            if request.headers.get("hx-request"):
                return Response(status_code=204, headers={"HX-Redirect": "/login"})
            return RedirectResponse(f"/login?next={quote(str(request.url.path))}", status_code=303)
        return render(request, "error.html", {"status": exc.status, "error": exc}, status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/") or request.url.path.startswith("/static/"):
            return JSONResponse({"code": "http", "detail": exc.detail}, status_code=exc.status_code,
                                headers=getattr(exc, "headers", None))
        return render(request, "error.html", {"status": exc.status_code, "error": None}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return JSONResponse({"code": "invalid", "detail": "请求参数有误", "detail_en": "invalid request",
                             "extra": _jsonable(exc.errors())}, status_code=422)

    return app


def worker_app() -> FastAPI:
    """Factory for one of several uvicorn worker processes (settings from the environment; no job recovery)."""
    return create_app(Settings.from_env(), recover_jobs=False)


def _jsonable(x: Any) -> Any:
    from fastapi.encoders import jsonable_encoder

    try:
        return jsonable_encoder(x)
    except Exception:
        return str(x)
