"""/api/packs and /api/assessments: run a pack on a year in the background, read the results, download files."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import Response
from pydantic import BaseModel, Field

from junheng.services import assessments as A
from junheng.services import jobs
from junheng.services.errors import NotFound
from junheng.web.api.imports import attachment
from junheng.web.api.schemas import (
    ERRORS,
    THROTTLED,
    AssessmentRun,
    Job,
    JobStarted,
    PackInfo,
    file_responses,
)
from junheng.web.deps import ActorDep, StateDep

router = APIRouter(tags=["assessments 评估"], responses=ERRORS)
JobId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class AssessmentCreate(BaseModel):
    pack: str = Field("yzjh-2017", max_length=64)
    year: int = Field(ge=1990, le=2100)
    county: str | None = Field(None, pattern=r"^\d{6}(\d{6})?$")


@router.get("/packs", summary="标准包 / standard packs", response_model=list[PackInfo])
def list_packs(actor: ActorDep) -> list[dict[str, Any]]:
    return [asdict(p) for p in A.list_pack_infos(actor)]


@router.get("/assessments", summary="评估记录 / assessment runs", response_model=list[Job])
def list_runs(actor: ActorDep, state: StateDep) -> list[dict[str, Any]]:
    return [asdict(j) for j in A.list_runs(state.engine, actor)]


@router.post("/assessments", summary="在后台运行评估 / run an assessment in the background", status_code=202,
             response_model=JobStarted, responses=THROTTLED)
def start(body: AssessmentCreate, actor: ActorDep, state: StateDep) -> dict[str, Any]:
    return {"job_id": A.start_assessment(state.engine, state.runner, actor, pack=body.pack, year=body.year,
                                         county=body.county)}


@router.get("/assessments/{job_id}", summary="评估结果 / an assessment's results", response_model=AssessmentRun,
            response_model_exclude_unset=True)
def get_run(job_id: JobId, actor: ActorDep, state: StateDep) -> dict[str, Any]:
    v = A.run_view(state.engine, actor, job_id)
    out: dict[str, Any] = {"job": asdict(v["job"]), "ready": v["ready"]}
    if v["ready"]:
        d = v["data"]
        out.update({k: d[k] for k in ("pack", "year", "verdict", "verdict_zh", "reasons", "parts", "composite_cvs",
                                      "indicators")})
        out.update({"cvs": v["cvs"], "heatmap": {"units": [{"unit_code": u["unit_code"], "stage": u["stage"],
                                                            "name": u["name"], "verdict": u["school_verdict"]}
                                                           for u in v["units"]], "cells": v["heat"]}})
    return out


@router.get("/assessments/{job_id}/files/{fmt}", summary="下载 DOCX / XLSX / JSON / download a report",
            response_class=Response, responses=file_responses(*A.MEDIA.values()))
def download(job_id: JobId, fmt: Annotated[str, Path(pattern="^(docx|xlsx|json)$")], actor: ActorDep,
             state: StateDep) -> Response:
    job = jobs.get_job(state.engine, actor, job_id, kinds=("assessment",))
    for f in job.files:
        if f["role"] == "output" and f["name"].endswith("." + fmt):
            name, media, content = jobs.get_file(state.engine, actor, job_id, f["id"])
            return attachment(name, media, content)
    raise NotFound("该评估没有此格式的文件", "no such file for this assessment")
