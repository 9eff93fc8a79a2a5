"""Every API route × every role: allowed or denied exactly as the table below says.

The table is this test's own statement of the rules (not read from the code):
a route missing from it, or a new route, fails the test.  "Allowed" means the
call is not refused (status not 401/403); "denied" means 403.  Anonymous calls
get 401 everywhere except the two login routes.
"""

from __future__ import annotations

import io

import pytest

from fixtures import S_NINE
from web.support import PASSWORD, ROLE_USER, WebEnv, login

ROLES = ("admin", "county_admin", "planner", "school_clerk", "township_staff", "viewer")
EVERYONE = set(ROLES)
ADMIN = {"admin"}
IMPORTERS = {"admin", "county_admin"}
ASSESS_VIEW = {"admin", "county_admin", "planner", "township_staff", "viewer"}
ASSESS_RUN = {"admin", "county_admin", "planner"}
COUNTY_ASSESS_VIEW = ASSESS_VIEW - {"township_staff"}
PERSONAL = {"admin", "county_admin", "school_clerk", "township_staff"}
EDITORS = {"admin", "county_admin", "school_clerk"}
LAYOUT_VIEW = {"admin", "county_admin", "planner", "viewer"}
LAYOUT_RUN = {"admin", "county_admin", "planner"}
TEACHERS_VIEW = {"admin", "county_admin", "planner", "viewer"}
TEACHERS_RUN = {"admin", "county_admin", "planner"}
PUBLIC = {"GET /api/auth/csrf", "POST /api/auth/login"}

ALLOWED: dict[str, set[str]] = {
    "GET /api/auth/csrf": EVERYONE,
    "POST /api/auth/login": EVERYONE,
    "POST /api/auth/logout": EVERYONE,
    "GET /api/auth/me": EVERYONE,
    "POST /api/auth/password": EVERYONE,
    "GET /api/counties": EVERYONE,
    "GET /api/org-units": EVERYONE,
    "GET /api/dashboard": EVERYONE,
    "GET /api/map": EVERYONE,
    "GET /api/schools": EVERYONE,
    "GET /api/schools/{code}": EVERYONE,  # each role's own in-scope school (see the clerk test for the other)
    "PATCH /api/schools/{code}": EDITORS,
    "GET /api/schools/{code}/teachers": PERSONAL,
    "GET /api/imports/template": IMPORTERS,
    "POST /api/imports": IMPORTERS,
    "POST /api/imports/{job_id}/confirm": IMPORTERS,
    "GET /api/imports": IMPORTERS,
    "GET /api/packs": ASSESS_VIEW,
    "GET /api/assessments": ASSESS_VIEW,
    "POST /api/assessments": ASSESS_RUN,
    "GET /api/assessments/{job_id}": ASSESS_VIEW,
    # the county's report files and raw job: for those whose scope covers the county (one way), so a township
    # user reads the run's verdicts for their own schools on GET /api/assessments/{job_id}, not the county's files
    "GET /api/assessments/{job_id}/files/{fmt}": COUNTY_ASSESS_VIEW,
    "GET /api/jobs/{job_id}": COUNTY_ASSESS_VIEW,  # the job used is an assessment
    "GET /api/jobs/{job_id}/files/{file_id}": COUNTY_ASSESS_VIEW,
    "GET /api/roles": EVERYONE,
    "GET /api/users": ADMIN,
    "POST /api/users": ADMIN,
    "PATCH /api/users/{user_id}": ADMIN,
    "POST /api/users/{user_id}/password": ADMIN,
    "GET /api/audit": {"admin", "county_admin"},
    "GET /api/layout/scenarios": LAYOUT_VIEW,
    "POST /api/layout/scenarios": LAYOUT_RUN,
    "GET /api/layout/jobs": LAYOUT_VIEW,
    "GET /api/layout/scenarios/{scenario_id}": LAYOUT_VIEW,
    "GET /api/layout/scenarios/{scenario_id}/map": LAYOUT_VIEW,
    "GET /api/layout/scenarios/{scenario_id}/files/{fmt}": LAYOUT_VIEW,
    "GET /api/layout/compare": LAYOUT_VIEW,
    "GET /api/teachers/jobs": TEACHERS_VIEW,
    "POST /api/teachers/plans": TEACHERS_RUN,
    "GET /api/teachers/plans/{job_id}": TEACHERS_VIEW,
    "GET /api/teachers/plans/{job_id}/xlsx": TEACHERS_VIEW,
    "GET /api/care/cases": EVERYONE,
    "GET /api/care/cases/{case_id}": EVERYONE,  # the case is of the clerk's school, in everyone's scope
    "POST /api/care/cases/{case_id}/actions": EVERYONE - {"viewer"},
}
LAST = ("POST /api/auth/password", "POST /api/auth/logout")  # they end the session


