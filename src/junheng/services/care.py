"""控辍保学 in the web app: cases (一人一案) with authorisation and audit, and the three ledgers as a job.

Wraps :class:`junheng.care.CaseService` (the state machine and its store) with
the checks the web needs (issue 6, scope item 4):

* scope — every case belongs to an org unit (``care_case.org_code``: its
  township, else the county of the check that opened it); township staff see
  and act on cases of their township(s), county administrators and planners
  their county, a school clerk only the cases of their school, the system
  administrator all; viewers read but never act.  Ledger rows are scoped the
  same way (a row's township from its village, else its school, else the
  check's county), and so are the ledger CSVs a user downloads;
* actions — :data:`ROLE_ACTIONS` says which workflow actions a role may take;
  the page offers only those that are also legal in the case's state
  (:data:`STATE_ACTIONS`, from the transitions of :mod:`junheng.care.workflow`);
* masking — :func:`sees_full_ids` is the one place that decides whether a role
  sees unmasked names and ID numbers; by default nobody does;
* audit — every list of cases, every case page, every action, every ledger view
  and every batch of cases opened from the ledgers is an ``audit_event``.

The ledgers (失学 / 疑似辍学 / 重点关注) come from :func:`junheng.registry.check`
(教基厅函〔2024〕15号 "四查三比对", ``shared/reference/standards.md`` §4.10) run as a
background job on uploaded CSVs; the job stores the inputs and the CSV outputs
of :func:`junheng.registry.write_outputs` with itself.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select

from junheng.care import STATE_LABELS, CaseService, CaseState, ConcurrentEdit, IllegalTransition
from junheng.domain.idnumber import mask_id_number, mask_name, mask_student_id
from junheng.domain.orgcode import township_of
from junheng.domain.textsafe import csv_safe_frame, csv_unquote_frame
from junheng.services import audit
from junheng.services import counties as C
from junheng.services.authz import Actor
from junheng.services.errors import Conflict, Forbidden, Invalid, NotFound
from junheng.services.jobs import DONE, JobContext, JobInfo, JobRunner, get_job, list_jobs
from junheng.store.auth_models import JobFile
from junheng.store.models import School

UNMASKED_ROLES: frozenset[str] = frozenset()
"""Roles that see full names and ID numbers on the care pages and API: none by default (the one place to change)."""

ALL_ACTIONS = ("verify", "attempt", "place", "track", "relapse", "close", "assign", "note")
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(ALL_ACTIONS),
    "county_admin": frozenset(ALL_ACTIONS),
    "township_staff": frozenset(ALL_ACTIONS),
    "school_clerk": frozenset({"verify", "attempt", "place", "track", "relapse", "note"}),
    "planner": frozenset({"assign", "note"}),
    "viewer": frozenset(),
}
"""Workflow actions each role may take (viewers none: read-only)."""

STATE_ACTIONS: dict[CaseState, tuple[str, ...]] = {
    CaseState.SUSPECTED: ("verify", "assign", "note"),
    CaseState.CONFIRMED: ("attempt", "place", "assign", "note"),
    CaseState.PERSUADING: ("attempt", "place", "assign", "note"),
    CaseState.RETURNED: ("track", "assign", "note"),
    CaseState.HOME_TEACHING: ("track", "assign", "note"),
    CaseState.OTHER_PLACEMENT: ("track", "assign", "note"),
    CaseState.TRACKING: ("close", "relapse", "assign", "note"),
    CaseState.CLOSED: ("note",),
}
"""Actions the state machine accepts in each state (``junheng.care.workflow.apply``)."""

ACTION_LABELS = {"verify": "核实", "attempt": "劝返记录", "place": "安置", "track": "进入跟踪", "relapse": "再次辍学",
                 "close": "销号", "assign": "指定责任人", "note": "备注"}
LEDGERS = {"out_of_school": "失学儿童台账", "suspected_dropouts": "疑似辍学台账", "priority": "重点关注台账"}
LEDGER_KINDS = ("population", "roll", "attendance", "poverty")
CSV = "text/csv"


def sees_full_ids(actor: Actor) -> bool:
    """Whether ``actor`` sees unmasked names and ID numbers on the care pages (default: nobody)."""
    return actor.role in UNMASKED_ROLES


def _require_role(actor: Actor) -> None:
    actor.require("view_registry")  # every logged-in role; raises NotAuthenticated otherwise


def _school_townships(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(School.code, School.township_code)).all())


def _township_of(township: str | None, school: str | None, schools: dict[str, str]) -> str | None:
    """A case's township: its own (from the village), else its school's."""
    if township:
        return township
    return schools.get(school) if school else None


def _covers(actor: Actor, org_code: str | None, school: str | None) -> bool:
    """Whether the actor's scope covers a case or ledger row of ``org_code`` (a clerk: of their school)."""
    if actor.unscoped:
        return True
    if actor.role == "school_clerk":
        return bool(school) and school == actor.school_code
    return actor.covers_org(org_code)


