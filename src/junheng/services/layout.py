"""Layout planning (布局规划) in the web app: scenarios of the county's school layout, solved in the background.

:func:`plan_layout`, :func:`save_plan` and :func:`write_layout` are the one
path of ``junheng plan layout --save-scenario`` and of the web job: the
county's registry (:func:`junheng.services.registry.county_data`, without
personal records), :meth:`SchoolLayout.from_tables` for the target year and
births variant, ``solve`` under a time limit, the scenario saved in the store
(:mod:`junheng.store.scenarios`, re-assessed) and the XLSX / DOCX writers of
:mod:`junheng.report.layout`.  The map data (villages, schools by
decision, each village's assigned school) is stored with the job as JSON
(schema ``junheng.layout-map/1``), because the scenario store keeps decisions
and summary only.  Permissions: ``view_layout`` to read, ``run_layout`` to create.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from junheng.domain.labels import zh_map
from junheng.services import audit
from junheng.services import counties as C
from junheng.services import listing as LI
from junheng.services.authz import Actor
from junheng.services.errors import Forbidden, Invalid, NotFound
from junheng.services.jobs import DONE, JobContext, JobRunner, Progress, get_job, list_jobs, silent
from junheng.services.registry import CountyData, county_data
from junheng.store.auth_models import Job, JobFile

if TYPE_CHECKING:
    from junheng.domain.tables import YearTables
    from junheng.plan.layout import LayoutResult, LayoutRules, SchoolLayout

KIND = "layout"
VARIANTS = zh_map("births_variant")
DECISION_ZH = zh_map("decision")
#: The 学校决定 list of a scenario page (:mod:`junheng.services.listing`).
DECISION_LIST = LI.ListSpec("decisions", "学校决定", columns=(
    LI.Column("school_code", "学校标识码"), LI.Column("name", "学校名称"),
    LI.Column("decision", "决定", show="decision_zh"), LI.Column("merge_into_name", "并入学校"),
    LI.Column("pupils", "规划年学生"), LI.Column("explanation", "说明", sortable=False)),
    filters=("decision",), search=("school_code", "name", "merge_into_name"), default_sort="school_code")
MEDIA = {
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
MAP_NAME = "layout_map.json"


def _scenario_rows(engine: Engine, actor: Actor) -> list[dict[str, Any]]:
    from junheng.store.layout_models import LayoutScenario

    with Session(engine) as s:
        rows = s.scalars(select(LayoutScenario).order_by(LayoutScenario.id.desc())).all()
        out = []
        for r in rows:
            if not actor.covers_org(r.county_code):  # one way; a scenario of no county: the administrator's
                continue
            out.append({"id": r.id, "name": r.name, "county_code": r.county_code, "base_year": r.base_year,
                        "target_year": r.target_year, "source": r.source, "variant": r.variant,
                        "summary": dict(r.summary or {}), "created_at": r.created_at.isoformat(sep=" ")[:19]})
    return out


def list_scenarios(engine: Engine, actor: Actor) -> list[dict[str, Any]]:
    """Saved scenarios of the counties in the actor's scope (newest first), with their summary figures."""
    actor.require("view_layout")
    return _scenario_rows(engine, actor)


def scenario_table(engine: Engine, actor: Actor) -> pd.DataFrame:
    """The saved scenarios in the actor's scope as a table (name, years, source, variant, cost, procedure)."""
    from junheng.store import scenarios

    mine = {r["name"] for r in list_scenarios(engine, actor)}
    df = scenarios.list_scenarios(engine)
    return df[df["name"].isin(mine)].reset_index(drop=True)


def compare_named(engine: Engine, actor: Actor, names: Sequence[str]) -> pd.DataFrame:
    """Scenarios ``names`` side by side (:func:`junheng.plan.scenario.compare`), each in the actor's scope."""
    from junheng.plan.scenario import compare
    from junheng.store.scenarios import load_scenario

    mine = {r["name"]: r for r in list_scenarios(engine, actor)}
    missing = [n for n in names if n not in mine]
    if missing:
        raise NotFound(f"方案不存在或不在您的管辖范围内：{'、'.join(missing)}",
                       f"no such scenario in your scope: {', '.join(missing)}")
    return compare([(load_scenario(engine, n), None) for n in names])