def _flatten(routes):  # type: ignore[no-untyped-def]
    """app.routes, with included routers expanded (FastAPI keeps them as lazily included groups)."""
    for r in routes:
        if hasattr(r, "effective_route_contexts"):
            yield from r.effective_route_contexts()
        else:
            yield r


def api_routes(app) -> list[str]:  # type: ignore[no-untyped-def]
    out = []
    for r in _flatten(app.routes):
        path, methods = getattr(r, "path", ""), getattr(r, "methods", None) or set()
        if path.startswith("/api/") and getattr(r, "include_in_schema", False):
            out += [f"{m} {path}" for m in sorted(set(methods) - {"HEAD", "OPTIONS"})]
    return sorted(out, key=lambda k: (k in LAST, LAST.index(k) if k in LAST else 0, k))


def _fixtures(web: WebEnv) -> dict:  # type: ignore[type-arg]
    """An assessment job with files, a check job, and a target user, made through the services."""
    from junheng.services import assessments, auth, imports, jobs
    from junheng.services.authz import Actor

    s, admin = web.state, Actor.system("pytest")
    run = assessments.start_assessment(s.engine, s.runner, admin, pack="yzjh-2017", year=2025)
    s.runner.wait(run)
    county_admin = Actor(None, "county", "county_admin", ("130431000000",), home="130431000000")
    check = imports.start_check(s.engine, s.runner, county_admin, filename="x.csv", content=b"a,b\n1,2\n")
    s.runner.wait(check)
    job = jobs.get_job(s.engine, admin, run)
    target = auth.create_user(s.engine, admin, username="target", password=PASSWORD, role="viewer",
                              scopes=["130431000000"])
    from datetime import datetime

    from junheng.store.cases import CaseService

    case = CaseService(s.engine).open("K1", "suspected_dropout", by="pytest", at=datetime(2026, 9, 1),
                                      school_code=S_NINE)  # synthetic child key
    return {"run": run, "check": check, "file": job.files[0]["id"], "target": target.id, "case": case}


