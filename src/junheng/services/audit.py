"""The audit log: every write and every view of personal data — who, when, what, from where, whose.

Each event belongs to an org unit (``org_code``): the object's when the caller
names it (a school's township, a job's county), else the actor's home org unit
(:func:`junheng.services.authz.home_org`).  A county administrator reads the
events of their county only; events of no org unit (the system administrator's,
failed logins of unknown names) only the system administrator reads.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select

from junheng.services import listing as L
from junheng.services.authz import Actor
from junheng.services.errors import Invalid
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
    conds = _conditions(actor, username=username, action=action, since=since, until=until)
    page = max(1, page)
    per_page = min(max(1, per_page), 500)
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(t).where(*conds)).scalar_one()
        rows = conn.execute(select(t).where(*conds).order_by(t.c.id.desc())
                            .limit(per_page).offset((page - 1) * per_page)).mappings().all()
    events = [{**dict(r), "at": r["at"].isoformat(sep=" ")} for r in rows]
    return AuditPage(events, int(total), page, per_page)


def _conditions(actor: Actor, *, username: str | None, action: str | None, since: dt.date | None,
                until: dt.date | None) -> list[Any]:
    t = AuditEvent.__table__
    conds: list[Any] = []
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
    return conds


def _day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        raise Invalid(f"日期格式应为 YYYY-MM-DD：{text}", f"a date must be YYYY-MM-DD: {text}") from None


#: The 审计日志 list of the web (:mod:`junheng.services.listing`).
AUDIT_LIST = L.ListSpec("audit", "审计日志", columns=(
    L.Column("at", "时间"), L.Column("username", "用户名"), L.Column("role", "角色", sortable=False),
    L.Column("action", "操作"), L.Column("target", "对象"), L.Column("ip", "地址", sortable=False),
    L.Column("detail", "详情", sortable=False, show="detail_text")),
    filters=("username", "action", "since", "until"), search=("username", "action", "target"),
    default_sort="at", default_desc=True)


def _event_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "at": r["at"].isoformat(sep=" "),
             "detail_text": json.dumps(r["detail"], ensure_ascii=False) if r["detail"] else ""} for r in rows]


def event_page(engine: Engine, actor: Actor, lq: L.ListQuery) -> L.Page:
    """One page of the 审计日志 list for ``lq`` (filters, search and sort in SQL)."""
    stmt, sorts, search = _event_select(actor, lq)
    t = AuditEvent.__table__
    with engine.connect() as conn:
        page = L.page_select(conn, stmt, lq, sort_columns=sorts, search_columns=search, tiebreak=[t.c.id.desc()])
    return L.Page(_event_rows(page.rows), page.total, page.page, page.per_page, page.sort, page.desc)


def event_export(engine: Engine, actor: Actor, lq: L.ListQuery) -> list[dict[str, Any]]:
    """Every event of the 审计日志 list for ``lq``, up to one more than the export cap (the export says so)."""
    stmt, sorts, search = _event_select(actor, lq)
    t = AuditEvent.__table__
    with engine.connect() as conn:
        rows = L.select_all(conn, stmt, lq, sort_columns=sorts, search_columns=search, tiebreak=[t.c.id.desc()],
                            limit=L.EXPORT_CAP + 1)
    return _event_rows(rows)


def _event_select(actor: Actor, lq: L.ListQuery) -> tuple[Any, dict[str, Any], list[Any]]:
    actor.require("view_audit")
    t = AuditEvent.__table__
    f = lq.filter
    stmt = select(t).where(*_conditions(actor, username=f("username"), action=f("action"), since=_day(f("since")),
                                        until=_day(f("until"))))
    sorts = {"at": t.c.id, "username": t.c.username, "action": t.c.action, "target": t.c.target}
    return stmt, sorts, [t.c.username, t.c.action, t.c.target]


def actions(engine: Engine, actor: Actor | None = None) -> list[str]:
    """The actions found in the events ``actor`` may read (all events without an actor)."""
    t = AuditEvent.__table__
    stmt = select(t.c.action).distinct().order_by(t.c.action)
    scoped = actor.org_condition(t.c.org_code) if actor is not None else None
    if scoped is not None:
        stmt = stmt.where(scoped)
    with engine.connect() as conn:
        return [a for (a,) in conn.execute(stmt)]
