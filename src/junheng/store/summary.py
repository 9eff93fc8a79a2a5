"""A registry summary: the figures ``junheng summary`` and ``make run`` print."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, or_, select

from junheng.store.models import TABLES


@dataclass(frozen=True)
class RegistrySummary:
    county_name: str | None
    year: int | None  # latest school year with facts
    townships: int
    villages: int
    schools_by_type: dict[str, int]
    by_stage: dict[str, tuple[int, int, int]]  # stage -> (students, classes, teachers) in ``year``
    children: int


def registry_summary(engine: Engine, *, county: str | None = None) -> RegistrySummary:
    org, sch, sec, child = TABLES["org_unit"], TABLES["school"], TABLES["section_year"], TABLES["child"]
    prefix = county[:6] if county else None
    with engine.connect() as conn:
        def in_county(col):
            return func.substr(col, 1, 6) == prefix if prefix else True

        name = None
        if prefix:
            name = conn.execute(select(org.c.name).where(org.c.level == "county",
                                                         func.substr(org.c.code, 1, 6) == prefix)).scalar()
        townships = conn.execute(select(func.count()).where(org.c.level == "township", in_county(org.c.code))).scalar()
        villages = conn.execute(select(func.count()).where(org.c.level == "village", in_county(org.c.code))).scalar()
        by_type: dict[str, int] = dict(conn.execute(select(sch.c.school_type, func.count()).where(in_county(sch.c.township_code))
                                    .group_by(sch.c.school_type).order_by(sch.c.school_type)).all())
        school_codes = select(sch.c.code).where(in_county(sch.c.township_code))
        year = conn.execute(select(func.max(sec.c.year)).where(sec.c.school_code.in_(school_codes))).scalar()
        rows = conn.execute(
            select(sec.c.stage, func.sum(sec.c.students), func.sum(sec.c.classes), func.sum(sec.c.teachers))
            .where(sec.c.year == year, sec.c.school_code.in_(school_codes)).group_by(sec.c.stage)).all()
        order = ["preschool", "primary", "junior", "senior"]
        by_stage = {r[0]: (int(r[1] or 0), int(r[2] or 0), int(r[3] or 0))
                    for r in sorted(rows, key=lambda r: order.index(r[0]) if r[0] in order else 9)}
        children = conn.execute(select(func.count()).select_from(child).where(
            or_(in_county(child.c.household_village_code), in_county(child.c.residence_village_code)))).scalar()
    return RegistrySummary(name, year, int(townships or 0), int(villages or 0), by_type, by_stage, int(children or 0))
