"""The job panel HTMX polls (progress bar, then the result), and job file downloads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from junheng.services import imports as I
from junheng.services import jobs
from junheng.web.api.imports import attachment
from junheng.web.deps import ActorDep, StateDep, render

router = APIRouter()
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/jobs/{job_id}/panel")
def job_panel(request: Request, job_id: Id, actor: ActorDep, state: StateDep, page: int = 1) -> Response:
    job = jobs.get_job(state.engine, actor, job_id, part=True)  # part: only for assessments (jobs.PART_KINDS)
    ctx = {"job": job, "issues": I.issues_page(job.result, page=page) if job.kind.startswith("import") else None}
    resp = render(request, "_job_panel.html", ctx)
    if job.kind == "assessment" and job.finished and "/assess/" in request.headers.get("hx-current-url", ""):
        resp.headers["HX-Refresh"] = "true"  # the run page redraws itself with the results
    if job.kind == "layout" and job.finished and "/layout/jobs/" in request.headers.get("hx-current-url", ""):
        resp.headers["HX-Refresh"] = "true"  # the layout job page then redirects to its scenario
    return resp


@router.get("/jobs/{job_id}/files/{file_id}")
def job_file(job_id: Id, file_id: Id, actor: ActorDep, state: StateDep) -> Response:
    name, media, content = jobs.get_file(state.engine, actor, job_id, file_id)
    return attachment(name, media, content)
