"""One case per child, as a pure state machine that interprets a programme (:mod:`junheng.care.programme`).

The programme file declares the states, the actions that move between them,
each action's fields and roles, and the deadlines; this module only applies
them.  For 控辍保学 (``programmes/kongchuo.toml``; 教基厅函〔2024〕15号 劝返
records and 动态销号; "一人一案" wording of the 2019–2021 notices;
``shared/reference/standards.md`` §4.10)::

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
is removed.  Deadlines are the programme's, which a county may override
(``CaseRules``; no national number of days was found, standards.md §4.10 [U]);
a deadline runs from the first state that uses it, so moving between two states
with the same deadline keeps the date; entering a terminal state clears it; a
case past its deadline is overdue.  Responsible people are named on the
government line (county → township → village) and the education line
(bureau → school → teacher).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from junheng.care.programme import (
    KONGCHUO,
    Action,
    ActionField,
    Choice,
    Deadline,
    Programme,
    ProgrammeError,
    State,
)


class CaseState(StrEnum):
    """The states of 控辍保学 (checked against ``programmes/kongchuo.toml`` on import)."""

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


if tuple(CaseState) != KONGCHUO.state_codes:
    raise ProgrammeError([f"{KONGCHUO.path}: states: CaseState {tuple(CaseState)} ≠ {KONGCHUO.state_codes}"])

STATE_LABELS = {CaseState(s.code): s.label.zh for s in KONGCHUO.states}
"""控辍保学 state → Chinese label, from the programme."""


def _placements() -> tuple[CaseState, ...]:
    place = KONGCHUO.action("place")
    outcome = place.outcome_field if place else None
    return tuple(CaseState(c.to) for c in (outcome.choices if outcome else ()) if c.to)


PLACEMENTS = _placements()
"""The states the ``place`` action leads to (复学, 送教上门, 其他安置)."""

RESPONSIBLE_ROLES = {code: label.zh for code, label in KONGCHUO.responsible}
"""Responsible people on the government line (county → township → village) and the education line."""


class IllegalTransition(ValueError):
    """An action not allowed in the case's state; ``reason`` says why in Chinese."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CaseRules:
    """A county's deadlines: the programme's amounts (``Deadline.amount``) unless ``overrides`` names them
    (deadline key → days or months, e.g. ``{"verify_days": 5}``)."""

    overrides: Mapping[str, int] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        for key, v in self.overrides.items():
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"期限 {key} 应为正整数 / deadline {key} must be a whole number ≥ 1, got {v!r}")

    def amount(self, deadline: Deadline) -> int:
        return int(self.overrides.get(deadline.key, deadline.amount))

    def check(self, programme: Programme) -> None:
        unknown = sorted(set(self.overrides) - {d.key for d in programme.deadlines})
        if unknown:
            raise ValueError(f"{programme.code} 没有期限 {', '.join(unknown)} / unknown deadline(s)")


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
    """One child's case.  ``state`` is a state code of ``programme``; ``version`` counts the changes (optimistic
    locking in the store)."""

    child_key: str
    source: str  # a source of the programme: out_of_school | suspected_dropout
    state: str = CaseState.SUSPECTED.value
    version: int = 0
    opened_on: dt.date | None = None
    deadline: dt.date | None = None
    tracking_until: dt.date | None = None
    responsible: dict[str, str] = field(default_factory=dict)
    history: tuple[Event, ...] = ()
    programme: str = KONGCHUO.code

    def overdue(self, today: dt.date) -> bool:
        """Past its deadline (a case in a terminal state has none)."""
        return self.deadline is not None and today > self.deadline


def add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _require(ok: bool, reason: str) -> None:
    if not ok:
        raise IllegalTransition(reason)


def _blank(value: Any) -> bool:
    return value is None or not str(value).strip()


def open_case(child_key: str, source: str, *, by: str, at: dt.datetime, rules: CaseRules = CaseRules(),
              responsible: dict[str, str] | None = None, programme: Programme = KONGCHUO) -> Case:
    """A new case in the programme's initial state (疑似) with that state's deadline."""
    rules.check(programme)
    _require(source in programme.source_codes(), f"未知来源 {source}")
    resp = dict(responsible or {})
    for role in resp:
        _require(programme.responsible_label(role) is not None, f"未知责任人角色 {role}")
    first = programme.state(programme.initial)
    ev = Event(1, "open", "", first.code, by, at, {"source": source, "responsible": resp})
    return Case(child_key, source, first.code, 1, at.date(), _start(programme, first, at.date(), {}, rules),
                None, resp, (ev,), programme.code)


