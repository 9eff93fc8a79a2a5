"""系统管理: users (create, role, scopes, active, password reset) and the audit log with filters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from junheng.services import audit, auth
from junheng.services import listing as L
from junheng.services.authz import ROLES
from junheng.services.errors import Conflict, Forbidden, Invalid
from junheng.web.api.imports import attachment
from junheng.web.deps import ActorDep, StateDep, render

router = APIRouter()


def _codes(text: str) -> list[str]:
    return [c.strip() for c in text.replace("，", ",").split(",") if c.strip()]


@router.get("/admin/users")
def users_page(request: Request, actor: ActorDep, state: StateDep) -> Response:
    return render(request, "admin_users.html", {"active": "admin", "users": auth.list_users(state.engine, actor),
                                                "roles": ROLES, "error": None, "done": request.query_params.get("done")})


@router.post("/admin/users")
def users_create(request: Request, actor: ActorDep, state: StateDep, username: Annotated[str, Form(max_length=64)],
                 password: Annotated[str, Form(max_length=256)], role: Annotated[str, Form()],
                 display_name: Annotated[str, Form(max_length=64)] = "", scopes: Annotated[str, Form()] = "",
                 school_code: Annotated[str, Form()] = "") -> Response:
    try:
        auth.create_user(state.engine, actor, username=username, password=password, role=role,
                         scopes=_codes(scopes), school_code=school_code or None, display_name=display_name,
                         settings=state.settings)
    except (Invalid, Conflict) as exc:
        return render(request, "admin_users.html", {"active": "admin", "users": auth.list_users(state.engine, actor),
                                                    "roles": ROLES, "error": exc, "done": None}, status_code=exc.status)
    return RedirectResponse("/admin/users?done=created", status_code=303)


@router.post("/admin/users/{user_id}")
def users_update(request: Request, user_id: Annotated[int, Path(ge=1)], actor: ActorDep, state: StateDep,
                 role: Annotated[str, Form()], scopes: Annotated[str, Form()] = "",
                 school_code: Annotated[str, Form()] = "", active: Annotated[str, Form()] = "",
                 new_password: Annotated[str, Form(max_length=256)] = "") -> Response:
    try:
        auth.update_user(state.engine, actor, user_id, role=role, scopes=_codes(scopes),
                         school_code=school_code or None, active=active == "1")
        if new_password:
            auth.set_password(state.engine, actor, user_id, new_password, settings=state.settings)
    except (Invalid, Conflict, Forbidden) as exc:
        return render(request, "admin_users.html", {"active": "admin", "users": auth.list_users(state.engine, actor),
                                                    "roles": ROLES, "error": exc, "done": None}, status_code=exc.status)
    return RedirectResponse("/admin/users?done=updated", status_code=303)


@router.get("/admin/audit")
def audit_page(request: Request, actor: ActorDep, state: StateDep) -> Response:
    lq = L.parse_query(audit.AUDIT_LIST, request.query_params)
    p = audit.event_page(state.engine, actor, lq)
    return render(request, "admin_audit.html", {"active": "admin", "p": p, "lq": lq,
                                                "actions": audit.actions(state.engine, actor)})


@router.get("/admin/audit/export.xlsx")
def audit_export(request: Request, actor: ActorDep, state: StateDep) -> Response:
    lq = L.parse_query(audit.AUDIT_LIST, request.query_params)
    rows = audit.event_export(state.engine, actor, lq)
    name, content = L.export_xlsx(state.engine, actor, audit.AUDIT_LIST, rows, lq)
    return attachment(name, L.XLSX, content)
