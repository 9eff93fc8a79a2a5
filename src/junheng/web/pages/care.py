"""控辍保学: the case list (by state and township), the case page (timeline, allowed actions), the ledgers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from junheng.care import PLACEMENTS, RESPONSIBLE_ROLES, STATE_LABELS, CaseState
from junheng.services import care as K
from junheng.services import counties as C
from junheng.services.errors import Conflict, Invalid
from junheng.services.jobs import get_job
from junheng.web.deps import ActorDep, StateDep, render

router = APIRouter()
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]
JobId = Annotated[int, Path(ge=1, le=2**31 - 1)]

Field = tuple[str, str, str, tuple[tuple[str, str], ...]]  # key, label, input kind, options
ACTION_FIELDS: dict[str, tuple[Field, ...]] = {
    "verify": (("result", "核实结果", "select", (("confirmed", "确认辍学/失学"), ("not_dropout", "非辍学"))),
               ("reason", "核实理由（非辍学时必填）", "text", ()), ("evidence", "证明材料（非辍学时必填）", "text", ())),
    "attempt": (("date", "劝返日期", "date", ()), ("who", "劝返人", "text", ()), ("method", "劝返方式", "text", ()),
                ("result", "劝返结果", "text", ())),
    "place": (("placement", "安置方式", "select", tuple((p.value, p.label) for p in PLACEMENTS)),
              ("detail", "安置说明", "text", ())),
    "track": (("months", "跟踪月数", "number", ()),),
    "relapse": (("reason", "再次辍学情况", "text", ()),),
    "close": (("note", "销号说明", "text", ()),),
    "assign": (("role", "责任人角色", "select", tuple(RESPONSIBLE_ROLES.items())), ("person", "责任人", "text", ())),
    "note": (("text", "备注内容", "text", ()),),
}
"""The action forms: the fields ``junheng.care.workflow.apply`` reads for each action."""


@router.get("/care")
def case_list(request: Request, actor: ActorDep, state: StateDep, status: str | None = None,
              township: str | None = None, opened: int | None = None) -> Response:
    rows = K.list_cases(state.engine, actor, state=status or None, township=township or None)
    county = C.resolve_county(state.engine, actor, None)
    by_state: dict[str, int] = {}
    for r in rows:
        by_state[r.state] = by_state.get(r.state, 0) + 1
    return render(request, "care_cases.html", {
        "active": "care", "rows": rows, "filters": {"status": status or "", "township": township or ""},
        "states": [(s.value, STATE_LABELS[s]) for s in CaseState], "by_state": by_state, "opened": opened,
        "townships": C.townships(state.engine, actor, county)})


def _case_ctx(state, actor, case_id: int) -> dict:
    d = K.get_case(state.engine, actor, case_id)
    return {"active": "care", "d": d, "fields": ACTION_FIELDS, "labels": K.ACTION_LABELS,
            "roles": RESPONSIBLE_ROLES, "error": None, "conflict": None, "yours": None}


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
    keys = {k for f in ACTION_FIELDS.get(action, ()) for k in (f[0],)}
    data = {k: str(form.get(k, "")).strip() for k in keys if str(form.get(k, "")).strip()}
    try:
        await run_in_threadpool(K.act, state.engine, actor, case_id, action, data, version=version,
                                max_chars=state.settings.care_note_max_chars)
    except (Conflict, Invalid) as exc:
        ctx = await run_in_threadpool(_case_ctx, state, actor, case_id)
        ctx.update({"error": exc if isinstance(exc, Invalid) else None,
                    "conflict": exc if isinstance(exc, Conflict) else None,
                    "yours": {"action": action, "label": K.ACTION_LABELS.get(action, action), "data": data}})
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
    return render(request, "care_ledgers.html", ctx)


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
