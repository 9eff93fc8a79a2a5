"""The audit log: every write and every view of personal data — who, when, what, from where, whose.

Each event belongs to an org unit (``org_code``): the object's when the caller
names it (a school's township, a job's county), else the actor's home org unit
(:func:`junheng.services.authz.home_org`).  A county administrator reads the
events of their county only; events of no org unit (the system administrator's,
failed logins of unknown names) only the system administrator reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select

from junheng.services.authz import Actor
from junheng.store.auth_models import AuditEvent


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def record(conn: Connection, actor: Actor, action: str, target: str = "", *, org: str | None = None,
           **detail: Any) -> None:
    """Append one event in the caller's transaction (so a rolled-back write leaves no event).

    ``org`` is the org unit of the object acted on; by default the actor's home org unit.
    """
    conn.execute(insert(AuditEvent).values(at=now(), username=actor.username, role=actor.role, action=action,
                                           target=target[:255], ip=actor.ip[:64], detail=detail,
                                           org_code=(actor.home if org is None else org)[:12]))


def record_now(engine: Engine, actor: Actor, action: str, target: str = "", *, org: str | None = None,
               **detail: Any) -> None:
    with engine.begin() as conn:
        record(conn, actor, action, target, org=org, **detail)


@dataclass(frozen=True)
class AuditPage:
    events: list[dict[str, Any]]
    total: int
    page: int
    per_page: int


def list_events(engine: Engine, actor: Actor, *, username: str | None = None, action: str | None = None,
                since: dt.date | None = None, until: dt.date | None = None, page: int = 1,
                per_page: int = 50) -> AuditPage:
    """Filtered audit events, newest first (needs ``view_audit``)."""
    actor.require("view_audit")
    t = AuditEvent.__table__
    conds = []
    scoped = actor.org_condition(t.c.org_code)
    if scoped is not None:
        conds.append(scoped)
    if username:
        conds.append(t.c.username == username)
    if action:
        conds.append(t.c.action == action)
    if since:
        conds.append(t.c.at >= dt.datetime.combine(since, dt.time()))
    if until:
        conds.append(t.c.at < dt.datetime.combine(until + dt.timedelta(days=1), dt.time()))
    page = max(1, page)
    per_page = min(max(1, per_page), 500)
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(t).where(*conds)).scalar_one()
        rows = conn.execute(select(t).where(*conds).order_by(t.c.id.desc())
                            .limit(per_page).offset((page - 1) * per_page)).mappings().all()
    events = [{**dict(r), "at": r["at"].isoformat(sep=" ")} for r in rows]
    return AuditPage(events, int(total), page, per_page)


def actions(engine: Engine, actor: Actor | None = None) -> list[str]:
    """The actions found in the events ``actor`` may read (all events without an actor)."""
    t = AuditEvent.__table__
    stmt = select(t.c.action).distinct().order_by(t.c.action)
    scoped = actor.org_condition(t.c.org_code) if actor is not None else None
    if scoped is not None:
        stmt = stmt.where(scoped)
    with engine.connect() as conn:
        return [a for (a,) in conn.execute(stmt)]
