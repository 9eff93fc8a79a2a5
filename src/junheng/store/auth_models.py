"""Tables of the web application: users, org-unit scopes, server-side sessions,
login attempts, the audit log and background jobs with their files.

Imported at the bottom of :mod:`junheng.store.models` so that Alembic sees one
metadata.  Roles are plain identifiers (``admin``, ``county_admin``,
``planner``, ``school_clerk``, ``township_staff``, ``viewer``); what each may do
is code (:mod:`junheng.services.authz`), not data.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from junheng.store.models import Base


class User(Base):
    """A person who logs in to the web application."""

    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    role: Mapped[str] = mapped_column(String(32))
    school_code: Mapped[str | None] = mapped_column(String(10))  # a school clerk's one school
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=False))
    password_changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=False))


class UserScope(Base):
    """An org unit (county, township, …) whose schools and people the user may see."""

    __tablename__ = "user_scope"
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    org_code: Mapped[str] = mapped_column(String(12), primary_key=True)


class WebSession(Base):
    """A server-side session; the cookie carries a random token, the table its SHA-256."""

    __tablename__ = "web_session"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=False))
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime(timezone=False))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=False))
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")


class LoginAttempt(Base):
    """A failed login, kept for throttling (per user name and per address)."""

    __tablename__ = "login_attempt"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=False), index=True)


class AuditEvent(Base):
    """Who did what, when, from where: every write and every view of personal data."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=False), index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(32), default="")
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(255), default="")
    ip: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    org_code: Mapped[str] = mapped_column(String(12), default="", server_default="", index=True)  # whose event


class Job(Base):
    """A long task (import, assessment) run in the background; pages poll its progress."""

    __tablename__ = "job"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # queued running done rejected failed
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    username: Mapped[str] = mapped_column(String(64), index=True)
    org_code: Mapped[str] = mapped_column(String(12), default="", index=True)  # the org unit the job belongs to
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=False), index=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=False))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=False))


class JobFile(Base):
    """A file a job reads (the uploaded workbook) or writes (error report, DOCX, XLSX, JSON)."""

    __tablename__ = "job_file"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # input / output
    name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(128))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
