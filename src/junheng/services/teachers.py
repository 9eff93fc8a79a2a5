"""Teacher planning (教师配置) in the web app: a teacher plan of the county for one school year, in the background.

:func:`plan_county_teachers` is the one path of ``junheng plan teachers`` and
of the web job: the county and the five school years ending with ``year``
(the 360-hour training window, 教督〔2017〕6号 二(9)),
:func:`junheng.plan.teachers.plan_teachers` with the default staffing rules
(中央编办发〔2014〕72号) and curriculum (教材〔2022〕2号), then
:func:`write_teacher_plan`.  Both outputs are stored with the job (as the
layout service stores its outputs).  The JSON is the engine's ``TeacherPlan.to_dict()`` plus
``subject_demand_after`` (subject shortages after the transfers), with NaN
written as ``null``.  Individual teacher records are read (transfers and
training are per teacher) but the page and the API show teacher IDs only,
never names.  Permissions: ``view_teachers`` to read, ``run_teachers`` to create.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, select

from junheng.domain.jsonsafe import json_safe
from junheng.domain.labels import zh_map
from junheng.services import counties as C
from junheng.services import listing as LI
from junheng.services.authz import Actor
from junheng.services.errors import Invalid, NotFound
from junheng.services.jobs import DONE, JobContext, JobInfo, JobRunner, Progress, get_job, list_jobs, silent
from junheng.services.registry import CountyData, county_data
from junheng.store.auth_models import JobFile

if TYPE_CHECKING:
    from junheng.plan.teachers import TeacherPlan as TeacherPlan

KIND = "teachers"
PLAN_NAME = "teacher_plan.json"
MEDIA = {
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
STAGE_ZH = zh_map("stage")


def list_runs(engine: Engine, actor: Actor, *, limit: int = 20) -> list[JobInfo]:
    """Teacher-plan jobs of the counties in the actor's scope, newest first."""
    actor.require("view_teachers")
    return list_jobs(engine, actor, kinds=(KIND,), limit=limit)


def plan_years(engine: Engine, actor: Actor, county: str | None = None) -> list[int]:
    """School years of the actor's county that a plan can be made for (all years with data)."""
    actor.require("view_teachers")
    return sorted(C.years(engine, C.resolve_county(engine, actor, county)))


def start_plan(engine: Engine, runner: JobRunner, actor: Actor, *, year: int, county: str | None = None) -> int:
    """Queue a teacher plan of ``county`` (default: the actor's) for school ``year``; returns the job id."""
    actor.require("run_teachers")
    county_code = C.resolve_county(engine, actor, county, whole=True)
    years = C.years(engine, county_code)
    if year not in years:
        raise Invalid(f"该县没有 {year} 学年数据", f"the county has no data for school year {year}")
    job_id = runner.create(actor, KIND, org_code=county_code, params={"year": year})
    runner.submit(job_id, lambda ctx: _run(engine, ctx, actor, year=year, county=county_code))
    return job_id


def plan_years_of(year: int) -> range:
    """The school years a teacher plan of ``year`` reads: the five ending with it (the 360-hour training
    window, 教督〔2017〕6号 二(9))."""
    return range(year - 4, year + 1)


def plan_county_teachers(actor: Actor, data: CountyData, *, year: int,
                         staffing_overrides: Sequence[str | Path] = (), curriculum: str | Path | None = None,
                         max_km: float = 30.0, immovable: Sequence[str] = (),
                         progress: Progress | None = None) -> TeacherPlan:
    """The teacher plan of ``data``'s county for school ``year``: the one path of ``junheng plan teachers`` and
    the web job.  Defaults: the national staffing standard (中央编办发〔2014〕72号, with provincial
    ``staffing_overrides``), the national curriculum (教材〔2022〕2号), transfers within ``max_km``."""
    from junheng.plan.teachers import RedistributionRules, plan_teachers
    from junheng.plan.teachers.staffing import load_curriculum, load_staffing_rules

    actor.require("run_teachers")
    if year not in data.tables.years:
        raise Invalid(f"数据中没有 {year} 学年（有：{data.tables.years}）",
                      f"no data for school year {year} (found: {data.tables.years})")
    (progress or silent)(0.3, "编制、调配、轮岗、走教、培训 / planning")
    return plan_teachers(data.tables, year=year, staffing_rules=load_staffing_rules(overrides=staffing_overrides),
                         curriculum=load_curriculum(curriculum) if curriculum else None,
                         redistribution_rules=RedistributionRules(max_km=max_km), immovable=tuple(immovable))


