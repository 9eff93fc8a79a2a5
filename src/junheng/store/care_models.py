"""Tables of the care workflow (一人一案): cases and their append-only history.

``care_case`` holds each case's current state with a ``version`` for optimistic
locking; ``care_event`` holds every action ever taken, with who and when.  The
repository over them is :mod:`junheng.store.cases`; states and actions are the
codes of the case programme (``care/programmes/kongchuo.toml``).
Database triggers keep the history append-only even outside the application
(plain SQL on either backend), on SQLite and PostgreSQL alike:

* no DELETE on either table and no UPDATE of an event (``0003_care``);
* no TRUNCATE of either table (PostgreSQL; ``0007_history_guard``);
* an event is inserted only for an existing case, with ``seq`` one more than
  the case's last (1 for the first), a non-blank ``actor`` and an unused
  ``id`` — so SQLite's ``INSERT OR REPLACE`` / ``REPLACE`` (which would delete
  the old row without firing DELETE triggers) and ``ON CONFLICT DO UPDATE`` are
  refused, and no event can be forged out of sequence or by nobody (``0007``);
* a case is inserted with ``version`` 1 and never over an existing ``id``; an
  UPDATE keeps ``id``, ``child_key``, ``source`` and ``opened_on`` and
  increases ``version`` (``0007``).

They guard data statements, not the schema: whoever owns the tables (or the
SQLite file) can drop triggers.  ``tests/store/test_history_guard.py`` tries
every bypass above on both backends.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from junheng.store.models import Base


class CareCase(Base):
    __tablename__ = "care_case"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    child_key: Mapped[str] = mapped_column(String(64), index=True)  # ID number, else a registry record key
    source: Mapped[str] = mapped_column(String(32))  # out_of_school | suspected_dropout
    state: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    id_number: Mapped[str | None] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(64), default="")
    student_id: Mapped[str | None] = mapped_column(String(64))
    school_code: Mapped[str | None] = mapped_column(String(10), index=True)
    village_code: Mapped[str | None] = mapped_column(String(12))
    township_code: Mapped[str | None] = mapped_column(String(12), index=True)
    opened_on: Mapped[dt.date] = mapped_column(Date)
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    tracking_until: Mapped[dt.date | None] = mapped_column(Date)
    responsible: Mapped[dict] = mapped_column(JSON, default=dict)
    org_code: Mapped[str] = mapped_column(String(12), default="", server_default="", index=True)  # scope
    guardian_name: Mapped[str | None] = mapped_column(String(64))  # 0008c: recorded by an action's fields
    guardian_relation: Mapped[str | None] = mapped_column(String(32))
    contact_phone: Mapped[str | None] = mapped_column(String(32))


class CareEvent(Base):
    __tablename__ = "care_event"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("care_case.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str] = mapped_column(String(32), default="")
    to_state: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=False))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
