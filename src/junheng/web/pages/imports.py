"""数据导入: template, upload → check (background, polled), every error in a table, confirm, history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Path, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from junheng.services import imports as I
from junheng.services import jobs
from junheng.services import listing as L
from junheng.services.errors import Invalid
from junheng.web.api.imports import attachment
from junheng.web.deps import ActorDep, StateDep, render

router = APIRouter()


def _history(request: Request, state, actor) -> dict:
    lq = L.parse_query(I.IMPORT_LIST, request.query_params)
    return {"lq": lq, "history": I.history_page(state.engine, actor, lq)}


@router.get("/import")
def import_page(request: Request, actor: ActorDep, state: StateDep, job: int | None = None) -> Response:
    actor.require("import_data")
    if job is not None:
        jobs.get_job(state.engine, actor, job, kinds=("import_check", "import"))  # in scope, or 403/404
    return render(request, "import.html", {"active": "import", "job_id": job, **_history(request, state, actor)})


@router.get("/import/export.xlsx")
def history_export(request: Request, actor: ActorDep, state: StateDep) -> Response:
    lq = L.parse_query(I.IMPORT_LIST, request.query_params)
    name, content = L.export_xlsx(state.engine, actor, I.IMPORT_LIST, I.history_export(state.engine, actor, lq), lq)
    return attachment(name, L.XLSX, content)


@router.get("/import/template")
def template(actor: ActorDep) -> Response:
    return attachment("均衡数据模板.xlsx", I.XLSX, I.template_bytes(actor))


@router.post("/import")
async def upload(request: Request, actor: ActorDep, state: StateDep, file: Annotated[UploadFile, File()]) -> Response:
    actor.require("import_data")
    limit = state.settings.max_upload_mb * 2**20
    content = await file.read(limit + 1)
    try:
        job_id = await run_in_threadpool(I.start_check, state.engine, state.runner, actor,
                                         filename=file.filename or "", content=content, max_bytes=limit,
                                         max_rows=state.settings.import_max_rows,
                                         max_issues=state.settings.import_max_issues)
    except Invalid as exc:
        history = await run_in_threadpool(_history, request, state, actor)
        return render(request, "import.html", {"active": "import", "job_id": None, "error": exc, **history},
                      status_code=422)
    return RedirectResponse(f"/import?job={job_id}", status_code=303)


@router.post("/import/{job_id}/confirm")
def confirm(job_id: Annotated[int, Path(ge=1)], actor: ActorDep, state: StateDep) -> Response:
    new_id = I.confirm_import(state.engine, state.runner, actor, job_id, max_rows=state.settings.import_max_rows,
                              max_issues=state.settings.import_max_issues)
    return RedirectResponse(f"/import?job={new_id}", status_code=303)