def _mask_row(r: dict[str, Any]) -> dict[str, Any]:
    """A ledger or review row with every personal column masked: names (``name``, ``*_name``) to the family name,
    ID numbers and 学籍号 (``id_number``, ``student_id``: G + the ID number, which would give the masked ID away)
    to their first 6 and last 4 characters, match keys (``*_key``: an ID number, or name|birth date|village)
    likewise, or wholly when they are not an ID number."""
    out = dict(r)
    for key, value in r.items():
        text = "" if value is None else str(value)
        if key == "name" or key.endswith("_name"):
            out[key] = mask_name(text)
        elif key == "student_id":
            out[key] = mask_student_id(text)
        elif key == "id_number" or key.endswith("_id_number"):
            out[key] = mask_id_number(text)
        elif key.endswith("_key"):
            out[key] = mask_id_number(text) if len(text) in (15, 18) and "|" not in text else "*" * min(len(text), 6)
    return out


@dataclass(frozen=True)
class CaseRow:
    id: int
    state: str
    state_label: str
    source: str
    name: str
    id_number: str
    student_id: str
    school_code: str
    township_code: str
    township: str
    opened_on: str
    deadline: str
    overdue: bool
    version: int


def _s(v: Any) -> str:
    return "" if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT else str(v)


def list_cases(engine: Engine, actor: Actor, *, state: str | None = None, township: str | None = None,
               today: dt.date | None = None) -> list[CaseRow]:
    """Cases in the actor's scope, filtered by state and township (audited; masked unless :func:`sees_full_ids`)."""
    _require_role(actor)
    if state and state not in {s.value for s in CaseState}:
        raise Invalid(f"未知状态：{state}", f"unknown state {state}")
    masked = not sees_full_ids(actor)
    df = CaseService(engine).cases(state=state or None, today=today, masked=masked)
    schools = _school_townships(engine)
    names = _township_names(engine)
    out: list[CaseRow] = []
    for r in df.to_dict("records"):
        t = _township_of(_s(r.get("township_code")) or None, _s(r.get("school_code")) or None, schools)
        if not _covers(actor, _s(r.get("org_code")) or t, _s(r.get("school_code")) or None):
            continue
        if township and t != township:
            continue
        out.append(CaseRow(int(r["id"]), r["state"], r["state_label"], _s(r.get("source")), _s(r["name"]),
                           _s(r["id_number"]),
                           mask_student_id(_s(r.get("student_id"))) if masked else _s(r.get("student_id")),
                           _s(r["school_code"]), t or "",
                           names.get(t or "", ""), _s(r.get("opened_on")), _s(r["deadline"]), bool(r["overdue"]),
                           int(r["version"])))
    audit.record_now(engine, actor, "care.cases.list", "", state=state, township=township, rows=len(out),
                     masked=masked)
    return out


def _township_names(engine: Engine) -> dict[str, str]:
    from junheng.store.models import OrgUnit

    with engine.connect() as conn:
        return dict(conn.execute(select(OrgUnit.code, OrgUnit.name).where(
            OrgUnit.level == "township")).all())


def _load(engine: Engine, actor: Actor, case_id: int) -> Any:
    try:
        rec = CaseService(engine).get(case_id)
    except KeyError:
        raise NotFound(f"案例不存在：{case_id}", f"no case {case_id}") from None
    t = _township_of(rec.township_code, rec.school_code, _school_townships(engine))
    if not _covers(actor, rec.org_code or t, rec.school_code):
        raise Forbidden("该案例不在您的管辖范围内", "this case is outside your scope")
    return rec, t


def allowed_actions(actor: Actor, state: CaseState) -> list[str]:
    """Actions ``actor`` may take on a case in ``state`` (role ∩ state machine)."""
    mine = ROLE_ACTIONS.get(actor.role, frozenset())
    return [a for a in STATE_ACTIONS[state] if a in mine]


