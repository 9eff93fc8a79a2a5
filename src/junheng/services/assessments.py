"""Assessments in the web app: run a standard pack on a county's year in the background, keep its outputs.

:func:`assess_county` and :func:`write_assessment` are the one path of
``junheng assess`` and of the web job (which reads the year and the one two
before it with :func:`junheng.services.registry.county_data` and stores the
three files with the job), so downloads are the CLI's files byte for byte.  Pages read the stored JSON (schema
``junheng.assessment/1``); parsed results are cached per job.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Engine, select

from junheng.services import counties as C
from junheng.services.authz import Actor
from junheng.services.errors import Invalid, NotFound
from junheng.services.evidence import accepted_evidence
from junheng.services.jobs import DONE, JobContext, JobInfo, JobRunner, Progress, get_job, list_jobs, silent
from junheng.services.registry import CountyData, county_data
from junheng.services.standards import PackInfo, pack_catalogue, standard_codes
from junheng.store.auth_models import Job, JobFile

if TYPE_CHECKING:
    from junheng.assess.results import Assessment as Assessment

MEDIA = {
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def list_pack_infos(actor: Actor, county: str | None = None) -> list[PackInfo]:
    """Standard and plan packs shipped with Junheng (overrides are applied, not chosen, here): those about
    ``county``, or without one those about the actor's scope (every pack for the unscoped administrator).  A
    district's plan pack is neither offered to nor listed for another county."""
    actor.require("view_assessment")
    packs = pack_catalogue(overrides=False)
    if county is not None:
        return [p for p in packs if p.applies_to(county)]
    if actor.unscoped:
        return packs
    return [p for p in packs if not p.orgs or any(p.applies_to(s) for s in actor.scopes)]


def assessment_years(year: int) -> list[int]:
    """The school years an assessment of ``year`` reads: the year and the one two before it (the growth
    indicators compare with it, e.g. 教育投入 and 教师培训经费)."""
    return [year - 2, year]


def assess_county(actor: Actor, data: CountyData, *, pack: str | Path, year: int,
                  overrides: Sequence[str | Path] = (), evidence: Mapping[str, Any] | str | Path | None = None,
                  progress: Progress | None = None) -> Assessment:
    """Assess ``data``'s county for school ``year`` against ``pack`` (a code or a TOML file) with provincial
    ``overrides`` and ``evidence`` (a mapping, or an evidence file); the one path of ``junheng assess`` and the
    web job.  A bad pack or evidence file is :class:`Invalid` naming the file and key."""
    from junheng.assess import assess
    from junheng.standards import PackError, load_evidence, load_pack

    actor.require("run_assessment")
    report = progress or silent
    try:
        standard = load_pack(pack, overrides=overrides)
        ev = load_evidence(evidence) if isinstance(evidence, str | Path) else dict(evidence or {})
    except (PackError, FileNotFoundError) as exc:
        raise Invalid(f"标准包或佐证文件有误：{exc}", f"invalid pack or evidence: {exc}") from exc
    if year not in data.tables.years:
        raise Invalid(f"数据中没有 {year} 学年（有：{data.tables.years}）",
                      f"no data for school year {year} (found: {data.tables.years})")
    report(0.3, "评估 / assessing")
    return assess(standard, data.tables, year=year, evidence=ev)


def write_assessment(a: Assessment, county_name: str, *, json: str | Path | None = None,
                     xlsx: str | Path | None = None, docx: str | Path | None = None, pdf: str | Path | None = None,
                     issuer: str = "", date: dt.date | None = None) -> list[Path]:
    """The assessment's JSON (schema ``junheng.assessment/1``), Excel workbook, Word 自评报告 (``issuer`` and
    ``date`` on its cover) and its PDF, where asked.  The PDF needs LibreOffice: without it the PDF is not in
    the list returned (see :func:`pdf_supported`)."""
    from junheng.report import write_docx, write_json, write_xlsx
    from junheng.report.pdf import to_pdf

    out = []
    if json is not None:
        write_json(a, json)
        out.append(Path(json))
    if xlsx is not None:
        write_xlsx(a, xlsx)
        out.append(Path(xlsx))
    if docx is not None:
        write_docx(a, docx, county_name=county_name, issuer=issuer, date=date)
        out.append(Path(docx))
    if pdf is not None and pdf_supported():
        with tempfile.TemporaryDirectory() as tmp:
            source = docx if docx is not None else write_docx(a, Path(tmp, "自评报告.docx"), county_name=county_name,
                                                               issuer=issuer, date=date)
            try:
                made = to_pdf(source, pdf)
            except RuntimeError as exc:
                raise Invalid(f"PDF 生成失败：{exc}", f"the PDF could not be made: {exc}") from exc
        if made is not None:
            out.append(made)
    return out