def format_figure(label: str, x: object) -> str:
    """A comparison figure as the tables show it (:func:`junheng.plan.scenario.format_figure`)."""
    from junheng.plan.scenario import format_figure as fmt

    return fmt(label, x)


def list_runs(engine: Engine, actor: Actor, *, limit: int = 20) -> list[Any]:
    actor.require("view_layout")
    return list_jobs(engine, actor, kinds=(KIND,), limit=limit)


def start_layout(engine: Engine, runner: JobRunner, actor: Actor, *, name: str, year: int,
                 variant: str = "central", time_limit_s: float = 20.0, keep_small: bool = False,
                 county: str | None = None) -> int:
    """Queue a solve of ``county`` (default: the actor's) for target ``year``; returns the job id.

    ``keep_small`` exempts every existing school from the minimum size (乡村小规模学校 may stay,
    the rules' ``keep_small`` flag); otherwise the default rules apply as they are.
    """
    from junheng.store.layout_models import LayoutScenario

    actor.require("run_layout")
    name = name.strip()
    if not name:
        raise Invalid("请填写方案名称", "a scenario name is required")
    if variant not in VARIANTS:
        raise Invalid(f"未知出生预测方案：{variant}", f"unknown births variant {variant}")
    county_code = C.resolve_county(engine, actor, county, whole=True)
    years = C.years(engine, county_code)
    if not years:
        raise Invalid("该县没有学年数据", "the county has no school-year data")
    if not max(years) <= year <= max(years) + 15:
        raise Invalid(f"目标年应在 {max(years)}–{max(years) + 15} 之间",
                      f"the target year must lie in {max(years)}–{max(years) + 15}")
    with Session(engine) as s:
        if s.scalar(select(LayoutScenario.id).where(LayoutScenario.name == name)) is not None:
            raise Invalid(f"方案名称已存在：{name}", f"a scenario named {name!r} exists")
    time_limit_s = max(1.0, min(float(time_limit_s), 600.0))
    job_id = runner.create(actor, KIND, org_code=county_code,
                           params={"name": name, "year": year, "variant": variant, "time_limit_s": time_limit_s,
                                   "keep_small": keep_small})
    runner.submit(job_id, lambda ctx: _run(engine, ctx, actor, name=name, year=year, variant=variant,
                                           time_limit_s=time_limit_s, keep_small=keep_small, county=county_code))
    return job_id


@dataclass(frozen=True)
class LayoutPlan:
    """A solved layout plan of one county: the model (sites, villages), the result, and how it was asked for."""

    layout: SchoolLayout
    result: LayoutResult
    rules: LayoutRules
    county_code: str
    county_name: str
    base_year: int
    year: int
    variant: str
    tables: YearTables
    time_limit_s: float
    keep_small: bool

    @property
    def title(self) -> str:
        return f"{self.county_name}学校布局调整方案（{self.year} 年，{VARIANTS.get(self.variant, self.variant)}）"


class Infeasible(Invalid):
    """No layout meets the rules (the solver's diagnosis names the rule)."""


def plan_layout(actor: Actor, data: CountyData, *, year: int, variant: str = "central",
                rules: str | Path | None = None, keep_small: bool = False, osm: str | Path | None = None,
                time_limit_s: float = 120.0, progress: Progress | None = None) -> LayoutPlan:
    """Solve the layout of ``data``'s county for target ``year``: the one path of ``junheng plan layout`` and of
    the web job.

    The model (:meth:`SchoolLayout.from_tables`) reads the registry as it is: a school without coordinates sits
    at its village's point, one without either is left out with a note.  ``rules`` is a layout rules file
    (default: the shipped rules); ``keep_small`` exempts every existing school from the minimum size
    (乡村小规模学校 may stay); ``osm`` a road network (``.osm.pbf``; default: the synthetic network).
    """
    from junheng.plan.facility import InfeasibleModelError
    from junheng.plan.layout import SchoolLayout, load_layout_rules

    actor.require("run_layout")
    if variant not in VARIANTS:
        raise Invalid(f"未知出生预测方案：{variant}", f"unknown births variant {variant}")
    report = progress or silent
    tables = data.tables
    r = load_layout_rules(rules)
    if keep_small:
        r = r.with_flags(keep_small=tables.school["code"].astype(str).tolist())
    network = None
    if osm is not None:
        from junheng.geo import read_osm_pbf

        report(0.1, "读取路网 / reading the road network")
        network = read_osm_pbf(osm)
    report(0.2, "预测与建模 / projecting and building the model")
    layout = SchoolLayout.from_tables(tables, year=year, rules=r, travel=network, variant=variant)
    report(0.35, f"求解 / solving ({len(layout.pairs)} pairs, ≤ {time_limit_s:.0f} s)")
    try:
        result = layout.solve(time_limit_s=time_limit_s)
    except InfeasibleModelError as exc:
        raise Infeasible(f"无可行方案：{exc}", f"infeasible: {exc}") from exc
    return LayoutPlan(layout, result, r, data.county_code, data.county_name, max(tables.years), year, variant,
                      tables, time_limit_s, keep_small)