def get_case(engine: Engine, actor: Actor, case_id: int, *, today: dt.date | None = None) -> dict[str, Any]:
    """One case with its timeline and the actions allowed to ``actor`` (the view is audited)."""
    _require_role(actor)
    rec, township = _load(engine, actor, case_id)
    masked = not sees_full_ids(actor)
    case = rec.case
    today = today or dt.date.today()
    events = [{"seq": e.seq, "action": e.action, "action_label": ACTION_LABELS.get(e.action, "建案"),
               "from_state": e.from_state, "to_state": e.to_state,
               "to_label": STATE_LABELS[CaseState(e.to_state)] if e.to_state else "", "by": e.by,
               "at": e.at.isoformat(sep=" "), "data": e.data} for e in case.history]
    audit.record_now(engine, actor, "care.case.view", str(case_id), org=rec.org_code or township or "",
                     masked=masked)
    return {
        "id": rec.id, "state": case.state.value, "state_label": case.state.label, "version": case.version,
        "source": case.source, "name": mask_name(rec.name) if masked else rec.name,
        "id_number": mask_id_number(rec.id_number) if masked else (rec.id_number or ""),
        "student_id": mask_student_id(rec.student_id) if masked else (rec.student_id or ""),
        "school_code": rec.school_code or "", "township_code": township or "",
        "village_code": rec.village_code or "", "opened_on": _s(case.opened_on), "deadline": _s(case.deadline),
        "tracking_until": _s(case.tracking_until), "overdue": case.overdue(today),
        "responsible": case.responsible, "events": events,
        "actions": [] if actor.role not in ROLE_ACTIONS else allowed_actions(actor, case.state),
    }


MAX_FIELDS = 16
"""Fields an action's data may carry (the largest form has four)."""


def check_action_data(data: dict[str, Any] | None, *, max_chars: int) -> dict[str, Any]:
    """The action's data if every field is a short scalar: at most :data:`MAX_FIELDS` fields, keys of ≤ 32
    characters, values of at most ``max_chars`` characters (setting ``care_note_max_chars``); else ``Invalid``.
    A case's history is kept forever, so nothing unbounded goes into it."""
    data = dict(data or {})
    if len(data) > MAX_FIELDS:
        raise Invalid(f"操作数据最多 {MAX_FIELDS} 项", f"at most {MAX_FIELDS} fields")
    for key, value in data.items():
        if not isinstance(key, str) or len(key) > 32:
            raise Invalid("操作数据的字段名有误", "invalid field name")
        if value is not None and not isinstance(value, str | int | float | bool):
            raise Invalid(f"“{key}”应为文字或数字", f"{key}: expected text or a number")
        if isinstance(value, str) and len(value) > max_chars:
            raise Invalid(f"“{key}”超过 {max_chars} 字（实为 {len(value)} 字）",
                          f"{key} exceeds {max_chars} characters ({len(value)})")
    return data


def act(engine: Engine, actor: Actor, case_id: int, action: str, data: dict[str, Any] | None = None, *,
        version: int, at: dt.datetime | None = None, max_chars: int = 2_000) -> dict[str, Any]:
    """Apply ``action`` to a case in scope; ``version`` is the one the user saw.

    ``data`` is bounded by :func:`check_action_data` (``max_chars`` per field).

    Raises ``Forbidden`` (role or scope), ``Invalid`` (not allowed in this state: the workflow's reason) or
    ``Conflict`` (someone changed the case meanwhile; nothing written, ``detail`` holds the current version and
    the other users' events, so the caller can show them next to the user's own input).
    """
    _require_role(actor)
    if not ROLE_ACTIONS.get(actor.role):
        raise Forbidden("您的角色只能查看案例", "your role may only read cases")
    rec, township = _load(engine, actor, case_id)  # scope
    org = rec.org_code or township or ""
    if action not in ROLE_ACTIONS[actor.role]:
        raise Forbidden(f"您的角色不能执行“{ACTION_LABELS.get(action, action)}”", f"your role may not {action}")
    data = check_action_data(data, max_chars=max_chars)
    try:
        new = CaseService(engine).act(case_id, action, data, expected_version=version, by=actor.username,
                                      at=at or audit.now())
    except ConcurrentEdit as exc:
        audit.record_now(engine, actor, "care.case.conflict", str(case_id), org=org, case_action=action,
                         expected=version, current=exc.current)
        raise Conflict(f"案例已被 {'、'.join(sorted({e.by for e in exc.since})) or '他人'} 修改"
                       f"（版本 {exc.expected} → {exc.current}），本次操作未保存，请核对后重新提交",
                       f"the case was changed meanwhile (version {exc.expected} → {exc.current}); nothing saved",
                       detail={"current_version": exc.current, "yours": {"action": action, "data": data or {}},
                               "since": [{"seq": e.seq, "action": e.action, "by": e.by,
                                          "at": e.at.isoformat(sep=" ")} for e in exc.since]}) from None
    except IllegalTransition as exc:
        raise Invalid(exc.reason, exc.reason) from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. a non-numeric ``months``
        raise Invalid(f"操作数据有误：{exc}", f"invalid action data: {exc}") from None
    audit.record_now(engine, actor, "care.case.act", str(case_id), org=org, case_action=action,
                     version=new.version, state=new.state.value)
    return {"id": case_id, "state": new.state.value, "state_label": new.state.label, "version": new.version}


