"""学生资助 (student aid): upload the roll, the attendance check, the difficulty lists and the payment list, run
the payment audit as a background job, and read its results — the summary, the exceptions, 应助未助, coverage,
the 公示 list — and download its files (``junheng.services.aid``; masked as the service masks them)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from junheng.services import aid as A
from junheng.services.errors import Invalid
from junheng.web.deps import ActorDep, StateDep, render

router = APIRouter()
JobId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _default_term(today: dt.date) -> str:
    """The term a check date most likely audits: spring before August, else autumn."""
    return f"{today.year}-{1 if today.month < 8 else 2}"


@router.get("/aid")
def aid_page(request: Request, actor: ActorDep, state: StateDep,
             job: int | None = Query(None, ge=1, le=2**31 - 1)) -> Response:
    today = dt.date.today()
    ctx: dict[str, Any] = {"active": "aid", "jobs": A.aid_jobs(state.engine, actor), "job": None, "r": None,
                           "today": today.isoformat(), "term": _default_term(today)}
    if job:
        info = A.aid_job(state.engine, actor, job)
        ctx["job"] = info
        if info.status == "done" and info.result.get("ok"):
            ctx["r"] = A.aid_results(state.engine, actor, job)
            ctx["files"] = [f for f in info.files if f["role"] == "output"]
    return render(request, "aid.html", ctx)


@router.get("/aid/{job_id}/panel")
def aid_panel(request: Request, job_id: JobId, actor: ActorDep, state: StateDep) -> Response:
    info = A.aid_job(state.engine, actor, job_id)
    if info.finished:
        return Response(status_code=204, headers={"HX-Redirect": f"/aid?job={job_id}"})
    return render(request, "_aid_job.html", {"job": info})


async def _read(f: Any, limit: int) -> bytes:
    return await f.read(limit + 1) if isinstance(f, UploadFile) else b""


@router.post("/aid")
async def aid_upload(request: Request, actor: ActorDep, state: StateDep) -> Response:
    form = await request.form()
    limit = state.settings.max_upload_mb * 2**20
    upload = A.AidUpload(roll=await _read(form.get("roll"), limit), attendance=await _read(form.get("attendance"), limit),
                         payments=await _read(form.get("payments"), limit),
                         difficulty=[await _read(f, limit) for f in form.getlist("difficulty")],
                         schools=await _read(form.get("schools"), limit))
    try:
        as_of = dt.date.fromisoformat(str(form.get("as_of") or dt.date.today().isoformat()))
    except ValueError:
        raise Invalid("核查日期格式应为 YYYY-MM-DD", "check date must be YYYY-MM-DD") from None
    job_id = await run_in_threadpool(A.start_aid_audit, state.engine, state.runner, actor, upload,
                                     term=str(form.get("term") or ""), as_of=as_of, max_bytes=limit)
    return RedirectResponse(f"/aid?job={job_id}", status_code=303)