def write_layout(plan: LayoutPlan, *, xlsx: str | Path | None = None, map_html: str | Path | None = None,
                 png: str | Path | None = None, docx: str | Path | None = None) -> list[Path]:
    """The plan's Excel workbook, HTML map, PNG map and Word report, where asked (the Word report embeds the
    PNG map when one is written)."""
    from junheng.report.layout import write_docx, write_html_map, write_png, write_xlsx

    out = []
    if xlsx is not None:
        write_xlsx(plan.result, xlsx, sites=plan.layout.sites)
        out.append(Path(xlsx))
    if map_html is not None:
        write_html_map(plan.result, map_html, sites=plan.layout.sites, title=plan.title)
        out.append(Path(map_html))
    if png is not None:
        write_png(plan.result, png, sites=plan.layout.sites, title=plan.title)
        out.append(Path(png))
    if docx is not None:
        write_docx(plan.result, docx, title=plan.title, png=png, sites=plan.layout.sites,
                   issuer=f"{plan.county_name}教育局")
        out.append(Path(docx))
    return out


def save_plan(engine: Engine, actor: Actor, plan: LayoutPlan, name: str, *, replace: bool = False,
              progress: Progress | None = None) -> int:
    """Save the plan as scenario ``name`` (re-assessing the planned county's resource CVs), audited; returns
    the scenario's id.  ``replace`` overwrites a scenario of that name (the CLI's ``--save-scenario``)."""
    from junheng.plan.scenario import scenario_from_result
    from junheng.store.scenarios import ScenarioExists, save_scenario

    actor.require("run_layout")
    if plan.county_code and not actor.covers_org(plan.county_code):
        raise Forbidden("该县不在您的管辖范围内", "this county is outside your scope")
    (progress or silent)(0.75, "规划后重新评估 / re-assessing the planned county")
    sc = scenario_from_result(name, plan.result, base_year=plan.base_year, variant=plan.variant,
                              county_code=plan.county_code, note=f"{actor.username}", tables=plan.tables)
    (progress or silent)(0.8, "保存方案 / saving the scenario")
    try:
        scenario_id = save_scenario(engine, sc, replace_existing=replace,
                                    rules={"code": plan.rules.code, "time_limit_s": plan.time_limit_s,
                                           "keep_small": plan.keep_small})
    except ScenarioExists as exc:
        raise Invalid(f"方案名称已存在：{name}", f"a scenario named {name!r} exists") from exc
    audit.record_now(engine, actor, "layout.scenario.save", name, org=plan.county_code or None,
                     scenario=scenario_id, year=plan.year, variant=plan.variant, replaced=replace)
    return scenario_id


def decision_counts(plan: LayoutPlan) -> dict[str, int]:
    return {str(k): int(v) for k, v in plan.result.summary()["decisions"].items()}


