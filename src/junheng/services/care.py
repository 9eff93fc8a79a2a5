"""控辍保学 for the web app and the CLI: cases (一人一案) with authorisation and audit, and the three ledgers as a job.

Wraps the case repository (:class:`junheng.store.cases.CaseService`, which
applies the programme's state machine) with the checks every caller needs
(issue 6, scope item 4); the web pages, the API and ``junheng case …`` all go
through these functions:

* scope — every case belongs to an org unit (``care_case.org_code``: its
  township, else the county of the check that opened it); township staff see
  and act on cases of their township(s), county administrators and planners
  their county, a school clerk only the cases of their school, the system
  administrator all; viewers read but never act.  Ledger rows are scoped the
  same way (a row's township from its village, else its school, else the
  check's county), and so are the ledger CSVs a user downloads;
* actions — the programme (:data:`PROGRAMME`, ``care/programmes/kongchuo.toml``)
  says which roles may take each action and in which states it is allowed; the
  page offers their intersection (:func:`allowed_actions`), the service checks
  the role again and the state machine has the last word;
* masking — :func:`sees_full_ids` decides whether a user sees a case's names,
  ID number, 学籍号, guardian and phone in clear: the people responsible for it
  (the programme's ``[visibility]`` table: the users it names, and the roles
  whose step the case is at, within scope); every such view is audited
  (``care.case.view_personal``).  :func:`mask_personal` applies the one rule
  (the primitives of :mod:`junheng.domain.idnumber`) to every other case, and
  to every ledger row and download (ledger rows are no case: always masked);
* audit — every list of cases, every case page, every action, every report,
  every ledger view and every batch of cases opened from the ledgers is an
  ``audit_event`` (the CLI's as ``cli:<user>``, :mod:`junheng.services.principal`).

The ledgers (失学 / 疑似辍学 / 重点关注) come from :func:`junheng.registry.check`
(教基厅函〔2024〕15号 "四查三比对", ``shared/reference/standards.md`` §4.10) run as a
background job on uploaded CSVs; the job stores the inputs and the CSV outputs
of :func:`junheng.registry.write_outputs` with itself.
"""

from __future__ import annotations

import datetime as dt
import io
import string
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import Engine, select

from junheng.care import (
    KONGCHUO,
    IllegalTransition,
    Label,
    Programme,
    ProgrammeError,
    case_report,
    period_of_month,
    period_of_quarter,
    write_report,
)
from junheng.domain.idnumber import mask_id_number, mask_name
from junheng.domain.orgcode import township_of
from junheng.domain.textsafe import csv_safe_frame, csv_unquote_frame
from junheng.io.errors import ImportRejected as ImportRejected  # raised by read_registries
from junheng.services import audit
from junheng.services import counties as C
from junheng.services import listing as LI
from junheng.services.authz import ROLES, Actor
from junheng.services.errors import Conflict, Forbidden, Invalid, NotFound
from junheng.services.jobs import DONE, JobContext, JobInfo, JobRunner, get_job, list_jobs
from junheng.store.auth_models import JobFile, User
from junheng.store.cases import CASE_COLUMNS, CONTACT_FIELDS, CaseRecord, CaseService, ConcurrentEdit
from junheng.store.models import OrgUnit, School

if TYPE_CHECKING:
    from junheng.registry import Registry, SchoolAgeRule


def _checked(programme: Programme) -> Programme:
    """``programme`` if every role it names (actions, ``[visibility]``) is a role of
    :data:`junheng.services.authz.ROLES`."""
    for key, roles in (("actions.roles", programme.roles), ("visibility.roles", programme.visibility.roles)):
        unknown = sorted(roles - set(ROLES))
        if unknown:
            raise ProgrammeError([f"{programme.path}: {key}: 未知角色 / unknown role(s) {', '.join(unknown)} "
                                  f"(允许 / allowed: {', '.join(ROLES)})"])
    return programme


PROGRAMME = _checked(KONGCHUO)
"""The programme of the cases in the store: 控辍保学."""

ACTION_PATTERN = f"^({'|'.join(PROGRAMME.action_codes)})$"
"""The action names a client may send (the API validates against it)."""