# ---------------------------------------------------------------------------------------------------- ledgers
def _require_ledgers(actor: Actor) -> None:
    actor.require("import_data")  # whole-county registries: the people who import the registry data


def start_ledger_check(engine: Engine, runner: JobRunner, actor: Actor, *, files: dict[str, bytes],
                       as_of: dt.date, max_bytes: int = 50 * 2**20) -> int:
    """Queue ``registry.check`` on uploaded CSVs (population, roll, attendance required; poverty optional)."""
    _require_ledgers(actor)
    for kind in ("population", "roll", "attendance"):
        if not files.get(kind):
            raise Invalid(f"缺少名单：{kind}", f"missing file: {kind}")
    if any(len(b) > max_bytes for b in files.values()):
        raise Invalid("文件过大", "file too large")
    county = C.resolve_county(engine, actor, None, whole=True)
    job_id = runner.create(actor, "care_check", org_code=county, params={"as_of": as_of.isoformat()})
    for kind in LEDGER_KINDS:
        if files.get(kind):
            from junheng.services.jobs import add_file

            add_file(engine, job_id, f"{kind}.csv", files[kind], CSV, role="input")
    runner.submit(job_id, lambda ctx: _run_check(ctx, as_of=as_of))
    return job_id


def _run_check(ctx: JobContext, *, as_of: dt.date) -> dict[str, Any]:
    from junheng.registry import check, read_registry, write_outputs

    with ctx.engine.connect() as conn:
        inputs = {r.name: bytes(r.content) for r in conn.execute(select(JobFile.name, JobFile.content).where(
            JobFile.job_id == ctx.job_id, JobFile.role == "input"))}
    ctx.progress(0.1, "读取名单 / reading registries")
    with tempfile.TemporaryDirectory() as tmp:
        regs = {}
        for kind in LEDGER_KINDS:
            if f"{kind}.csv" in inputs:
                path = Path(tmp) / f"{kind}.csv"
                path.write_bytes(inputs[f"{kind}.csv"])
                regs[kind] = read_registry(path, kind)
        ctx.progress(0.3, "比对 / matching")
        result = check(regs["population"], regs["roll"], regs["attendance"], poverty=regs.get("poverty"), as_of=as_of)
        out = Path(tmp) / "out"
        write_outputs(result, out, population=regs["population"], roll=regs["roll"])
        for name in ("out_of_school.csv", "suspected_dropouts.csv", "priority.csv", "review.csv"):
            ctx.add_file(name, (out / name).read_bytes(), CSV)
    s = result.summary
    return {"as_of": as_of.isoformat(), "out_of_school": int(s["out_of_school"]),
            "suspected_dropouts": int(s["suspected_dropouts"]), "priority": int(s["priority"]),
            "review": int(s["review"]),
            "message": f"失学 {s['out_of_school']} 人，疑似辍学 {s['suspected_dropouts']} 人，"
                       f"重点关注 {s['priority']} 人，待人工核对 {s['review']} 对"}


def ledger_jobs(engine: Engine, actor: Actor) -> list[JobInfo]:
    _require_ledgers(actor)
    return list_jobs(engine, actor, kinds=("care_check",), limit=20)


def _ledger_frame(engine: Engine, job_id: int, name: str) -> pd.DataFrame:
    with engine.connect() as conn:
        content = conn.execute(select(JobFile.content).where(
            JobFile.job_id == job_id, JobFile.name == f"{name}.csv", JobFile.role == "output")).scalar()
    if content is None:
        raise NotFound("该核查没有台账", "this check has no ledgers")
    return csv_unquote_frame(pd.read_csv(io.BytesIO(bytes(content)), dtype=str, keep_default_na=False,
                                         encoding="utf-8-sig"))