def _run(engine: Engine, ctx: JobContext, actor: Actor, *, name: str, year: int, variant: str,
         time_limit_s: float, keep_small: bool, county: str) -> dict[str, Any]:
    ctx.progress(0.05, "读取数据 / reading data")
    data = county_data(engine, actor, county=county, personal=False)
    plan = plan_layout(actor, data, year=year, variant=variant, keep_small=keep_small, time_limit_s=time_limit_s,
                       progress=ctx.progress)
    scenario_id = save_plan(engine, actor, plan, name, progress=ctx.progress)
    ctx.add_file(MAP_NAME, json.dumps(_map_data(plan.result, plan.layout.sites, plan.layout.clients),
                                      ensure_ascii=False).encode("utf-8"), MEDIA["json"])
    with tempfile.TemporaryDirectory() as tmp:
        ctx.progress(0.85, "生成 XLSX / writing xlsx")
        p = Path(tmp) / f"{data.county_name}_布局方案_{year}.xlsx"
        write_layout(plan, xlsx=p)
        ctx.add_file(p.name, p.read_bytes(), MEDIA["xlsx"])
        ctx.progress(0.92, "生成 DOCX / writing docx")
        p = Path(tmp) / f"{data.county_name}_布局方案_{year}.docx"
        write_layout(plan, docx=p)
        ctx.add_file(p.name, p.read_bytes(), MEDIA["docx"])
    s = plan.result.summary()
    status = zh_map("solve_status").get(plan.result.status, plan.result.status)
    return {"scenario_id": scenario_id, "scenario": name, "status": plan.result.status, "gap": s["gap"],
            "message": f"方案「{name}」：{status}，" + "，".join(
                f"{DECISION_ZH.get(k, k)} {v}" for k, v in decision_counts(plan).items())}


