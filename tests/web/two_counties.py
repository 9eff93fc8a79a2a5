"""Two demo counties in one database — 鸡泽县 (A, Hebei) and 湟中县 (B, Qinghai) — with users and objects of each.

The synthetic demo generator (``junheng.synth.generate_county``, no real people) builds both counties;
each gets a county administrator, a planner, a township user and a school clerk, and each county
administrator makes, through the web API as a real user would, one object of every kind: an import
check and the import it confirms, an assessment, a layout scenario, a teacher-plan job, a ledger check
(on the synthetic registries of ``tests/registry/data``), cases opened from it, and an audit trail.
:func:`build` returns everything a scope test needs to attack one county from the other.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from web.support import PASSWORD, login

DATA = Path(__file__).parent.parent / "registry" / "data"
COUNTIES = {"A": "130431000000", "B": "630122000000"}
NAMES = {"A": "鸡泽", "B": "湟中"}
ROLES = ("county_admin", "planner", "township_staff", "school_clerk")


@dataclass
class County:
    key: str
    code: str
    users: dict[str, str]  # role -> username
    schools: list[str]
    township: str
    clerk_school: str
    objects: dict[str, Any] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        return self.code[:6]


@dataclass
class TwoCounties:
    app: Any
    url: str
    counties: dict[str, County]

    @property
    def state(self) -> Any:
        return self.app.state.web

    def client(self, username: str | None = None) -> TestClient:
        c = TestClient(self.app)
        if username:
            r = login(c, username, PASSWORD)
            assert r.status_code == 200, r.text
        return c

    def other(self, key: str) -> County:
        return self.counties["B" if key == "A" else "A"]

    def leaks(self, key: str, text: str) -> list[str]:
        """Identifiers of the *other* county found in ``text`` (its code, its name, its school codes)."""
        o = self.other(key)
        found = [s for s in (o.prefix, NAMES[o.key]) if s in text]
        return found + [c for c in o.schools if c in text][:5]


def _seed(url: str) -> dict[str, County]:
    from sqlalchemy import select

    from junheng.io import import_tables
    from junheng.services import auth
    from junheng.store.engine import make_engine
    from junheng.store.models import School
    from junheng.synth import generate_county

    engine = make_engine(url)
    out: dict[str, County] = {}
    for key, code in COUNTIES.items():
        import_tables(engine, generate_county(code[:6], seed=7, years=[2024, 2025], children=False),
                      source=f"demo {key}", user="pytest")
        with engine.connect() as conn:
            rows = conn.execute(select(School.code, School.township_code, School.school_type).where(
                School.township_code.startswith(code[:6])).order_by(School.code)).all()
        township = sorted({t for _, t, _ in rows})[0]
        clerk_school = next(c for c, t, st in rows if t == township and st != "kindergarten")
        users = {}
        for role in ROLES:
            name = f"{role}_{key.lower()}"
            scopes = {"county_admin": [code], "planner": [code], "township_staff": [township],
                      "school_clerk": []}[role]
            auth.ensure_user(engine, username=name, password=PASSWORD, role=role, scopes=scopes,
                             school_code=clerk_school if role == "school_clerk" else None, display_name=name)
            users[role] = name
        out[key] = County(key, code, users, [c for c, _, _ in rows], township, clerk_school)
    auth.ensure_user(engine, username="sysadmin", password=PASSWORD, role="admin", display_name="sysadmin")
    engine.dispose()
    return out


def _objects(env: TwoCounties, c: County) -> None:
    """One object of every kind, made by the county's own administrator through the API."""
    s = env.state
    ca = env.client(c.users["county_admin"])
    from junheng.services import schools as S
    from junheng.services.authz import Actor

    r = ca.post("/api/imports", files={"file": ("学校.xlsx", io.BytesIO(school_workbook(env, c.schools[:3])),
                                                XLSX)})
    assert r.status_code == 202, r.text
    check = r.json()["job_id"]
    s.runner.wait(check, timeout=120)
    c.objects["check"] = check
    info = ca.get(f"/api/jobs/{check}").json()
    assert info["result"].get("ok"), info["result"]
    c.objects["check_files"] = [f["id"] for f in info["files"]]
    r = ca.post(f"/api/imports/{check}/confirm")
    assert r.status_code == 202, r.text
    c.objects["import"] = r.json()["job_id"]
    s.runner.wait(c.objects["import"], timeout=120)
    assert ca.get(f"/api/jobs/{c.objects['import']}").json()["result"]["ok"]
    r = ca.post("/api/assessments", json={"pack": "yzjh-2017", "year": 2025})
    assert r.status_code == 202, r.text
    c.objects["assessment"] = r.json()["job_id"]
    s.runner.wait(c.objects["assessment"], timeout=300)
    c.objects["assessment_files"] = [f["id"] for f in ca.get(f"/api/jobs/{c.objects['assessment']}").json()["files"]]
    r = ca.post("/api/layout/scenarios", json={"name": f"方案{c.key}", "year": 2027, "keep_small": True,
                                                "time_limit_s": 2})
    assert r.status_code == 202, r.text
    c.objects["layout_job"] = r.json()["job_id"]
    s.runner.wait(c.objects["layout_job"], timeout=300)
    c.objects["scenario"] = ca.get(f"/api/jobs/{c.objects['layout_job']}").json()["result"]["scenario_id"]
    # a teacher-plan job (the plan itself takes minutes on a whole county: the job row is what scope is about)
    c.objects["teachers"] = s.runner.create(_actor(env, c.users["county_admin"]), "teachers", org_code=c.code,
                                            params={"year": 2025})
    files = {k: (f"{k}.csv", registry_csv(env, k), "text/csv") for k in ("population", "roll", "attendance", "poverty")}
    r = ca.post("/care/ledgers", files=files, data={"as_of": "2026-09-01", "csrf_token": ca.headers["X-CSRF-Token"]},
                follow_redirects=False)
    assert r.status_code == 303, r.text
    ledger = int(r.headers["location"].rsplit("=", 1)[1])
    s.runner.wait(ledger, timeout=300)
    c.objects["ledger"] = ledger
    c.objects["ledger_files"] = [f["id"] for f in ca.get(f"/api/jobs/{ledger}").json()["files"]]
    r = ca.post(f"/care/ledgers/{ledger}/open", data={"csrf_token": ca.headers["X-CSRF-Token"]},
                follow_redirects=False)
    assert r.status_code == 303, r.text
    cases = ca.get("/api/care/cases").json()["cases"]
    c.objects["cases"] = [x["id"] for x in cases]
    from junheng.store.cases import CaseService

    # a case of the clerk's school, so every role of the county has one in scope
    c.objects["clerk_case"] = CaseService(s.engine).open(f"K-{c.key}", "suspected_dropout", by="pytest",
                                                         at=__import__("datetime").datetime(2026, 9, 1),
                                                         school_code=c.clerk_school, org_code=c.township)
    c.objects["cases"].append(c.objects["clerk_case"])
    # a supervision task with a progress report and its evidence file; an evidence record with an attachment;
    # an aid-audit job row (what scope is about: the job and its org unit)
    import datetime as dt

    from junheng.services import evidence as EV
    from junheng.services import tasks as TK

    admin = _actor(env, c.users["county_admin"])
    planner = _actor(env, c.users["planner"])
    pdf = b"%PDF-1.4\n%synthetic evidence\n"
    [task] = TK.create_tasks(s.engine, admin, c.code, [TK.NewTask(f"任务{c.key}", ("教育局", "财政局"),
                                                                  dt.date(2027, 12, 31))])
    TK.report_progress(s.engine, admin, task, version=1, percent=30, note="进展", on=dt.date(2026, 10, 1),
                       evidence=TK.Attachment("进展.pdf", pdf), today=dt.date(2026, 10, 1))
    c.objects["task"] = task
    item = EV.pack_items("yzjh-2017")[0]
    rec = EV.enter_evidence(s.engine, planner, pack="yzjh-2017", year=2025, item=item.code, status="met",
                            note="佐证", uploads=[EV.Upload("佐证.pdf", pdf)], county=c.code)
    c.objects["evidence"] = rec["id"]
    from sqlalchemy import select

    from junheng.store.evidence_models import EvidenceAttachment
    from junheng.store.task_models import TaskAttachment

    with s.engine.connect() as conn:
        c.objects["evidence_file"] = conn.execute(select(EvidenceAttachment.id).where(
            EvidenceAttachment.record_id == rec["id"])).scalar_one()
        c.objects["task_file"] = conn.execute(select(TaskAttachment.id).order_by(TaskAttachment.id.desc())).scalar()
    c.objects["aid"] = s.runner.create(admin, "aid_audit", org_code=c.code, params={"term": "2026-2"})
    # an audited edit of one of the county's schools
    prof = S.get_school(s.engine, Actor.system(), c.clerk_school)["profile"]
    r = ca.patch(f"/api/schools/{c.clerk_school}", json={"version": prof["version"], "name": prof["name"] + "校区"})
    assert r.status_code == 200, r.text


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def registry_csv(env: TwoCounties, kind: str) -> bytes:
    """One of the synthetic registries of ``tests/registry/data`` (鸡泽-coded children, villages and ID numbers),
    its two schools mapped onto two of county A's demo schools: both counties upload the same lists, so A's
    check finds A's children and B's check holds only rows outside B."""
    a = env.counties["A"]
    text = (DATA / f"{kind}.csv").read_text(encoding="utf-8")
    return text.replace("2113043101", a.schools[0]).replace("2113043102", a.schools[1]).encode("utf-8")


