"""/api/auth: CSRF token for login, log in, log out, who am I, change my password."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from junheng.services import auth
from junheng.services.authz import ROLES
from junheng.web.api.schemas import ERRORS, THROTTLED, CsrfToken, LoginResult, Me, Ok
from junheng.web.deps import ActorDep, StateDep, check_anonymous_csrf
from junheng.web.security import ANON_CSRF_COOKIE, SESSION_COOKIE, client_ip, new_token

router = APIRouter(prefix="/auth", tags=["auth 登录"], responses=ERRORS)


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class PasswordChange(BaseModel):
    old_password: str = Field(default="", max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


def set_session_cookie(response: Response, token: str, *, secure: bool, max_age: int) -> None:
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=secure, max_age=max_age,
                        path="/")


@router.get("/csrf", summary="登录前的 CSRF 令牌 / CSRF token for logging in", response_model=CsrfToken)
def csrf(request: Request, response: Response, state: StateDep) -> dict[str, str]:
    token = request.cookies.get(ANON_CSRF_COOKIE) or new_token()
    response.set_cookie(ANON_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=state.settings.secure_cookies, path="/")
    return {"csrf_token": token}


@router.post("/login", summary="登录 / log in", dependencies=[Depends(check_anonymous_csrf)],
             response_model=LoginResult, responses=THROTTLED)
def login(body: LoginRequest, request: Request, response: Response, state: StateDep) -> dict[str, Any]:
    s = auth.login(state.engine, body.username, body.password, ip=client_ip(request),
                   user_agent=request.headers.get("user-agent", ""), settings=state.settings)
    set_session_cookie(response, s.token, secure=state.settings.secure_cookies,
                       max_age=state.settings.session_hours * 3600)
    return {"username": s.actor.username, "role": s.actor.role, "csrf_token": s.csrf_token}


@router.post("/logout", summary="退出 / log out", response_model=Ok)
def logout(request: Request, response: Response, actor: ActorDep, state: StateDep) -> dict[str, bool]:
    auth.logout(state.engine, request.cookies.get(SESSION_COOKIE, ""), actor)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"ok": True}


@router.get("/me", summary="当前用户 / the current user", response_model=Me)
def me(actor: ActorDep, request: Request) -> dict[str, Any]:
    return {**asdict(actor), "role_zh": ROLES[actor.role][0], "csrf_token": request.state.csrf}


@router.post("/password", summary="修改本人密码 / change my password", response_model=Ok, responses=THROTTLED)
def change_password(body: PasswordChange, actor: ActorDep, state: StateDep) -> dict[str, bool]:
    auth.set_password(state.engine, actor, actor.user_id or 0, body.new_password, old_password=body.old_password,
                      settings=state.settings)
    return {"ok": True}


