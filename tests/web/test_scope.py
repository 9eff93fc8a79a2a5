"""Scope: every route and page, as every user of one county, against the objects of the other county.

Two demo counties share one database (:mod:`web.two_counties`).  For each user of county A (county
administrator, planner, township user, school clerk) and of county B, every API route and every page is
called with the *other* county's objects — schools, jobs, job files, import checks, assessments,
scenarios, teacher plans, ledger checks, cases, users — and must answer 403 or 404; every list must
answer without a single identifier of the other county (its code, its name, its school codes).  A
route missing from the tables below fails the test, so a new route must say how it is scoped.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest

from backends import BACKENDS, migrated_database
from web.two_counties import XLSX, County, TwoCounties, build, school_workbook

pytestmark = pytest.mark.slow  # the two demo counties take about a minute to build


@pytest.fixture(scope="module", params=BACKENDS)
def two(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoCounties]:
    """The two counties with their objects, built once per backend for this module."""
    with migrated_database(request.param, tmp_path_factory.mktemp("two")) as url:
        env = build(url)
        yield env
        env.state.runner.shutdown()
        env.state.engine.dispose()


def _routes(app: Any) -> set[str]:
    out = set()

    def flat(routes: Any) -> Iterator[Any]:
        for r in routes:
            if hasattr(r, "effective_route_contexts"):
                yield from r.effective_route_contexts()
            else:
                yield r

    for r in flat(app.routes):
        path = getattr(r, "path", "")
        if path.startswith("/static") or path in ("/api/docs", "/api/openapi.json"):
            continue
        out |= {f"{m} {path}" for m in (getattr(r, "methods", None) or set()) - {"HEAD", "OPTIONS"}}
    return out


def _user_ids(env: TwoCounties, c: County) -> list[int]:
    from sqlalchemy import select

    from junheng.store.auth_models import User

    with env.state.engine.connect() as conn:
        return [i for (i,) in conn.execute(select(User.id).where(User.username.in_(list(c.users.values()))))]


def _jobs(o: County) -> list[int]:
    return [o.objects[k] for k in ("check", "import", "assessment", "layout_job", "teachers", "ledger")]


def _files(o: County) -> list[tuple[int, int]]:
    return ([(o.objects["check"], f) for f in o.objects["check_files"]]
            + [(o.objects["assessment"], f) for f in o.objects["assessment_files"]]
            + [(o.objects["ledger"], f) for f in o.objects["ledger_files"]])


def _first_evidence_item() -> str:
    from junheng.services.evidence import pack_items

    return pack_items("yzjh-2017")[0].code


def _foreign_calls(env: TwoCounties, me: County) -> dict[str, list[tuple[str, str, dict[str, Any]]]]:
    """Route → the calls (method, url, request kwargs) that reach the other county's objects."""
    o = env.other(me.key)
    ob = o.objects
    code, sid, mine_sid = o.clerk_school, ob["scenario"], me.objects["scenario"]
    jobs, files, cases, users = _jobs(o), _files(o), ob["cases"], _user_ids(env, o)
    county = {"county": o.code}
    form = {"data": {"action": "note", "version": "1", "text": "x"}}
    return {
        # the API
        "GET /api/dashboard": [("GET", f"/api/dashboard?county={o.code}", {})],
        "GET /api/map": [("GET", f"/api/map?county={o.code}", {})],
        "GET /api/schools": [("GET", f"/api/schools?county={o.code}", {})],
        "GET /api/schools/{code}": [("GET", f"/api/schools/{c}", {}) for c in (code, o.schools[0])],
        "PATCH /api/schools/{code}": [("PATCH", f"/api/schools/{code}", {"json": {"version": 1, "name": "改名"}})],
        "GET /api/schools/{code}/teachers": [("GET", f"/api/schools/{code}/teachers", {})],
        "POST /api/imports/{job_id}/confirm": [("POST", f"/api/imports/{ob['check']}/confirm", {})],
        "GET /api/assessments/{job_id}": [("GET", f"/api/assessments/{ob['assessment']}", {})],
        "GET /api/assessments/{job_id}/files/{fmt}": [
            ("GET", f"/api/assessments/{ob['assessment']}/files/{f}", {}) for f in ("json", "xlsx", "docx")],
        "POST /api/assessments": [("POST", "/api/assessments", {"json": {"pack": "yzjh-2017", "year": 2025,
                                                                         **county}})],
        "GET /api/jobs/{job_id}": [("GET", f"/api/jobs/{j}", {}) for j in jobs],
        "GET /api/jobs/{job_id}/files/{file_id}": [("GET", f"/api/jobs/{j}/files/{f}", {}) for j, f in files],
        "PATCH /api/users/{user_id}": [("PATCH", f"/api/users/{u}", {"json": {"display_name": "x"}})
                                       for u in users],
        "POST /api/users/{user_id}/password": [("POST", f"/api/users/{u}/password",
                                                {"json": {"new_password": "Another-Passw0rd!"}}) for u in users],
        "GET /api/layout/scenarios/{scenario_id}": [("GET", f"/api/layout/scenarios/{sid}", {})],
        "GET /api/layout/scenarios/{scenario_id}/map": [("GET", f"/api/layout/scenarios/{sid}/map", {})],
        "GET /api/layout/scenarios/{scenario_id}/files/{fmt}": [
            ("GET", f"/api/layout/scenarios/{sid}/files/{f}", {}) for f in ("xlsx", "docx")],
        "GET /api/layout/compare": [("GET", f"/api/layout/compare?a={sid}&b={sid}", {}),
                                    ("GET", f"/api/layout/compare?a={mine_sid}&b={sid}", {})],
        "POST /api/layout/scenarios": [("POST", "/api/layout/scenarios",
                                        {"json": {"name": "越权", "year": 2027, "time_limit_s": 1, **county}})],
        "GET /api/teachers/plans/{job_id}": [("GET", f"/api/teachers/plans/{ob['teachers']}", {})],
        "GET /api/teachers/plans/{job_id}/xlsx": [("GET", f"/api/teachers/plans/{ob['teachers']}/xlsx", {})],
        "POST /api/teachers/plans": [("POST", "/api/teachers/plans", {"json": {"year": 2025, **county}})],
        "GET /api/care/cases": [("GET", f"/api/care/cases?township={o.township}", {})],
        "GET /api/care/cases/{case_id}": [("GET", f"/api/care/cases/{i}", {}) for i in cases],
        "POST /api/care/cases/{case_id}/actions": [
            ("POST", f"/api/care/cases/{i}/actions", {"json": {"action": "note", "data": {"text": "x"},
                                                              "version": 1}}) for i in cases],
        # the pages
        "GET /": [("GET", f"/?county={o.code}", {})],
        "GET /schools": [("GET", f"/schools?county={o.code}", {})],
        "GET /schools/export.xlsx": [("GET", f"/schools/export.xlsx?county={o.code}", {})],
        "GET /schools/{code}": [("GET", f"/schools/{code}", {})],
        "POST /schools/{code}": [("POST", f"/schools/{code}", {"data": {"version": "1", "name": "改名"}})],
        "GET /schools/{code}/teachers": [("GET", f"/schools/{code}/teachers", {})],
        "GET /assess/{job_id}": [("GET", f"/assess/{ob['assessment']}", {})],
        "GET /import": [("GET", f"/import?job={ob['check']}", {})],
        "POST /import/{job_id}/confirm": [("POST", f"/import/{ob['check']}/confirm", {})],
        "GET /jobs/{job_id}/panel": [("GET", f"/jobs/{j}/panel", {}) for j in jobs],
        "GET /jobs/{job_id}/files/{file_id}": [("GET", f"/jobs/{j}/files/{f}", {}) for j, f in files],
        "POST /admin/users/{user_id}": [("POST", f"/admin/users/{u}", {"data": {"role": "viewer"}})
                                        for u in users],
        "GET /care/cases/{case_id}": [("GET", f"/care/cases/{i}", {}) for i in cases],
        "GET /aid/{job_id}/panel": [("GET", f"/aid/{ob['aid']}/panel", {})],
        "GET /tasks/{task_id}": [("GET", f"/tasks/{ob['task']}", {})],
        "POST /tasks/{task_id}": [("POST", f"/tasks/{ob['task']}",
                                   {"data": {"version": "2", "percent": "60", "note": "x"}})],
        "GET /tasks/evidence/{attachment_id}": [("GET", f"/tasks/evidence/{ob['task_file']}", {})],
        "GET /evidence": [("GET", f"/evidence?pack=yzjh-2017&year=2025&county={o.code}", {})],
        "POST /evidence/items": [("POST", "/evidence/items", {"data": {
            "pack": "yzjh-2017", "year": "2025", "item": _first_evidence_item(), "status": "met", "county": o.code}})],
        "POST /evidence/records/{record_id}/review": [("POST", f"/evidence/records/{ob['evidence']}/review",
                                                       {"data": {"decision": "accept", "comment": "x",
                                                                 "version": "1", "pack": "yzjh-2017",
                                                                 "year": "2025"}})],
        "GET /evidence/attachments/{attachment_id}": [("GET", f"/evidence/attachments/{ob['evidence_file']}", {})],
        "POST /care/cases/{case_id}": [("POST", f"/care/cases/{i}", form) for i in cases],
        "GET /care/ledgers": [("GET", f"/care/ledgers?job={ob['ledger']}", {})],
        "GET /care/ledgers/export.xlsx": [("GET", f"/care/ledgers/export.xlsx?job={ob['ledger']}", {})],
        "GET /care/ledgers/{job_id}/panel": [("GET", f"/care/ledgers/{ob['ledger']}/panel", {})],
        "POST /care/ledgers/{job_id}/open": [("POST", f"/care/ledgers/{ob['ledger']}/open", {})],
        "GET /layout/jobs/{job_id}": [("GET", f"/layout/jobs/{ob['layout_job']}", {})],
        "GET /layout/scenarios/{scenario_id}": [("GET", f"/layout/scenarios/{sid}", {})],
        "GET /layout/scenarios/{scenario_id}/export.xlsx": [("GET", f"/layout/scenarios/{sid}/export.xlsx", {})],
        "GET /layout/compare": [("GET", f"/layout/compare?a={mine_sid}&b={sid}", {})],
        "GET /teachers/jobs/{job_id}": [("GET", f"/teachers/jobs/{ob['teachers']}", {})],
        "GET /teachers/plans/{job_id}": [("GET", f"/teachers/plans/{ob['teachers']}", {})],
        "GET /teachers/plans/{job_id}/export.xlsx": [("GET", f"/teachers/plans/{ob['teachers']}/export.xlsx", {})],
    }


