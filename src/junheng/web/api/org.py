"""/api/counties and /api/org-units: the org units in the user's scope."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Query

from junheng.services import counties
from junheng.web.api.schemas import ERRORS, OrgUnit
from junheng.web.deps import ActorDep, StateDep

router = APIRouter(tags=["org 区划"], responses=ERRORS)


@router.get("/counties", summary="可查看的县 / counties in scope", response_model=list[OrgUnit])
def list_counties(actor: ActorDep, state: StateDep) -> list[dict[str, Any]]:
    actor.require("view_registry")
    return [asdict(c) for c in counties.counties_in_scope(state.engine, actor)]


@router.get("/org-units", summary="管辖范围内的区划 / org units in scope", response_model=list[OrgUnit])
def list_org_units(actor: ActorDep, state: StateDep,
                   level: str | None = Query(None, pattern="^(province|city|county|township|village)$")
                   ) -> list[dict[str, Any]]:
    return [asdict(o) for o in counties.list_org_units(state.engine, actor, level=level)]
