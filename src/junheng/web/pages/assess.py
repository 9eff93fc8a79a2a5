"""评估: choose pack and year, run in the background, heatmap, CV table, downloads."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from junheng.services import assessments as A
from junheng.services import counties as C
from junheng.services.errors import Invalid
from junheng.web.deps import ActorDep, StateDep, render

router = APIRouter()


def _form_context(state, actor, county: str | None = None) -> dict:
    county = C.resolve_county(state.engine, actor, county)
    return {"active": "assess", "packs": A.list_pack_infos(actor, county), "years": C.years(state.engine, county),
            "runs": A.list_runs(state.engine, actor), "county": county,
            "counties": C.work_counties(state.engine, actor)}


@router.get("/assess")
def assess_page(request: Request, actor: ActorDep, state: StateDep,
                county: Annotated[str | None, Query(max_length=12, pattern=r"^\d{6}(\d{6})?$")] = None) -> Response:
    actor.require("view_assessment")
    return render(request, "assess.html", {**_form_context(state, actor, county), "error": None})


@router.post("/assess")
def assess_start(request: Request, actor: ActorDep, state: StateDep, pack: Annotated[str, Form(max_length=64)],
                 year: Annotated[int, Form()],
                 county: Annotated[str | None, Form(max_length=12, pattern=r"^\d{6}(\d{6})?$")] = None) -> Response:
    try:
        job_id = A.start_assessment(state.engine, state.runner, actor, pack=pack, year=year, county=county)
    except Invalid as exc:
        return render(request, "assess.html", {**_form_context(state, actor, county), "error": exc},
                      status_code=422)
    return RedirectResponse(f"/assess/{job_id}", status_code=303)


@router.get("/assess/{job_id}")
def assess_run(request: Request, job_id: Annotated[int, Path(ge=1)], actor: ActorDep, state: StateDep) -> Response:
    v = A.run_view(state.engine, actor, job_id)
    ctx = {"active": "assess", "v": v}
    if v["ready"]:
        heat = {"x": [i["name"] for i in v["indicators"]],
                "y": [f"{u['name']}（{ {'primary': '小学', 'junior': '初中'}.get(u['stage'], u['stage'])}）"
                      for u in v["units"]],
                "cells": v["heat"]}
        ctx["heat_json"] = json.dumps(heat, ensure_ascii=False)
    return render(request, "assess_run.html", ctx)