FILTERS = {"GET /api/care/cases"}
"""Routes whose foreign argument is a list filter: an empty list (200) is as good as a refusal."""

LISTS = {
    "GET /api/auth/me", "GET /api/counties", "GET /api/org-units", "GET /api/schools", "GET /api/imports",
    "GET /api/assessments", "GET /api/packs", "GET /api/roles", "GET /api/users", "GET /api/audit",
    "GET /api/layout/scenarios", "GET /api/layout/jobs", "GET /api/teachers/jobs", "GET /api/care/cases",
    "GET /api/dashboard", "GET /api/map", "GET /api/imports/template",
    "GET /", "GET /schools", "GET /assess", "GET /import", "GET /import/template", "GET /admin/users",
    "GET /admin/audit", "GET /care", "GET /care/ledgers", "GET /layout", "GET /teachers",
    "GET /schools/export.xlsx", "GET /admin/audit/export.xlsx", "GET /care/export.xlsx", "GET /import/export.xlsx",
    "GET /aid", "GET /tasks", "GET /tasks/template.xlsx",
}
"""Routes without an object id: called plainly, they must show nothing of the other county."""

NOT_SCOPED = {
    "GET /api/auth/csrf", "POST /api/auth/login", "POST /api/auth/logout", "POST /api/auth/password",
    "GET /login", "POST /login", "POST /logout", "GET /lang/{lang}",
    "POST /api/imports", "POST /import", "POST /care/ledgers", "POST /api/users", "POST /admin/users",
    "POST /assess", "POST /layout", "POST /teachers", "POST /aid", "POST /tasks/import",
}
"""Routes that reach no existing object: log in and out, choose a language, upload a new file (its rows are
scoped by the import check: test_import_rows_outside_scope), create a user (administrator only), start an
assessment, a layout solve or a teacher plan from a page form (always of the user's own county: the forms take
no county; the API's county argument is tested above), upload an aid audit or a task list (for the user's own
county)."""


