"""Database tables of the registry (SQLAlchemy 2).

The columns of the fact tables (``school_year``, ``section_year``, …) are
generated from the field catalogue in :mod:`junheng.domain.fields`, so the
template, the importer and the database cannot disagree.  Entity tables carry
an ``import_id`` naming the import batch that last wrote them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from junheng.domain import fields as F

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _sql_type(f: F.Field):
    if f.kind == "int":
        return Integer()
    if f.kind == "float":
        return Float()
    if f.kind == "bool":
        return Boolean()
    if f.kind == "date":
        return Date()
    if f.kind == "code":
        return String(f.digits or 32)
    if f.kind == "enum":
        return String(32)
    if f.kind == "list":
        return String(255)
    return String(255)


_FOREIGN_KEYS = {
    ("school_year", "school_code"): "school.code",
    ("section_year", "school_code"): "school.code",
    ("teacher", "school_code"): "school.code",
    ("teacher_training", "teacher_id"): "teacher.teacher_id",
    ("population", "village_code"): "org_unit.code",
    ("birth", "village_code"): "org_unit.code",
}


def _fact_table(spec: F.SheetSpec) -> Table:
    cols: list[Column] = []
    for f in spec.fields:
        args = []
        fk = _FOREIGN_KEYS.get((spec.key, f.key))
        if fk:
            args.append(ForeignKey(fk, ondelete="CASCADE"))
        cols.append(Column(
            f.key, _sql_type(f), *args,
            primary_key=f.key in spec.primary_key,
            nullable=not (f.required or f.key in spec.primary_key),
            comment=f.zh,
        ))
    cols.append(Column("import_id", Integer, ForeignKey("import_batch.id"), nullable=True))
    return Table(spec.key, Base.metadata, *cols, comment=spec.zh)


class ImportBatch(Base):
    """One import: who, when, which file (by SHA-256), what it wrote."""

    __tablename__ = "import_batch"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(Text)  # SHA-256 of each file, comma-separated
    kind: Mapped[str] = mapped_column(String(255))  # the tables the import wrote, "+"-joined
    user: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=False))
    finished_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=False))
    years: Mapped[str] = mapped_column(String(255), default="")
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    org_code: Mapped[str] = mapped_column(String(12), default="", server_default="", index=True)  # scope


class OrgUnit(Base):
    __tablename__ = "org_unit"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(String(12), index=True)
    name: Mapped[str] = mapped_column(String(255))
    level: Mapped[str] = mapped_column(String(16))
    ur_code: Mapped[int | None] = mapped_column(Integer)
    lon: Mapped[float | None] = mapped_column(Float)  # WGS-84
    lat: Mapped[float | None] = mapped_column(Float)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))


class School(Base):
    __tablename__ = "school"
    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    school_type: Mapped[str] = mapped_column(String(32))
    ownership: Mapped[str] = mapped_column(String(16))
    inclusive: Mapped[bool | None] = mapped_column(Boolean)
    boarding: Mapped[bool | None] = mapped_column(Boolean)
    township_code: Mapped[str] = mapped_column(ForeignKey("org_unit.code"), index=True)
    village_code: Mapped[str | None] = mapped_column(ForeignKey("org_unit.code"))
    parent_school_code: Mapped[str | None] = mapped_column(String(10))
    ur_code: Mapped[int | None] = mapped_column(Integer)
    lon: Mapped[float | None] = mapped_column(Float)  # WGS-84
    lat: Mapped[float | None] = mapped_column(Float)
    version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic locking
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Teacher(Base):
    __tablename__ = "teacher"
    teacher_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    id_number: Mapped[str | None] = mapped_column(String(18), index=True)
    name: Mapped[str] = mapped_column(String(64))
    sex: Mapped[str | None] = mapped_column(String(8))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    school_code: Mapped[str] = mapped_column(ForeignKey("school.code", ondelete="CASCADE"), index=True)
    stage: Mapped[str | None] = mapped_column(String(16))
    subject: Mapped[str | None] = mapped_column(String(32))
    degree: Mapped[str | None] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(16))
    backbone_level: Mapped[str | None] = mapped_column(String(16))
    certified: Mapped[bool | None] = mapped_column(Boolean)
    school_since: Mapped[int | None] = mapped_column(Integer)
    is_principal: Mapped[bool | None] = mapped_column(Boolean)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))


class Child(Base):
    __tablename__ = "child"
    id_number: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    sex: Mapped[str | None] = mapped_column(String(8))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    household_village_code: Mapped[str | None] = mapped_column(String(12), index=True)
    residence_village_code: Mapped[str | None] = mapped_column(String(12))
    left_behind: Mapped[bool | None] = mapped_column(Boolean)
    disabled: Mapped[bool | None] = mapped_column(Boolean)
    low_income: Mapped[bool | None] = mapped_column(Boolean)
    migrant: Mapped[bool | None] = mapped_column(Boolean)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))


school_year = _fact_table(F.SCHOOL_YEARS)
section_year = _fact_table(F.SECTION_YEARS)
teacher_training = _fact_table(F.TEACHER_TRAINING)
population = _fact_table(F.POPULATION)
birth = _fact_table(F.BIRTHS)

TABLES: dict[str, Table] = {
    "org_unit": OrgUnit.__table__,  # type: ignore[dict-item]
    "school": School.__table__,  # type: ignore[dict-item]
    "school_year": school_year,
    "section_year": section_year,
    "teacher": Teacher.__table__,  # type: ignore[dict-item]
    "teacher_training": teacher_training,
    "child": Child.__table__,  # type: ignore[dict-item]
    "population": population,
    "birth": birth,
}
"""Registry tables by their catalogue key (``SheetSpec.key``)."""

from junheng.store import auth_models as _auth_models  # noqa: E402,F401  (web tables: one metadata for Alembic)
from junheng.store import care_models as _care_models  # noqa: E402,F401  (care cases: one metadata for Alembic)
from junheng.store import evidence_models as _evidence_models  # noqa: E402,F401  (evidence: one metadata for Alembic)
from junheng.store import layout_models as _layout_models  # noqa: E402,F401  (layout scenarios: one metadata for Alembic)
from junheng.store import task_models as _task_models  # noqa: E402,F401  (supervision tasks: one metadata for Alembic)
