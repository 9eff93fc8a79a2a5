"""首页: the county dashboard."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import Response

from junheng.services import dashboard as dash
from junheng.services.errors import NotFound
from junheng.web.deps import ActorDep, StateDep, render

router = APIRouter()


@router.get("/")
def home(request: Request, actor: ActorDep, state: StateDep, county: str | None = None) -> Response:
    try:
        d = dash.dashboard(state.engine, actor, county)
    except NotFound:
        return render(request, "empty.html", {"active": "home"})
    return render(request, "dashboard.html", {"active": "home", "d": d, "trend_json": json.dumps(d["trend"])})

