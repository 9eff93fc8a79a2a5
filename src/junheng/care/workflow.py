"""One case per child (一人一案) for 控辍保学, as a pure state machine.

States and the only moves between them (教基厅函〔2024〕15号 劝返 records and 动态销号;
"一人一案" wording of the 2019–2021 notices; ``shared/reference/standards.md`` §4.10)::

    疑似 suspected ──verify(not a dropout, reason, evidence)──▶ 销号 closed
        │ verify(confirmed)
        ▼
    核实 confirmed ──attempt(date, who, method, result)──▶ 劝返 persuading ◀─┐ attempt
        │                                                     │               │
        └──────────────place(复学 | 送教上门 | 其他安置)◀────────┘───────────┘
    复学 returned / 送教上门 home_teaching / 其他安置 other_placement
        ──track(months)──▶ 跟踪 tracking ──close (after the months)──▶ 销号 closed
                              └──relapse──▶ 劝返 persuading

Every action carries who and when; the case keeps its whole history; nothing
is removed.  Deadlines follow ``CaseRules`` (county parameters: no national
number of days was found, standards.md §4.10 [U]); a case past its deadline is
overdue.  Responsible people are named on the government line (county →
township → village) and the education line (bureau → school → teacher).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any


class CaseState(StrEnum):
    SUSPECTED = "suspected"
    CONFIRMED = "confirmed"
    PERSUADING = "persuading"
    RETURNED = "returned"
    HOME_TEACHING = "home_teaching"
    OTHER_PLACEMENT = "other_placement"
    TRACKING = "tracking"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    CaseState.SUSPECTED: "疑似", CaseState.CONFIRMED: "核实", CaseState.PERSUADING: "劝返",
    CaseState.RETURNED: "复学", CaseState.HOME_TEACHING: "送教上门", CaseState.OTHER_PLACEMENT: "其他安置",
    CaseState.TRACKING: "跟踪", CaseState.CLOSED: "销号",
}
PLACEMENTS = (CaseState.RETURNED, CaseState.HOME_TEACHING, CaseState.OTHER_PLACEMENT)

RESPONSIBLE_ROLES = {
    "gov_county": "县级责任人", "gov_township": "乡镇责任人", "gov_village": "村级责任人",
    "edu_bureau": "教育局责任人", "edu_school": "学校责任人", "edu_teacher": "教师责任人",
}
"""Responsible people on the government line (county → township → village) and the education line."""

ACTIONS = ("open", "assign", "verify", "attempt", "place", "track", "relapse", "close", "note")


class IllegalTransition(ValueError):
    """An action not allowed in the case's state; ``reason`` says why in Chinese."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CaseRules:
    """Deadlines (county parameters)."""

    verify_days: int = 7  # 疑似 → 核实
    persuade_days: int = 30  # 核实/劝返 → placement
    place_to_track_days: int = 7  # placement → tracking started
    tracking_months: int = 3  # follow-up before 销号


@dataclass(frozen=True)
class Event:
    seq: int
    action: str
    from_state: str
    to_state: str
    by: str
    at: dt.datetime
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    """One child's case.  ``version`` counts the changes (optimistic locking in the store)."""

    child_key: str
    source: str  # out_of_school | suspected_dropout
    state: CaseState = CaseState.SUSPECTED
    version: int = 0
    opened_on: dt.date | None = None
    deadline: dt.date | None = None
    tracking_until: dt.date | None = None
    responsible: dict[str, str] = field(default_factory=dict)
    history: tuple[Event, ...] = ()

    def overdue(self, today: dt.date) -> bool:
        return self.state != CaseState.CLOSED and self.deadline is not None and today > self.deadline

    @property
    def attempts(self) -> tuple[Event, ...]:
        return tuple(e for e in self.history if e.action == "attempt")


def add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    import calendar

    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _require(ok: bool, reason: str) -> None:
    if not ok:
        raise IllegalTransition(reason)


def _text(data: dict[str, Any], key: str, label: str) -> str:
    value = str(data.get(key) or "").strip()
    _require(bool(value), f"缺少{label}")
    return value


def open_case(child_key: str, source: str, *, by: str, at: dt.datetime, rules: CaseRules = CaseRules(),
              responsible: dict[str, str] | None = None) -> Case:
    """A new case in state 疑似 with its verification deadline."""
    _require(source in ("out_of_school", "suspected_dropout"), f"未知来源 {source}")
    resp = dict(responsible or {})
    for role in resp:
        _require(role in RESPONSIBLE_ROLES, f"未知责任人角色 {role}")
    ev = Event(1, "open", "", CaseState.SUSPECTED.value, by, at, {"source": source, "responsible": resp})
    return Case(child_key, source, CaseState.SUSPECTED, 1, at.date(), at.date() + dt.timedelta(rules.verify_days),
                None, resp, (ev,))