def apply(case: Case, action: str, data: dict[str, Any] | None = None, *, by: str, at: dt.datetime,
          rules: CaseRules = CaseRules(), programme: Programme = KONGCHUO) -> Case:
    """The case after ``action`` by ``by`` at ``at``; raises ``IllegalTransition`` if not allowed.

    The programme says in which states the action is allowed, which fields ``data`` must carry (a choice among
    its values, a whole number within its limits, text within its length) and which state follows — for
    控辍保学: verify ``result`` (``confirmed`` / ``not_dropout``, then ``reason`` and ``evidence``); attempt
    ``date``, ``who``, ``method``, ``result``; place ``placement`` (returned / home_teaching / other_placement,
    then ``detail``); track optional ``months``; relapse ``reason``; close optional ``note``; assign ``role``,
    ``person``; note ``text``.  Fields the programme does not declare are kept in the history as given.
    """
    _require(case.programme == programme.code, f"案例属于 {case.programme}，不是 {programme.code}")
    rules.check(programme)
    d = dict(data or {})
    _require(bool(by.strip()), "缺少操作人")
    act = programme.action(action)
    if act is None:
        raise IllegalTransition(f"未知操作 {action}")
    here = programme.state(case.state)
    if case.state not in act.sources:
        _require(not here.terminal, programme.terminal_refused)
        raise IllegalTransition(f"{_refused(programme, act)}，当前为“{here.label.zh}”")
    today = at.date()
    if act.after_period:
        _require(case.tracking_until is not None and today >= case.tracking_until,
                 act.period_refused.format(until=case.tracking_until))
    _check_fields(act, d)
    new = _next_state(act, d, case.state)
    changes: dict[str, Any] = {}
    if act.effect == "responsible":
        changes["responsible"] = {**case.responsible, str(d["role"]).strip(): str(d["person"]).strip()}
    if new != case.state:
        changes.update(_clock(programme, case, here, programme.state(new), today, d, rules))
    ev = Event(len(case.history) + 1, action, case.state, new, by, at, d)
    return replace(case, state=new, version=case.version + 1, history=(*case.history, ev), **changes)


def _refused(programme: Programme, act: Action) -> str:
    if act.refused:
        return act.refused
    states = "或".join(f"“{programme.state(s).label.zh}”" for s in act.sources)
    return f"只有{states}阶段可以{act.label.zh}"


def _choices_text(f: ActionField) -> str:
    items = [f"{c.value}（{c.label.zh}）" for c in f.choices]
    return items[0] if len(items) == 1 else "、".join(items[:-1]) + "或" + items[-1]


def _check_fields(act: Action, d: dict[str, Any]) -> None:
    """Refuse missing required fields, values outside a choice, numbers out of bounds, text too long; whole
    numbers are stored as ``int``."""
    chosen: list[Choice] = []
    for f in act.fields:
        value = d.get(f.key)
        if _blank(value):
            _require(not f.required, f"缺少{f.label.zh}")
            continue
        if f.type == "choice":
            c = f.choice(str(value))
            if c is None:
                raise IllegalTransition(f"{f.label.zh}应为 {_choices_text(f)}")
            chosen.append(c)
        elif f.type == "int":
            d[f.key] = n = _whole(value, f)
            _require(f.min is None or n >= f.min, f"{f.label.zh}至少为 {f.min}")
            _require(f.max is None or n <= f.max, f"{f.label.zh}至多为 {f.max}")
        elif f.max_chars is not None:
            _require(len(str(value)) <= f.max_chars, f"{f.label.zh}超过 {f.max_chars} 字（实为 {len(str(value))} 字）")
    for c in chosen:
        for key in c.requires:
            needed = act.field(key)
            _require(not _blank(d.get(key)), f"缺少{needed.label.zh if needed else key}")


def _whole(value: Any, f: ActionField) -> int:
    if isinstance(value, bool):
        raise IllegalTransition(f"{f.label.zh}应为整数")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    try:
        return int(str(value).strip())
    except ValueError:
        raise IllegalTransition(f"{f.label.zh}应为整数，实为 {value!r}") from None


def _next_state(act: Action, d: Mapping[str, Any], state: str) -> str:
    outcome = act.outcome_field
    if outcome is not None:
        c = outcome.choice(str(d.get(outcome.key)))
        assert c is not None and c.to  # _check_fields has refused anything else
        return c.to
    return act.to or state


def _clock(programme: Programme, case: Case, here: State, there: State, today: dt.date, d: dict[str, Any],
           rules: CaseRules) -> dict[str, Any]:
    """The deadline (and follow-up period) after moving from ``here`` to ``there``."""
    if there.terminal or there.deadline is None:
        deadline = None
    elif there.deadline == here.deadline:
        deadline = case.deadline  # the same clock keeps running
    else:
        deadline = _start(programme, there, today, d, rules)
    changes: dict[str, Any] = {"deadline": deadline}
    if there.period:
        changes["tracking_until"] = deadline
    elif here.period and not there.terminal:
        changes["tracking_until"] = None  # the follow-up stopped (再次辍学)
    return changes


def _start(programme: Programme, state: State, today: dt.date, d: dict[str, Any], rules: CaseRules) -> dt.date | None:
    """The deadline of ``state`` entered on ``today``; a deadline with a ``field`` takes its amount from ``d``."""
    if state.deadline is None:
        return None
    dl = programme.deadline(state.deadline)
    amount = rules.amount(dl)
    if dl.field is not None:
        if not _blank(d.get(dl.field)):
            amount = int(d[dl.field])
        d[dl.field] = amount
    try:
        return add_months(today, amount) if dl.unit == "months" else today + dt.timedelta(days=amount)
    except (ValueError, OverflowError):
        raise IllegalTransition(f"{dl.label.zh}的期限超出日期范围（{amount}）") from None


def replay(child_key: str, source: str, events: list[Event], *, rules: CaseRules = CaseRules(),
           programme: Programme = KONGCHUO) -> Case:
    """Rebuild a case from its stored history (the first event must be ``open``)."""
    first = events[0]
    case = open_case(child_key, source, by=first.by, at=first.at, rules=rules,
                     responsible=first.data.get("responsible"), programme=programme)
    for ev in events[1:]:
        case = apply(case, ev.action, ev.data, by=ev.by, at=ev.at, rules=rules, programme=programme)
    return case
