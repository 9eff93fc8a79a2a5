"""/api/dashboard and /api/map: the county at a glance."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from junheng.services import assessments, counties, maps
from junheng.services import dashboard as dash
from junheng.web.api.schemas import ERRORS, CountyMap, Dashboard
from junheng.web.deps import ActorDep, StateDep

router = APIRouter(tags=["dashboard 首页"], responses=ERRORS)
County = Query(None, pattern=r"^\d{6}(\d{6})?$", description="县级区划代码 / county code")


@router.get("/dashboard", summary="县域概况 / county dashboard", response_model=Dashboard)
def get_dashboard(actor: ActorDep, state: StateDep, county: str | None = County) -> dict[str, Any]:
    return dash.dashboard(state.engine, actor, county)


@router.get("/map", summary="地图数据（GeoJSON 与点位）/ map data", response_model=CountyMap)
def get_map(actor: ActorDep, state: StateDep, county: str | None = County,
            villages: bool = True) -> dict[str, Any]:
    actor.require("view_registry")
    code = counties.resolve_county(state.engine, actor, county)
    return maps.county_map(state.engine, actor, code, verdicts=assessments.school_verdicts(state.engine, actor, code),
                           villages=villages)