def _cells(content: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content))
    return " ".join(str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row)


def test_every_route_and_page_against_the_other_county(two: TwoCounties) -> None:
    routes = _routes(two.app)
    calls = _foreign_calls(two, two.counties["A"])
    assert routes == set(calls) | LISTS | NOT_SCOPED, \
        f"say how these routes are scoped: {sorted(routes ^ (set(calls) | LISTS | NOT_SCOPED))}"
    wrong: list[str] = []
    n = 0
    # lists first: a user's own audit trail would otherwise show the foreign codes they typed below
    for key, me in two.counties.items():
        for username in me.users.values():
            client = two.client(username)
            for route in sorted(LISTS):
                method, url = route.split(" ", 1)
                r = client.request(method, url, follow_redirects=False)
                n += 1
                if r.status_code >= 500:
                    wrong.append(f"{username} {route}: server error {r.status_code}")
                body = r.text if "spreadsheet" not in r.headers.get("content-type", "") else ""
                if url.endswith("/export.xlsx") and r.status_code == 200:  # a list's export: its cells
                    body = _cells(r.content)
                if r.status_code == 200 and two.leaks(key, body):
                    wrong.append(f"{username} {route}: shows {two.leaks(key, body)}")
    for key, me in two.counties.items():
        calls = _foreign_calls(two, me)
        for username in me.users.values():
            client = two.client(username)
            for route, reqs in sorted(calls.items()):
                for method, url, kw in reqs:
                    r = client.request(method, url, follow_redirects=False, **kw)
                    n += 1
                    if r.status_code not in (403, 404) and not (route in FILTERS and r.status_code == 200):
                        wrong.append(f"{username} {method} {url}: expected 403/404, got {r.status_code}")
                    if two.leaks(key, r.text):
                        wrong.append(f"{username} {method} {url}: shows {two.leaks(key, r.text)}")
    assert not wrong, f"{len(wrong)} of {n} calls:\n" + "\n".join(wrong[:60])


