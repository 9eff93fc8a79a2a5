"""/api/schools: list with filters, one school, edit with optimistic locking, teachers (personal data)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from junheng.services import schools as S
from junheng.web.api.schemas import CONFLICT, ERRORS, SchoolDetail, SchoolList, SchoolTeachers, SchoolUpdated
from junheng.web.deps import ActorDep, StateDep

router = APIRouter(prefix="/schools", tags=["schools 学校"], responses=ERRORS)
SchoolCode = Annotated[str, Path(pattern=r"^\d{10}$", description="学校标识码 / school code")]


class SchoolUpdate(BaseModel):
    """Profile fields to change, with the ``version`` the client read (optimistic locking)."""

    version: int = Field(ge=0)
    name: str | None = Field(None, min_length=1, max_length=255)
    ownership: str | None = Field(None, pattern="^(public|private)$")
    boarding: bool | None = None
    inclusive: bool | None = None
    lon: float | None = Field(None, ge=73, le=136)
    lat: float | None = Field(None, ge=3, le=54)


@router.get("", summary="学校列表 / schools", response_model=SchoolList)
def list_schools(actor: ActorDep, state: StateDep,
                 county: str | None = Query(None, pattern=r"^\d{6}(\d{6})?$"),
                 township: str | None = Query(None, pattern=r"^\d{12}$"),
                 school_type: str | None = Query(None, max_length=32),
                 area: str | None = Query(None, pattern="^(urban|town|rural)$"),
                 verdict: str | None = Query(None, pattern="^(pass|fail|incomplete|none)$"),
                 q: str | None = Query(None, max_length=64),
                 sort: str = Query("code", pattern="^(code|name|school_type|township|students|teachers)$"),
                 desc: bool = False, page: int = Query(1, ge=1, le=100_000),
                 per_page: int = Query(50, ge=1, le=500)) -> dict[str, Any]:
    p = S.list_schools(state.engine, actor, county=county, township=township, school_type=school_type, area=area,
                       verdict=verdict, q=q, sort=sort, desc=desc, page=page, per_page=per_page)
    return {"total": p.total, "page": p.page, "per_page": p.per_page, "year": p.year,
            "schools": [asdict(r) for r in p.rows]}


@router.get("/{code}", summary="学校详情 / one school", response_model=SchoolDetail)
def get_school(code: SchoolCode, actor: ActorDep, state: StateDep) -> dict[str, Any]:
    return S.get_school(state.engine, actor, code)


@router.patch("/{code}", summary="修改学校基本信息（乐观锁）/ edit a school (optimistic locking)",
              response_model=SchoolUpdated, responses=CONFLICT)
def update_school(code: SchoolCode, body: SchoolUpdate, actor: ActorDep, state: StateDep) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    version = changes.pop("version")
    return S.update_school(state.engine, actor, code, version=version, changes=changes)


@router.get("/{code}/teachers", summary="教师名单（个人信息，访问留痕）/ teachers (personal data, audited)",
            response_model=SchoolTeachers)
def list_teachers(code: SchoolCode, actor: ActorDep, state: StateDep) -> dict[str, Any]:
    return S.list_teachers(state.engine, actor, code)