def plan_document(plan: TeacherPlan, county_code: str) -> dict[str, Any]:
    """The plan as JSON data: the engine's ``TeacherPlan.to_dict()`` plus ``subject_demand_after`` and
    ``county_code``, NaN as ``null`` (what the web stores and ``--json`` writes)."""
    from junheng.plan.teachers.plan import records

    d = plan.to_dict()
    d["subject_demand_after"] = records(plan.redistribution.demand_after)
    d["county_code"] = county_code
    return dict(json_safe(d))


def write_teacher_plan(plan: TeacherPlan, county_code: str, *, xlsx: str | Path | None = None,
                       json_path: str | Path | None = None) -> list[Path]:
    """The plan's Excel workbook and JSON document (:func:`plan_document`), where asked."""
    from junheng.plan.teachers import write_teachers_xlsx

    out = []
    if xlsx is not None:
        out.append(write_teachers_xlsx(plan, xlsx))
    if json_path is not None:
        Path(json_path).write_bytes(_json_bytes(plan_document(plan, county_code)))
        out.append(Path(json_path))
    return out


def _json_bytes(d: dict[str, Any]) -> bytes:
    return json.dumps(d, ensure_ascii=False, default=str, allow_nan=False).encode("utf-8")


def _run(engine: Engine, ctx: JobContext, actor: Actor, *, year: int, county: str) -> dict[str, Any]:
    ctx.progress(0.05, "读取数据 / reading data")
    data = county_data(engine, actor, county=county, years=plan_years_of(year))
    plan = plan_county_teachers(actor, data, year=year, progress=ctx.progress)
    ctx.progress(0.8, "保存结果 / saving")
    d = plan_document(plan, county)
    ctx.add_file(PLAN_NAME, _json_bytes(d), MEDIA["json"])
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / f"{data.county_name}_教师规划_{year}.xlsx"
        write_teacher_plan(plan, county, xlsx=p)
        ctx.add_file(p.name, p.read_bytes(), MEDIA["xlsx"])
    red = d["redistribution"]
    return {"year": year, "shortage_before": red["shortage_before"], "shortage_after": red["shortage_after"],
            "moves": red["moves"],
            "message": f"{year}学年教师规划：学科缺额 {red['shortage_before']} → {red['shortage_after']}，"
                       f"调配 {red['moves']} 人，走教线路 {d['itinerant']['teachers']} 条"}


def _done_job(engine: Engine, actor: Actor, job_id: int) -> JobInfo:
    job = get_job(engine, actor, job_id, kinds=(KIND,))
    if job.status != DONE:
        raise NotFound(f"任务 {job_id} 尚未完成", f"job {job_id} has not finished")
    return job


def get_plan(engine: Engine, actor: Actor, job_id: int) -> dict[str, Any]:
    """The stored plan of a finished job (the JSON described in the module docstring)."""
    actor.require("view_teachers")
    _done_job(engine, actor, job_id)
    with engine.connect() as conn:
        content = conn.execute(select(JobFile.content).where(JobFile.job_id == job_id,
                                                             JobFile.name == PLAN_NAME)).scalar()
    if content is None:
        raise NotFound("该任务没有教师规划结果", "the job has no teacher plan")
    out: dict[str, Any] = json.loads(bytes(content).decode("utf-8"))
    return out


