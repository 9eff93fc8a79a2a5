"""/api/teachers: teacher plans (教师配置) — list jobs, start a plan in the background, read it, download the XLSX."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import Response
from pydantic import BaseModel, Field

from junheng.services import teachers as T
from junheng.web.api.imports import attachment
from junheng.web.api.schemas import ERRORS, THROTTLED, Job, JobStarted, TeacherPlan, file_responses
from junheng.web.deps import ActorDep, StateDep

router = APIRouter(prefix="/teachers", tags=["teachers 教师配置"], responses=ERRORS)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


class PlanCreate(BaseModel):
    year: int = Field(ge=1990, le=2100, description="学年 / school year")
    county: str | None = Field(None, pattern=r"^\d{6}(\d{6})?$")


@router.get("/jobs", summary="教师规划任务 / teacher-plan jobs", response_model=list[Job])
def list_runs(actor: ActorDep, state: StateDep) -> list[dict[str, Any]]:
    return [asdict(j) for j in T.list_runs(state.engine, actor)]


@router.post("/plans", summary="在后台生成教师规划 / make a teacher plan in the background", status_code=202,
             response_model=JobStarted, responses=THROTTLED)
def create(body: PlanCreate, actor: ActorDep, state: StateDep) -> dict[str, Any]:
    return {"job_id": T.start_plan(state.engine, state.runner, actor, year=body.year, county=body.county)}


@router.get("/plans/{job_id}", summary="教师规划（JSON）/ the teacher plan as JSON", response_model=TeacherPlan,
            response_model_exclude_unset=True)
def get_plan(job_id: Id, actor: ActorDep, state: StateDep) -> dict[str, Any]:
    return T.get_plan(state.engine, actor, job_id)


@router.get("/plans/{job_id}/xlsx", summary="下载教师规划 Excel / download the plan workbook",
            response_class=Response, responses=file_responses(T.MEDIA["xlsx"]))
def export(job_id: Id, actor: ActorDep, state: StateDep) -> Response:
    return attachment(*T.export(state.engine, actor, job_id))