def pdf_supported() -> bool:
    """Whether PDFs can be made here (LibreOffice is installed)."""
    from junheng.report.pdf import soffice

    return soffice() is not None


def start_assessment(engine: Engine, runner: JobRunner, actor: Actor, *, pack: str, year: int,
                     county: str | None = None) -> int:
    """Queue an assessment of ``county`` (default: the actor's) for ``year``; returns the job id."""
    actor.require("run_assessment")
    county_code = C.resolve_county(engine, actor, county, whole=True)
    if pack not in {p.code for p in pack_catalogue(overrides=False)}:
        raise Invalid(f"未知标准包：{pack}", f"unknown pack {pack}")
    if pack not in {p.code for p in list_pack_infos(actor, county_code)}:
        raise Invalid(f"规划包 {pack} 的目标不针对本县", f"the plan pack {pack} has no target for this county")
    years = C.years(engine, county_code)
    if year not in years:
        raise Invalid(f"数据中没有 {year} 学年（有：{years}）", f"no data for school year {year} (have {years})")
    job_id = runner.create(actor, "assessment", org_code=county_code, params={"pack": pack, "year": year})
    runner.submit(job_id, lambda ctx: _run(engine, ctx, actor, pack=pack, year=year, county=county_code))
    return job_id


def _run(engine: Engine, ctx: JobContext, actor: Actor, *, pack: str, year: int, county: str) -> dict[str, Any]:
    ctx.progress(0.05, "读取数据 / reading data")
    data = county_data(engine, actor, county=county, years=assessment_years(year))
    evidence = accepted_evidence(engine, county, pack=pack, year=year)  # the county's accepted 佐证材料
    a = assess_county(actor, data, pack=pack, year=year, evidence=evidence, progress=ctx.progress)
    base = f"{data.county_name}_{pack}_{year}"
    with tempfile.TemporaryDirectory() as tmp:
        for i, fmt in enumerate(("json", "xlsx", "docx")):
            ctx.progress(0.6 + 0.13 * i, f"生成 {fmt.upper()} / writing {fmt}")
            path = Path(tmp) / f"{base}.{fmt}"
            write_assessment(a, data.county_name, **cast("dict[str, Any]", {fmt: path}))
            ctx.add_file(path.name, path.read_bytes(), MEDIA[fmt])
    failing = int((a.units["school_verdict"] != "pass").sum()) if not a.units.empty else 0
    return {"verdict": a.verdict, "pack_name": a.pack_name, "year": year, "units": len(a.units),
            "failing_units": failing,
            "parts": [{"code": p.code, "name": p.name, "verdict": p.verdict} for p in a.parts],
            "message": f"{a.pack_name} {year}：{len(a.units)} 个评估单位，{failing} 个未达标"}


_cache: OrderedDict[tuple[str, int], dict[str, Any]] = OrderedDict()
_cache_lock = threading.Lock()


def assessment_data(engine: Engine, job_id: int) -> dict[str, Any]:
    """The stored assessment JSON of a finished job (cached per database and job; callers check access first)."""
    key = (engine.url.render_as_string(hide_password=True), job_id)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    with engine.connect() as conn:
        content = conn.execute(select(JobFile.content).where(
            JobFile.job_id == job_id, JobFile.media_type == MEDIA["json"])).scalar()
    if content is None:
        raise NotFound("该评估没有结果", "this assessment has no result")
    data = json.loads(bytes(content).decode("utf-8"))
    with _cache_lock:
        _cache[key] = data
        while len(_cache) > 8:
            _cache.popitem(last=False)
    return cast(dict[str, Any], data)


def list_runs(engine: Engine, actor: Actor, *, limit: int = 30) -> list[JobInfo]:
    actor.require("view_assessment")
    return list_jobs(engine, actor, kinds=("assessment",), limit=limit, part=True)