def _shortages(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Per school, stage and subject: shortage before and after the transfers (rows short in either)."""
    key = ("school_code", "stage", "subject")
    after = {tuple(r[k] for k in key): r for r in plan.get("subject_demand_after", [])}
    names = {s["school_code"]: s["name"] for s in plan["entitlement"]["sections"]}
    rows = []
    for r in plan["subject_demand"]:
        a = after.get(tuple(r[k] for k in key), {})
        before, aft = r.get("shortage") or 0, a.get("shortage", r.get("shortage")) or 0
        if before or aft:
            rows.append({"school_code": r["school_code"], "name": names.get(r["school_code"], ""),
                         "stage": r["stage"], "stage_zh": STAGE_ZH.get(r["stage"], r["stage"]),
                         "subject": r["subject"], "subject_name": r.get("subject_name") or r["subject"],
                         "required": r.get("required"), "have": r.get("have"), "before": before, "after": aft})
    return rows


#: The lists of a teacher plan page (:mod:`junheng.services.listing`), each under its own parameter prefix.
SECTION_LIST = LI.ListSpec("teacher_sections", "编制核定与现有教职工", columns=(
    LI.Column("school_code", "学校标识码"), LI.Column("name", "学校"), LI.Column("stage", "学段", show="stage_zh"),
    LI.Column("students", "在校生"), LI.Column("staff_entitled", "核定教职工"), LI.Column("staff", "现有教职工"),
    LI.Column("teachers_entitled", "核定专任教师"), LI.Column("teachers", "现有专任教师"),
    LI.Column("teacher_gap", "专任教师缺(+)/超(-)")),
    filters=("stage",), search=("school_code", "name"), default_sort="school_code", prefix="s.")
SHORTAGE_LIST = LI.ListSpec("teacher_shortages", "学科缺额", columns=(
    LI.Column("school_code", "学校标识码"), LI.Column("name", "学校"), LI.Column("stage", "学段", show="stage_zh"),
    LI.Column("subject_name", "学科"), LI.Column("required", "需教师"), LI.Column("have", "现有教师"),
    LI.Column("before", "调配前缺额"), LI.Column("after", "调配后缺额")),
    filters=("stage",), search=("school_code", "name", "subject_name"), default_sort="school_code", prefix="g.")
_MOVE_COLUMNS = (LI.Column("teacher_id", "教师编号"), LI.Column("stage", "学段", show="stage_zh"),
                 LI.Column("subject_name", "学科"), LI.Column("from_name", "调出学校"), LI.Column("to_name", "调入学校"),
                 LI.Column("km", "直线距离(公里)"))
TRANSFER_LIST = LI.ListSpec("teacher_transfers", "调配名单", columns=_MOVE_COLUMNS, filters=("stage",),
                            search=("teacher_id", "subject_name", "from_name", "to_name"), default_sort="teacher_id",
                            prefix="tr.")
ROTATION_LIST = LI.ListSpec("teacher_rotations", "交流轮岗", columns=_MOVE_COLUMNS, filters=("stage",),
                            search=("teacher_id", "subject_name", "from_name", "to_name"), default_sort="teacher_id",
                            prefix="ro.")
#: list name → (spec, key of the rows in :func:`plan_view`)
PLAN_LISTS = {spec.name: (spec, key) for spec, key in ((SECTION_LIST, "sections"), (SHORTAGE_LIST, "shortages"),
                                                         (TRANSFER_LIST, "transfers"), (ROTATION_LIST, "rotations"))}


def _moves(moves: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for m in moves:
        row = {k: m.get(k) for k in MOVE_KEYS if k in m}
        row["stage_zh"] = STAGE_ZH.get(row.get("stage") or "", row.get("stage") or "")
        row["subject_name"] = row.get("subject_name") or row.get("subject")
        out.append(row)
    return out


MOVE_KEYS = ("teacher_id", "stage", "subject", "subject_name", "from_school", "from_name", "to_school", "to_name",
             "km", "reason", "backbone_level")


def plan_view(engine: Engine, actor: Actor, job_id: int) -> dict[str, Any]:
    """What the page shows; transfer and rotation rows carry teacher IDs and schools only (no names)."""
    plan = get_plan(engine, actor, job_id)
    job = get_job(engine, actor, job_id, kinds=(KIND,))
    files = {f["name"].rsplit(".", 1)[-1]: f["id"] for f in job.files if f["name"] != PLAN_NAME}
    red, rot = plan["redistribution"], plan["rotation"]
    return {"job_id": job_id, "year": plan["year"], "rules": plan["rules"], "entitlement": plan["entitlement"],
            "shortages": _shortages(plan), "redistribution": red,
            "transfers": _moves(red["list"]), "rotation": rot, "rotations": _moves(rot.get("list", [])),
            "sections": [{**x, "stage_zh": STAGE_ZH.get(x.get("stage") or "", x.get("stage") or "")}
                         for x in plan["entitlement"]["sections"]],
            "itinerant": plan["itinerant"], "training": plan["training"], "indicators": plan["indicators"],
            "files": files, "stage_zh": STAGE_ZH}


def export(engine: Engine, actor: Actor, job_id: int) -> tuple[str, str, bytes]:
    """(name, media type, content) of the plan's XLSX workbook."""
    from junheng.services import jobs

    actor.require("view_teachers")
    job = _done_job(engine, actor, job_id)
    ids = [f["id"] for f in job.files if f["name"].endswith(".xlsx")]
    if not ids:
        raise NotFound("该任务没有 XLSX 文件", "the job has no XLSX file")
    return jobs.get_file(engine, actor, job_id, ids[0])
