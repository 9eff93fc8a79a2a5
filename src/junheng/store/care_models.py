"""Tables of the care workflow (一人一案): cases and their append-only history.

``care_case`` holds each case's current state with a ``version`` for optimistic
locking; ``care_event`` holds every action ever taken, with who and when.  The
migration (``0003_care``) adds database triggers that refuse any DELETE on
both tables and any UPDATE of an event, so nothing can be removed or rewritten
even outside the application.
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
