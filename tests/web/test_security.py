"""Security behaviour: headers, cookie flags, CSRF, throttling, password policy, masking, audit, scope, locking."""

from __future__ import annotations

from fixtures import S_NINE, S_PRIMARY
from web.support import PASSWORD, WebEnv, login


def test_headers_cookie_and_csrf(web: WebEnv) -> None:
    c = web.client()
    r = c.get("/login")
    assert "script-src 'self';" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
    r = login(c, "county")
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    token = c.headers.pop("X-CSRF-Token")
    body = {"version": 1, "name": "x"}
    assert c.patch(f"/api/schools/{S_PRIMARY}", json=body).status_code == 403  # no token
    assert c.patch(f"/api/schools/{S_PRIMARY}", json=body, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert c.get("/api/auth/me").status_code == 200  # reads need no token
    assert c.post("/logout", data={"csrf_token": "forged"}).status_code == 403  # forms need the field
    assert c.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    # login itself needs the double-submit token
    anon = web.client()
    assert anon.post("/api/auth/login", json={"username": "county", "password": PASSWORD}).status_code == 403


def test_login_throttling_and_password_policy(web: WebEnv) -> None:
    c = web.client()
    for _ in range(5):
        assert login(c, "viewer", "wrong-Password-1").status_code == 401
    r = login(c, "viewer", PASSWORD)  # the right password, but too many failures in the window
    assert r.status_code == 429
    admin = web.client("admin")
    weak = admin.post("/api/users", json={"username": "weakling", "password": "short", "role": "viewer",
                                          "scopes": ["130431000000"]})
    assert weak.status_code == 422 and "至少" in weak.json()["detail"]
    named = admin.post("/api/users", json={"username": "johnsmith", "password": "johnsmith-Pass1",
                                           "role": "viewer", "scopes": ["130431000000"]})
    assert named.status_code == 422
    audit = admin.get("/api/audit", params={"action": "login.throttled"}).json()
    assert audit["total"] == 1 and audit["events"][0]["target"] == "viewer"


def test_id_numbers_masked_unless_allowed_and_views_audited(web: WebEnv) -> None:
    import pandas as pd

    from fixtures import child_id
    from junheng.domain.tables import YearTables
    from junheng.io import import_tables
    from junheng.store.engine import make_engine

    idn = child_id("19850305", "123")  # a synthetic teacher
    teacher = pd.DataFrame([dict(teacher_id="T001", id_number=idn, name="测试教师", school_code=S_NINE,
                                 stage="primary")])
    engine = make_engine(web.url)
    import_tables(engine, YearTables.from_frames(teacher=teacher), source="teacher", user="pytest")
    engine.dispose()
    full = web.client("county").get(f"/api/schools/{S_NINE}/teachers").json()
    masked = web.client("clerk").get(f"/api/schools/{S_NINE}/teachers").json()
    assert full["teachers"][0]["id_number"] == idn and not full["masked"]
    assert masked["teachers"][0]["id_number"] == idn[:6] + "********" + idn[-4:] and masked["masked"]
    assert web.client("planner").get(f"/api/schools/{S_NINE}/teachers").status_code == 403
    events = web.client("admin").get("/api/audit", params={"action": "personal.view"}).json()["events"]
    assert {(e["username"], e["detail"]["id_numbers_shown"]) for e in events} == {("county", True), ("clerk", False)}
    assert all(e["ip"] for e in events)


def test_scope_clerk_and_township(web: WebEnv) -> None:
    clerk = web.client("clerk")
    assert clerk.get(f"/api/schools/{S_NINE}").status_code == 200
    assert clerk.get(f"/api/schools/{S_PRIMARY}").status_code == 403
    assert clerk.get(f"/schools/{S_PRIMARY}").status_code == 403  # the page too
    assert [s["code"] for s in clerk.get("/api/schools").json()["schools"]] == [S_NINE]
    township = web.client("township")
    codes = {s["code"] for s in township.get("/api/schools").json()["schools"]}
    assert codes == {"2113043102", "2113043103", "2113043104"}  # 小寨镇 only
    assert township.get(f"/api/schools/{S_PRIMARY}").status_code == 403


def test_optimistic_locking_second_editor_is_told(web: WebEnv) -> None:
    a, b = web.client("county"), web.client("admin")
    v = a.get(f"/api/schools/{S_PRIMARY}").json()["profile"]["version"]
    assert b.get(f"/api/schools/{S_PRIMARY}").json()["profile"]["version"] == v
    r1 = a.patch(f"/api/schools/{S_PRIMARY}", json={"version": v, "name": "鸡泽县实验小学（甲）"})
    assert r1.status_code == 200 and r1.json()["version"] == v + 1
    r2 = b.patch(f"/api/schools/{S_PRIMARY}", json={"version": v, "name": "鸡泽县实验小学（乙）", "boarding": True})
    assert r2.status_code == 409
    extra = r2.json()["extra"]
    assert extra["current"]["name"] == "鸡泽县实验小学（甲）" and extra["yours"]["name"] == "鸡泽县实验小学（乙）"
    assert a.get(f"/api/schools/{S_PRIMARY}").json()["profile"]["name"] == "鸡泽县实验小学（甲）"
    edits = b.get("/api/audit", params={"action": "school.update"}).json()["events"]
    assert len(edits) == 1 and edits[0]["username"] == "county"
