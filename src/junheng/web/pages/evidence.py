"""佐证材料: the evidence items of a pack for the county-year, a form per item, attachments and review.

Every rule (permission, scope, four eyes, file types, optimistic locking) is the service's
(:mod:`junheng.services.evidence`); the page parses the forms and renders.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from junheng.services import assessments as A
from junheng.services import counties as C
from junheng.services import evidence as E
from junheng.services.errors import Conflict, Forbidden, Invalid, ServiceError
from junheng.web.deps import ActorDep, StateDep, render

router = APIRouter()
RecordId = Annotated[int, Path(ge=1, le=2**31 - 1)]
CountyQ = Annotated[str | None, Query(max_length=12, pattern=r"^\d{6}(\d{6})?$")]
BADGE = {"none": "none", "submitted": "wait", "accepted": "pass", "rejected": "fail"}
HISTORY = {"enter": "首次填报", "update": "修改", "accept": "认定", "reject": "退回"}


def _context(state: Any, actor: Any, pack: str | None, year: int | None, county: str | None) -> dict[str, Any]:
    code = C.resolve_county(state.engine, actor, county, whole=True)
    packs = A.list_pack_infos(actor, code)
    years = C.years(state.engine, code)
    pack = pack or next((p.code for p in packs if p.group == "standards"), packs[0].code if packs else "")
    if pack not in {p.code for p in packs}:
        raise Invalid(f"未知标准包或不适用于本县：{pack}", f"unknown pack or not for this county: {pack}")
    year = year if year is not None else (max(years) if years else 0)
    view = E.list_evidence(state.engine, actor, pack=pack, year=year, county=code)
    return {"active": "evidence", "v": view, "county": code, "packs": packs, "years": years, "badge": BADGE, "error": None,
            "error_item": None, "yours": {}, "history_labels": HISTORY}


@router.get("/evidence")
def evidence_page(request: Request, actor: ActorDep, state: StateDep, county: CountyQ = None,
                  pack: Annotated[str | None, Query(max_length=64)] = None,
                  year: Annotated[int | None, Query(ge=1990, le=2100)] = None) -> Response:
    return render(request, "evidence.html", _context(state, actor, pack, year, county))


def _back(pack: str, year: int, county: str, anchor: str) -> RedirectResponse:
    query = urlencode({"pack": pack, "year": year, "county": county})
    return RedirectResponse(f"/evidence?{query}#{quote(anchor)}", status_code=303)


def _form_year(form: Any) -> int:
    try:
        return int(str(form.get("year", "")))
    except ValueError:
        raise Invalid("缺少学年", "missing school year") from None


async def _failed(request: Request, state: Any, actor: Any, form: Any, exc: ServiceError,
                  item: str) -> Response:
    ctx = await run_in_threadpool(_context, state, actor, str(form.get("pack", "")), _form_year(form),
                                  str(form.get("county", "")) or None)
    ctx.update({"error": exc, "error_item": item,
                "yours": {k: str(form.get(k, "")) for k in ("status", "value", "document", "note", "comment")}})
    return render(request, "evidence.html", ctx, status_code=exc.status)


@router.post("/evidence/items")
async def evidence_enter(request: Request, actor: ActorDep, state: StateDep) -> Response:
    form = await request.form()
    limit = state.settings.evidence_max_mb * 2**20
    uploads = []
    for f in form.getlist("files"):
        if isinstance(f, UploadFile) and f.filename:
            content = await f.read(limit + 1)
            if content:
                uploads.append(E.Upload(f.filename, content))
    pack, item, year = str(form.get("pack", "")), str(form.get("item", "")), _form_year(form)
    seen = str(form.get("version", "")).strip()
    try:
        await run_in_threadpool(
            lambda: E.enter_evidence(state.engine, actor, pack=pack, year=year, item=item,
                                     status=str(form.get("status", "")), value=str(form.get("value", "")),
                                     document=str(form.get("document", "")), note=str(form.get("note", "")),
                                     version=int(seen) if seen.isdigit() else None, uploads=uploads,
                                     county=str(form.get("county", "")) or None, max_bytes=limit))
    except (Conflict, Invalid, Forbidden) as exc:
        return await _failed(request, state, actor, form, exc, item)
    return _back(pack, year, str(form.get("county", "")), f"item-{item}")


@router.post("/evidence/records/{record_id}/review")
async def evidence_review(request: Request, record_id: RecordId, actor: ActorDep, state: StateDep) -> Response:
    form = await request.form()
    seen = str(form.get("version", "")).strip()
    item = str(form.get("item", ""))
    try:
        await run_in_threadpool(lambda: E.review_evidence(
            state.engine, actor, record_id, decision=str(form.get("decision", "")),
            comment=str(form.get("comment", "")), version=int(seen) if seen.isdigit() else 0))
    except (Conflict, Invalid, Forbidden) as exc:
        return await _failed(request, state, actor, form, exc, item)
    return _back(str(form.get("pack", "")), _form_year(form), str(form.get("county", "")), f"item-{item}")


@router.get("/evidence/attachments/{attachment_id}")
def evidence_download(attachment_id: RecordId, actor: ActorDep, state: StateDep) -> Response:
    name, media, content = E.attachment(state.engine, actor, attachment_id)
    return Response(content, media_type=media,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})
