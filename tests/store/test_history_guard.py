"""The append-only case history cannot be rewritten, on SQLite and PostgreSQL (migration 0007, finding 8).

Each test opens a case through ``CaseService`` (the legitimate path), then tries one way around the
triggers with plain SQL — REPLACE by id or by (case_id, seq), ON CONFLICT DO UPDATE, TRUNCATE, forged
events out of sequence or without an actor, DELETE, UPDATE, rolling a case's version back — and checks
that the database refuses it and that both tables are exactly as before.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from junheng.care import CaseState
from junheng.store.cases import CaseService
from junheng.store.engine import alembic_config, make_engine

T0 = dt.datetime(2026, 9, 2, 9, 0)
VILLAGE = "130431100201"
EVENT_COLS = "id, case_id, seq, action, from_state, to_state, actor, at, data, note"
CASE_COLS = ("id, child_key, source, state, version, id_number, name, student_id, school_code, village_code, "
             "township_code, opened_on, deadline, tracking_until, responsible")


def _case(engine: Engine, key: str = "13043120160505001X") -> int:
    """A case with three events (open, verify, attempt), written the normal way."""
    svc = CaseService(engine)
    cid = svc.open(key, "suspected_dropout", by="校长 王", at=T0, name="刘子豪", id_number=key,
                   student_id="G1002", school_code="2113043101", village_code=VILLAGE)
    svc.act(cid, "verify", {"result": "confirmed"}, expected_version=1, by="教师 张", at=T0 + dt.timedelta(days=1))
    svc.act(cid, "attempt", {"date": "2026-09-04", "who": "教师 张", "method": "家访", "result": "同意返校"},
            expected_version=2, by="教师 张", at=T0 + dt.timedelta(days=2))
    return cid


def _snapshot(engine: Engine) -> tuple[list[Any], list[Any]]:
    with engine.connect() as conn:
        cases = [tuple(r) for r in conn.execute(text(f"SELECT {CASE_COLS} FROM care_case ORDER BY id"))]
        events = [tuple(r) for r in conn.execute(text(f"SELECT {EVENT_COLS} FROM care_event ORDER BY id"))]
    return cases, events


def _refused(engine: Engine, sql: str, match: str, **params: Any) -> None:
    """``sql`` fails with an error naming ``match`` and leaves both tables as they were."""
    before = _snapshot(engine)
    with pytest.raises(DBAPIError) as exc, engine.begin() as conn:
        conn.execute(text(sql), params)
    assert match in str(exc.value), str(exc.value)
    assert _snapshot(engine) == before


def _event(**over: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"action": "note", "from_state": "persuading", "to_state": "persuading",
                              "actor": "伪造者", "at": T0 + dt.timedelta(days=9), "data": "{}", "note": "forged"}
    values.update(over)
    return values


INSERT_EVENT = ("INSERT INTO care_event (case_id, seq, action, from_state, to_state, actor, at, data, note) "
                "VALUES (:case_id, :seq, :action, :from_state, :to_state, :actor, :at, :data, :note)")
INSERT_EVENT_ID = INSERT_EVENT.replace("(case_id,", "(id, case_id,").replace("(:case_id,", "(:id, :case_id,")
UPSERT_EVENT = (INSERT_EVENT_ID + " ON CONFLICT ({target}) DO UPDATE SET actor = 'rewritten', note = 'rewritten'")
APPEND_ONLY = "appended in sequence"  # the 0007 guard's message
NO_REWRITE = "cannot be"  # 0003's refusals (deleted / changed / rewritten) and 0007's case guard


def test_normal_case_path_still_works(engine) -> None:  # type: ignore[no-untyped-def]
    svc = CaseService(engine)
    cid = _case(engine)
    svc.act(cid, "place", {"placement": "returned"}, expected_version=3, by="教师 张", at=T0 + dt.timedelta(days=3))
    svc.act(cid, "note", {"text": "已返校"}, expected_version=4, by="校长 王", at=T0 + dt.timedelta(days=4))
    other = svc.open("K-OTHER", "out_of_school", by="村干部 刘", at=T0, village_code=VILLAGE)
    rec = svc.get(cid)
    assert rec.case.state == CaseState.RETURNED and rec.case.version == 5
    assert [e.seq for e in rec.case.history] == [1, 2, 3, 4, 5]
    assert [e.seq for e in svc.get(other).case.history] == [1]
    # a plain, correct append by hand passes the guard too (it checks shape, not who wrote it)
    with engine.begin() as conn:
        conn.execute(text(INSERT_EVENT), _event(case_id=other, seq=2, actor="村干部 刘"))
    assert [e.seq for e in svc.get(other).case.history] == [1, 2]


def test_forged_events_refused(engine) -> None:  # type: ignore[no-untyped-def]
    cid = _case(engine)
    _refused(engine, INSERT_EVENT, APPEND_ONLY, **_event(case_id=cid, seq=5))  # a gap
    _refused(engine, INSERT_EVENT, APPEND_ONLY, **_event(case_id=cid, seq=2))  # a duplicate seq
    _refused(engine, INSERT_EVENT, APPEND_ONLY, **_event(case_id=cid, seq=0))
    _refused(engine, INSERT_EVENT, APPEND_ONLY, **_event(case_id=cid, seq=4, actor=""))  # nobody
    _refused(engine, INSERT_EVENT, APPEND_ONLY, **_event(case_id=cid, seq=4, actor="   "))
    _refused(engine, INSERT_EVENT, APPEND_ONLY, **_event(case_id=cid + 99, seq=1))  # no such case
    with engine.connect() as conn:
        first_id = conn.execute(text("SELECT min(id) FROM care_event")).scalar_one()
    _refused(engine, INSERT_EVENT_ID, APPEND_ONLY, **_event(id=first_id, case_id=cid, seq=4))  # an existing id
    # two rows in one statement: the second duplicates the first's seq
    two = INSERT_EVENT + ", (:case_id, :seq, :action, :from_state, :to_state, :actor, :at, :data, 'again')"
    _refused(engine, two, APPEND_ONLY, **_event(case_id=cid, seq=4))


def test_replace_and_upsert_refused(engine) -> None:  # type: ignore[no-untyped-def]
    cid = _case(engine)
    with engine.connect() as conn:
        first_id = conn.execute(text("SELECT min(id) FROM care_event WHERE case_id = :c"), {"c": cid}).scalar_one()
    cols = "id, case_id, seq, action, from_state, to_state, actor, at, data, note"
    vals = ":id, :case_id, :seq, :action, :from_state, :to_state, :actor, :at, :data, :note"
    if engine.dialect.name == "sqlite":
        # REPLACE deletes the conflicting row without firing DELETE triggers; the BEFORE INSERT guard fires first
        for verb in ("INSERT OR REPLACE", "REPLACE"):
            # by id, with the next seq (so only the id conflicts): would rewrite the first event
            _refused(engine, f"{verb} INTO care_event ({cols}) VALUES ({vals})", APPEND_ONLY,
                     **_event(id=first_id, case_id=cid, seq=4))
            # by (case_id, seq), with a fresh id: would rewrite event 2
            _refused(engine, f"{verb} INTO care_event ({cols}) VALUES ({vals})", APPEND_ONLY,
                     **_event(id=first_id + 1000, case_id=cid, seq=2))
        _refused(engine, f"INSERT OR REPLACE INTO care_event ({cols[4:]}) VALUES ({vals[5:]})", APPEND_ONLY,
                 **_event(case_id=cid, seq=1, action="open", from_state="", to_state="closed"))
        # the case row: REPLACE by id, and UPDATE OR REPLACE onto another case's id
        other = CaseService(engine).open("K-OTHER", "out_of_school", by="村干部 刘", at=T0)
        _refused(engine, "INSERT OR REPLACE INTO care_case (id, child_key, source, state, version, name, opened_on, "
                         "responsible) VALUES (:id, 'K-FAKE', 'out_of_school', 'closed', 1, '', :d, '{}')",
                 NO_REWRITE, id=cid, d=T0.date())
        _refused(engine, "UPDATE OR REPLACE care_case SET id = :other, version = version + 1 WHERE id = :id",
                 NO_REWRITE, id=cid, other=other)
        _refused(engine, "UPDATE OR REPLACE care_event SET seq = 1 WHERE case_id = :id AND seq = 2", NO_REWRITE,
                 id=cid)
    # ON CONFLICT DO UPDATE (PostgreSQL and SQLite): any conflict on id or (case_id, seq) is caught by the
    # guard before the UPDATE; 0003's UPDATE trigger, the second line, is tested alone in the downgrade test
    for target, seq in (("id", 4), ("case_id, seq", 2)):
        _refused(engine, UPSERT_EVENT.format(target=target), APPEND_ONLY, **_event(id=first_id, case_id=cid, seq=seq))
    _refused(engine, "INSERT INTO care_case (id, child_key, source, state, version, name, opened_on, responsible) "
                     "VALUES (:id, 'K-FAKE', 'out_of_school', 'closed', 1, '', :d, '{}') "
                     "ON CONFLICT (id) DO UPDATE SET state = 'closed', version = 1",
             NO_REWRITE, id=cid, d=T0.date())


def test_delete_update_truncate_refused(engine) -> None:  # type: ignore[no-untyped-def]
    cid = _case(engine)
    _refused(engine, "DELETE FROM care_event WHERE case_id = :c AND seq = 3", NO_REWRITE, c=cid)
    _refused(engine, "DELETE FROM care_event", NO_REWRITE)  # SQLite's truncate optimisation is off with triggers
    _refused(engine, "DELETE FROM care_case", NO_REWRITE)
    _refused(engine, "UPDATE care_event SET actor = 'someone else' WHERE case_id = :c", NO_REWRITE, c=cid)
    _refused(engine, "UPDATE care_event SET seq = seq + 10", NO_REWRITE)
    if engine.dialect.name == "postgresql":
        _refused(engine, "TRUNCATE care_event", "TRUNCATE")
        _refused(engine, "TRUNCATE care_case CASCADE", "TRUNCATE")
        _refused(engine, "TRUNCATE care_event, care_case RESTART IDENTITY", "TRUNCATE")


def test_case_row_cannot_roll_back(engine) -> None:  # type: ignore[no-untyped-def]
    cid = _case(engine)  # version 3
    _refused(engine, "UPDATE care_case SET version = 1, state = 'suspected' WHERE id = :c", NO_REWRITE, c=cid)
    _refused(engine, "UPDATE care_case SET state = 'closed' WHERE id = :c", NO_REWRITE, c=cid)  # same version
    _refused(engine, "UPDATE care_case SET child_key = 'K-ELSE', version = version + 1 WHERE id = :c", NO_REWRITE,
             c=cid)
    _refused(engine, "UPDATE care_case SET opened_on = :d, version = version + 1 WHERE id = :c", NO_REWRITE, c=cid,
             d=dt.date(2020, 1, 1))
    _refused(engine, "INSERT INTO care_case (child_key, source, state, version, name, opened_on, responsible) "
                     "VALUES ('K-FAKE', 'out_of_school', 'closed', 7, '', :d, '{}')", NO_REWRITE, d=T0.date())
    # moving forward is what CaseService.act does (and what a concurrent writer looks like)
    with engine.begin() as conn:
        conn.execute(text("UPDATE care_case SET version = version + 1 WHERE id = :c"), {"c": cid})
    assert CaseService(engine).get(cid).case.version == 4


@pytest.mark.parametrize("kind", ["duplicate", "gap"])
def test_concurrent_appends(engine, kind: str) -> None:  # type: ignore[no-untyped-def]
    """Two writers append to one case at once: the second is refused, whatever it read."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers with its database lock")
    cid = _case(engine)
    errors: list[BaseException] = []
    first = engine.connect()
    first.begin()
    first.execute(text(INSERT_EVENT), _event(case_id=cid, seq=4, actor="甲"))  # not committed yet

    def second() -> None:
        try:
            with engine.begin() as conn:
                conn.execute(text(INSERT_EVENT), _event(case_id=cid, seq=4 if kind == "duplicate" else 5, actor="乙"))
        except DBAPIError as exc:
            errors.append(exc)

    t = threading.Thread(target=second)
    t.start()
    t.join(timeout=1.0)  # a duplicate waits on the unique index; a gap is refused at once
    first.commit()
    first.close()
    t.join(timeout=10)
    assert not t.is_alive() and len(errors) == 1
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT seq, actor FROM care_event WHERE case_id = :c ORDER BY seq"), {"c": cid})
        assert [tuple(r) for r in rows][-1] == (4, "甲")


def test_downgrade_drops_the_guard_and_upgrade_restores_it(db_url: str) -> None:
    engine = make_engine(db_url)
    cid = _case(engine)
    try:
        command.downgrade(alembic_config(db_url), "0006")
        with engine.begin() as conn:  # without 0007 a forged gap goes in (0003's triggers are still there)
            conn.execute(text(INSERT_EVENT), _event(case_id=cid, seq=9))
        with engine.connect() as conn:
            first_id = conn.execute(text("SELECT min(id) FROM care_event")).scalar_one()
        # ... but ON CONFLICT DO UPDATE is still stopped by 0003's UPDATE trigger
        _refused(engine, UPSERT_EVENT.format(target="id"), NO_REWRITE, **_event(id=first_id, case_id=cid, seq=10))
        _refused(engine, UPSERT_EVENT.format(target="case_id, seq"), NO_REWRITE,
                 **_event(id=first_id + 1000, case_id=cid, seq=2))
        command.upgrade(alembic_config(db_url), "heads")
        _refused(engine, INSERT_EVENT, APPEND_ONLY, **_event(case_id=cid, seq=11))
        _refused(engine, "DELETE FROM care_event", NO_REWRITE)
    finally:
        engine.dispose()
