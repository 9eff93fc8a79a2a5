"""Which county a request is about, and small look-ups of org units (names, townships, years)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from junheng.services.authz import Actor
from junheng.services.errors import Forbidden, NotFound
from junheng.store.models import TABLES, OrgUnit, School


@dataclass(frozen=True)
class OrgUnitPublic:
    code: str
    name: str
    level: str
    parent_code: str | None


def counties_in_scope(engine: Engine, actor: Actor) -> list[OrgUnitPublic]:
    """Counties the actor may look at (any part of: covered, or the actor's scope lies inside)."""
    with engine.connect() as conn:
        rows = conn.execute(select(OrgUnit.code, OrgUnit.name, OrgUnit.level, OrgUnit.parent_code)
                            .where(OrgUnit.level == "county").order_by(OrgUnit.code)).all()
        if actor.role == "school_clerk" and actor.school_code:
            tw = conn.execute(select(School.township_code).where(School.code == actor.school_code)).scalar()
            return [OrgUnitPublic(*r) for r in rows if tw and tw[:6] == r.code[:6]]
    return [OrgUnitPublic(*r) for r in rows if actor.covers_org(r.code) or actor.within_org(r.code)]


def work_counties(engine: Engine, actor: Actor) -> list[OrgUnitPublic]:
    """Counties the actor's scope covers entirely: those a county-wide job (assessment, layout plan, teacher
    plan) may be started for; a page offers a choice among them."""
    return [c for c in counties_in_scope(engine, actor) if actor.covers_org(c.code)]


def resolve_county(engine: Engine, actor: Actor, county: str | None, *, whole: bool = False) -> str:
    """The 12-digit county code to show: the one asked for (if in scope) or the actor's first.

    ``whole`` asks for a county the actor's scope covers entirely (to create a county-wide object: an
    assessment, a layout scenario, a teacher plan, a ledger check), not one the actor sees part of.
    """
    options = [c for c in counties_in_scope(engine, actor) if not whole or actor.covers_org(c.code)]
    if county:
        code = county if len(county) == 12 else (county[:6] + "000000")
        for c in options:
            if c.code == code:
                return code
        with engine.connect() as conn:
            exists = conn.execute(select(OrgUnit.code).where(OrgUnit.code == code)).first()
        if exists:
            raise Forbidden("该县不在您的管辖范围内", "this county is outside your scope")
        raise NotFound(f"区划不存在：{county}", f"no org unit {county}")
    if not options:
        raise NotFound("没有可查看的县（请先导入数据）", "no county to show (import data first)")
    return options[0].code


def county_name(engine: Engine, county: str) -> str:
    with engine.connect() as conn:
        return conn.execute(select(OrgUnit.name).where(OrgUnit.code == county)).scalar() or county


def years(engine: Engine, county: str) -> list[int]:
    sec = TABLES["section_year"]
    with engine.connect() as conn:
        return [int(y) for (y,) in conn.execute(
            select(sec.c.year).distinct().where(sec.c.school_code.in_(
                select(School.code).where(func.substr(School.township_code, 1, 6) == county[:6])))
            .order_by(sec.c.year))]


def townships(engine: Engine, actor: Actor, county: str) -> list[OrgUnitPublic]:
    with engine.connect() as conn:
        rows = conn.execute(select(OrgUnit.code, OrgUnit.name, OrgUnit.level, OrgUnit.parent_code).where(
            OrgUnit.level == "township", func.substr(OrgUnit.code, 1, 6) == county[:6]).order_by(OrgUnit.code)).all()
    return [OrgUnitPublic(*r) for r in rows if actor.unscoped or actor.role == "school_clerk" or actor.covers_org(r.code)]


def school_townships(engine: Engine, county: str) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(School.code, School.township_code).where(
            func.substr(School.township_code, 1, 6) == county[:6])).all())


def list_org_units(engine: Engine, actor: Actor, *, level: str | None = None) -> list[OrgUnitPublic]:
    """Org units in the actor's scope (down to townships; villages only with ``level='village'``)."""
    actor.require("view_registry")
    stmt = select(OrgUnit.code, OrgUnit.name, OrgUnit.level, OrgUnit.parent_code).order_by(OrgUnit.code)
    stmt = stmt.where(OrgUnit.level == level) if level else stmt.where(OrgUnit.level != "village")
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    if actor.role == "school_clerk":
        return []
    return [OrgUnitPublic(*r) for r in rows if actor.covers_org(r.code)]