def _num(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if v == v else None


def _map_data(result: Any, sites: Any, clients: Any) -> dict[str, Any]:
    """Villages (pupils by stage), schools with decision and point, zone lines (village → school, per stage)."""
    pts = sites.groupby("school_code")[["lon", "lat"]].first()
    schools = []
    for r in result.decisions.itertuples(index=False):
        code = str(r.school_code)
        if code not in pts.index:
            continue
        schools.append({"code": code, "name": str(r.name), "decision": str(r.decision),
                        "value": [_num(pts.at[code, "lon"]), _num(pts.at[code, "lat"])]})
    villages: dict[str, dict[str, Any]] = {}
    for r in clients.itertuples(index=False):
        v = villages.setdefault(str(r.village_code), {"code": str(r.village_code), "name": str(r.village_name),
                                                       "value": [_num(r.lon), _num(r.lat)], "pupils": 0.0})
        v["pupils"] += float(r.pupils or 0)
    lines = []
    for r in result.zones.itertuples(index=False):
        code = str(r.school_code)
        if code not in pts.index:
            continue
        lines.append({"stage": str(r.stage), "village": str(r.village_code), "school": code,
                      "coords": [[_num(r.lon), _num(r.lat)], [_num(pts.at[code, "lon"]), _num(pts.at[code, "lat"])]],
                      "minutes": _num(r.minutes), "boards": bool(r.boards)})
    return {"schema": "junheng.layout-map/1", "schools": schools, "villages": list(villages.values()),
            "zones": lines}


def _job_of(engine: Engine, scenario_id: int) -> int | None:
    t = Job.__table__
    with engine.connect() as conn:
        for job_id, result in conn.execute(select(t.c.id, t.c.result).where(
                t.c.kind == KIND, t.c.status == DONE).order_by(t.c.id.desc()).limit(500)):
            if (result or {}).get("scenario_id") == scenario_id:
                return int(job_id)
    return None


def get_scenario(engine: Engine, actor: Actor, scenario_id: int) -> dict[str, Any]:
    """A scenario the actor may see: summary, decisions (with Chinese explanations) and its job's files."""
    from junheng.store.layout_models import LayoutScenario
    from junheng.store.scenarios import load_scenario

    actor.require("view_layout")
    with Session(engine) as s:
        row = s.get(LayoutScenario, scenario_id)
        if row is None:
            raise NotFound(f"方案不存在：{scenario_id}", f"no scenario {scenario_id}")
        name, county = row.name, row.county_code
    if not actor.covers_org(county):
        raise Forbidden("该方案不在您的管辖范围内", "this scenario is outside your scope")
    sc = load_scenario(engine, name)
    summary = dict(sc.summary)
    counts = sc.decisions["decision"].value_counts().to_dict()
    decisions = [{**{k: (None if v != v else v) for k, v in d.items()},
                  "decision_zh": DECISION_ZH.get(d["decision"], d["decision"])}
                 for d in sc.decisions.to_dict(orient="records")]
    names = {d["school_code"]: d["name"] for d in decisions}
    for d in decisions:
        d["merge_into_name"] = names.get(d["merge_into"] or "", d["merge_into"] or "")
    job_id = _job_of(engine, scenario_id)
    files: dict[str, int] = {}
    if job_id is not None:
        job = get_job(engine, actor, job_id, kinds=(KIND,))
        files = {f["name"].rsplit(".", 1)[-1]: f["id"] for f in job.files if f["name"] != MAP_NAME}
    return {"id": scenario_id, "name": sc.name, "county_code": sc.county_code, "base_year": sc.base_year,
            "target_year": sc.target_year, "variant": sc.variant, "variant_zh": VARIANTS.get(sc.variant, sc.variant),
            "source": sc.source, "summary": summary,
            "counts": {k: int(counts.get(k, 0)) for k in ("keep", "expand", "merge", "close", "build", "keep_small")},
            "decisions": decisions, "job_id": job_id, "files": files,
            "steps": sc.steps.assign(done_on=sc.steps["done_on"].map(
                lambda d: d.isoformat() if isinstance(d, dt.date) else None)).to_dict(orient="records")}


def scenario_map(engine: Engine, actor: Actor, scenario_id: int) -> dict[str, Any]:
    """Map data for ECharts: county outline (as the dashboard's), villages, schools by decision, zone lines."""
    from junheng.services.maps import county_map

    sc = get_scenario(engine, actor, scenario_id)
    base = county_map(engine, actor, sc["county_code"], villages=False)
    out: dict[str, Any] = {"geojson": base["geojson"], "schools": [], "villages": [], "zones": []}
    if sc["job_id"] is not None:
        with engine.connect() as conn:
            content = conn.execute(select(JobFile.content).where(JobFile.job_id == sc["job_id"],
                                                                 JobFile.name == MAP_NAME)).scalar()
        if content is not None:
            out.update(json.loads(bytes(content).decode("utf-8")))
    out["decision_zh"] = DECISION_ZH
    return out


def export(engine: Engine, actor: Actor, scenario_id: int, fmt: str) -> tuple[str, str, bytes]:
    """(name, media type, content) of the scenario's XLSX or DOCX plan."""
    from junheng.services import jobs

    sc = get_scenario(engine, actor, scenario_id)
    if fmt not in sc["files"] or sc["job_id"] is None:
        raise NotFound("该方案没有此格式的文件", "no such file for this scenario")
    return jobs.get_file(engine, actor, sc["job_id"], sc["files"][fmt])


def compare_scenarios(engine: Engine, actor: Actor, a: int, b: int) -> dict[str, Any]:
    """Two scenarios side by side (:func:`junheng.plan.scenario.compare` rows) and the schools they decide differently."""
    from junheng.plan.scenario import compare
    from junheng.store.scenarios import load_scenario

    sa, sb = get_scenario(engine, actor, a), get_scenario(engine, actor, b)
    df = compare([(load_scenario(engine, sa["name"]), None), (load_scenario(engine, sb["name"]), None)])
    def cell(x: Any) -> Any:
        return _num(x) if _num(x) is not None else (None if x is None or x != x else str(x))

    # one column per scenario name (the same scenario twice gives one column)
    rows = [{"label": str(idx), "a": cell(r.iloc[0]), "b": cell(r.iloc[-1])} for idx, r in df.iterrows()]
    db = {d["school_code"]: d for d in sb["decisions"]}
    differ = [{"school_code": d["school_code"], "name": d["name"], "a": d["decision_zh"],
               "b": db[d["school_code"]]["decision_zh"] if d["school_code"] in db else "—"}
              for d in sa["decisions"] if db.get(d["school_code"], {}).get("decision") != d["decision"]]
    return {"a": {k: sa[k] for k in ("id", "name", "target_year", "variant_zh")},
            "b": {k: sb[k] for k in ("id", "name", "target_year", "variant_zh")}, "rows": rows, "differ": differ}
