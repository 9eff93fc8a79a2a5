"""Roles, permissions and org-unit scopes — checked in the services, not only in templates.

Six roles (the issue's list).  A user is scoped to org units: a county code
lets them see that county's schools, a township code that township's; a school
clerk sees only their one school.  The system administrator is not scoped.
Org-unit codes are 12 digits, 2+2+2+3+3 (province, city, county, township,
village; 统计用区划代码), so the scope of a code is the prefix left after its
trailing zero groups are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, or_, true

from junheng.services.errors import Forbidden, NotAuthenticated

ROLES: dict[str, tuple[str, str]] = {
    "admin": ("系统管理员", "System administrator"),
    "county_admin": ("县级管理员", "County administrator"),
    "planner": ("规划/督导人员", "Planner / inspector"),
    "school_clerk": ("学校填报员", "School data clerk"),
    "township_staff": ("乡镇工作人员", "Township staff"),
    "viewer": ("只读", "Read-only"),
}

ALL = frozenset(ROLES)
PERMISSIONS: dict[str, frozenset[str]] = {
    "view_registry": ALL,
    "edit_school": frozenset({"admin", "county_admin", "school_clerk"}),
    "view_personal": frozenset({"admin", "county_admin", "school_clerk", "township_staff"}),
    "see_id_numbers": frozenset({"county_admin"}),
    "import_data": frozenset({"admin", "county_admin"}),
    "view_assessment": frozenset({"admin", "county_admin", "planner", "township_staff", "viewer"}),
    "run_assessment": frozenset({"admin", "county_admin", "planner"}),
    "view_layout": frozenset({"admin", "county_admin", "planner", "viewer"}),
    "run_layout": frozenset({"admin", "county_admin", "planner"}),
    "view_teachers": frozenset({"admin", "county_admin", "planner", "viewer"}),
    "run_teachers": frozenset({"admin", "county_admin", "planner"}),
    "manage_users": frozenset({"admin"}),
    "view_audit": frozenset({"admin", "county_admin"}),
}
"""Permission → roles that hold it (the authorisation test checks the API against its own copy)."""


def scope_prefix(code: str) -> str:
    """The code prefix an org unit covers: 130431000000 → 130431, 130431100000 → 130431100."""
    code = code.strip()
    if len(code) == 10:  # a school code is its own scope
        return code
    for length in (2, 4, 6, 9):
        if code[length:].strip("0") == "":
            return code[:length]
    return code


@dataclass(frozen=True)
class Actor:
    """Who is asking: the logged-in user (or the CLI / a job), their role, scopes and address."""

    user_id: int | None
    username: str
    role: str
    scopes: tuple[str, ...] = ()  # 12-digit org-unit codes
    school_code: str | None = None
    ip: str = ""
    display_name: str = ""

    @classmethod
    def system(cls, username: str = "system") -> Actor:
        return cls(None, username, "admin")

    @property
    def unscoped(self) -> bool:
        return self.role == "admin"

    @property
    def prefixes(self) -> tuple[str, ...]:
        return tuple(scope_prefix(c) for c in self.scopes)

    def can(self, permission: str) -> bool:
        return self.role in PERMISSIONS[permission]

    def require(self, permission: str) -> None:
        if self.role not in ROLES:
            raise NotAuthenticated("请先登录", "please log in")
        if not self.can(permission):
            raise Forbidden("您的角色无权执行此操作", "your role may not do this")

    def covers_org(self, code: str) -> bool:
        """True when the org unit ``code`` (or part of it) lies in the user's scopes."""
        if self.unscoped:
            return True
        if self.role == "school_clerk":
            return False
        return any(code.startswith(p) or p.startswith(scope_prefix(code)) for p in self.prefixes)

    def covers_school(self, code: str, township_code: str) -> bool:
        if self.unscoped:
            return True
        if self.role == "school_clerk":
            return code == self.school_code
        return any(township_code.startswith(p) for p in self.prefixes)

    def school_condition(self, code_col, township_col) -> ColumnElement[bool]:
        """SQL condition limiting a school query to the user's scope."""
        if self.unscoped:
            return true()
        if self.role == "school_clerk":
            return code_col == self.school_code if self.school_code else false()
        if not self.prefixes:
            return false()
        return or_(*[township_col.startswith(p) for p in self.prefixes])

    def check_school(self, code: str, township_code: str) -> None:
        if not self.covers_school(code, township_code):
            raise Forbidden("该学校不在您的管辖范围内", "this school is outside your scope")
