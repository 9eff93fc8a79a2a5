"""教师配置: year form (plan made in the background, shown with the job panel), then the plan page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from junheng.services import counties as C
from junheng.services import jobs
from junheng.services import listing as LI
from junheng.services import teachers as T
from junheng.services.errors import Invalid
from junheng.web.api.imports import attachment
from junheng.web.deps import ActorDep, StateDep, render

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _list_context(state, actor, county: str | None = None) -> dict:
    county = C.resolve_county(state.engine, actor, county)
    years = T.plan_years(state.engine, actor, county)
    return {"active": "teachers", "years": years, "runs": T.list_runs(state.engine, actor), "county": county,
            "counties": C.work_counties(state.engine, actor)}


@router.get("/teachers")
def teachers_page(request: Request, actor: ActorDep, state: StateDep,
                  county: Annotated[str | None, Query(max_length=12, pattern=r"^\d{6}(\d{6})?$")] = None) -> Response:
    actor.require("view_teachers")
    return render(request, "teachers.html", {**_list_context(state, actor, county), "error": None})


@router.post("/teachers")
def teachers_start(request: Request, actor: ActorDep, state: StateDep, year: Annotated[int, Form()],
                   county: Annotated[str | None, Form(max_length=12, pattern=r"^\d{6}(\d{6})?$")] = None) -> Response:
    try:
        job_id = T.start_plan(state.engine, state.runner, actor, year=year, county=county)
    except Invalid as exc:
        return render(request, "teachers.html", {**_list_context(state, actor, county), "error": exc},
                      status_code=422)
    return RedirectResponse(f"/teachers/jobs/{job_id}", status_code=303)


@router.get("/teachers/jobs/{job_id}")
def teachers_job(request: Request, job_id: Id, actor: ActorDep, state: StateDep) -> Response:
    job = jobs.get_job(state.engine, actor, job_id, kinds=(T.KIND,))
    if job.status == jobs.DONE:
        return RedirectResponse(f"/teachers/plans/{job_id}", status_code=303)
    return render(request, "teachers_job.html", {"active": "teachers", "job": job})


@router.get("/teachers/plans/{job_id}")
def plan_page(request: Request, job_id: Id, actor: ActorDep, state: StateDep) -> Response:
    p = T.plan_view(state.engine, actor, job_id)
    lists = {}
    for name, (spec, key) in T.PLAN_LISTS.items():
        lq = LI.parse_query(spec, request.query_params)
        lists[name] = {"lq": lq, "p": LI.page_rows(p[key], lq, exact=("stage",))}
    stages = sorted({r["stage"] for r in p["sections"]})
    return render(request, "teachers_plan.html", {"active": "teachers", "p": p, "lists": lists,
                                                  "stages": [(st, p["stage_zh"].get(st, st)) for st in stages],
                                                  "path": f"/teachers/plans/{job_id}"})


@router.get("/teachers/plans/{job_id}/export.xlsx")
def plan_export(request: Request, job_id: Id, actor: ActorDep, state: StateDep,
                list_name: Annotated[str, Query(alias="list")] = "teacher_transfers") -> Response:
    if list_name not in T.PLAN_LISTS:
        raise Invalid(f"没有这个列表：{list_name}", f"no such list: {list_name}")
    spec, key = T.PLAN_LISTS[list_name]
    lq = LI.parse_query(spec, request.query_params)
    job = jobs.get_job(state.engine, actor, job_id, kinds=(T.KIND,))
    rows = LI.filter_rows(T.plan_view(state.engine, actor, job_id)[key], lq, exact=("stage",))
    name, content = LI.export_xlsx(state.engine, actor, spec, rows, lq, org=job.org_code)
    return attachment(name, LI.XLSX, content)
