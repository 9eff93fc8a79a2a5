"""Dependencies shared by the API routers and the pages (``Annotated`` aliases, as in the FastAPI template)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine

from junheng.services import auth
from junheng.services.authz import Actor
from junheng.services.errors import Forbidden
from junheng.services.jobs import JobRunner
from junheng.services.listing import print_heading
from junheng.services.settings import Settings
from junheng.web.i18n import LANGS, translator
from junheng.web.security import (
    ANON_CSRF_COOKIE,
    CSRF_HEADER,
    LANG_COOKIE,
    SAFE_METHODS,
    SESSION_COOKIE,
    client_ip,
    same_token,
)


@dataclass
class WebState:
    engine: Engine
    settings: Settings
    runner: JobRunner
    templates: Jinja2Templates


def web_state(request: Request) -> WebState:
    return request.app.state.web


StateDep = Annotated[WebState, Depends(web_state)]


def session_info(request: Request, state: StateDep) -> auth.SessionInfo:
    info = auth.resolve_session(state.engine, request.cookies.get(SESSION_COOKIE, ""), ip=client_ip(request),
                                settings=state.settings)
    request.state.csrf = info.csrf_token
    request.state.actor = info.actor
    return info


async def _submitted_token(request: Request) -> str | None:
    token = request.headers.get(CSRF_HEADER)
    if token:
        return token
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get("csrf_token")
        return value if isinstance(value, str) else None
    return None


async def current_actor(request: Request, info: Annotated[auth.SessionInfo, Depends(session_info)]) -> Actor:
    """The logged-in actor; state-changing requests must carry the session's CSRF token."""
    if request.method not in SAFE_METHODS and not same_token(await _submitted_token(request), info.csrf_token):
        raise Forbidden("CSRF 校验失败，请刷新页面后重试", "CSRF check failed; reload the page and retry")
    return info.actor


ActorDep = Annotated[Actor, Depends(current_actor)]


async def check_anonymous_csrf(request: Request) -> None:
    """Login is protected by a double-submit token (cookie + form field or header)."""
    if not same_token(await _submitted_token(request), request.cookies.get(ANON_CSRF_COOKIE)):
        raise Forbidden("CSRF 校验失败，请刷新页面后重试", "CSRF check failed; reload the page and retry")


def lang_of(request: Request, state: WebState) -> str:
    lang = request.cookies.get(LANG_COOKIE) or state.settings.default_lang
    return lang if lang in LANGS else "zh"


def render(request: Request, name: str, context: dict[str, Any], *, status_code: int = 200):
    state = web_state(request)
    lang = lang_of(request, state)
    actor = getattr(request.state, "actor", None)
    ctx = {"request": request, "lang": lang, "t": translator(lang), "actor": actor,
           "csrf_token": getattr(request.state, "csrf", None) or request.cookies.get(ANON_CSRF_COOKIE, ""),
           "print_heading": print_heading(state.engine, actor, context.get("county")),
           **context}
    return state.templates.TemplateResponse(request, name, ctx, status_code=status_code)