def school_workbook(env: TwoCounties, codes: list[str], *, rename: dict[str, str] | None = None,
                    sheets: tuple[str, ...] = ("school",)) -> bytes:
    """An exported workbook (``junheng export``'s writer) holding the stored rows of ``codes``' schools,
    optionally renamed — what a county administrator would fill in and upload."""
    import tempfile

    from junheng.domain.tables import YearTables
    from junheng.io.template import write_workbook
    from junheng.store.tables import load_tables

    t = load_tables(env.state.engine, years=[2025])
    frames: dict[str, Any] = {}
    for key in sheets:
        df = t.frames()[key]
        col = "code" if key == "school" else "school_code"
        df = df[df[col].isin(codes)].copy()
        if key == "school" and rename:
            df["name"] = df["code"].map(lambda x: rename.get(x)).fillna(df["name"])
        frames[key] = df
    tables = YearTables.from_frames(**frames)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "学校.xlsx"
        write_workbook(path, tables, sheets=sheets, personal=False)
        return path.read_bytes()


def _actor(env: TwoCounties, username: str) -> Any:
    from sqlalchemy import select

    from junheng.services import auth
    from junheng.store.auth_models import User

    with env.state.engine.connect() as conn:
        row = conn.execute(select(User.__table__).where(User.username == username)).mappings().one()
        return auth._actor(conn, dict(row), "127.0.0.1")


def build(url: str) -> TwoCounties:
    from junheng.services.settings import Settings
    from junheng.web import create_app

    counties = _seed(url)
    app = create_app(Settings(db_url=url, jobs_per_user=50))
    env = TwoCounties(app, url, counties)
    for c in counties.values():
        _objects(env, c)
    return env