def latest_run(engine: Engine, actor: Actor, county: str, *, year: int | None = None,
               pack: str | None = None) -> int | None:
    """The newest finished assessment job of the county against a national standard pack (or of ``pack``;
    optionally of a ``year``), if the actor may see it.  A plan pack's run (a local plan's targets) never stands
    for the county's verdicts: the dashboard and the school verdicts come from a standard."""
    if not actor.can("view_assessment") and actor.role != "school_clerk":
        return None
    if not (actor.covers_org(county) or actor.within_org(county)):  # the callers show the in-scope part
        return None
    t = Job.__table__
    stmt = select(t.c.id, t.c.params).where(t.c.kind == "assessment", t.c.status == DONE,
                                            t.c.org_code == county).order_by(t.c.id.desc()).limit(50)
    with engine.connect() as conn:
        for job_id, params in conn.execute(stmt):
            wanted = params.get("pack") == pack if pack is not None else params.get("pack") in standard_codes()
            if (year is None or params.get("year") == year) and wanted:
                return int(job_id)
    return None


def _filter_units(actor: Actor, units: list[dict[str, Any]], schools: dict[str, str]) -> list[dict[str, Any]]:
    """Units whose sites lie in the actor's scope (``schools``: code → township code)."""
    return [u for u in units if any(actor.covers_school(s, schools.get(s, u.get("township_code") or ""))
                                     for s in u.get("sites", [u["unit_code"]]))]


def run_view(engine: Engine, actor: Actor, job_id: int) -> dict[str, Any]:
    """Everything the 评估 page shows: verdicts, heatmap (units × indicators), CVs with top contributors, files."""
    job = get_job(engine, actor, job_id, kinds=("assessment",), part=True)
    if job.status != DONE:
        return {"job": job, "ready": False}
    data = assessment_data(engine, job_id)
    schools = C.school_townships(engine, job.org_code)
    units = _filter_units(actor, data["units"], schools)
    indicators = data["indicators"]
    names = {u["unit_code"]: u["name"] for u in data["units"]}
    heat = []
    for yi, u in enumerate(units):
        values = {v["indicator"]: v for v in u["values"]}
        for xi, ind in enumerate(indicators):
            v = values.get(ind["code"])
            if v is None or v.get("ratio") is None:
                continue
            heat.append([xi, yi, round(float(v["ratio"]), 3), 1 if v["passed"] else 0])
    cvs = []
    for c in data["cvs"]:
        cvs.append({**{k: c[k] for k in ("stage", "indicator", "name", "cv", "limit", "passed", "mean", "n_units",
                                        "gini", "theil")},
                    "top": [{**t, "name": names.get(t["unit_code"], t["unit_code"])}
                            for t in c.get("top_contributors", [])[:3]]})
    files = ({f["name"].rsplit(".", 1)[-1]: f for f in job.files if f["role"] == "output"}
             if actor.covers_org(job.org_code) else {})  # the county's reports: for those covering the county
    return {"job": job, "ready": True, "data": data, "units": units, "heat": heat, "cvs": cvs, "files": files,
            "indicators": indicators}


def school_indicators(engine: Engine, actor: Actor, county: str, school_code: str) -> dict[str, Any] | None:
    """The latest assessment's rows for one school (all its stage sections), with indicator names."""
    job_id = latest_run(engine, actor, county)
    if job_id is None:
        return None
    data = assessment_data(engine, job_id)
    ind = {i["code"]: i for i in data["indicators"]}
    sections = []
    for u in data["units"]:
        if school_code in u.get("sites", [u["unit_code"]]):
            rows = [{**v, "name": ind.get(v["indicator"], {}).get("name", v["indicator"]),
                     "unit": ind.get(v["indicator"], {}).get("unit", ""),
                     "gap_unit": ind.get(v["indicator"], {}).get("gap_unit", "")} for v in u["values"]]
            sections.append({**{k: v for k, v in u.items() if k != "values"}, "values": rows})
    return {"job_id": job_id, "pack": data["pack"], "year": data["year"], "sections": sections}


def school_verdicts(engine: Engine, actor: Actor, county: str) -> dict[str, str]:
    """School code → worst verdict of its sections in the latest assessment (empty without one)."""
    job_id = latest_run(engine, actor, county)
    if job_id is None:
        return {}
    data = assessment_data(engine, job_id)
    out: dict[str, str] = {}
    for u in data["units"]:
        for s in u.get("sites", [u["unit_code"]]):
            v = u["school_verdict"]
            if out.get(s) != "fail":
                out[s] = v
    return out
