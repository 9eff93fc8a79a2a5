"""Cases in the store (SQLite and PostgreSQL): history, nothing deletable, concurrent edits, reports."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from junheng.care import CaseState, IllegalTransition, case_report, period_of_month
from junheng.store.care_models import CareCase, CareEvent
from junheng.store.cases import CaseService, ConcurrentEdit

T0 = dt.datetime(2026, 9, 2, 9, 0)
VILLAGE = "130431100201"


def _open(svc: CaseService, key: str = "13043120160505001X", school: str = "2113043101") -> int:
    return svc.open(key, "suspected_dropout", by="校长 王", at=T0, name="刘子豪", id_number=key,
                    student_id="G1002", school_code=school, village_code=VILLAGE)


def test_open_act_history(engine) -> None:  # type: ignore[no-untyped-def]
    svc = CaseService(engine)
    cid = _open(svc)
    assert _open(svc) == cid  # one open case per child
    svc.act(cid, "verify", {"result": "confirmed"}, expected_version=1, by="教师 张", at=T0 + dt.timedelta(days=1))
    svc.act(cid, "attempt", {"date": "2026-09-04", "who": "教师 张", "method": "家访", "result": "同意返校"},
            expected_version=2, by="教师 张", at=T0 + dt.timedelta(days=2))
    rec = svc.get(cid)
    assert rec.case.state == CaseState.PERSUADING and rec.case.version == 3
    assert [(e.action, e.by) for e in rec.case.history] == [("open", "校长 王"), ("verify", "教师 张"),
                                                            ("attempt", "教师 张")]
    assert rec.case.history[2].data["method"] == "家访"
    assert rec.township_code == "130431100000"
    with pytest.raises(IllegalTransition):
        svc.act(cid, "close", expected_version=3, by="x", at=T0)
    assert svc.get(cid).case.version == 3  # a refused action writes nothing
    listed = svc.cases(today=dt.date(2026, 9, 5))  # as stored: masking is the services' (tests/care/test_masking.py)
    assert listed.loc[0, "name"] == "刘子豪" and listed.loc[0, "id_number"] == "13043120160505001X"
    assert listed.loc[0, "state_label"] == "劝返" and not listed.loc[0, "overdue"]


def test_concurrent_edit_second_writer_told_nothing_lost(engine) -> None:  # type: ignore[no-untyped-def]
    svc = CaseService(engine)
    cid = _open(svc)
    seen = svc.get(cid).case.version  # both users load version 1
    svc.act(cid, "verify", {"result": "confirmed"}, expected_version=seen, by="教师 张", at=T0)
    with pytest.raises(ConcurrentEdit) as exc:
        svc.act(cid, "verify", {"result": "not_dropout", "reason": "r", "evidence": "e"}, expected_version=seen,
                by="村干部 刘", at=T0)
    assert exc.value.current == 2 and [e.by for e in exc.value.since] == ["教师 张"]
    rec = svc.get(cid)
    assert rec.case.state == CaseState.CONFIRMED and len(rec.case.history) == 2  # the first change stands


def test_race_at_the_database_detected(engine) -> None:  # type: ignore[no-untyped-def]
    """Another writer bumps the version between our read and our write: the UPDATE guard catches it."""
    svc = CaseService(engine)
    cid = _open(svc)
    original = svc.get

    def stale_get(case_id: int):  # type: ignore[no-untyped-def]
        rec = original(case_id)
        with engine.begin() as conn:  # the other writer commits in between
            conn.execute(update(CareCase).where(CareCase.id == case_id).values(version=CareCase.version + 1))
        return rec

    svc.get = stale_get  # type: ignore[method-assign]
    with pytest.raises(ConcurrentEdit):
        svc.act(cid, "verify", {"result": "confirmed"}, expected_version=1, by="a", at=T0)
    svc.get = original  # type: ignore[method-assign]
    assert len(svc.get(cid).case.history) == 1


def test_nothing_deletable(engine) -> None:  # type: ignore[no-untyped-def]
    svc = CaseService(engine)
    cid = _open(svc)
    for stmt in (delete(CareEvent).where(CareEvent.case_id == cid), delete(CareCase).where(CareCase.id == cid),
                 update(CareEvent).where(CareEvent.case_id == cid).values(actor="someone else")):
        with pytest.raises(DBAPIError), engine.begin() as conn:
            conn.execute(stmt)
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from care_event")).scalar() == 1
    assert not hasattr(svc, "delete")


def test_school_monthly_report(engine) -> None:  # type: ignore[no-untyped-def]
    svc = CaseService(engine)
    a = _open(svc, "K-A", "2113043101")
    b = _open(svc, "K-B", "2113043101")
    _open(svc, "K-C", "2113043102")
    svc.act(a, "verify", {"result": "confirmed"}, expected_version=1, by="t", at=T0)
    svc.act(a, "attempt", {"date": "d", "who": "w", "method": "m", "result": "r"}, expected_version=2, by="t",
            at=T0 + dt.timedelta(days=3))
    svc.act(a, "place", {"placement": "returned"}, expected_version=3, by="t", at=T0 + dt.timedelta(days=4))
    svc.act(b, "verify", {"result": "not_dropout", "reason": "县外就读", "evidence": "证明"}, expected_version=1,
            by="t", at=T0 + dt.timedelta(days=1))
    start, end = period_of_month("2026-09")
    rep = case_report(svc.cases(), svc.events(), start=start, end=end, by="school_code").set_index("unit")
    # school 01: 2 opened, 1 attempt, 1 placed (returned), 1 closed (not a dropout), 1 open at the end
    assert rep.loc["2113043101", ["opened", "attempts", "placed", "closed", "open_at_end", "returned"]].tolist() == [
        2, 1, 1, 1, 1, 1]
    # school 02: the case still 疑似 on 30 Sep, its deadline 9 Sep passed → overdue
    assert rep.loc["2113043102", ["opened", "suspected", "overdue"]].tolist() == [1, 1, 1]