LEDGERS = {"out_of_school": "失学儿童台账", "suspected_dropouts": "疑似辍学台账", "priority": "重点关注台账"}
LEDGER_KINDS = ("population", "roll", "attendance", "poverty")
CSV = "text/csv"


# ---------------------------------------------------------------------------------------------------- masking
def sees_full_ids(actor: Actor, case: CaseRecord | None = None) -> bool:
    """Whether ``actor`` sees ``case`` (in their scope) in clear: name, ID number, 学籍号, guardian and phone.

    The programme's ``[visibility]`` table decides (:meth:`junheng.care.Visibility.sees`): the users the case
    names as responsible, and the roles responsible for cases in their scope while the case's current step is
    theirs.  Ledger and review rows (``case`` None) are no one's case: masked for everyone."""
    return case is not None and _clear(actor, case.case.state, case.case.responsible)


def _clear(actor: Actor, state: str, responsible: Mapping[str, str]) -> bool:
    return PROGRAMME.visibility.sees(actor.role, actor.username, responsible, PROGRAMME.step_roles(state))


def _audit_personal(engine: Engine, actor: Actor, cases: Iterable[tuple[int, str]], *, where: str) -> None:
    """One ``care.case.view_personal`` event per case (id, org unit) shown to ``actor`` in clear, on ``where``
    (the case page, the list, the API)."""
    with engine.begin() as conn:
        for case_id, org in cases:
            audit.record(conn, actor, "care.case.view_personal", str(case_id), org=org, where=where)


def mask_phone(value: str) -> str:
    """A phone number with its middle hidden: the first 3 and last 4 digits kept (138****1234); a short one
    wholly."""
    return value[:3] + "*" * (len(value) - 7) + value[-4:] if len(value) >= 11 else "*" * len(value)


def mask_student_number(value: str) -> str:
    """A 学籍号 masked like an ID number: the national form (a letter, then the 18-character ID number) keeps its
    letter and masks the ID number as :func:`junheng.domain.idnumber.mask_id_number` does (G130431********0012),
    so it never shows more than the masked ID; any other number is masked as an ID number (a short one wholly)."""
    head = len(value) - len(value.lstrip(string.ascii_letters))
    body = value[head:]
    return value[:head] + mask_id_number(body) if len(body) in (15, 18) else mask_id_number(value)


def mask_personal(r: dict[str, Any]) -> dict[str, Any]:
    """A case, ledger or review row with every personal column masked: names (``name``, ``*_name``: the child,
    the guardian) to the family name, ID numbers to their first 6 and last 4 characters, the 学籍号
    (``student_id``) like an ID number (:func:`mask_student_number`: G + the ID number would give the masked ID
    away), phone numbers (``*phone``) to 138****1234, match keys (``*_key``: an ID number, or name|birth
    date|village) like an ID number, or wholly when they are not one.  Missing values become empty text."""
    out = dict(r)
    for key, value in r.items():
        text = "" if value is None else str(value)
        if key == "name" or key.endswith("_name"):
            out[key] = mask_name(text)
        elif key == "student_id":
            out[key] = mask_student_number(text)
        elif key == "id_number" or key.endswith("_id_number"):
            out[key] = mask_id_number(text)
        elif key.endswith("phone"):
            out[key] = mask_phone(text)
        elif key.endswith("_key"):
            out[key] = mask_id_number(text) if len(text) in (15, 18) and "|" not in text else "*" * min(len(text), 6)
    return out


def _personal(actor: Actor, r: dict[str, Any], case: CaseRecord | None = None) -> dict[str, Any]:
    """``r`` as ``actor`` may see it: masked by :func:`mask_personal` unless :func:`sees_full_ids`."""
    return r if sees_full_ids(actor, case) else mask_personal(r)


# ---------------------------------------------------------------------------------------------------- scope
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


