"""The case repository: open, act, read — nothing deleted, concurrent edits detected.

Cases live in ``care_case`` / ``care_event`` (:mod:`junheng.store.care_models`).
Each action loads the case's history, applies the pure state machine
(:func:`junheng.care.apply`, which interprets the case's programme), then in one
transaction appends the event and updates the case row only if its
``version`` is still the one the user saw (optimistic locking).  If another
user changed the case meanwhile, nothing is written and ``ConcurrentEdit``
tells the second user the current version and what changed; their input is
not lost — they can re-apply it to the new state.

Rows come back as stored: masking names and ID numbers is the services'
(:func:`junheng.services.care.mask_personal`), and so are roles, scope and audit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from junheng.care.programme import KONGCHUO, Programme
from junheng.care.workflow import Case, CaseRules, Event, apply, open_case
from junheng.domain.orgcode import township_of
from junheng.store.care_models import CareCase, CareEvent
from junheng.store.models import School

CASE_COLUMNS = ["id", "state", "state_label", "name", "id_number", "school_code", "township_code", "deadline",
                "overdue", "version"]
"""The columns of :meth:`CaseService.cases` when there is no case."""

CONTACT_FIELDS = tuple(c.key for c in (CareCase.guardian_name, CareCase.guardian_relation, CareCase.contact_phone))
"""Fields of the case row (``care_case``, migration ``0008c``) that an action records when its data carries them
(the programme's 核实 and 登记联系人 declare them); the history keeps them too."""


class ConcurrentEdit(RuntimeError):
    """The case changed since the user loaded it; nothing was written."""

    def __init__(self, case_id: int, expected: int, current: int, since: list[Event]) -> None:
        who = "、".join(sorted({e.by for e in since})) or "他人"
        super().__init__(f"案例 {case_id} 已被 {who} 修改（版本 {expected} → {current}），本次操作未保存，请刷新后重试"
                         f" / case {case_id} was changed by someone else (version {expected} → {current}); "
                         "nothing was saved")
        self.case_id, self.expected, self.current, self.since = case_id, expected, current, since


@dataclass(frozen=True)
class CaseRecord:
    id: int
    case: Case
    id_number: str | None
    name: str
    student_id: str | None
    school_code: str | None
    village_code: str | None
    township_code: str | None
    org_code: str = ""  # the org unit the case belongs to (its township, else the county that opened it)
    contact: dict[str, str] = field(default_factory=dict)  # CONTACT_FIELDS recorded so far (non-empty only)


class CaseService:
    """Cases of ``programme`` in the database at ``engine`` (deadlines: the programme's, or ``rules``)."""

    def __init__(self, engine: Engine, *, rules: CaseRules | None = None, programme: Programme = KONGCHUO) -> None:
        self.engine = engine
        self.rules = rules or CaseRules()
        self.programme = programme
        self._terminal = [s.code for s in programme.states if s.terminal]

    # ------------------------------------------------------------------ writing
    def open(self, child_key: str, source: str, *, by: str, at: dt.datetime, name: str = "",
             id_number: str | None = None, student_id: str | None = None, school_code: str | None = None,
             village_code: str | None = None, responsible: dict[str, str] | None = None,
             org_code: str | None = None) -> int:
        """Open a case (the programme's initial state, 疑似); if the child already has a case not yet closed,
        return its id.

        ``org_code`` is the org unit the case belongs to (default: the village's township, else the school's).
        """
        with self.engine.begin() as conn:
            existing = conn.execute(select(CareCase.id).where(
                CareCase.child_key == child_key, CareCase.state.notin_(self._terminal))).scalar()
            if existing is not None:
                return int(existing)
            case = open_case(child_key, source, by=by, at=at, rules=self.rules, responsible=responsible,
                             programme=self.programme)
            township = township_of(village_code)
            if org_code is None and township is None and school_code:
                org_code = conn.execute(select(School.township_code).where(School.code == school_code)).scalar()
            cid = conn.execute(insert(CareCase).values(
                child_key=child_key, source=source, state=case.state, version=case.version,
                id_number=id_number, name=name, student_id=student_id, school_code=school_code,
                village_code=village_code, township_code=township, opened_on=case.opened_on,
                deadline=case.deadline, tracking_until=None, responsible=case.responsible,
                org_code=(org_code if org_code is not None else township) or "",
            ).returning(CareCase.id)).scalar_one()
            ev = case.history[0]
            conn.execute(insert(CareEvent).values(case_id=cid, seq=ev.seq, action=ev.action, from_state=ev.from_state,
                                                  to_state=ev.to_state, actor=ev.by, at=ev.at, data=_jsonable(ev.data), note=""))
        return int(cid)

    def open_from_ledgers(self, out_of_school: Iterable[dict[str, Any]], dropouts: Iterable[dict[str, Any]], *,
                          by: str, at: dt.datetime,
                          org_of: Callable[[dict[str, Any]], str | None] | None = None) -> tuple[int, int]:
        """Open a case (疑似) for every row of the 失学 and 疑似辍学 ledgers (rows as ``registry.write_outputs``
        writes them); children with an open case keep it.  ``org_of`` gives a row's org unit (default: the
        village's township, else the school's).  Returns (children processed, cases opened).

        The child's key is the ID number, else — out of school — name|birth date|village, or — a dropout — the
        学籍号; an ID number is kept only when it has 18 characters.
        """
        before = self.count()
        n = 0
        for r in out_of_school:
            key = r["id_number"] or f"{r['name']}|{r['birth_date']}|{r['village_code']}"
            self.open(key, "out_of_school", by=by, at=at, name=r["name"], id_number=r["id_number"] or None,
                      village_code=r["village_code"] or None, org_code=org_of(r) if org_of else None)
            n += 1
        for r in dropouts:
            idn = r["id_number"]
            self.open(idn or r["student_id"], "suspected_dropout", by=by, at=at, name=r["name"],
                      id_number=idn if len(idn) == 18 else None, student_id=r["student_id"] or None,
                      school_code=r["school_code"] or None, org_code=org_of(r) if org_of else None)
            n += 1
        return n, self.count() - before

    def act(self, case_id: int, action: str, data: dict[str, Any] | None = None, *, expected_version: int,
            by: str, at: dt.datetime) -> Case:
        """Apply ``action``; ``expected_version`` is the version the user saw.

        Raises ``IllegalTransition`` (not allowed now) or ``ConcurrentEdit`` (changed meanwhile).
        """
        record = self.get(case_id)
        if record.case.version != expected_version:
            raise ConcurrentEdit(case_id, expected_version, record.case.version,
                                 list(record.case.history[expected_version:]))
        new = apply(record.case, action, data, by=by, at=at, rules=self.rules, programme=self.programme)
        ev = new.history[-1]
        contact = {k: str(ev.data[k]).strip() for k in CONTACT_FIELDS if str(ev.data.get(k) or "").strip()}
        try:
            with self.engine.begin() as conn:
                res = conn.execute(update(CareCase).where(
                    CareCase.id == case_id, CareCase.version == expected_version).values(
                    state=new.state, version=new.version, deadline=new.deadline,
                    tracking_until=new.tracking_until, responsible=new.responsible, **contact))
                if res.rowcount != 1:
                    raise _Stale
                conn.execute(insert(CareEvent).values(case_id=case_id, seq=ev.seq, action=ev.action,
                                                      from_state=ev.from_state, to_state=ev.to_state, actor=ev.by,
                                                      at=ev.at, data=_jsonable(ev.data), note=""))
        except (_Stale, IntegrityError):
            fresh = self.get(case_id)
            raise ConcurrentEdit(case_id, expected_version, fresh.case.version,
                                 list(fresh.case.history[expected_version:])) from None
        return new

    # ------------------------------------------------------------------ reading
    def get(self, case_id: int) -> CaseRecord:
        """One case with its whole history (``KeyError`` if there is none)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(CareCase).where(CareCase.id == case_id)).mappings().one_or_none()
            if row is None:
                raise KeyError(f"案例 {case_id} 不存在 / no case {case_id}")
            events = conn.execute(select(CareEvent.__table__).where(
                CareEvent.case_id == case_id).order_by(CareEvent.seq)).mappings().all()
            history = tuple(Event(e["seq"], e["action"], e["from_state"], e["to_state"], e["actor"], e["at"],
                                  dict(e["data"] or {})) for e in events)
        case = Case(row["child_key"], row["source"], str(row["state"]), int(row["version"]), row["opened_on"],
                    row["deadline"], row["tracking_until"], dict(row["responsible"] or {}), history,
                    self.programme.code)
        return CaseRecord(int(row["id"]), case, row["id_number"], row["name"], row["student_id"], row["school_code"],
                          row["village_code"], row["township_code"], row["org_code"] or "",
                          {k: str(row[k]) for k in CONTACT_FIELDS if row[k]})

    def cases(self, *, state: str | None = None, township: str | None = None, school: str | None = None,
              today: dt.date | None = None) -> pd.DataFrame:
        """The case list as stored (names and ID numbers unmasked), with ``state_label`` and ``overdue``."""
        q = select(CareCase.__table__)
        if state:
            q = q.where(CareCase.state == state)
        if township:
            q = q.where(CareCase.township_code == township)
        if school:
            q = q.where(CareCase.school_code == school)
        with self.engine.connect() as conn:
            df = pd.DataFrame(conn.execute(q.order_by(CareCase.id)).mappings().all())
        if df.empty:
            return pd.DataFrame(columns=CASE_COLUMNS)
        today = today or dt.date.today()
        df["state_label"] = df["state"].map(lambda s: self.programme.state(s).label.zh)
        df["overdue"] = [s not in self._terminal and d is not None and not pd.isna(d) and today > d
                         for s, d in zip(df["state"], df["deadline"], strict=True)]
        return df

    def events(self, *, since: dt.datetime | None = None, until: dt.datetime | None = None) -> pd.DataFrame:
        q = select(CareEvent.__table__)
        if since is not None:
            q = q.where(CareEvent.at >= since)
        if until is not None:
            q = q.where(CareEvent.at < until)
        with self.engine.connect() as conn:
            df = pd.DataFrame(conn.execute(q.order_by(CareEvent.case_id, CareEvent.seq)).mappings().all())
        return df if not df.empty else pd.DataFrame(columns=["case_id", "seq", "action", "from_state", "to_state",
                                                             "actor", "at", "data"])

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(CareCase)).scalar_one())


class _Stale(Exception):
    pass


def _jsonable(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date | dt.datetime) else v) for k, v in d.items()}
