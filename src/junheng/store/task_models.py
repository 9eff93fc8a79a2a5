"""Tables of the supervision tasks (督导任务): the responsible-unit register, tasks, their units and progress.

Issue #14 item 4; the 西宁 plan (宁政办〔2017〕164号, seed 004) names each task's 责任单位 with "列第一位的单位为
牵头单位".  ``task_unit`` is the register of units of government and departments (教育局, 发改委 …) of an org unit;
``task_link`` ties a task to its units (``lead`` marks the 牵头单位, ``position`` keeps the plan's order);
``task_progress`` is append-only (database triggers refuse UPDATE and DELETE, ``0008_tasks``); ``task`` carries
a ``version`` for optimistic locking and the state the last report left (``percent``, ``completed_on``).
Evidence files are kept in ``task_attachment`` with their SHA-256.  The service is :mod:`junheng.services.tasks`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from junheng.store.models import Base


class TaskUnit(Base):
    __tablename__ = "task_unit"
    __table_args__ = (UniqueConstraint("org_code", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32))  # short code within the org unit (U001 …)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # vocabulary unit_kind: government | department | township | school
    org_code: Mapped[str] = mapped_column(String(12), index=True)  # the org unit the register belongs to


class Task(Base):
    __tablename__ = "task"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_code: Mapped[str] = mapped_column(String(12), index=True)  # the county or city the task belongs to
    number: Mapped[int | None] = mapped_column(Integer)  # the task's number in its source document
    title: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(255), default="")  # source document
    deadline: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default="not_started")  # as of the last write (task_status)
    percent: Mapped[int] = mapped_column(Integer, default=0)
    completed_on: Mapped[dt.date | None] = mapped_column(Date)
    milestones: Mapped[list] = mapped_column(JSON, default=list)
    targets: Mapped[list] = mapped_column(JSON, default=list)  # linked target / indicator codes
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=False))
    version: Mapped[int] = mapped_column(Integer, default=1)


class TaskLink(Base):
    __tablename__ = "task_link"
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("task_unit.id"), primary_key=True)
    lead: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer)


class TaskAttachment(Base):
    __tablename__ = "task_attachment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class TaskProgress(Base):
    __tablename__ = "task_progress"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), index=True)
    reported_on: Mapped[dt.date] = mapped_column(Date)  # the date the progress is reported for
    percent: Mapped[int] = mapped_column(Integer)
    milestone: Mapped[str] = mapped_column(String(255), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("task_attachment.id"))
    by: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=False))
