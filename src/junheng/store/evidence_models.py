"""Tables of the evidence (佐证材料) entered in the browser: records, their attachments, their history.

``evidence_record`` holds one judgement per (county, pack, item or target code, school year) as the
evidence file of :mod:`junheng.standards.evidence` allows it (status, value, document, note), who
entered it and when, its review state (``submitted`` / ``accepted`` / ``rejected``) with the
reviewer, comment and time, and a ``version`` for optimistic locking.  ``evidence_attachment`` keeps
each uploaded file with its media type, size and SHA-256.  ``evidence_history`` is append-only: one
row for every change (entry, edit, attachment, review), with a snapshot of the record after it.
Database triggers (``0008_evidence``) refuse DELETE on all three tables and UPDATE of a history row
or an attachment, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from junheng.store.models import Base


class EvidenceRecord(Base):
    __tablename__ = "evidence_record"
    __table_args__ = (UniqueConstraint("org_code", "pack", "item", "year", name="uq_evidence_record_item"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_code: Mapped[str] = mapped_column(String(12), index=True)  # the county
    pack: Mapped[str] = mapped_column(String(64))
    item: Mapped[str] = mapped_column(String(64))  # item or plan target code
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="unknown")  # met | not_met | unknown
    value: Mapped[float | None] = mapped_column(Float)
    document: Mapped[str] = mapped_column(String(256), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by: Mapped[str] = mapped_column(String(64))
    entered_at: Mapped[dt.datetime] = mapped_column(DateTime)
    state: Mapped[str] = mapped_column(String(16), default="submitted")  # submitted | accepted | rejected
    reviewer: Mapped[str | None] = mapped_column(String(64))
    review_comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class EvidenceAttachment(Base):
    __tablename__ = "evidence_attachment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("evidence_record.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime)


class EvidenceHistory(Base):
    __tablename__ = "evidence_history"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("evidence_record.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))  # enter | update | accept | reject
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
