"""Limits per user: the job queue (``jobs_per_user``) and the size of a case action (``care_note_max_chars``)."""

from __future__ import annotations

import datetime as dt

import pytest

from fixtures import S_NINE
from web.support import WebEnv


def test_job_queue_is_limited_per_user(engine) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from junheng.services.authz import Actor
    from junheng.services.errors import Throttled
    from junheng.services.jobs import JobRunner
    from junheng.store.auth_models import Job

    runner = JobRunner(engine, per_user=2)
    alice = Actor(None, "alice", "county_admin", ("130431000000",), home="130431000000")
    bob = Actor(None, "bob", "county_admin", ("130431000000",), home="130431000000")
    first, second = runner.create(alice, "assessment"), runner.create(alice, "assessment")
    with pytest.raises(Throttled):
        runner.create(alice, "assessment")  # both of hers are queued: the third is refused …
    runner.create(bob, "assessment")  # … and nobody else is affected
    runner.submit(first, lambda ctx: {"message": "done"})
    runner.wait(first)
    runner.create(alice, "assessment")  # one finished: room for one more
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Job).where(Job.username == "alice")).scalar_one() == 3
        assert conn.execute(select(Job.org_code).where(Job.id == second)).scalar_one() == "130431000000"
    runner.shutdown()


def test_case_action_fields_are_bounded(web: WebEnv) -> None:
    from junheng.store.cases import CaseService

    case = CaseService(web.state.engine).open("K-LIMIT", "suspected_dropout", by="pytest",
                                              at=dt.datetime(2026, 9, 1), school_code=S_NINE)  # synthetic key
    county = web.client("county")
    huge = "注" * (6 * 2**20 // 3)  # the 6 MB note of the finding
    r = county.post(f"/api/care/cases/{case}/actions", json={"action": "note", "data": {"text": huge}, "version": 1})
    assert r.status_code == 422 and "2000" in r.json()["detail"]
    many = {f"k{i}": "x" for i in range(40)}
    r = county.post(f"/api/care/cases/{case}/actions", json={"action": "note", "data": many, "version": 1})
    assert r.status_code == 422
    nested = {"text": {"a": ["b"] * 10}}
    r = county.post(f"/api/care/cases/{case}/actions", json={"action": "note", "data": nested, "version": 1})
    assert r.status_code == 422
    rec = CaseService(web.state.engine).get(case)
    assert rec.case.version == 1 and len(rec.case.history) == 1  # nothing was stored
    ok = county.post(f"/api/care/cases/{case}/actions",
                     json={"action": "note", "data": {"text": "注" * 2000}, "version": 1})
    assert ok.status_code == 200, ok.text
    page = county.post(f"/care/cases/{case}", data={"action": "note", "version": "2", "text": "注" * 2001})
    assert page.status_code == 422 and CaseService(web.state.engine).get(case).case.version == 2