def _scoped_cases(engine: Engine, actor: Actor, *, state: str | None = None,
                  today: dt.date | None = None) -> list[tuple[dict[str, Any], str | None]]:
    """The stored case rows in the actor's scope, each with its township (its own, else its school's)."""
    if state and state not in PROGRAMME.state_codes:
        raise Invalid(f"未知状态：{state}", f"unknown state {state}")
    df = CaseService(engine, programme=PROGRAMME).cases(state=state or None, today=today)
    schools = _school_townships(engine)
    out = []
    for r in df.to_dict("records"):
        t = _township_of(_s(r.get("township_code")) or None, _s(r.get("school_code")) or None, schools)
        if _covers(actor, _s(r.get("org_code")) or t, _s(r.get("school_code")) or None):
            out.append((r, t))
    return out


def list_cases(engine: Engine, actor: Actor, *, state: str | None = None, township: str | None = None,
               today: dt.date | None = None) -> list[CaseRow]:
    """Cases in the actor's scope, filtered by state and township (audited; masked unless :func:`sees_full_ids`)."""
    _require_role(actor)
    names = _township_names(engine)
    out: list[CaseRow] = []
    clear: list[tuple[int, str]] = []
    for r, t in _scoped_cases(engine, actor, state=state, today=today):
        if township and t != township:
            continue
        p = {"name": _s(r["name"]), "id_number": _s(r["id_number"]), "student_id": _s(r.get("student_id"))}
        if _clear(actor, r["state"], r.get("responsible") or {}):
            clear.append((int(r["id"]), _s(r.get("org_code")) or t or ""))
        else:
            p = mask_personal(p)
        out.append(CaseRow(int(r["id"]), r["state"], r["state_label"], _s(r.get("source")), p["name"],
                           p["id_number"], p["student_id"], _s(r["school_code"]), t or "",
                           names.get(t or "", ""), _s(r.get("opened_on")), _s(r["deadline"]), bool(r["overdue"]),
                           int(r["version"])))
    audit.record_now(engine, actor, "care.cases.list", "", state=state, township=township, rows=len(out),
                     masked=len(out) - len(clear))
    _audit_personal(engine, actor, clear, where="list")
    return out


def count_cases(engine: Engine, actor: Actor) -> int:
    """How many cases the actor's scope holds (a count only: not audited)."""
    _require_role(actor)
    return len(_scoped_cases(engine, actor))


def _township_names(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(OrgUnit.code, OrgUnit.name).where(
            OrgUnit.level == "township")).all())  # 乡镇 names, never codes, on the list


def _load(engine: Engine, actor: Actor, case_id: int) -> tuple[CaseRecord, str | None]:
    try:
        rec = CaseService(engine, programme=PROGRAMME).get(case_id)
    except KeyError:
        raise NotFound(f"案例不存在：{case_id}", f"no case {case_id}") from None
    t = _township_of(rec.township_code, rec.school_code, _school_townships(engine))
    if not _covers(actor, rec.org_code or t, rec.school_code):
        raise Forbidden("该案例不在您的管辖范围内", "this case is outside your scope")
    return rec, t


# ---------------------------------------------------------------------------------------------------- cases
def allowed_actions(actor: Actor, state: str) -> list[str]:
    """Actions ``actor`` may take on a case in ``state``: the programme's actions for the role that it accepts in
    the state, in the programme's order."""
    mine = PROGRAMME.actions_for(actor.role)
    return [a for a in PROGRAMME.actions_in(state) if a in mine]


def action_label(action: str) -> Label:
    """The label of an event or a submitted action: the programme's action label, 建案 for the opening event,
    else the code itself."""
    if PROGRAMME.action(action) is None and action != "open":
        return Label(action, action)
    return PROGRAMME.event_label(action)


