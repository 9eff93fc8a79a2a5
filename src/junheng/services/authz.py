"""Roles, permissions and org-unit scopes — checked in the services, not only in templates.

Six roles (the issue's list).  A user is scoped to org units: a county code
lets them see that county's schools, a township code that township's; a school
clerk sees only their one school.  The system administrator is not scoped.
Org-unit codes are 12 digits, 2+2+2+3+3 (province, city, county, township,
village; 统计用区划代码), so the scope of a code is the prefix left after its
trailing zero groups are dropped.

The one scope rule (docs/dev/security.md): an actor may read or write an
object only when one of the actor's scopes *covers* the object's org unit —
one way: a county scope covers its townships and villages, a township scope
does not cover its county.  An object with no org unit belongs to the
unscoped system administrator alone.  :meth:`Actor.within_org` is the reverse
relation; it only chooses which county a page is about and lets a view show
the in-scope *part* of a county-wide object, never the object itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import ColumnElement, false, or_, true

from junheng.domain.labels import VOCABULARIES
from junheng.domain.orgcode import ancestors, padded, scope_prefix
from junheng.services.errors import Forbidden, NotAuthenticated

ROLES: dict[str, tuple[str, str]] = {code: (lab.zh, lab.en) for code, lab in VOCABULARIES["role"].labels.items()}
"""Role → (Chinese, English) label, from junheng.domain.labels."""

ALL = frozenset(ROLES)
PERMISSIONS: dict[str, frozenset[str]] = {
    "view_registry": ALL,
    "edit_school": frozenset({"admin", "county_admin", "school_clerk"}),
    "view_personal": frozenset({"admin", "county_admin", "school_clerk", "township_staff"}),
    "see_id_numbers": frozenset({"county_admin"}),
    "import_data": frozenset({"admin", "county_admin"}),
    "view_assessment": frozenset({"admin", "county_admin", "planner", "township_staff", "viewer"}),
    "run_assessment": frozenset({"admin", "county_admin", "planner"}),
    "enter_evidence": frozenset({"admin", "county_admin", "planner"}),
    "review_evidence": frozenset({"admin", "county_admin"}),
    "view_layout": frozenset({"admin", "county_admin", "planner", "viewer"}),
    "run_layout": frozenset({"admin", "county_admin", "planner"}),
    "view_teachers": frozenset({"admin", "county_admin", "planner", "viewer"}),
    "run_teachers": frozenset({"admin", "county_admin", "planner"}),
    "manage_users": frozenset({"admin"}),
    "view_audit": frozenset({"admin", "county_admin"}),
    "download_originals": frozenset({"admin", "county_admin"}),
    "view_tasks": frozenset({"admin", "county_admin", "planner", "viewer"}),
    "manage_tasks": frozenset({"admin", "county_admin", "planner"}),
}
"""Permission → roles that hold it (the authorisation test checks the API against its own copy)."""


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
    home: str = ""  # the org unit the actor's own objects belong to (see :func:`home_org`)

    @classmethod
    def system(cls, username: str = "system") -> Actor:
        return cls(None, username, "admin")

    @property
    def unscoped(self) -> bool:
        return self.role == "admin"

    @cached_property  # read for every row a list or an import checks
    def prefixes(self) -> tuple[str, ...]:
        return tuple(scope_prefix(c) for c in self.scopes)

    def can(self, permission: str) -> bool:
        return self.role in PERMISSIONS[permission]

    def require(self, permission: str) -> None:
        if self.role not in ROLES:
            raise NotAuthenticated("请先登录", "please log in")
        if not self.can(permission):
            raise Forbidden("您的角色无权执行此操作", "your role may not do this")

    def covers_org(self, code: str | None) -> bool:
        """True when the org unit ``code`` lies inside one of the actor's scopes (one way; empty: admin only)."""
        if self.unscoped:
            return True
        if not code or self.role == "school_clerk":
            return False
        return any(code.startswith(p) for p in self.prefixes)

    def within_org(self, code: str | None) -> bool:
        """True when one of the actor's scopes lies inside the org unit ``code`` (the reverse of covers_org).

        For choosing the county a page is about and for views that filter a county-wide object to the actor's
        part; never for access to the object itself.
        """
        if self.unscoped:
            return True
        if not code:
            return False
        if self.role == "school_clerk":
            return bool(self.home) and self.home.startswith(scope_prefix(code))
        return any(p.startswith(scope_prefix(code)) for p in self.prefixes)

    def org_condition(self, column: Any, *, part: bool = False) -> ColumnElement[bool] | None:
        """SQL condition on an org-code column: the rows the actor covers (``None``: no limit, the administrator).

        With ``part`` also the rows of the org units the actor lies inside (see :meth:`within_org`).
        """
        if self.unscoped:
            return None
        conds: list[ColumnElement[bool]] = []
        if self.role != "school_clerk":
            conds += [column.startswith(p) for p in self.prefixes]
        if part:
            homes = [self.home] if self.role == "school_clerk" else [padded(p) for p in self.prefixes]
            above = {a for h in homes if h for a in ancestors(h)}
            if above:
                conds.append(column.in_(sorted(above)))
        return or_(*conds) if conds else false()

    def covers_school(self, code: str, township_code: str) -> bool:
        if self.unscoped:
            return True
        if self.role == "school_clerk":
            return code == self.school_code
        return any(township_code.startswith(p) for p in self.prefixes)

    def school_condition(self, code_col: Any, township_col: Any) -> ColumnElement[bool]:
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


def home_org(role: str, scopes: tuple[str, ...] | list[str], school_township: str | None = None) -> str:
    """The org unit an actor's own objects (jobs, import batches, audit events) belong to.

    The system administrator's belong to no org unit (only the administrator sees them); a school clerk's to the
    school's township; otherwise the one scope, or for several scopes the narrowest org unit containing them all
    (the common code prefix cut to a level boundary, padded with zeros).
    """
    if role == "admin":
        return ""
    if role == "school_clerk":
        return school_township or ""
    if not scopes:
        return ""
    prefixes = [scope_prefix(c) for c in scopes]
    common = prefixes[0]
    for p in prefixes[1:]:
        n = 0
        while n < min(len(common), len(p)) and common[n] == p[n]:
            n += 1
        common = common[:n]
    for length in (9, 6, 4, 2):
        if len(common) >= length:
            return padded(common[:length])
    return ""
