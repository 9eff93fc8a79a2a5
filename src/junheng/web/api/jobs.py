"""/api/jobs: the progress, result and files of a background job."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import Response

from junheng.services import jobs
from junheng.web.api.imports import attachment
from junheng.web.deps import ActorDep, StateDep

router = APIRouter(prefix="/jobs", tags=["jobs 后台任务"])
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/{job_id}", summary="任务状态与结果 / a job's status and result")
def get_job(job_id: Id, actor: ActorDep, state: StateDep) -> dict[str, Any]:
    return asdict(jobs.get_job(state.engine, actor, job_id))


@router.get("/{job_id}/files/{file_id}", summary="下载任务文件 / download a job's file",
            responses={200: {"content": {"application/octet-stream": {}}}})
def get_file(job_id: Id, file_id: Id, actor: ActorDep, state: StateDep) -> Response:
    name, media, content = jobs.get_file(state.engine, actor, job_id, file_id)
    return attachment(name, media, content)
