"""/api/imports: template, upload → background check, confirm → background import, history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Path, UploadFile
from fastapi.responses import Response

from junheng.services import imports as I
from junheng.services.errors import Invalid
from junheng.web.api.schemas import ERRORS, THROTTLED, ImportBatch, JobStarted, file_responses
from junheng.web.deps import ActorDep, StateDep

router = APIRouter(prefix="/imports", tags=["imports 数据导入"], responses=ERRORS)
JobId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def attachment(name: str, media_type: str, content: bytes) -> Response:
    from urllib.parse import quote

    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


@router.get("/template", summary="下载数据模板 / download the Excel template", response_class=Response,
            responses=file_responses(I.XLSX))
def template(actor: ActorDep) -> Response:
    return attachment("均衡数据模板.xlsx", I.XLSX, I.template_bytes(actor))


@router.post("", summary="上传文件并在后台检查 / upload a file; it is checked in the background", status_code=202,
             response_model=JobStarted, responses=THROTTLED)
async def upload(actor: ActorDep, state: StateDep, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    actor.require("import_data")
    limit = state.settings.max_upload_mb * 2**20
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise Invalid(f"文件超过 {state.settings.max_upload_mb} MB", f"file exceeds {state.settings.max_upload_mb} MB")
    from starlette.concurrency import run_in_threadpool

    job_id = await run_in_threadpool(I.start_check, state.engine, state.runner, actor, filename=file.filename or "",
                                     content=content, max_bytes=limit, max_rows=state.settings.import_max_rows,
                                     max_issues=state.settings.import_max_issues)
    return {"job_id": job_id}


@router.post("/{job_id}/confirm", summary="确认导入检查通过的文件 / import a checked file", status_code=202,
             response_model=JobStarted, responses=THROTTLED)
def confirm(job_id: JobId, actor: ActorDep, state: StateDep) -> dict[str, Any]:
    return {"job_id": I.confirm_import(state.engine, state.runner, actor, job_id,
                                       max_rows=state.settings.import_max_rows,
                                       max_issues=state.settings.import_max_issues)}


@router.get("", summary="导入历史 / import history", response_model=list[ImportBatch])
def history(actor: ActorDep, state: StateDep) -> list[dict[str, Any]]:
    return I.history(state.engine, actor)