def get_case(engine: Engine, actor: Actor, case_id: int, *, today: dt.date | None = None) -> dict[str, Any]:
    """One case as the case page shows it: the state, the next steps and the deadline, the child (names of the
    school, village and township; guardian and phone), the history in sentences (:func:`event_sentence`) and the
    actions allowed to ``actor``.  The view is audited, and so is every view in clear (``care.case.view_personal``);
    the child's data, in the card and in the history, are masked unless :func:`sees_full_ids`."""
    _require_role(actor)
    rec, township = _load(engine, actor, case_id)
    clear = sees_full_ids(actor, rec)
    case = rec.case
    today = today or dt.date.today()
    org = rec.org_code or township or ""
    names = _names(engine, schools=[rec.school_code or ""], units=[township or "", rec.village_code or ""],
                   users=[e.by for e in case.history])
    events = []
    for e in case.history:
        data = e.data if clear else mask_personal(e.data)
        events.append({"seq": e.seq, "action": e.action, "action_label": action_label(e.action).zh,
                       "from_state": e.from_state, "to_state": e.to_state,
                       "to_label": PROGRAMME.state(e.to_state).label.zh if e.to_state else "", "by": e.by,
                       "by_name": names.get(e.by, e.by), "at": e.at.isoformat(sep=" "), "data": data,
                       "sentence": event_sentence(e.action, data, at=e.at, by=names.get(e.by, e.by)),
                       "sentence_en": event_sentence(e.action, data, at=e.at, by=names.get(e.by, e.by), lang="en")})
    audit.record_now(engine, actor, "care.case.view", str(case_id), org=org, masked=not clear)
    if clear:
        _audit_personal(engine, actor, [(case_id, org)], where="case")
    person = {"name": rec.name or "", "id_number": rec.id_number or "", "student_id": rec.student_id or "",
              **{k: rec.contact.get(k, "") for k in CONTACT_FIELDS}}
    p = person if clear else mask_personal(person)
    actions = allowed_actions(actor, case.state)
    return {
        "id": rec.id, "state": case.state, "state_label": PROGRAMME.state(case.state).label.zh,
        "version": case.version, "source": case.source, "source_label": source_label(case.source).zh,
        "masked": not clear, **p,
        "school_code": rec.school_code or "", "school": names.get(rec.school_code or "", ""),
        "township_code": township or "", "township": names.get(township or "", ""),
        "village_code": rec.village_code or "", "village": names.get(rec.village_code or "", ""),
        "opened_on": _s(case.opened_on), "deadline": _s(case.deadline),
        "deadline_note": deadline_note(case.deadline, today), "tracking_until": _s(case.tracking_until),
        "overdue": case.overdue(today), "responsible": case.responsible, "events": events,
        "actions": actions, "next_actions": [a for a in actions if _moves(a, case.state)],
    }


def _moves(action: str, state: str) -> bool:
    a = PROGRAMME.action(action)
    return a is not None and any(t != state for t in a.targets(state))


def source_label(source: str) -> Label:
    return dict(PROGRAMME.sources).get(source) or Label(source, source)


def deadline_note(deadline: dt.date | None, today: dt.date) -> Label | None:
    """How the deadline stands on ``today``: 还剩 3 天 / 今天到期 / 已逾期 2 天 (None: no deadline)."""
    if deadline is None:
        return None
    days = (deadline - today).days
    if days > 0:
        return Label(f"还剩 {days} 天", f"{days} day{'s' if days > 1 else ''} left")
    if days == 0:
        return Label("今天到期", "due today")
    return Label(f"已逾期 {-days} 天", f"{-days} day{'s' if days < -1 else ''} overdue")


def _field_text(key: str, value: Any, action: str, lang: str) -> tuple[str, str] | None:
    """(label, value) of one field of an event, as a person reads it: the programme's field label, a choice's
    label instead of its code; None for an empty value."""
    if value is None or value == "" or value == {}:
        return None
    spec = PROGRAMME.action(action)
    f = spec.field(key) if spec else None
    if f is None:  # declared by another action (the guardian fields), else kept as given
        f = next((g for a in PROGRAMME.actions for g in a.fields if g.key == key), None)
    if f is None:
        return key, str(value)
    c = f.choice(str(value)) if f.choices else None
    return f.label.text(lang), c.label.text(lang) if c else str(value)


