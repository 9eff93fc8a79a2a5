"""Log in / log out / language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from junheng.services import auth
from junheng.services.errors import NotAuthenticated, Throttled
from junheng.web.deps import ActorDep, StateDep, check_anonymous_csrf, render
from junheng.web.security import ANON_CSRF_COOKIE, LANG_COOKIE, SESSION_COOKIE, client_ip, new_token

router = APIRouter()


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login")
def login_page(request: Request, state: StateDep, next: str | None = None) -> Response:
    token = request.cookies.get(ANON_CSRF_COOKIE) or new_token()
    request.cookies[ANON_CSRF_COOKIE] = token
    resp = render(request, "login.html", {"next": _safe_next(next), "error": None})
    resp.set_cookie(ANON_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=state.settings.secure_cookies)
    return resp


@router.post("/login", dependencies=[Depends(check_anonymous_csrf)])
def login_submit(request: Request, state: StateDep, username: Annotated[str, Form(max_length=64)],
                 password: Annotated[str, Form(max_length=256)], next: Annotated[str, Form()] = "/") -> Response:
    try:
        s = auth.login(state.engine, username, password, ip=client_ip(request),
                       user_agent=request.headers.get("user-agent", ""), settings=state.settings)
    except (NotAuthenticated, Throttled) as exc:
        return render(request, "login.html", {"next": _safe_next(next), "error": exc, "username": username},
                      status_code=exc.status)
    resp = RedirectResponse(_safe_next(next), status_code=303)
    resp.set_cookie(SESSION_COOKIE, s.token, httponly=True, samesite="lax", secure=state.settings.secure_cookies,
                    max_age=state.settings.session_hours * 3600)
    return resp


@router.post("/logout")
def logout(request: Request, actor: ActorDep, state: StateDep) -> Response:
    auth.logout(state.engine, request.cookies.get(SESSION_COOKIE, ""), actor)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE)
    return resp


@router.get("/lang/{lang}")
def switch_lang(lang: str, request: Request) -> Response:
    back = request.headers.get("referer") or "/"
    from urllib.parse import urlparse

    path = urlparse(back).path or "/"
    resp = RedirectResponse(_safe_next(path), status_code=303)
    resp.set_cookie(LANG_COOKIE, "en" if lang == "en" else "zh", samesite="lax", max_age=365 * 86400)
    return resp
