"""The OpenAPI document: every JSON route declares what it returns, and the declaration drops nothing.

* Schemathesis: no generated request makes the server fail (no 5xx).  Bounded:
  a few examples per operation, as the county administrator (the widest data
  role) with a valid CSRF token, so bodies reach the services.
* Every operation has a non-empty response schema; a few important ones list
  the fields clients use.
* The response models (``junheng.web.api.schemas``) change no response: each
  JSON route's body equals the service's output serialised without its model
  (FastAPI drops undeclared fields and turns ``5`` into ``5.0`` in a float
  field, so a missing field or a wrong type would show here).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok

from fixtures import COUNTY, S_KG, S_NINE, S_POINT, S_PRIMARY, V1
from web.support import WebEnv, login

SKIP = ("/api/auth/logout", "/api/auth/password", "/api/auth/login")  # they end or replace the session


def test_no_server_errors(web: WebEnv) -> None:
    client = web.client()
    login(client, "county")
    headers = {"X-CSRF-Token": client.headers["X-CSRF-Token"]}
    cookies = dict(client.cookies.items())
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", web.app)
    failures: list[str] = []
    calls = 0
    ok = 0
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        op = result.ok()
        if op.path in SKIP:
            continue

        @given(case=op.as_strategy())
        @settings(max_examples=6, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case: Any) -> None:
            nonlocal calls, ok
            r = case.call(headers=headers, cookies=cookies)
            calls += 1
            ok += r.status_code < 300
            if r.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} → {r.status_code}: {r.text[:200]}")

        run()
    web.state.runner.shutdown()
    assert calls > 50 and ok > 10  # logged in: many calls succeed, not only 401s
    assert not failures, "\n".join(failures[:20])


# ------------------------------------------------------------------------------------------ the document
def _document() -> dict[str, Any]:
    from junheng.services.settings import Settings
    from junheng.web import create_app

    app = create_app(Settings(db_url="sqlite://"), recover_jobs=False)  # the document needs no tables
    try:
        return app.openapi()
    finally:
        app.state.web.runner.shutdown()
        app.state.web.engine.dispose()


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _success(doc: dict[str, Any], path: str, method: str = "get") -> dict[str, Any]:
    responses = doc["paths"][path][method]["responses"]
    (status,) = [s for s in responses if s.startswith("2")]
    return dict(responses[status].get("content", {}))


def test_every_operation_declares_its_response() -> None:
    doc = _document()
    operations = [(p, m) for p, ops in doc["paths"].items() for m in ops]
    assert len(operations) > 40
    empty, downloads = [], 0
    for path, method in operations:
        content = _success(doc, path, method)
        if not content:
            empty.append(f"{method.upper()} {path}: no content")
        for media, body in content.items():
            schema = _resolve(doc, body.get("schema", {}))
            if not schema or schema == {"type": "object"} or ("properties" not in schema and "type" not in schema
                                                              and "items" not in schema):
                empty.append(f"{method.upper()} {path} {media}: {schema}")
            downloads += schema.get("format") == "binary"
        errors = doc["paths"][path][method]["responses"]
        assert _resolve(doc, errors["403"]["content"]["application/json"]["schema"])["title"] == "ErrorBody"
    assert not empty, "\n".join(empty)
    assert downloads >= 10  # the file routes declare their media types, not JSON
    template = _success(doc, "/api/imports/template")
    assert list(template) == ["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]


def _fields(doc: dict[str, Any], path: str, *at: str) -> set[str]:
    schema = _resolve(doc, _success(doc, path)["application/json"]["schema"])
    for key in at:
        node = schema["properties"][key] if key != "[]" else schema
        node = node.get("items", node)
        node = next((s for s in node.get("anyOf", [node]) if s.get("type") != "null"), node)
        schema = _resolve(doc, node.get("items", node))
    return set(schema["properties"])


def test_important_routes_list_their_fields() -> None:
    doc = _document()
    assert _fields(doc, "/api/schools") == {"total", "page", "per_page", "year", "schools"}
    assert _fields(doc, "/api/schools", "schools") == {
        "code", "name", "school_type", "school_type_zh", "township_code", "township", "area", "area_zh", "students",
        "teachers", "verdict", "lon", "lat"}
    assert _fields(doc, "/api/auth/me") == {"user_id", "username", "role", "scopes", "school_code", "ip",
                                           "display_name", "home", "role_zh", "csrf_token"}
    assert _fields(doc, "/api/assessments/{job_id}") == {
        "job", "ready", "pack", "year", "verdict", "verdict_zh", "reasons", "parts", "composite_cvs", "indicators",
        "cvs", "heatmap"}
    assert {"id", "kind", "status", "progress", "params", "result", "files"} <= _fields(
        doc, "/api/assessments/{job_id}", "job")
    assert {"unit_code", "stage", "name", "verdict"} == _fields(doc, "/api/assessments/{job_id}", "heatmap", "units")
    # fact rows come from the field catalogue, as the database columns do
    sections = _fields(doc, "/api/schools/{code}", "sections")
    assert {"year", "school_code", "stage", "students", "teachers", "classes", "import_id", "stage_zh"} <= sections
    assert len(sections) > 50
    assert _fields(doc, "/api/care/cases/{case_id}") >= {"id", "state", "version", "events", "actions", "name"}
    assert _fields(doc, "/api/layout/scenarios/{scenario_id}/map") == {
        "geojson", "schools", "villages", "zones", "schema", "decision_zh"}
    assert "list" in _fields(doc, "/api/teachers/plans/{job_id}", "redistribution")


# ------------------------------------------------------------------------------------------ nothing dropped
def _tagged(text: str) -> Any:
    """JSON with floats tagged, so ``5`` and ``5.0`` differ."""
    return json.loads(text, parse_float=lambda s: ("float", float(s)))


@contextmanager
def _without_response_models() -> Iterator[list[int]]:
    """Serialise route results as the services return them (no response model): FastAPI's ``serialize_response``
    without its field.  Yields a list that counts the responses so serialised (the patch must take effect)."""
    import fastapi.routing
    from fastapi.encoders import jsonable_encoder
    from pydantic_core import to_json

    original = fastapi.routing.serialize_response
    calls: list[int] = []

    async def raw(*, response_content: Any, dump_json: bool = False, **_kw: Any) -> Any:
        calls.append(1)
        return to_json(response_content, inf_nan_mode="null") if dump_json else jsonable_encoder(response_content)

    fastapi.routing.serialize_response = raw
    try:
        yield calls
    finally:
        fastapi.routing.serialize_response = original


def _same_with_and_without_models(client: Any, urls: list[str]) -> None:
    for url in urls:
        typed = client.get(url)
        assert typed.status_code == 200, (url, typed.text[:300])
        with _without_response_models() as calls:
            raw = client.get(url)
        assert calls, url
        assert raw.status_code == 200, url
        assert _tagged(typed.text) == _tagged(raw.text), url


def test_response_models_keep_every_field(web: WebEnv) -> None:
    from junheng.store.cases import CaseService

    a = CaseService(web.state.engine).open("130431201501010012", "suspected_dropout", by="pytest",
                                           at=dt.datetime(2026, 9, 2, 9), name="张三丰", school_code=S_NINE,
                                           id_number="130431201501010012", student_id="G9001")
    CaseService(web.state.engine).open("130431201601010034", "out_of_school", by="pytest",
                                       at=dt.datetime(2026, 9, 2, 9), name="李四海", village_code=V1)
    from junheng.services.authz import Actor

    queued = web.state.runner.create(Actor(None, "county", "county_admin", (COUNTY,)), "assessment", org_code=COUNTY,
                                     params={"pack": "yzjh-2017", "year": 2025})  # never runs: not ready
    county = web.client("county")
    assert set(county.get(f"/api/assessments/{queued}").json()) == {"job", "ready"}
    r = county.post(f"/api/care/cases/{a}/actions", json={"action": "verify", "data": {"result": "confirmed"},
                                                        "version": 1})
    assert r.status_code == 200, r.text
    urls = ["/api/auth/csrf", "/api/roles", "/api/counties", "/api/org-units",
            "/api/org-units?level=village", "/api/dashboard", "/api/map", "/api/map?villages=false", "/api/schools",
            "/api/schools?verdict=none&sort=students&desc=true", "/api/packs", "/api/imports", "/api/assessments",
            "/api/layout/scenarios", "/api/layout/jobs", "/api/teachers/jobs", "/api/care/cases",
            f"/api/care/cases/{a}", f"/api/assessments/{queued}", f"/api/jobs/{queued}", "/api/audit", "/api/audit?per_page=3&page=2"]
    for code in (S_PRIMARY, S_NINE, S_POINT, S_KG):
        urls += [f"/api/schools/{code}", f"/api/schools/{code}/teachers"]
    _same_with_and_without_models(county, urls)
    _same_with_and_without_models(web.client("township"), ["/api/dashboard", "/api/schools", "/api/care/cases"])
    admin = web.client("admin")
    _same_with_and_without_models(admin, ["/api/users", "/api/audit"])
    new = admin.post("/api/users", json={"username": "newbie", "password": "Xx-Passw0rd!22", "role": "viewer",
                                         "scopes": ["130431000000"]})
    assert new.status_code == 201 and set(new.json()) == {
        "id", "username", "display_name", "role", "role_zh", "school_code", "scopes", "active", "created_at"}


def test_response_models_keep_every_field_of_jobs(web: WebEnv) -> None:
    """Assessment, layout scenario and teacher plan: the stored documents pass through whole."""
    county, s = web.client("county"), web.state
    jobs = {}
    for key, path, body in (("assessment", "/api/assessments", {"pack": "yzjh-2017", "year": 2025}),
                            ("layout", "/api/layout/scenarios", {"name": "甲", "year": 2027, "keep_small": True,
                                                                 "time_limit_s": 5}),
                            ("teachers", "/api/teachers/plans", {"year": 2025})):
        r = county.post(path, json=body)
        assert r.status_code == 202, r.text
        jobs[key] = r.json()["job_id"]
        s.runner.wait(jobs[key], timeout=300)
    assessment = county.get(f"/api/assessments/{jobs['assessment']}").json()
    assert assessment["ready"] is True and assessment["heatmap"]["cells"]
    scenario = county.get("/api/layout/scenarios").json()[0]["id"]
    urls = [f"/api/assessments/{jobs['assessment']}", "/api/assessments", "/api/dashboard",
            f"/api/schools/{S_NINE}", "/api/schools", f"/api/layout/scenarios/{scenario}",
            f"/api/layout/scenarios/{scenario}/map", f"/api/layout/compare?a={scenario}&b={scenario}",
            "/api/layout/scenarios", "/api/layout/jobs", f"/api/teachers/plans/{jobs['teachers']}",
            "/api/teachers/jobs", *(f"/api/jobs/{j}" for j in jobs.values())]
    _same_with_and_without_models(county, urls)
    _same_with_and_without_models(web.client("township"), [f"/api/assessments/{jobs['assessment']}"])