def event_sentence(action: str, data: Mapping[str, Any], *, at: dt.datetime, by: str, lang: str = "zh") -> str:
    """One step of the history as a sentence: "2026-09-03 张老师 核实：确认辍学/失学（核实理由：…）" — the date, who,
    the action's label, the label of the choice that decided the step, then the other fields by their labels;
    the opening event names its source and the people named responsible.  Never a code or raw data."""
    colon, sep, (lp, rp) = ("：", "；", "（）") if lang == "zh" else (": ", "; ", "()")
    start = f"{at.date().isoformat()} {by} {action_label(action).text(lang)}"
    if action == "open":
        resp = data.get("responsible") or {}
        people = sep.join(f"{(PROGRAMME.responsible_label(k) or Label(k, k)).text(lang)} {v}" for k, v in resp.items())
        text = f"{start}{colon}{source_label(str(data.get('source', ''))).text(lang)}"
        return text + (f"{lp}{people}{rp}" if people else "")
    spec = PROGRAMME.action(action)
    decision = spec.fields[0].key if spec and spec.fields and spec.fields[0].type == "choice" else None
    first = _field_text(decision, data.get(decision), action, lang) if decision else None
    declared = [f.key for f in spec.fields] if spec else []
    keys = [k for k in declared if k in data] + [k for k in data if k not in declared]  # the form's order
    rest = [ft for k in keys if k != decision if (ft := _field_text(k, data[k], action, lang)) is not None]
    detail = sep.join(f"{label}{colon}{value}" for label, value in rest)
    if first:
        return f"{start}{colon}{first[1]}" + (f"{lp}{detail}{rp}" if detail else "")
    return start + (f"{colon}{detail}" if detail else "")


def _names(engine: Engine, *, schools: Iterable[str], units: Iterable[str], users: Iterable[str]) -> dict[str, str]:
    """Code → name for the schools and org units, user name → display name for the users (those found)."""
    schools, units, users = ({x for x in xs if x} for xs in (schools, units, users))
    with engine.connect() as conn:
        out = dict(conn.execute(select(School.code, School.name).where(School.code.in_(schools))).all())
        out.update(conn.execute(select(OrgUnit.code, OrgUnit.name).where(OrgUnit.code.in_(units))).all())
        out.update((u, n) for u, n in conn.execute(select(User.username, User.display_name).where(
            User.username.in_(users))).all() if n)
    return out


MAX_FIELDS = 16
"""Fields an action's data may carry (the largest form has four)."""


def check_action_data(data: dict[str, Any] | None, *, max_chars: int, action: str | None = None) -> dict[str, Any]:
    """The action's data if every field is a short scalar: at most :data:`MAX_FIELDS` fields, keys of ≤ 32
    characters, values of at most ``max_chars`` characters (setting ``care_note_max_chars``) — or fewer where the
    programme's declaration of ``action``'s field says so (``max_chars``); a choice is text, a whole number a
    number or text; else ``Invalid``.  A case's history is kept forever, so nothing unbounded goes into it."""
    data = dict(data or {})
    spec = PROGRAMME.action(action) if action else None
    if len(data) > MAX_FIELDS:
        raise Invalid(f"操作数据最多 {MAX_FIELDS} 项", f"at most {MAX_FIELDS} fields")
    for key, value in data.items():
        if not isinstance(key, str) or len(key) > 32:
            raise Invalid("操作数据的字段名有误", "invalid field name")
        if value is not None and not isinstance(value, str | int | float | bool):
            raise Invalid(f"“{key}”应为文字或数字", f"{key}: expected text or a number")
        f = spec.field(key) if spec else None
        if f is not None and f.type == "choice" and value is not None and not isinstance(value, str):
            raise Invalid(f"“{f.label.zh}”应为文字", f"{key}: expected text")
        if f is not None and f.type == "int" and isinstance(value, bool):
            raise Invalid(f"“{f.label.zh}”应为整数", f"{key}: expected a whole number")
        limit = f.limit(max_chars) if f is not None else max_chars
        if isinstance(value, str) and len(value) > limit:
            raise Invalid(f"“{key}”超过 {limit} 字（实为 {len(value)} 字）",
                          f"{key} exceeds {limit} characters ({len(value)})")
    return data