def _call(client, key: str, role: str, fx: dict, web: WebEnv):  # type: ignore[no-untyped-def, type-arg]
    from junheng.services import schools
    from junheng.services.authz import Actor

    method, path = key.split(" ", 1)
    if "/api/layout/" in path:
        path = _layout_path(path, fx, web)
    if "/api/teachers/" in path:
        path = _teachers_path(path, fx, web)
    code = S_NINE
    path = (path.replace("{code}", code).replace("{user_id}", str(fx["target"]))
            .replace("{fmt}", "json").replace("{file_id}", str(fx["file"])).replace("{case_id}", str(fx["case"])))
    path = path.replace("{job_id}", str(fx["check"] if "/imports/" in path else fx["run"]))
    body = None
    files = None
    if key == "POST /api/auth/login":
        token = client.get("/api/auth/csrf").json()["csrf_token"]
        r = client.post(path, json={"username": ROLE_USER[role], "password": PASSWORD},
                        headers={"X-CSRF-Token": token})
        if r.status_code == 200 and "X-CSRF-Token" in client.headers:
            client.headers["X-CSRF-Token"] = r.json()["csrf_token"]  # a new session, a new token
        return r
    if key == "POST /api/auth/logout" and "X-CSRF-Token" in client.headers:
        login(client, ROLE_USER[role])  # the password change just before ended the session
    if key == "POST /api/auth/password":
        body = {"old_password": PASSWORD, "new_password": PASSWORD}
    elif key == "PATCH /api/schools/{code}":
        d = schools.get_school(web.state.engine, Actor.system(), code)["profile"]
        body = {"version": d["version"], "name": d["name"]}
    elif key == "POST /api/care/cases/{case_id}/actions":
        from junheng.store.cases import CaseService

        version = CaseService(web.state.engine).get(fx["case"]).case.version
        body = {"action": "note", "data": {"text": f"by {role}"}, "version": version}
    elif key == "POST /api/imports":
        files = {"file": ("y.csv", io.BytesIO(b"a,b\n1,2\n"), "text/csv")}
    elif key == "POST /api/assessments":
        body = {"pack": "yzjh-2017", "year": 2025}
    elif key == "POST /api/layout/scenarios":
        body = {"name": f"by {role}", "year": 2027, "keep_small": True, "time_limit_s": 2}
    elif key == "POST /api/teachers/plans":
        body = {"year": 2025}
    elif key == "POST /api/users":
        body = {"username": f"new_{role}", "password": PASSWORD, "role": "viewer", "scopes": ["130431000000"]}
    elif key == "PATCH /api/users/{user_id}":
        body = {"display_name": f"by {role}"}
    elif key == "POST /api/users/{user_id}/password":
        body = {"new_password": PASSWORD}
    if files:
        return client.request(method, path, files=files)
    return client.request(method, path, json=body)


@pytest.mark.slow
def test_every_api_route_with_every_role(web: WebEnv) -> None:
    routes = api_routes(web.app)
    assert set(routes) == set(ALLOWED), f"routes and table differ: {set(routes) ^ set(ALLOWED)}"
    fx = _fixtures(web)
    wrong: list[str] = []
    for role in ROLES:
        client = web.client(ROLE_USER[role])
        for key in routes:
            r = _call(client, key, role, fx, web)
            allowed = role in ALLOWED[key]
            if allowed and r.status_code in (401, 403):
                wrong.append(f"{role} {key}: expected allowed, got {r.status_code} {r.text[:120]}")
            if not allowed and r.status_code != 403:
                wrong.append(f"{role} {key}: expected 403, got {r.status_code}")
            if r.status_code >= 500:
                wrong.append(f"{role} {key}: server error {r.status_code}")
    for key in routes:
        r = _call(web.client(), key, "viewer", fx, web)  # a fresh client each time: no session
        if key not in PUBLIC and r.status_code != 401:
            wrong.append(f"anonymous {key}: expected 401, got {r.status_code}")
    web.state.runner.shutdown()  # let queued jobs finish before the database goes
    assert not wrong, "\n".join(wrong)


def _layout_path(path: str, fx: dict, web: WebEnv) -> str:  # type: ignore[type-arg]
    """A solved layout scenario (made once, through the service) filled into a /api/layout/ path."""
    if "scenario" not in fx:
        from junheng.services import jobs, layout
        from junheng.services.authz import Actor

        s, admin = web.state, Actor.system("pytest")
        job_id = layout.start_layout(s.engine, s.runner, admin, name="authz", year=2027, keep_small=True,
                                     time_limit_s=2)
        s.runner.wait(job_id)
        fx["scenario"] = jobs.get_job(s.engine, admin, job_id).result["scenario_id"]
    sid = str(fx["scenario"])
    path = path.replace("{scenario_id}", sid).replace("{fmt}", "xlsx")
    return path + (f"?a={sid}&b={sid}" if path.endswith("/compare") else "")


def _teachers_path(path: str, fx: dict, web: WebEnv) -> str:  # type: ignore[type-arg]
    """A finished teacher plan (made once, through the service) filled into a /api/teachers/ path."""
    if "teachers" not in fx:
        from junheng.services import teachers
        from junheng.services.authz import Actor

        s = web.state
        fx["teachers"] = teachers.start_plan(s.engine, s.runner, Actor.system("pytest"), year=2025)
        s.runner.wait(fx["teachers"])
    return path.replace("{job_id}", str(fx["teachers"]))
