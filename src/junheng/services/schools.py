"""Schools: the scoped list with filters, the school page's data, edits with optimistic locking, teachers.

Edits go through the ORM so that ``School.version`` (SQLAlchemy
``version_id_col``) guards them: the caller sends the version it read; if
someone saved in between, :class:`Conflict` carries the current record and the
caller's own values, so nothing is lost and the second user is told.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from junheng.domain import fields as F
from junheng.domain.enums import AreaCategory, Ownership, SchoolType, Stage, area_category
from junheng.domain.idnumber import mask_id_number
from junheng.services import audit
from junheng.services import counties as C
from junheng.services import listing as L
from junheng.services.assessments import school_indicators, school_verdicts
from junheng.services.authz import Actor
from junheng.services.cache import cached, registry_version
from junheng.services.errors import Conflict, Invalid, NotFound
from junheng.store.models import TABLES, OrgUnit, School, Teacher

SORTS = ("code", "name", "school_type", "township", "students", "teachers")
EDITABLE = ("name", "ownership", "boarding", "inclusive", "lon", "lat")


@dataclass(frozen=True)
class SchoolRow:
    code: str
    name: str
    school_type: str
    school_type_zh: str
    township_code: str
    township: str
    area: str | None
    area_zh: str
    students: int
    teachers: int
    verdict: str | None
    lon: float | None
    lat: float | None


@dataclass(frozen=True)
class SchoolPage:
    rows: list[SchoolRow]
    total: int
    page: int
    per_page: int
    year: int | None


def _area(ur: int | None) -> AreaCategory | None:
    try:
        return area_category(ur)
    except ValueError:
        return None


def list_schools(engine: Engine, actor: Actor, *, county: str | None = None, township: str | None = None,
                 school_type: str | None = None, area: str | None = None, verdict: str | None = None,
                 q: str | None = None, sort: str = "code", desc: bool = False, page: int = 1,
                 per_page: int = 50) -> SchoolPage:
    """Schools in scope, filtered, sorted and paged; students and teachers of the latest year."""
    if sort not in SORTS:
        raise Invalid(f"无法按 {sort} 排序", f"cannot sort by {sort}")
    out, year = _school_rows(engine, actor, county=county, township=township, school_type=school_type, area=area,
                             verdict=verdict, q=q)
    out.sort(key=lambda r: (getattr(r, sort) if sort != "township" else r.township_code, r.code), reverse=desc)
    page, per_page = max(1, page), min(max(1, per_page), 500)
    return SchoolPage(out[(page - 1) * per_page: page * per_page], len(out), page, per_page, year)


def _school_rows(engine: Engine, actor: Actor, *, county: str | None = None, township: str | None = None,
                 school_type: str | None = None, area: str | None = None, verdict: str | None = None,
                 q: str | None = None) -> tuple[list[SchoolRow], int | None]:
    """The filtered schools in scope (unsorted) and the latest year of the county."""
    actor.require("view_registry")
    county_code = C.resolve_county(engine, actor, county)
    sch, sec, org = School.__table__, TABLES["section_year"], OrgUnit.__table__
    with engine.connect() as conn:
        year = conn.execute(select(func.max(sec.c.year)).where(sec.c.school_code.in_(
            select(sch.c.code).where(func.substr(sch.c.township_code, 1, 6) == county_code[:6])))).scalar()
        totals = (select(sec.c.school_code, func.sum(sec.c.students).label("students"),
                         func.sum(sec.c.teachers).label("teachers"))
                  .where(sec.c.year == year).group_by(sec.c.school_code).subquery())
        stmt = (select(sch.c.code, sch.c.name, sch.c.school_type, sch.c.township_code, org.c.name.label("township"),
                       sch.c.ur_code, func.coalesce(totals.c.students, 0).label("students"),
                       func.coalesce(totals.c.teachers, 0).label("teachers"), sch.c.lon, sch.c.lat)
                .join(org, org.c.code == sch.c.township_code)
                .outerjoin(totals, totals.c.school_code == sch.c.code)
                .where(func.substr(sch.c.township_code, 1, 6) == county_code[:6],
                       actor.school_condition(sch.c.code, sch.c.township_code)))
        if township:
            stmt = stmt.where(sch.c.township_code == township)
        if school_type:
            stmt = stmt.where(sch.c.school_type == school_type)
        if area:
            codes = {"urban": (111, 112), "town": (121, 122, 123), "rural": (210, 220)}.get(area)
            if codes is None:
                raise Invalid(f"未知城乡类别：{area}", f"unknown area {area}")
            stmt = stmt.where(sch.c.ur_code.in_(codes))
        if q:
            like = f"%{q.strip()}%"
            stmt = stmt.where(or_(sch.c.name.like(like), sch.c.code.like(like)))
        rows = conn.execute(stmt).mappings().all()
    verdicts = school_verdicts(engine, actor, county_code)
    out = []
    for r in rows:
        a = _area(r["ur_code"])
        out.append(SchoolRow(r["code"], r["name"], r["school_type"], SchoolType(r["school_type"]).label,
                             r["township_code"], r["township"], a.value if a else None, a.label if a else "",
                             int(r["students"] or 0), int(r["teachers"] or 0), verdicts.get(r["code"]),
                             r["lon"], r["lat"]))
    if verdict:
        out = [r for r in out if (r.verdict or "none") == verdict]
    return out, year


#: The 学校 list of the web (:mod:`junheng.services.listing`): sort keys as ``list_schools``' (``township`` sorts
#: by the township's code, ``school_type`` by the type's code), cells as shown.
SCHOOL_LIST = L.ListSpec("schools", "学校", columns=(
    L.Column("code", "学校标识码"), L.Column("name", "学校名称"), L.Column("school_type", "类型", show="school_type_zh"),
    L.Column("township", "乡镇", show="township_name"), L.Column("area_zh", "城乡", sortable=False),
    L.Column("students", "在校生"), L.Column("teachers", "专任教师"),
    L.Column("verdict", "评估结论（最近一次）", show="verdict_zh", sortable=False)),
    filters=("county", "township", "school_type", "area", "verdict"), search=("code", "name"), default_sort="code")
VERDICT_ZH = {"pass": "达标", "fail": "未达标", "incomplete": "待认定"}


def school_list(engine: Engine, actor: Actor, lq: L.ListQuery) -> tuple[list[dict[str, Any]], int | None]:
    """Every school of the 学校 list for ``lq`` (filtered by SQL and the verdict, searched, sorted), as dicts
    with the shown cells (``school_type_zh``, ``township_name``, ``verdict_zh``), and the latest year."""
    f = lq.filter
    rows, year = _school_rows(engine, actor, county=f("county"), township=f("township"),
                              school_type=f("school_type"), area=f("area"), verdict=f("verdict"), q=lq.q or None)
    dicts = [{**asdict(r), "township": r.township_code, "township_name": r.township,
              "verdict_zh": VERDICT_ZH.get(r.verdict or "", "未评估")} for r in sorted(rows, key=lambda r: r.code)]
    return L.filter_rows(dicts, lq), year


def _school_row(conn: Connection, code: str) -> dict[str, Any]:
    row = conn.execute(select(School.__table__).where(School.code == code)).mappings().first()
    if row is None:
        raise NotFound(f"学校不存在：{code}", f"no school {code}")
    return dict(row)


def get_school(engine: Engine, actor: Actor, code: str) -> dict[str, Any]:
    """The school page: profile, yearly facts (school and sections), indicators of the latest assessment.

    The scope check runs on every request.  The profile and facts are cached
    (:mod:`junheng.services.cache`) under the registry version and the count
    and sum of ``school.version`` in the county: an import or any school edit
    (which bumps that school's version; the page also shows the names of the
    parent school and teaching points) gives a new key.
    """
    actor.require("view_registry")
    sch = School.__table__
    with engine.connect() as conn:
        row = conn.execute(select(sch.c.township_code).where(sch.c.code == code)).first()
        if row is None:
            raise NotFound(f"学校不存在：{code}", f"no school {code}")
        actor.check_school(code, row.township_code)
        edits = tuple(conn.execute(select(func.count(), func.sum(sch.c.version)).where(
            func.substr(sch.c.township_code, 1, 6) == row.township_code[:6])).one())
    data = cached(("school", code, registry_version(engine), edits), lambda: _school_data(engine, code))
    county = data["profile"]["township_code"][:6] + "000000"
    return {"profile": dict(data["profile"]), "school_years": data["school_years"], "sections": data["sections"],
            "indicators": school_indicators(engine, actor, county, code),
            "can_edit": actor.can("edit_school"), "can_view_personal": actor.can("view_personal")}


def _school_data(engine: Engine, code: str) -> dict[str, Any]:
    sy, sec, org = TABLES["school_year"], TABLES["section_year"], OrgUnit.__table__
    with engine.connect() as conn:
        school = _school_row(conn, code)
        names = dict(conn.execute(select(org.c.code, org.c.name).where(
            org.c.code.in_([school["township_code"], school["village_code"] or ""]))).all())
        parent = None
        if school["parent_school_code"]:
            parent = conn.execute(select(School.name).where(School.code == school["parent_school_code"])).scalar()
        points = [dict(r) for r in conn.execute(select(School.code, School.name).where(
            School.parent_school_code == code)).mappings()]
        facts = [dict(r) for r in conn.execute(select(sy).where(sy.c.school_code == code).order_by(sy.c.year))
                 .mappings()]
        sections = [dict(r) for r in conn.execute(select(sec).where(sec.c.school_code == code)
                                                  .order_by(sec.c.year, sec.c.stage)).mappings()]
    a = _area(school["ur_code"])
    profile = {**school, "school_type_zh": SchoolType(school["school_type"]).label,
               "ownership_zh": Ownership(school["ownership"]).label if school["ownership"] else "",
               "township": names.get(school["township_code"], ""), "village": names.get(school["village_code"] or "", ""),
               "area": a.value if a else None, "area_zh": a.label if a else "", "parent_school": parent,
               "teaching_points": points}
    for s in sections:
        s["stage_zh"] = Stage(s["stage"]).label
    return {"profile": profile, "school_years": facts, "sections": sections}


def fact_columns(key: str) -> list[tuple[str, str]]:
    """(column, Chinese header) of a fact table's value columns, for display."""
    spec = F.SHEETS_BY_KEY[key]
    return [(f.key, f.header) for f in spec.fields if f.key not in ("year", "school_code", "stage")]