def test_own_objects_are_reachable(two: TwoCounties) -> None:
    """The control: each county administrator reaches every one of their own objects (so the 403s above are
    about scope, not broken objects), and the system administrator reaches both counties'."""
    for me in two.counties.values():
        for who in (me.users["county_admin"], "sysadmin"):
            client = two.client(who)
            for j in _jobs(me):
                assert client.get(f"/api/jobs/{j}").status_code == 200, (who, j)
            for j, f in _files(me):
                assert client.get(f"/api/jobs/{j}/files/{f}").status_code == 200, (who, j, f)
            assert client.get(f"/api/layout/scenarios/{me.objects['scenario']}").status_code == 200
            for i in me.objects["cases"]:
                assert client.get(f"/api/care/cases/{i}").status_code == 200, (who, i)
            assert client.get(f"/api/schools/{me.clerk_school}").status_code == 200
            assert client.get(f"/api/assessments/{me.objects['assessment']}").json()["ready"]


def test_import_rows_outside_scope(two: TwoCounties) -> None:
    """A's administrator uploads a 学校 sheet renaming one of B's schools and a 学校年度 sheet with B's facts:
    the check names every such row (sheet, row, column, expected, found), nothing can be confirmed and B's
    school keeps its name; A cannot confirm B's own check either."""
    from junheng.services import schools as S
    from junheng.services.authz import Actor

    a, b = two.counties["A"], two.counties["B"]
    target = b.schools[1]
    before = S.get_school(two.state.engine, Actor.system(), target)["profile"]
    ca = two.client(a.users["county_admin"])
    content = school_workbook(two, [a.schools[0], target], rename={target: "被改名的学校"},
                              sheets=("school", "school_year"))
    r = ca.post("/api/imports", files={"file": ("学校.xlsx", io.BytesIO(content), XLSX)})
    job = r.json()["job_id"]
    two.state.runner.wait(job, timeout=120)
    res = ca.get(f"/api/jobs/{job}").json()["result"]
    assert res["ok"] is False
    scope = [i for i in res["issues"] if i["code"] == "E501"]
    assert {i["sheet"] for i in scope} == {"学校", "学校年度数据"}, scope
    for i in scope:
        assert i["row"] and i["column"] and i["expected"].startswith("鸡泽县") and i["found"]
    assert not [i for i in res["issues"] if i["code"] != "E501"], res["issues"]  # A's own row is fine
    assert ca.post(f"/api/imports/{job}/confirm").status_code == 422  # a failed check: nothing to confirm
    assert ca.post(f"/api/imports/{b.objects['check']}/confirm").status_code == 403
    after = S.get_school(two.state.engine, Actor.system(), target)["profile"]
    assert after["name"] == before["name"] and after["version"] == before["version"]


def test_import_history_and_audit_are_scoped(two: TwoCounties) -> None:
    a, b = two.counties["A"], two.counties["B"]
    ca = two.client(a.users["county_admin"])
    batches = ca.get("/api/imports").json()
    assert batches and all(x["org_code"] == a.code for x in batches)
    events = ca.get("/api/audit?per_page=500").json()["events"]
    users = {e["username"] for e in events}
    assert a.users["county_admin"] in users and not users & set(b.users.values())
    assert all(e["org_code"].startswith(a.prefix) for e in events)
    assert {"school.update", "import.commit", "care.cases.open"} <= {e["action"] for e in events}
    everything = two.client("sysadmin").get("/api/audit?per_page=500").json()["events"]
    assert {e["username"] for e in everything} >= {a.users["county_admin"], b.users["county_admin"]}


