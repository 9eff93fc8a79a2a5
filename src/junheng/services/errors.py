"""Errors the services raise; the web layer maps each to an HTTP status and a bilingual message."""

from __future__ import annotations


class ServiceError(Exception):
    """Base class: ``status`` is the HTTP status, ``code`` a stable identifier, the message is Chinese / English."""

    status = 400
    code = "invalid"

    def __init__(self, zh: str, en: str = "", *, detail: object = None) -> None:
        super().__init__(f"{zh} / {en}" if en else zh)
        self.zh = zh
        self.en = en or zh
        self.detail = detail


class NotAuthenticated(ServiceError):
    status = 401
    code = "not_authenticated"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    """Optimistic-locking conflict: someone else saved first; ``detail`` holds the current record."""

    status = 409
    code = "conflict"


class Invalid(ServiceError):
    status = 422
    code = "invalid"


class Throttled(ServiceError):
    status = 429
    code = "throttled"