def apply(case: Case, action: str, data: dict[str, Any] | None = None, *, by: str, at: dt.datetime,
          rules: CaseRules = CaseRules()) -> Case:
    """The case after ``action`` by ``by`` at ``at``; raises ``IllegalTransition`` if not allowed.

    ``data`` by action — verify: ``result`` (``confirmed`` / ``not_dropout``), ``reason`` and
    ``evidence`` when not a dropout; attempt: ``date``, ``who``, ``method``, ``result``, optional
    ``returned``; place: ``placement`` (returned / home_teaching / other_placement), ``detail``;
    track: optional ``months``; relapse: ``reason``; close: optional ``note``; assign: ``role``,
    ``person``; note: ``text``.
    """
    d = dict(data or {})
    _require(bool(by.strip()), "缺少操作人")
    _require(action in ACTIONS and action != "open", f"未知操作 {action}")
    s = case.state
    _require(s != CaseState.CLOSED or action == "note", "已销号的案例不能再变更（可追加备注）")
    new = s
    changes: dict[str, Any] = {}
    today = at.date()
    if action == "assign":
        role = _text(d, "role", "责任人角色")
        _require(role in RESPONSIBLE_ROLES, f"未知责任人角色 {role}")
        person = _text(d, "person", "责任人")
        changes["responsible"] = {**case.responsible, role: person}
    elif action == "note":
        _text(d, "text", "备注内容")
    elif action == "verify":
        _require(s == CaseState.SUSPECTED, f"只有“疑似”案例可以核实，当前为“{s.label}”")
        result = d.get("result")
        if result == "not_dropout":
            _text(d, "reason", "核实理由")
            _text(d, "evidence", "证明材料")
            new = CaseState.CLOSED
            changes["deadline"] = None
        else:
            _require(result == "confirmed", "核实结果应为 confirmed（确认辍学/失学）或 not_dropout（非辍学）")
            new = CaseState.CONFIRMED
            changes["deadline"] = today + dt.timedelta(rules.persuade_days)
    elif action == "attempt":
        _require(s in (CaseState.CONFIRMED, CaseState.PERSUADING),
                 f"只有“核实”或“劝返”阶段可以记录劝返，当前为“{s.label}”")
        for key, label in (("date", "劝返日期"), ("who", "劝返人"), ("method", "劝返方式"), ("result", "劝返结果")):
            _text(d, key, label)
        new = CaseState.PERSUADING
    elif action == "place":
        _require(s in (CaseState.CONFIRMED, CaseState.PERSUADING),
                 f"只有“核实”或“劝返”阶段可以安置，当前为“{s.label}”")
        placement = str(d.get("placement", ""))
        _require(placement in [p.value for p in PLACEMENTS], "安置方式应为 returned（复学）、home_teaching（送教上门）或 other_placement（其他安置）")
        if placement == CaseState.OTHER_PLACEMENT.value:
            _text(d, "detail", "其他安置说明")
        new = CaseState(placement)
        changes["deadline"] = today + dt.timedelta(rules.place_to_track_days)
    elif action == "track":
        _require(s in PLACEMENTS, f"只有安置后的案例可以进入跟踪，当前为“{s.label}”")
        months = int(d.get("months", rules.tracking_months))
        _require(months >= 1, "跟踪月数至少为 1")
        new = CaseState.TRACKING
        changes["tracking_until"] = add_months(today, months)
        changes["deadline"] = add_months(today, months)
        d["months"] = months
    elif action == "relapse":
        _require(s == CaseState.TRACKING, f"只有“跟踪”阶段可以记录再次辍学，当前为“{s.label}”")
        _text(d, "reason", "再次辍学情况")
        new = CaseState.PERSUADING
        changes["deadline"] = today + dt.timedelta(rules.persuade_days)
        changes["tracking_until"] = None
    elif action == "close":
        _require(s == CaseState.TRACKING, f"只有“跟踪”期满的案例可以销号，当前为“{s.label}”")
        _require(case.tracking_until is not None and today >= case.tracking_until,
                 f"跟踪期至 {case.tracking_until} 才满，不能提前销号")
        new = CaseState.CLOSED
        changes["deadline"] = None
    ev = Event(len(case.history) + 1, action, s.value, new.value, by, at, d)
    return replace(case, state=new, version=case.version + 1, history=(*case.history, ev), **changes)


def replay(child_key: str, source: str, events: list[Event], *, rules: CaseRules = CaseRules()) -> Case:
    """Rebuild a case from its stored history (the first event must be ``open``)."""
    first = events[0]
    case = open_case(child_key, source, by=first.by, at=first.at, rules=rules,
                     responsible=first.data.get("responsible"))
    for ev in events[1:]:
        case = apply(case, ev.action, ev.data, by=ev.by, at=ev.at, rules=rules)
    return case
