"""The county dashboard: key figures, trend over years, verdicts and worst gaps of the latest assessment.

The figures are aggregates over the whole county (≈ 5 ms of queries and
Python per request on the demo county), yet they change only when data is
imported or an assessment finishes.  So the result is cached in-process, keyed
by what it depends on: the actor's role and scopes, the county, the
registry version (:func:`junheng.services.cache.registry_version`) and the id
of the latest finished assessment job.  Any import or new assessment changes the key, in every server process, so a
cached page is never stale; two cheap indexed queries per request remain.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select

from junheng.domain.enums import SchoolType, Stage
from junheng.services import counties as C
from junheng.services.assessments import assessment_data, latest_run
from junheng.services.authz import Actor
from junheng.services.cache import cached, registry_version
from junheng.store.models import TABLES, School


def dashboard(engine: Engine, actor: Actor, county: str | None = None) -> dict[str, Any]:
    """Everything the 首页 shows, limited to the actor's scope (cached per scope, county and data version)."""
    actor.require("view_registry")
    version = registry_version(engine)
    scope = (actor.role, actor.scopes, actor.school_code)
    code = cached(("dashboard.county", scope, county, version), lambda: C.resolve_county(engine, actor, county))
    job_id = latest_run(engine, actor, code)
    return dict(cached(("dashboard", scope, code, version, job_id),
                       lambda: _dashboard(engine, actor, code, job_id)))


def _dashboard(engine: Engine, actor: Actor, code: str, job_id: int | None) -> dict[str, Any]:
    sch, sec, sy = School.__table__, TABLES["section_year"], TABLES["school_year"]
    in_scope = select(sch.c.code).where(func.substr(sch.c.township_code, 1, 6) == code[:6],
                                        actor.school_condition(sch.c.code, sch.c.township_code))
    with engine.connect() as conn:
        by_type: dict[str, int] = dict(conn.execute(select(sch.c.school_type, func.count()).where(sch.c.code.in_(in_scope))
                                    .group_by(sch.c.school_type)).all())
        trend_rows = conn.execute(
            select(sec.c.year, sec.c.stage, func.sum(sec.c.students), func.sum(sec.c.teachers), func.sum(sec.c.classes))
            .where(sec.c.school_code.in_(in_scope)).group_by(sec.c.year, sec.c.stage).order_by(sec.c.year)).all()
        area_rows = conn.execute(select(sy.c.year, func.sum(sy.c.teaching_aux_area), func.sum(sy.c.equipment_value))
                                 .where(sy.c.school_code.in_(in_scope)).group_by(sy.c.year)).all()
    years = sorted({int(r[0]) for r in trend_rows})
    latest = years[-1] if years else None
    stages = [s.value for s in Stage if any(r[1] == s.value for r in trend_rows)]
    series: dict[str, dict[int, tuple[int, int, int]]] = {s: {} for s in stages}
    for y, st, students, teachers, classes in trend_rows:
        series[st][int(y)] = (int(students or 0), int(teachers or 0), int(classes or 0))
    compulsory = ("primary", "junior")
    tot = {y: [sum(series.get(s, {}).get(y, (0, 0, 0))[i] for s in compulsory) for i in range(3)] for y in years}
    area = {int(y): (float(a or 0), float(e or 0)) for y, a, e in area_rows}
    trend = {
        "years": years,
        "students": {Stage(s).label: [series[s].get(y, (0, 0, 0))[0] for y in years] for s in stages},
        "pupil_teacher_ratio": [round(tot[y][0] / tot[y][1], 2) if tot[y][1] else None for y in years],
        "class_size": [round(tot[y][0] / tot[y][2], 1) if tot[y][2] else None for y in years],
        "equipment_per_student": [round(area.get(y, (0, 0))[1] / tot[y][0], 0) if tot[y][0] else None for y in years],
    }
    figures = {
        "schools": int(sum(by_type.values())),
        "schools_by_type": {SchoolType(k).label: int(v) for k, v in sorted(by_type.items())},
        "students": {Stage(s).label: series[s].get(latest, (0, 0, 0))[0] for s in stages} if latest else {},
        "teachers": {Stage(s).label: series[s].get(latest, (0, 0, 0))[1] for s in stages} if latest else {},
        "year": latest,
    }
    assessment = None
    if job_id is not None and actor.can("view_assessment"):
        data = assessment_data(engine, job_id)
        schools = C.school_townships(engine, code)
        units = [u for u in data["units"] if any(actor.covers_school(s, schools.get(s, "")) for s in u["sites"])]
        ind = {i["code"]: i for i in data["indicators"]}
        gaps = []
        for u in units:
            if u["school_verdict"] == "pass":
                continue
            failing = [v for v in u["values"] if v.get("passed") is False]
            gaps.append({"unit_code": u["unit_code"], "name": u["name"], "stage_zh": Stage(u["stage"]).label,
                         "n_pass": u["n_pass"], "n_indicators": u["n_indicators"],
                         "failing": [{"name": ind.get(v["indicator"], {}).get("name", v["indicator"]),
                                      "gap": v.get("gap"), "unit": ind.get(v["indicator"], {}).get("gap_unit", "")}
                                     for v in failing]})
        gaps.sort(key=lambda g: (g["n_pass"] - g["n_indicators"], -len(g["failing"])))
        assessment = {"job_id": job_id, "pack": data["pack"], "year": data["year"], "verdict": data["verdict"],
                      "verdict_zh": data["verdict_zh"], "parts": data["parts"],
                      "passing_units": sum(1 for u in units if u["school_verdict"] == "pass"),
                      "units": len(units), "worst": gaps[:10],
                      "cvs": [{k: c[k] for k in ("stage", "name", "cv", "limit", "passed")} for c in data["cvs"]]}
    return {"county": code, "county_name": C.county_name(engine, code), "figures": figures, "trend": trend,
            "assessment": assessment, "counties": [c.__dict__ for c in C.counties_in_scope(engine, actor)]}