def _ledger_job(engine: Engine, actor: Actor, job_id: int) -> JobInfo:
    _require_ledgers(actor)
    job = get_job(engine, actor, job_id, kinds=("care_check",))
    if job.status != DONE:
        raise Invalid("核查尚未完成", "the check has not finished")
    return job


def _row_org(r: dict[str, Any], schools: dict[str, str], county: str) -> str:
    """The org unit a ledger row belongs to: its village's township, else its school's, else the check's county."""
    return township_of(str(r.get("village_code") or "")) or schools.get(str(r.get("school_code") or "")) or county


def _ledger_rows(actor: Actor, job: JobInfo, df: pd.DataFrame, schools: dict[str, str]) -> list[dict[str, Any]]:
    """The rows of a ledger frame the actor's scope covers, with ``township_code`` added (their township, or
    empty when the row belongs to the check's county only); ``schools``: school code → township code."""
    rows = []
    for r in df.to_dict("records"):
        org = _row_org(r, schools, job.org_code)
        if not _covers(actor, org, str(r.get("school_code") or "") or None):
            continue
        r["township_code"] = "" if org == job.org_code else org
        rows.append(r)
    return rows


def ledgers(engine: Engine, actor: Actor, job_id: int, *, township: str | None = None, school: str | None = None,
            q: str | None = None) -> dict[str, list[dict[str, str]]]:
    """The three ledgers of a finished check: the rows in the actor's scope, filtered, names and ID numbers
    masked (the view is audited).

    ``township`` keeps rows whose village lies in it or whose school does; ``school`` a school code;
    ``q`` a substring of the reason / categories / grade.
    """
    job = _ledger_job(engine, actor, job_id)
    masked = not sees_full_ids(actor)
    schools = _school_townships(engine)
    out: dict[str, list[dict[str, str]]] = {}
    for name in LEDGERS:
        rows = []
        for r in _ledger_rows(actor, job, _ledger_frame(engine, job_id, name), schools):
            if township and r["township_code"] != township:
                continue
            if school and r.get("school_code", "") != school:
                continue
            if q and not any(q in str(r.get(k, "")) for k in ("reason", "categories", "grade", "ledger")):
                continue
            rows.append(_mask_row(r) if masked else r)
        out[name] = rows
    audit.record_now(engine, actor, "care.ledgers.view", f"job {job_id}", org=job.org_code, township=township,
                     school=school, rows={k: len(v) for k, v in out.items()}, masked=masked)
    return out


def personal_ledger_csv(engine: Engine, actor: Actor, job: JobInfo, content: bytes) -> tuple[bytes, bool]:
    """A ledger CSV of ``job`` as ``actor`` may download it: the rows in scope, masked as on the pages unless
    :func:`sees_full_ids`; returns (CSV bytes, masked)."""
    df = csv_unquote_frame(pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False, encoding="utf-8-sig"))
    masked = not sees_full_ids(actor)
    rows = _ledger_rows(actor, job, df, _school_townships(engine))
    out = pd.DataFrame([_mask_row(r) if masked else r for r in rows], columns=[*df.columns, "township_code"])
    out = csv_safe_frame(out.drop(columns=["township_code"]))
    return out.to_csv(index=False).encode("utf-8-sig"), masked


def open_cases_from_ledgers(engine: Engine, actor: Actor, job_id: int) -> dict[str, int]:
    """Open a case (疑似) for every child of the 失学 and 疑似辍学 ledgers in the actor's scope; children with an
    open case keep it.  Each case belongs to its row's org unit (:func:`_row_org`)."""
    job = _ledger_job(engine, actor, job_id)
    schools = _school_townships(engine)
    n, opened = CaseService(engine).open_from_ledgers(
        _ledger_rows(actor, job, _ledger_frame(engine, job_id, "out_of_school"), schools),
        _ledger_rows(actor, job, _ledger_frame(engine, job_id, "suspected_dropouts"), schools),
        by=actor.username, at=audit.now(), org_of=lambda r: _row_org(r, schools, job.org_code))
    audit.record_now(engine, actor, "care.cases.open", f"job {job_id}", org=job.org_code, children=n, opened=opened)
    return {"children": n, "opened": opened}