def test_ledger_rows_and_downloads_follow_scope_and_masking(two: TwoCounties) -> None:
    """B's administrator uploaded registries of A's children (tests/registry/data is 鸡泽-coded): B's ledger
    shows none of them, B's download of the ledger CSV carries none, and no case was opened for them in B.
    A's own download is masked like the page, and the original upload is for the county administrator only."""
    a, b = two.counties["A"], two.counties["B"]
    cb = two.client(b.users["county_admin"])
    page = cb.get(f"/care/ledgers?job={b.objects['ledger']}")
    assert page.status_code == 200 and "刘*" not in page.text and "130431" not in page.text
    assert [i for i in b.objects["cases"] if i != b.objects["clerk_case"]] == []
    ca = two.client(a.users["county_admin"])
    files = {f["name"]: f for f in ca.get(f"/api/jobs/{a.objects['ledger']}").json()["files"]}
    for job, client, rows in ((a.objects["ledger"], ca, True), (b.objects["ledger"], cb, False)):
        mine = {f["name"]: f for f in client.get(f"/api/jobs/{job}").json()["files"]}
        text = client.get(f"/api/jobs/{job}/files/{mine['out_of_school.csv']['id']}").content.decode("utf-8-sig")
        lines = text.strip().splitlines()
        assert (len(lines) > 1) == rows, text
        for full in ("刘子轩", "周鹏", "郑佳"):
            assert full not in text
        assert "13043120140215005X" not in text
    assert "刘**" in ca.get(f"/api/jobs/{a.objects['ledger']}/files/{files['out_of_school.csv']['id']}").text
    original = ca.get(f"/api/jobs/{a.objects['ledger']}/files/{files['population.csv']['id']}")
    assert original.status_code == 200 and "张伟强" in original.content.decode("utf-8")
    events = ca.get("/api/audit?action=file.download&per_page=500").json()["events"]
    assert any(e["detail"].get("original") for e in events) and any(e["detail"].get("masked") for e in events)


def test_township_user_sees_only_their_township(two: TwoCounties) -> None:
    a = two.counties["A"]
    tw = two.client(a.users["township_staff"])
    cases = tw.get("/api/care/cases").json()["cases"]
    assert cases and all(c["township_code"] == a.township for c in cases)
    run = tw.get(f"/api/assessments/{a.objects['assessment']}").json()
    assert run["ready"] and all(u["unit_code"] in a.schools or u["unit_code"][:10] in a.schools
                                for u in run["heatmap"]["units"])
    # the county's own report files are the county's, not the township's (one-way scope)
    assert tw.get(f"/api/assessments/{a.objects['assessment']}/files/xlsx").status_code == 403


def test_a_user_over_two_counties_chooses_the_county_of_a_job(two: TwoCounties) -> None:
    """The assessment, layout and teacher forms work on the county chosen in the selector (issue #14 item 1;
    they once always used the user's first county); a county administrator sees no selector."""
    admin = two.client("sysadmin")
    a, b = two.counties["A"], two.counties["B"]
    for path in ("/assess", "/layout", "/teachers"):
        page = admin.get(f"{path}?county={b.code}").text
        assert f'<option value="{b.code}" selected>' in page and f'<option value="{a.code}" >' in page, path
        assert f'name="county" value="{b.code}"' in page, path
    r = admin.post("/assess", data={"pack": "yzjh-2017", "year": "2025", "county": b.code,
                                    "csrf_token": admin.headers["X-CSRF-Token"]}, follow_redirects=False)
    assert r.status_code == 303, r.text
    job = int(r.headers["location"].rsplit("/", 1)[1])
    two.state.runner.wait(job, timeout=300)
    from junheng.services.jobs import get_job

    assert get_job(two.state.engine, _admin_actor(), job).org_code == b.code
    county_admin = two.client(a.users["county_admin"])
    assert 'name="county"' in county_admin.get("/assess").text  # the hidden field: its own county
    assert "county-switch" not in county_admin.get("/assess").text


def _admin_actor() -> Any:
    from junheng.services.authz import Actor

    return Actor.system()
