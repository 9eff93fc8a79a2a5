"""/api/roles, /api/users and /api/audit: user administration and the audit log."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from junheng.services import audit, auth
from junheng.services.authz import PERMISSIONS, ROLES
from junheng.web.api.schemas import CONFLICT, ERRORS, AuditPage, Ok, RoleInfo, User
from junheng.web.deps import ActorDep, StateDep

router = APIRouter(tags=["admin 系统管理"], responses=ERRORS)
UserId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Role = "^(admin|county_admin|planner|school_clerk|township_staff|viewer)$"


class UserCreate(BaseModel):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    password: str = Field(min_length=1, max_length=256)
    role: str = Field(pattern=Role)
    display_name: str = Field("", max_length=64)
    scopes: list[Annotated[str, Field(pattern=r"^\d{12}$")]] = Field(default_factory=list, max_length=100)
    school_code: str | None = Field(None, pattern=r"^\d{10}$")


class UserUpdate(BaseModel):
    role: str | None = Field(None, pattern=Role)
    display_name: str | None = Field(None, max_length=64)
    scopes: list[Annotated[str, Field(pattern=r"^\d{12}$")]] | None = Field(None, max_length=100)
    school_code: str | None = Field(None, pattern=r"^\d{10}$")
    active: bool | None = None


class PasswordReset(BaseModel):
    new_password: str = Field(min_length=1, max_length=256)


@router.get("/roles", summary="角色与权限 / roles and their permissions", response_model=list[RoleInfo])
def roles(actor: ActorDep) -> list[dict[str, Any]]:
    actor.require("view_registry")
    return [{"role": r, "zh": zh, "en": en, "permissions": sorted(p for p, rs in PERMISSIONS.items() if r in rs)}
            for r, (zh, en) in ROLES.items()]


@router.get("/users", summary="用户列表 / users", response_model=list[User])
def list_users(actor: ActorDep, state: StateDep) -> list[dict[str, Any]]:
    return [asdict(u) for u in auth.list_users(state.engine, actor)]


@router.post("/users", summary="新建用户 / create a user", status_code=201, response_model=User,
             responses=CONFLICT)
def create_user(body: UserCreate, actor: ActorDep, state: StateDep) -> dict[str, Any]:
    return asdict(auth.create_user(state.engine, actor, username=body.username, password=body.password,
                                   role=body.role, scopes=body.scopes, school_code=body.school_code,
                                   display_name=body.display_name, settings=state.settings))


@router.patch("/users/{user_id}", summary="修改用户角色、范围、状态 / change a user", response_model=User)
def update_user(user_id: UserId, body: UserUpdate, actor: ActorDep, state: StateDep) -> dict[str, Any]:
    return asdict(auth.update_user(state.engine, actor, user_id, **body.model_dump(exclude_unset=True)))


@router.post("/users/{user_id}/password", summary="重置用户密码 / reset a user's password", response_model=Ok)
def reset_password(user_id: UserId, body: PasswordReset, actor: ActorDep, state: StateDep) -> dict[str, bool]:
    actor.require("manage_users")
    auth.set_password(state.engine, actor, user_id, body.new_password, settings=state.settings)
    return {"ok": True}


@router.get("/audit", summary="审计日志 / audit log", response_model=AuditPage)
def audit_log(actor: ActorDep, state: StateDep, username: str | None = Query(None, max_length=64),
              action: str | None = Query(None, max_length=64), since: dt.date | None = None,
              until: dt.date | None = None, page: int = Query(1, ge=1, le=100_000),
              per_page: int = Query(50, ge=1, le=500)) -> dict[str, Any]:
    return asdict(audit.list_events(state.engine, actor, username=username, action=action, since=since,
                                    until=until, page=page, per_page=per_page))
