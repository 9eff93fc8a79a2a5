"""/api/layout: layout scenarios (布局规划) — list, create and solve in the background, read, map, compare, export."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from junheng.services import layout as L
from junheng.web.api.imports import attachment
from junheng.web.api.schemas import (
    ERRORS,
    THROTTLED,
    Job,
    JobStarted,
    LayoutComparison,
    LayoutMap,
    LayoutScenario,
    LayoutScenarioRow,
    file_responses,
)
from junheng.web.deps import ActorDep, StateDep

router = APIRouter(prefix="/layout", tags=["layout 布局规划"], responses=ERRORS)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]


class ScenarioCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    year: int = Field(ge=1990, le=2100)
    variant: str = Field("central", pattern="^(low|central|high)$")
    time_limit_s: float = Field(20.0, ge=1.0, le=600.0)
    keep_small: bool = Field(False, description="现有学校均可作为小规模学校保留 / exempt existing schools from the minimum size")
    county: str | None = Field(None, pattern=r"^\d{6}(\d{6})?$")


@router.get("/scenarios", summary="布局方案 / layout scenarios", response_model=list[LayoutScenarioRow],
            response_model_exclude_unset=True)
def list_scenarios(actor: ActorDep, state: StateDep) -> list[dict[str, Any]]:
    return L.list_scenarios(state.engine, actor)


@router.post("/scenarios", summary="新建方案并在后台求解 / create a scenario and solve it in the background",
             status_code=202, response_model=JobStarted, responses=THROTTLED)
def create(body: ScenarioCreate, actor: ActorDep, state: StateDep) -> dict[str, Any]:
    return {"job_id": L.start_layout(state.engine, state.runner, actor, name=body.name, year=body.year,
                                     variant=body.variant, time_limit_s=body.time_limit_s, keep_small=body.keep_small,
                                     county=body.county)}


@router.get("/jobs", summary="布局求解任务 / layout solve jobs", response_model=list[Job])
def list_runs(actor: ActorDep, state: StateDep) -> list[dict[str, Any]]:
    return [asdict(j) for j in L.list_runs(state.engine, actor)]


@router.get("/scenarios/{scenario_id}", summary="方案详情 / a scenario: summary and decisions",
            response_model=LayoutScenario, response_model_exclude_unset=True)
def get_scenario(scenario_id: Id, actor: ActorDep, state: StateDep) -> dict[str, Any]:
    return L.get_scenario(state.engine, actor, scenario_id)


@router.get("/scenarios/{scenario_id}/map", summary="方案地图数据 / map data (GeoJSON, villages, schools, zones)",
            response_model=LayoutMap, response_model_exclude_unset=True)
def scenario_map(scenario_id: Id, actor: ActorDep, state: StateDep) -> dict[str, Any]:
    return L.scenario_map(state.engine, actor, scenario_id)


@router.get("/scenarios/{scenario_id}/files/{fmt}", summary="下载 XLSX / DOCX / download the plan",
            response_class=Response, responses=file_responses(L.MEDIA["xlsx"], L.MEDIA["docx"]))
def export(scenario_id: Id, fmt: Annotated[str, Path(pattern="^(xlsx|docx)$")], actor: ActorDep,
           state: StateDep) -> Response:
    return attachment(*L.export(state.engine, actor, scenario_id, fmt))


@router.get("/compare", summary="并列比较两个方案 / compare two scenarios", response_model=LayoutComparison)
def compare(a: Annotated[int, Query(ge=1, le=2**31 - 1)], b: Annotated[int, Query(ge=1, le=2**31 - 1)],
            actor: ActorDep, state: StateDep) -> dict[str, Any]:
    return L.compare_scenarios(state.engine, actor, a, b)
