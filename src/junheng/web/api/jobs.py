"""/api/jobs: the progress, result and files of a background job."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import Response

from junheng.services import jobs
from junheng.web.api.imports import attachment
from junheng.web.api.schemas import ERRORS, Job, file_responses
from junheng.web.deps import ActorDep, StateDep

router = APIRouter(prefix="/jobs", tags=["jobs 后台任务"], responses=ERRORS)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
JOB_FILE_MEDIA = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                  "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/json", "text/csv")
"""What a job keeps: workbooks, Word reports, JSON results, CSV ledgers (and uploaded originals)."""


@router.get("/{job_id}", summary="任务状态与结果 / a job's status and result", response_model=Job)
def get_job(job_id: Id, actor: ActorDep, state: StateDep) -> dict[str, Any]:
    return asdict(jobs.get_job(state.engine, actor, job_id))


@router.get("/{job_id}/files/{file_id}", summary="下载任务文件 / download a job's file", response_class=Response,
            responses=file_responses(*JOB_FILE_MEDIA, description="文件，媒体类型为其本身的 / the file, with its own media type"))
def get_file(job_id: Id, file_id: Id, actor: ActorDep, state: StateDep) -> Response:
    name, media, content = jobs.get_file(state.engine, actor, job_id, file_id)
    return attachment(name, media, content)
