"""督导任务: the task list (status badges, filters by status and unit, overdue first, an overdue banner), the task
page (units, deadline, progress history, a progress form with an evidence file), the template and the import.

Everything goes through :mod:`junheng.services.tasks`, which checks the permission and the scope.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from junheng.services import counties as C
from junheng.services import tasks as T
from junheng.services.errors import Conflict, Invalid
from junheng.web.api.imports import attachment
from junheng.web.deps import ActorDep, StateDep, render

router = APIRouter()
TaskId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _list_ctx(state: Any, actor: Any, *, status: str, unit: str, page: int) -> dict[str, Any]:
    county = C.resolve_county(state.engine, actor, None)
    return {"active": "tasks", "county": county, "statuses": T.STATUSES, "filters": {"status": status, "unit": unit},
            "result": T.list_tasks(state.engine, actor, county=county, status=status or None, unit=unit or None,
                                   page=page),
            "overdue": T.overdue_alerts(state.engine, actor, county=county),
            "units": T.units_of(state.engine, actor, county), "issues": None, "imported": None}


@router.get("/tasks")
def task_list(request: Request, actor: ActorDep, state: StateDep, status: str = "", unit: str = "",
              page: int = Query(1, ge=1, le=10_000), imported: int | None = Query(None, ge=0)) -> Response:
    ctx = _list_ctx(state, actor, status=status, unit=unit, page=page)
    ctx["imported"] = imported
    return render(request, "tasks.html", ctx)


@router.get("/tasks/template.xlsx")
def task_template(actor: ActorDep) -> Response:
    actor.require("manage_tasks")
    return attachment("督导任务导入模板.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      T.template_bytes())


@router.post("/tasks/import")
async def task_import(request: Request, actor: ActorDep, state: StateDep) -> Response:
    form = await request.form()
    f = form.get("file")
    if not isinstance(f, UploadFile):
        raise Invalid("请选择要导入的文件", "choose a file to import")
    content = await f.read(state.settings.max_upload_mb * 2**20 + 1)
    if len(content) > state.settings.max_upload_mb * 2**20:
        raise Invalid("文件过大", "the file is too large")
    county = C.resolve_county(state.engine, actor, None, whole=True)
    try:
        ids = await run_in_threadpool(T.import_tasks, state.engine, actor, content, county=county,
                                      file=f.filename or "tasks.xlsx")
    except T.ImportRejected as exc:
        ctx = await run_in_threadpool(_list_ctx, state, actor, status="", unit="", page=1)
        ctx["issues"] = exc.issues
        return render(request, "tasks.html", ctx, status_code=422)
    return RedirectResponse(f"/tasks?imported={len(ids)}", status_code=303)


def _task_ctx(state: Any, actor: Any, task_id: int) -> dict[str, Any]:
    return {"active": "tasks", "d": T.get_task(state.engine, actor, task_id), "error": None}


@router.get("/tasks/{task_id}")
def task_page(request: Request, task_id: TaskId, actor: ActorDep, state: StateDep) -> Response:
    return render(request, "task.html", _task_ctx(state, actor, task_id))


@router.post("/tasks/{task_id}")
async def task_report(request: Request, task_id: TaskId, actor: ActorDep, state: StateDep) -> Response:
    form = await request.form()
    try:
        version = int(str(form.get("version", "")))
        raw = str(form.get("percent", "")).strip()
        percent = int(raw) if raw else None
    except ValueError:
        raise Invalid("进度须为 0–100 的整数", "progress must be a whole number 0–100") from None
    f = form.get("evidence")
    evidence = None
    if isinstance(f, UploadFile) and f.filename:
        content = await f.read(T.MAX_ATTACHMENT_BYTES + 1)
        if content:
            evidence = T.Attachment(f.filename, content)
    try:
        await run_in_threadpool(T.report_progress, state.engine, actor, task_id, version=version, percent=percent,
                                milestone=str(form.get("milestone", "")), note=str(form.get("note", "")),
                                evidence=evidence)
    except (Conflict, Invalid) as exc:
        ctx = await run_in_threadpool(_task_ctx, state, actor, task_id)
        ctx["error"] = exc
        return render(request, "task.html", ctx, status_code=exc.status)
    return RedirectResponse(f"/tasks/{task_id}", status_code=303)


@router.get("/tasks/evidence/{attachment_id}")
def task_evidence(attachment_id: TaskId, actor: ActorDep, state: StateDep) -> Response:
    return attachment(*T.attachment(state.engine, actor, attachment_id))
