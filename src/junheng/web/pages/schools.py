"""学校: the list (filters, sort, search; HTMX table) and the school page (profile, edit, facts, indicators, map)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from junheng.domain.enums import SchoolType
from junheng.services import counties as C
from junheng.services import listing as L
from junheng.services import schools as S
from junheng.services.errors import Conflict, Invalid
from junheng.web.api.imports import attachment
from junheng.web.deps import ActorDep, StateDep, render

router = APIRouter()
SchoolCode = Annotated[str, Path(pattern=r"^\d{10}$")]


@router.get("/schools")
def school_list(request: Request, actor: ActorDep, state: StateDep) -> Response:
    lq = L.parse_query(S.SCHOOL_LIST, request.query_params)
    rows, year = S.school_list(state.engine, actor, lq)
    code = C.resolve_county(state.engine, actor, lq.filter("county"))
    return render(request, "schools.html", {
        "active": "schools", "lq": lq, "p": L.slice_page(rows, lq), "year": year,
        "townships": [(tw.code, tw.name) for tw in C.townships(state.engine, actor, code)],
        "types": [(ty.value, ty.label) for ty in SchoolType]})


@router.get("/schools/export.xlsx")
def school_export(request: Request, actor: ActorDep, state: StateDep) -> Response:
    lq = L.parse_query(S.SCHOOL_LIST, request.query_params)
    rows, _year = S.school_list(state.engine, actor, lq)
    name, content = L.export_xlsx(state.engine, actor, S.SCHOOL_LIST, rows, lq,
                                  org=C.resolve_county(state.engine, actor, lq.filter("county")))
    return attachment(name, L.XLSX, content)


def _school_context(state, actor, code: str) -> dict:
    d = S.get_school(state.engine, actor, code)
    p = d["profile"]
    point = {"code": p["code"], "name": p["name"], "value": [p["lon"], p["lat"]]} if p["lon"] is not None else None
    history: dict[int, int] = {}
    for s in d["sections"]:
        history[s["year"]] = history.get(s["year"], 0) + int(s["students"] or 0)
    return {"active": "schools", "d": d, "sy_cols": S.fact_columns("school_year"),
            "sec_cols": S.fact_columns("section_year"), "point_json": json.dumps(point),
            "county": p["township_code"][:6] + "000000",
            "history_json": json.dumps({"years": sorted(history), "students": [history[y] for y in sorted(history)]})}


@router.get("/schools/{code}")
def school_page(request: Request, code: SchoolCode, actor: ActorDep, state: StateDep, saved: int = 0) -> Response:
    ctx = _school_context(state, actor, code)
    return render(request, "school.html", {**ctx, "saved": bool(saved), "conflict": None, "error": None})


def _opt_bool(v: str | None) -> bool | None:
    return None if v in (None, "") else v == "1"


def _opt_float(v: str | None) -> float | None:
    if v in (None, ""):
        return None
    try:
        return float(v)
    except ValueError:
        raise Invalid(f"应为数字：{v}", f"not a number: {v}") from None


@router.post("/schools/{code}")
def school_save(request: Request, code: SchoolCode, actor: ActorDep, state: StateDep,
                version: Annotated[int, Form()], name: Annotated[str, Form(max_length=255)],
                ownership: Annotated[str, Form()] = "public", boarding: Annotated[str, Form()] = "",
                inclusive: Annotated[str, Form()] = "", lon: Annotated[str, Form()] = "",
                lat: Annotated[str, Form()] = "") -> Response:
    yours = {"name": name, "ownership": ownership, "boarding": boarding, "inclusive": inclusive, "lon": lon, "lat": lat}
    try:
        changes = {"name": name, "ownership": ownership, "boarding": _opt_bool(boarding),
                   "inclusive": _opt_bool(inclusive), "lon": _opt_float(lon), "lat": _opt_float(lat)}
        S.update_school(state.engine, actor, code, version=version, changes=changes)
    except (Conflict, Invalid) as exc:
        ctx = _school_context(state, actor, code)
        return render(request, "school.html", {**ctx, "saved": False, "yours": yours,
                                               "conflict": exc if isinstance(exc, Conflict) else None,
                                               "error": exc if isinstance(exc, Invalid) else None},
                      status_code=exc.status)
    return RedirectResponse(f"/schools/{code}?saved=1", status_code=303)


@router.get("/schools/{code}/teachers")
def school_teachers(request: Request, code: SchoolCode, actor: ActorDep, state: StateDep) -> Response:
    return render(request, "_teachers.html", {"t_data": S.list_teachers(state.engine, actor, code)})