def act(engine: Engine, actor: Actor, case_id: int, action: str, data: dict[str, Any] | None = None, *,
        version: int, at: dt.datetime | None = None, max_chars: int = 2_000, by: str | None = None) -> dict[str, Any]:
    """Apply ``action`` to a case in scope; ``version`` is the one the user saw.

    ``data`` is bounded by :func:`check_action_data` (``max_chars`` per field).  ``by`` is the person the case's
    history names (default the actor's user name; the CLI's ``--by``); the audit event names the actor.

    Raises ``Forbidden`` (role or scope), ``Invalid`` (not allowed in this state: the workflow's reason) or
    ``Conflict`` (someone changed the case meanwhile; nothing written, ``detail`` holds the current version and
    the other users' events, so the caller can show them next to the user's own input).
    """
    _require_role(actor)
    mine = PROGRAMME.actions_for(actor.role)
    if not mine:
        raise Forbidden("您的角色只能查看案例", "your role may only read cases")
    rec, township = _load(engine, actor, case_id)  # scope
    org = rec.org_code or township or ""
    if action not in mine:
        raise Forbidden(f"您的角色不能执行“{action_label(action).zh}”",
                        f"your role may not {action}")
    data = check_action_data(data, max_chars=max_chars, action=action)
    who = by if by is not None else actor.username
    try:
        new = CaseService(engine, programme=PROGRAMME).act(case_id, action, data, expected_version=version, by=who,
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
    except (ValueError, TypeError, OverflowError) as exc:
        raise Invalid(f"操作数据有误：{exc}", f"invalid action data: {exc}") from None
    extra = {"by": who} if by is not None else {}
    audit.record_now(engine, actor, "care.case.act", str(case_id), org=org, case_action=action,
                     version=new.version, state=new.state, **extra)
    return {"id": case_id, "state": new.state, "state_label": PROGRAMME.state(new.state).label.zh,
            "version": new.version}


REPORTS = {"school-monthly": ("school_code", "学校月报"), "county-quarterly": ("township_code", "县区季度复核")}
"""The "四个一" reports (教基厅函〔2024〕15号): 学校一月一报告 (per school, a month ``2026-09``) and 县区一季度一复核
(per township, a quarter ``2026Q3``): kind → (unit column, title)."""


def report(engine: Engine, actor: Actor, *, kind: str, period: str) -> tuple[pd.DataFrame, str]:
    """The report ``kind`` (:data:`REPORTS`) of the cases in the actor's scope for ``period``, and its title; one
    row per unit (:func:`junheng.care.case_report`), counts only, no names (audited)."""
    _require_role(actor)
    if kind not in REPORTS:
        raise Invalid(f"报告应为 {' 或 '.join(REPORTS)}", f"the report must be one of {', '.join(REPORTS)}")
    by, title = REPORTS[kind]
    try:
        start, end = period_of_month(period) if kind == "school-monthly" else period_of_quarter(period)
    except ValueError:
        raise Invalid(f"报告期有误：{period}（应如 2026-09 或 2026Q3）", f"bad period {period}") from None
    rows = [r for r, _t in _scoped_cases(engine, actor)]
    cases = pd.DataFrame(rows) if rows else pd.DataFrame(columns=CASE_COLUMNS)
    events = CaseService(engine, programme=PROGRAMME).events()
    events = events[events["case_id"].isin([r["id"] for r in rows])]
    out = case_report(cases, events, start=start, end=end, by=by, programme=PROGRAMME)
    audit.record_now(engine, actor, "care.report", f"{kind} {period}", cases=len(rows), units=len(out))
    return out, f"{title} {period}"


def write_case_report(engine: Engine, actor: Actor, path: Path, *, kind: str, period: str) -> int:
    """Write :func:`report` to ``path`` (``.xlsx`` or ``.csv``, Chinese headers); returns the number of units."""
    rep, title = report(engine, actor, kind=kind, period=period)
    write_report(rep, path, title=title, programme=PROGRAMME)
    return len(rep)


# ---------------------------------------------------------------------------------------------------- registries
def school_age_rule(province: str | None = None, rule_files: Iterable[Path] = (), *,
                    cutoff: str = "") -> SchoolAgeRule:
    """The school-age rule of :func:`junheng.registry.load_school_age_rule` (national, the province's, then each
    override file, then ``cutoff`` MM-DD); ``Invalid`` listing every problem (one a line) otherwise."""
    from junheng.registry import RuleError, load_school_age_rule

    extra: list[Mapping[str, Any]] = [{"name": "--cutoff", "cutoff": cutoff}] if cutoff else []
    try:
        return load_school_age_rule(province, [*rule_files, *extra])
    except RuleError as e:
        raise Invalid("\n".join(e.issues), "\n".join(e.issues)) from None


@dataclass(frozen=True)
class RegistryFiles:
    """The person registries of one check, read and validated (``registries``: kind → registry)."""

    registries: dict[str, Registry]
    exceptions: pd.DataFrame | None = None
    decisions: pd.DataFrame | None = None


def read_registries(files: Mapping[str, Path | None], *, exceptions: Path | None = None,
                    decisions: Path | None = None) -> RegistryFiles:
    """Read the registry files given (kind → path; population, roll and attendance required) and the optional
    exceptions and review decisions.  Raises ``ImportRejected`` listing every issue (nothing is read then)."""
    from junheng.registry import read_decisions, read_exceptions, read_registry

    for kind in ("population", "roll", "attendance"):
        if files.get(kind) is None:
            raise Invalid(f"缺少名单：{kind}", f"missing file: {kind}")
    regs = {k: read_registry(p, k) for k, p in files.items() if p is not None}
    return RegistryFiles(regs, read_exceptions(exceptions) if exceptions else None,
                         read_decisions(decisions) if decisions else None)


def check_registries(files: RegistryFiles, out: Path, *, as_of: dt.date, rule: SchoolAgeRule,
                     engine: str = "duckdb", threshold: float = 0.9, review_floor: float = 0.5) -> dict[str, Any]:
    """四查三比对 (:func:`junheng.registry.check`) on the registries; the ledgers, links and review sheet are
    written to ``out`` (:func:`junheng.registry.write_outputs`) for the officers; returns the summary (counts)."""
    from junheng.registry import check, write_outputs

    r = files.registries
    result = check(r["population"], r["roll"], r["attendance"], as_of=as_of, poverty=r.get("poverty"),
                   dibao=r.get("dibao"), disability=r.get("disability"), left_behind=r.get("left_behind"),
                   exceptions=files.exceptions, decisions=files.decisions, completed=r.get("completed"), rule=rule,
                   engine=engine, threshold=threshold, review_floor=review_floor)
    write_outputs(result, out, population=r["population"], roll=r["roll"])
    return dict(result.summary)


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
            rows.append(_personal(actor, r))
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
    out = pd.DataFrame([_personal(actor, r) for r in rows], columns=[*df.columns, "township_code"])
    out = csv_safe_frame(out.drop(columns=["township_code"]))
    return out.to_csv(index=False).encode("utf-8-sig"), masked


def open_cases_from_ledgers(engine: Engine, actor: Actor, job_id: int) -> dict[str, int]:
    """Open a case (疑似) for every child of the 失学 and 疑似辍学 ledgers in the actor's scope; children with an
    open case keep it.  Each case belongs to its row's org unit (:func:`_row_org`)."""
    job = _ledger_job(engine, actor, job_id)
    schools = _school_townships(engine)
    n, opened = CaseService(engine, programme=PROGRAMME).open_from_ledgers(
        _ledger_rows(actor, job, _ledger_frame(engine, job_id, "out_of_school"), schools),
        _ledger_rows(actor, job, _ledger_frame(engine, job_id, "suspected_dropouts"), schools),
        by=actor.username, at=audit.now(), org_of=lambda r: _row_org(r, schools, job.org_code))
    audit.record_now(engine, actor, "care.cases.open", f"job {job_id}", org=job.org_code, children=n, opened=opened)
    return {"children": n, "opened": opened}


def _only_county(engine: Engine, actor: Actor) -> str:
    """The one county in the actor's scope ("" when there are several): what a ledger row with neither village
    nor school belongs to, as a web check's rows belong to the check's county."""
    counties = C.counties_in_scope(engine, actor)
    return counties[0].code if len(counties) == 1 else ""


def open_cases_from_rows(engine: Engine, actor: Actor, out_of_school: Iterable[dict[str, Any]],
                         dropouts: Iterable[dict[str, Any]], *, by: str | None = None) -> dict[str, int]:
    """Open a case (疑似) for every row of a check's 失学 and 疑似辍学 ledgers read from its output folder
    (``junheng case open``) that the actor's scope covers; children with an open case keep it.  A row belongs to
    its village's township, else its school's, else the actor's home org unit (for the unscoped CLI: the database's
one county).  ``by`` is the person the cases'
    history names (default the actor's user name); the batch is audited."""
    _require_ledgers(actor)
    schools = _school_townships(engine)
    home = actor.home or _only_county(engine, actor)

    def org(r: dict[str, Any]) -> str:
        return _row_org(r, schools, home)

    def mine(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        return [r for r in rows if _covers(actor, org(r), str(r.get("school_code") or "") or None)]

    n, opened = CaseService(engine, programme=PROGRAMME).open_from_ledgers(
        mine(out_of_school), mine(dropouts), by=by if by is not None else actor.username, at=audit.now(),
        org_of=org)
    audit.record_now(engine, actor, "care.cases.open", "ledger files", org=home, children=n, opened=opened,
                     **({"by": by} if by is not None else {}))
    return {"children": n, "opened": opened}


# ---------------------------------------------------------------------------------------------------- web lists
#: The case list of the web (:mod:`junheng.services.listing`): the cells as :func:`list_cases` masks them; the
#: search looks at the shown (masked) text only, so it cannot find a child by a hidden name or number.
CASE_LIST = LI.ListSpec("cases", "控辍保学案例", columns=(
    LI.Column("id", "案例号"), LI.Column("state", "状态", show="state_text"), LI.Column("name", "姓名", sortable=False),
    LI.Column("id_number", "身份证号", sortable=False), LI.Column("student_id", "学籍号", sortable=False),
    LI.Column("school_code", "学校标识码"), LI.Column("township_code", "乡镇", show="township_text"),
    LI.Column("opened_on", "建案日期"), LI.Column("deadline", "期限"),
    LI.Column("overdue", "逾期", sortable=False, show="overdue_text")),
    filters=("status", "township"), search=("id_text", "name", "school_code", "township_text"), default_sort="id")
#: The three ledgers of a check, each a list under its own parameter prefix (the cells masked by :func:`ledgers`).
LEDGER_LISTS = {
    "out_of_school": LI.ListSpec("ledger_out_of_school", LEDGERS["out_of_school"], columns=(
        LI.Column("name", "姓名", sortable=False), LI.Column("id_number", "身份证号", sortable=False),
        LI.Column("birth_date", "出生日期"), LI.Column("village_code", "村"), LI.Column("reason", "原因")),
        search=("reason", "village_code"), default_sort="village_code", prefix="o."),
    "suspected_dropouts": LI.ListSpec("ledger_suspected_dropouts", LEDGERS["suspected_dropouts"], columns=(
        LI.Column("name", "姓名", sortable=False), LI.Column("id_number", "身份证号", sortable=False),
        LI.Column("student_id", "学籍号", sortable=False), LI.Column("school_code", "学校标识码"),
        LI.Column("grade", "年级")),
        search=("school_code", "grade"), default_sort="school_code", prefix="d."),
    "priority": LI.ListSpec("ledger_priority", LEDGERS["priority"], columns=(
        LI.Column("name", "姓名", sortable=False), LI.Column("id_number", "身份证号", sortable=False),
        LI.Column("ledger", "台账"), LI.Column("school_code", "学校标识码"), LI.Column("village_code", "村"),
        LI.Column("categories", "类别")),
        search=("ledger", "categories", "school_code", "village_code"), default_sort="school_code", prefix="p."),
}


def case_list(engine: Engine, actor: Actor, lq: LI.ListQuery) -> list[dict[str, Any]]:
    """Every case of the web's case list for ``lq``, as :func:`list_cases` shows them (audited, masked), searched
    and sorted; ``state_text`` is the state's Chinese label."""
    rows = list_cases(engine, actor, state=lq.filter("status"), township=lq.filter("township"))
    labels = {st.code: st.label.zh for st in PROGRAMME.states}
    return LI.filter_rows([{**asdict(r), "id_text": str(r.id), "state_text": labels.get(r.state, r.state_label),
                            "township_text": r.township or r.township_code, "overdue_text": "逾期" if r.overdue else ""}
                           for r in rows], lq)

