"""/api/care: 控辍保学 cases — the scoped list, one case with its timeline, actions with optimistic locking."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from junheng.services import care as K
from junheng.web.api.schemas import CONFLICT, ERRORS, CaseActed, CaseDetail, CaseList
from junheng.web.deps import ActorDep, StateDep

router = APIRouter(prefix="/api/care", tags=["care 控辍保学"], responses=ERRORS)
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1, description="案例编号 / case id")]


class CaseAction(BaseModel):
    """One workflow action with the ``version`` the client read (a stale version gets HTTP 409)."""

    action: str = Field(pattern=K.ACTION_PATTERN, description="操作（案例方案所列）/ an action of the programme")
    data: dict[str, Any] = Field(default_factory=dict, max_length=K.MAX_FIELDS,
                                 description="操作字段（每项不超过 care_note_max_chars 字）/ the action's fields")
    version: int = Field(ge=0, le=2**31 - 1)


@router.get("/cases", summary="案例列表（脱敏，访问留痕）/ cases (masked, audited)", response_model=CaseList)
def list_cases(actor: ActorDep, state: StateDep,
               status: str | None = Query(None, pattern="^[a-z_]{1,32}$", description="状态 / case state"),
               township: str | None = Query(None, pattern=r"^\d{12}$")) -> dict[str, Any]:
    rows = K.list_cases(state.engine, actor, state=status, township=township)
    return {"total": len(rows), "cases": [asdict(r) for r in rows]}


@router.get("/cases/{case_id}", summary="案例详情与时间线（访问留痕）/ one case with its timeline (audited)",
            response_model=CaseDetail)
def get_case(case_id: CaseId, actor: ActorDep, state: StateDep) -> dict[str, Any]:
    return K.get_case(state.engine, actor, case_id)


@router.post("/cases/{case_id}/actions", summary="办理案例（乐观锁，冲突 409）/ act on a case (409 on conflict)",
             response_model=CaseActed, responses=CONFLICT)
def act(case_id: CaseId, body: CaseAction, actor: ActorDep, state: StateDep) -> dict[str, Any]:
    return K.act(state.engine, actor, case_id, body.action, body.data, version=body.version,
                 max_chars=state.settings.care_note_max_chars)