def update_school(engine: Engine, actor: Actor, code: str, *, version: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Save profile changes if ``version`` is still current; raise :class:`Conflict` otherwise."""
    actor.require("edit_school")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise Invalid(f"不可修改的字段：{sorted(unknown)}", f"fields not editable: {sorted(unknown)}")
    if "name" in changes and not str(changes["name"] or "").strip():
        raise Invalid("学校名称不能为空", "the school name is required")
    if changes.get("ownership") is not None and changes["ownership"] not in {o.value for o in Ownership}:
        raise Invalid(f"未知办学性质：{changes['ownership']}", f"unknown ownership {changes['ownership']}")
    for key, lo, hi in (("lon", 73, 136), ("lat", 3, 54)):
        v = changes.get(key)
        if v is not None and not (lo <= float(v) <= hi):
            raise Invalid(f"{'经度' if key == 'lon' else '纬度'}应在 {lo}–{hi} 之间", f"{key} must lie in {lo}..{hi}")
    with Session(engine) as session:
        school = session.get(School, code)
        if school is None:
            raise NotFound(f"学校不存在：{code}", f"no school {code}")
        actor.check_school(code, school.township_code)
        before = {k: getattr(school, k) for k in EDITABLE}
        if school.version != version:
            raise Conflict("该学校信息已被他人修改，您的修改尚未保存：请核对最新信息后再提交",
                           "someone else saved this school first; your changes were not saved",
                           detail={"current": {**before, "version": school.version}, "yours": changes})
        for k, v in changes.items():
            setattr(school, k, v.strip() if isinstance(v, str) else v)
        after = {k: getattr(school, k) for k in EDITABLE}
        diff = {k: [before[k], after[k]] for k in EDITABLE if before[k] != after[k]}
        if diff:
            try:
                session.flush()  # UPDATE … WHERE version = :read_version
            except StaleDataError:
                session.rollback()
                with engine.connect() as conn:
                    current = _school_row(conn, code)
                raise Conflict("该学校信息已被他人修改，您的修改尚未保存：请核对最新信息后再提交",
                               "someone else saved this school first; your changes were not saved",
                               detail={"current": {k: current[k] for k in (*EDITABLE, "version")},
                                       "yours": changes}) from None
            audit.record(session.connection(), actor, "school.update", code, org=school.township_code,
                         changes=diff)
        session.commit()
        return {k: getattr(school, k) for k in (*EDITABLE, "code", "version")}


def list_teachers(engine: Engine, actor: Actor, code: str) -> dict[str, Any]:
    """A school's teachers (personal data): ID numbers masked unless the role may see them; the view is audited."""
    actor.require("view_personal")
    with engine.connect() as conn:
        school = _school_row(conn, code)
    actor.check_school(code, school["township_code"])
    full = actor.can("see_id_numbers")
    t = Teacher.__table__
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(t.c.teacher_id, t.c.name, t.c.sex, t.c.id_number, t.c.stage,
                                                     t.c.subject, t.c.degree, t.c.title, t.c.backbone_level)
                                              .where(t.c.school_code == code).order_by(t.c.teacher_id)).mappings()]
    for r in rows:
        r["id_number"] = r["id_number"] if full else mask_id_number(r["id_number"])
    audit.record_now(engine, actor, "personal.view", f"teachers of {code}", org=school["township_code"],
                     rows=len(rows), id_numbers_shown=full)
    return {"school_code": code, "masked": not full, "teachers": rows}
