"""布局规划: scenario list, new scenario (solved in the background), scenario page with map, comparison."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from junheng.services import counties as C
from junheng.services import jobs
from junheng.services import layout as L
from junheng.services import listing as LI
from junheng.services.errors import Invalid
from junheng.web.api.imports import attachment
from junheng.web.deps import ActorDep, StateDep, render

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _list_context(state, actor, county: str | None = None) -> dict:
    county = C.resolve_county(state.engine, actor, county)
    years = C.years(state.engine, county)
    base = max(years) if years else None
    return {"active": "layout", "scenarios": L.list_scenarios(state.engine, actor),
            "runs": L.list_runs(state.engine, actor), "base_year": base,
            "target_years": list(range(base, base + 16)) if base else [], "variants": L.VARIANTS,
            "decision_zh": L.DECISION_ZH, "county": county, "counties": C.work_counties(state.engine, actor)}


@router.get("/layout")
def layout_page(request: Request, actor: ActorDep, state: StateDep,
                county: Annotated[str | None, Query(max_length=12, pattern=r"^\d{6}(\d{6})?$")] = None) -> Response:
    actor.require("view_layout")
    return render(request, "layout.html", {**_list_context(state, actor, county), "error": None})


@router.post("/layout")
def layout_start(request: Request, actor: ActorDep, state: StateDep, name: Annotated[str, Form(max_length=100)],
                 year: Annotated[int, Form()], variant: Annotated[str, Form(max_length=16)] = "central",
                 time_limit_s: Annotated[float, Form(ge=1, le=600)] = 20.0,
                 keep_small: Annotated[bool, Form()] = False,
                 county: Annotated[str | None, Form(max_length=12, pattern=r"^\d{6}(\d{6})?$")] = None) -> Response:
    try:
        job_id = L.start_layout(state.engine, state.runner, actor, name=name, year=year, variant=variant,
                                time_limit_s=time_limit_s, keep_small=keep_small, county=county)
    except Invalid as exc:
        return render(request, "layout.html", {**_list_context(state, actor, county), "error": exc},
                      status_code=422)
    return RedirectResponse(f"/layout/jobs/{job_id}", status_code=303)


@router.get("/layout/jobs/{job_id}")
def layout_job(request: Request, job_id: Id, actor: ActorDep, state: StateDep) -> Response:
    job = jobs.get_job(state.engine, actor, job_id, kinds=(L.KIND,))
    if job.status == jobs.DONE and job.result.get("scenario_id"):
        return RedirectResponse(f"/layout/scenarios/{job.result['scenario_id']}", status_code=303)
    return render(request, "layout_job.html", {"active": "layout", "job": job})


@router.get("/layout/scenarios/{scenario_id}")
def scenario_page(request: Request, scenario_id: Id, actor: ActorDep, state: StateDep) -> Response:
    sc = L.get_scenario(state.engine, actor, scenario_id)
    others = [s for s in L.list_scenarios(state.engine, actor) if s["id"] != scenario_id]
    labels = json.dumps({"decision": L.DECISION_ZH}, ensure_ascii=False)
    lq = LI.parse_query(L.DECISION_LIST, request.query_params)
    return render(request, "layout_scenario.html", {
        "active": "layout", "sc": sc, "others": others, "labels_json": labels, "lq": lq,
        "decisions": LI.page_rows(sc["decisions"], lq, exact=("decision",)),
        "decision_options": list(L.DECISION_ZH.items()), "path": f"/layout/scenarios/{scenario_id}"})


@router.get("/layout/scenarios/{scenario_id}/export.xlsx")
def decisions_export(request: Request, scenario_id: Id, actor: ActorDep, state: StateDep) -> Response:
    sc = L.get_scenario(state.engine, actor, scenario_id)
    lq = LI.parse_query(L.DECISION_LIST, request.query_params)
    rows = LI.filter_rows(sc["decisions"], lq, exact=("decision",))
    name, content = LI.export_xlsx(state.engine, actor, L.DECISION_LIST, rows, lq, org=sc["county_code"])
    return attachment(name, LI.XLSX, content)


@router.get("/layout/compare")
def compare_page(request: Request, actor: ActorDep, state: StateDep, a: Annotated[int, Query(ge=1)],
                 b: Annotated[int, Query(ge=1)]) -> Response:
    cmp = L.compare_scenarios(state.engine, actor, a, b)
    return render(request, "layout_compare.html", {"active": "layout", "cmp": cmp})
