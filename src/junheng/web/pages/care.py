"""控辍保学: the case list (by state and township), the case page (timeline, allowed actions), the ledgers.

States, actions, their forms and labels come from the programme (``junheng.services.care.PROGRAMME``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from junheng.services import care as K
from junheng.services import counties as C
from junheng.services import listing as LI
from junheng.services.errors import Conflict, Invalid
from junheng.services.jobs import get_job
from junheng.web.api.imports import attachment
from junheng.web.deps import ActorDep, StateDep, render

router = APIRouter()
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]
JobId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/care")
def case_list(request: Request, actor: ActorDep, state: StateDep, opened: int | None = None) -> Response:
    lq = LI.parse_query(K.CASE_LIST, request.query_params)
    rows = K.case_list(state.engine, actor, lq)
    county = C.resolve_county(state.engine, actor, None)
    by_state: dict[str, int] = {}
    for r in rows:
        by_state[r["state"]] = by_state.get(r["state"], 0) + 1
    return render(request, "care_cases.html", {
        "active": "care", "lq": lq, "p": (page := LI.slice_page(rows, lq)), "rows": page.rows,
        "filters": {"status": lq.filter("status") or "", "township": lq.filter("township") or ""},
        "states": [(st.code, st.label) for st in K.PROGRAMME.states], "by_state": by_state, "opened": opened,
        "programme": K.PROGRAMME,
        "townships": C.townships(state.engine, actor, county)})


@router.get("/care/export.xlsx")
def case_export(request: Request, actor: ActorDep, state: StateDep) -> Response:
    lq = LI.parse_query(K.CASE_LIST, request.query_params)
    rows = K.case_list(state.engine, actor, lq)
    name, content = LI.export_xlsx(state.engine, actor, K.CASE_LIST, rows, lq,
                                   masked=not K.sees_full_ids(actor))
    return attachment(name, LI.XLSX, content)


def _case_ctx(state, actor, case_id: int) -> dict:
    d = K.get_case(state.engine, actor, case_id)
    return {"active": "care", "d": d, "programme": K.PROGRAMME, "source": K.source_label(d["source"]),
            "error": None, "conflict": None, "yours": None}


@router.get("/care/cases/{case_id}")
def case_page(request: Request, case_id: CaseId, actor: ActorDep, state: StateDep) -> Response:
    return render(request, "care_case.html", _case_ctx(state, actor, case_id))


@router.post("/care/cases/{case_id}")
async def case_act(request: Request, case_id: CaseId, actor: ActorDep, state: StateDep) -> Response:
    form = await request.form()
    action = str(form.get("action", ""))
    try:
        version = int(str(form.get("version", "")))
    except ValueError:
        raise Invalid("缺少版本号", "missing version") from None
    spec = K.PROGRAMME.action(action)
    keys = {f.key for f in spec.fields} if spec else set()  # the programme's fields of this action
    data = {k: str(form.get(k, "")).strip() for k in keys if str(form.get(k, "")).strip()}
    try:
        await run_in_threadpool(K.act, state.engine, actor, case_id, action, data, version=version,
                                max_chars=state.settings.care_note_max_chars)
    except (Conflict, Invalid) as exc:
        ctx = await run_in_threadpool(_case_ctx, state, actor, case_id)
        ctx.update({"error": exc if isinstance(exc, Invalid) else None,
                    "conflict": exc if isinstance(exc, Conflict) else None,
                    "yours": {"action": action, "label": K.action_label(action), "data": data}})
        return render(request, "care_case.html", ctx, status_code=exc.status)
    return RedirectResponse(f"/care/cases/{case_id}", status_code=303)


# ---------------------------------------------------------------------------------------------------- ledgers
@router.get("/care/ledgers")
def ledgers_page(request: Request, actor: ActorDep, state: StateDep,
                 job: int | None = Query(None, ge=1, le=2**31 - 1),
                 township: str | None = None, school: str | None = None, q: str | None = None) -> Response:
    jobs = K.ledger_jobs(state.engine, actor)
    ctx: dict[str, Any] = {"active": "care", "jobs": jobs, "job": None, "ledgers": None, "names": K.LEDGERS, "error": None,
           "filters": {"township": township or "", "school": school or "", "q": q or ""},
           "townships": C.townships(state.engine, actor, C.resolve_county(state.engine, actor, None)),
           "today": dt.date.today().isoformat()}
    if job:
        info = get_job(state.engine, actor, job, kinds=("care_check",))
        ctx["job"] = info
        if info.status == "done":
            ctx["ledgers"] = K.ledgers(state.engine, actor, job, township=township or None, school=school or None,
                                       q=q or None)
            ctx["lists"] = {}
            for key, spec in K.LEDGER_LISTS.items():
                lq = LI.parse_query(spec, request.query_params)
                ctx["lists"][key] = {"lq": lq, "p": LI.page_rows(ctx["ledgers"][key], lq)}
    return render(request, "care_ledgers.html", ctx)


@router.get("/care/ledgers/export.xlsx")
def ledger_export(request: Request, actor: ActorDep, state: StateDep, job: Annotated[int, Query(ge=1, le=2**31 - 1)],
                  list_name: Annotated[str, Query(alias="list")] = "out_of_school", township: str | None = None,
                  school: str | None = None, q: str | None = None) -> Response:
    if list_name not in K.LEDGER_LISTS:
        raise Invalid(f"没有这个台账：{list_name}", f"no such ledger: {list_name}")
    spec = K.LEDGER_LISTS[list_name]
    lq = LI.parse_query(spec, request.query_params)
    rows = K.ledgers(state.engine, actor, job, township=township or None, school=school or None, q=q or None)
    name, content = LI.export_xlsx(state.engine, actor, spec, LI.filter_rows(rows[list_name], lq), lq,
                                   org=get_job(state.engine, actor, job, kinds=("care_check",)).org_code,
                                   masked=not K.sees_full_ids(actor))
    return attachment(name, LI.XLSX, content)


@router.get("/care/ledgers/{job_id}/panel")
def ledger_panel(request: Request, job_id: JobId, actor: ActorDep, state: StateDep) -> Response:
    K.ledger_jobs(state.engine, actor)  # permission
    info = get_job(state.engine, actor, job_id, kinds=("care_check",))
    if info.finished:
        return Response(status_code=204, headers={"HX-Redirect": f"/care/ledgers?job={job_id}"})
    return render(request, "_care_job.html", {"job": info})


@router.post("/care/ledgers")
async def ledgers_upload(request: Request, actor: ActorDep, state: StateDep) -> Response:
    form = await request.form()
    limit = state.settings.max_upload_mb * 2**20
    files: dict[str, bytes] = {}
    for kind in K.LEDGER_KINDS:
        f = form.get(kind)
        if isinstance(f, UploadFile):
            content = await f.read(limit + 1)
            if content:
                files[kind] = content
    try:
        as_of = dt.date.fromisoformat(str(form.get("as_of") or dt.date.today().isoformat()))
    except ValueError:
        raise Invalid("核查日期格式应为 YYYY-MM-DD", "check date must be YYYY-MM-DD") from None
    job_id = await run_in_threadpool(K.start_ledger_check, state.engine, state.runner, actor, files=files,
                                     as_of=as_of, max_bytes=limit)
    return RedirectResponse(f"/care/ledgers?job={job_id}", status_code=303)


@router.post("/care/ledgers/{job_id}/open")
def ledgers_open(job_id: JobId, actor: ActorDep, state: StateDep) -> Response:
    n = K.open_cases_from_ledgers(state.engine, actor, job_id)
    return RedirectResponse(f"/care?opened={n['opened']}", status_code=303)
