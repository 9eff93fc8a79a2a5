"""Services: the functions the web routes (and the CLI) call — authorisation, queries and writes live here.

Every function takes the acting :class:`Actor` and checks its permission and
org-unit scope itself, so a route cannot forget to; routes hold no queries.
"""

from junheng.domain.orgcode import scope_prefix
from junheng.services.authz import PERMISSIONS, ROLES, Actor
from junheng.services.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotAuthenticated,
    NotFound,
    ServiceError,
    Throttled,
)
from junheng.services.jobs import JobInfo, JobRunner
from junheng.services.settings import SETTINGS, Setting, Settings

__all__ = [
    "PERMISSIONS",
    "ROLES",
    "SETTINGS",
    "Actor",
    "Conflict",
    "Forbidden",
    "Invalid",
    "JobInfo",
    "JobRunner",
    "NotAuthenticated",
    "NotFound",
    "ServiceError",
    "Setting",
    "Settings",
    "Throttled",
    "scope_prefix",
]
