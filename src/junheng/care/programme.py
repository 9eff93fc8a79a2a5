"""Case programmes as data: states, actions, fields, roles and deadlines read from a TOML file.

A programme (控辍保学 一人一案 first; 资助, 留守 and 特教 placement later) declares
once what the workflow engine (:mod:`junheng.care.workflow`), the services, the
pages and the API read: its states (labels, terminal or not, deadline); its
actions (labels, from-states, next state, the roles that may take them, their
fields with type, choices and limits); its deadlines (amount, unit and the
source of the number); the responsible roles and the sources a case comes
from.  This is the DHIS2 Tracker idea of program stages as metadata.

:func:`load_programme` checks the file and raises :class:`ProgrammeError`
listing every problem as ``file: key: message`` — an unknown state in a
transition, an action without roles, an unknown field type, a state no action
reaches … .  ``docs/dev/care.md`` describes the format.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

FIELD_TYPES = ("text", "date", "choice", "int")
"""Field types: free text; a date (a date input on the page, kept as typed); one of the choices; a whole number."""

DEADLINE_UNITS = ("days", "months")
EFFECTS = ("", "responsible")
"""What an action changes besides the state: nothing, or ``responsible`` (``role`` → ``person``)."""

ANY_OPEN_STATE = "*"
"""In an action's ``from``: every state that is not terminal."""

PROGRAMME_DIR = Path(str(resources.files("junheng.care") / "programmes"))
"""The shipped programme files, ``<code>.toml``."""

_TOP = {"code", "label", "source", "initial", "opened", "terminal_refused", "sources", "responsible", "deadlines",
        "states", "actions", "visibility"}
_STATE_KEYS = {"code", "label", "terminal", "deadline", "period"}
_DEADLINE_KEYS = {"amount", "unit", "field", "label", "source"}
_ACTION_KEYS = {"code", "label", "from", "to", "roles", "refused", "after_period", "period_refused", "effect", "fields"}
_FIELD_KEYS = {"key", "type", "label", "hint", "required", "choices", "max_chars", "min", "max"}
_CHOICE_KEYS = {"value", "label", "to", "requires"}
_VISIBILITY_KEYS = {"named", "roles", "step"}


class ProgrammeError(ValueError):
    """A programme file is invalid; ``issues`` lists every problem as ``file: key: message``."""

    def __init__(self, issues: Iterable[str]) -> None:
        self.issues = tuple(issues)
        super().__init__("\n".join(self.issues))


@dataclass(frozen=True)
class Label:
    zh: str
    en: str

    def __str__(self) -> str:
        return self.zh

    def text(self, lang: str) -> str:
        """The label in ``lang`` (``en``, else Chinese)."""
        return self.en if lang == "en" else self.zh


@dataclass(frozen=True)
class Choice:
    """One value of a choice field; ``to`` is the state it leads to, ``requires`` the fields it makes required."""

    value: str
    label: Label
    to: str | None = None
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActionField:
    """One field of an action's form and data."""

    key: str
    type: str
    label: Label
    required: bool = False
    hint: Label | None = None
    choices: tuple[Choice, ...] = ()
    max_chars: int | None = None
    min: int | None = None
    max: int | None = None

    def choice(self, value: str) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)

    def limit(self, ceiling: int) -> int:
        """Characters allowed: the field's own ``max_chars``, never more than ``ceiling`` (a deployment setting)."""
        return min(self.max_chars, ceiling) if self.max_chars is not None else ceiling


@dataclass(frozen=True)
class Action:
    """A workflow action: allowed in ``sources``; moves to ``to`` (None: the state stays, or a choice names it)."""

    code: str
    label: Label
    sources: tuple[str, ...]
    to: str | None
    roles: frozenset[str]
    fields: tuple[ActionField, ...] = ()
    refused: str = ""
    after_period: bool = False
    period_refused: str = ""
    effect: str = ""

    def field(self, key: str) -> ActionField | None:
        return next((f for f in self.fields if f.key == key), None)

    @property
    def outcome_field(self) -> ActionField | None:
        """The choice field whose value chooses the next state, if any."""
        return next((f for f in self.fields if any(c.to for c in f.choices)), None)

    def targets(self, state: str) -> tuple[str, ...]:
        """Every state this action can lead to from ``state``."""
        f = self.outcome_field
        if f is not None:
            return tuple(c.to for c in f.choices if c.to)
        return (self.to or state,)


@dataclass(frozen=True)
class Deadline:
    """A deadline: ``amount`` days or months (a county may override it); ``field`` lets the action set it."""

    key: str
    amount: int
    unit: str
    label: Label
    source: str
    field: str | None = None


@dataclass(frozen=True)
class State:
    """A case state; ``period``: entering it starts the follow-up period, which ends at the deadline."""

    code: str
    label: Label
    terminal: bool = False
    deadline: str | None = None
    period: bool = False


@dataclass(frozen=True)
class Visibility:
    """Who sees a child's name, ID number, 学籍号 and contact in clear (the ``[visibility]`` table).

    ``named``: the users a case names as responsible (``responsible`` role → user name); ``roles``: the roles
    responsible for cases within their scope; ``step``: such a role only while it may move the case on from its
    current state (:meth:`Programme.step_roles`: the step it is responsible for; a closed case has none).  Everyone else sees them masked (个人信息保护法 第六条, 最小必要).
    """

    named: bool = False
    roles: frozenset[str] = frozenset()
    step: bool = False

    def sees(self, role: str, username: str, responsible: Mapping[str, str], step_roles: frozenset[str]) -> bool:
        """Whether a user of ``role`` named ``username`` sees a case (already in their scope) in clear;
        ``step_roles``: the roles that may move the case on from its current state."""
        if self.named and username and username in responsible.values():
            return True
        return role in self.roles and (not self.step or role in step_roles)


@dataclass(frozen=True)
class Programme:
    """A case programme as loaded and checked by :func:`load_programme`."""

    code: str
    label: Label
    source: str
    initial: str
    opened: Label
    terminal_refused: str
    sources: tuple[tuple[str, Label], ...]
    responsible: tuple[tuple[str, Label], ...]
    deadlines: tuple[Deadline, ...]
    states: tuple[State, ...]
    actions: tuple[Action, ...]
    path: str = ""
    visibility: Visibility = Visibility()

    @cached_property
    def _states(self) -> dict[str, State]:
        return {s.code: s for s in self.states}

    @cached_property
    def _actions(self) -> dict[str, Action]:
        return {a.code: a for a in self.actions}

    @cached_property
    def _deadlines(self) -> dict[str, Deadline]:
        return {d.key: d for d in self.deadlines}

    @property
    def state_codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.states)

    @property
    def action_codes(self) -> tuple[str, ...]:
        return tuple(a.code for a in self.actions)

    @property
    def roles(self) -> frozenset[str]:
        """Every role that may take some action."""
        return frozenset().union(*(a.roles for a in self.actions))

    def state(self, code: str) -> State:
        """The state ``code``; ``KeyError`` if the programme has none."""
        return self._states[code]

    def action(self, code: str) -> Action | None:
        return self._actions.get(code)

    def deadline(self, key: str) -> Deadline:
        return self._deadlines[key]

    def actions_in(self, state: str) -> tuple[str, ...]:
        """Actions the workflow accepts in ``state``, in declaration order."""
        return tuple(a.code for a in self.actions if state in a.sources)

    def step_roles(self, state: str) -> frozenset[str]:
        """Roles that may move a case on from ``state`` (an action leading to another state): who works the
        case's current step.  None for a terminal state."""
        return frozenset().union(*(a.roles for a in self.actions
                                   if state in a.sources and any(t != state for t in a.targets(state))))

    def actions_for(self, role: str) -> frozenset[str]:
        """Actions ``role`` may take (empty: the role only reads cases)."""
        return frozenset(a.code for a in self.actions if role in a.roles)

    def event_label(self, action: str) -> Label:
        """The label of a history event: its action's, or ``opened`` (建案) for the opening event."""
        a = self.action(action)
        return a.label if a is not None else self.opened

    def responsible_label(self, role: str) -> Label | None:
        return dict(self.responsible).get(role)

    def source_codes(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.sources)

    def reachable(self) -> frozenset[str]:
        """States reachable from the initial state through the actions."""
        seen, todo = {self.initial}, [self.initial]
        while todo:
            s = todo.pop()
            for a in self.actions:
                if s in a.sources:
                    for t in a.targets(s):
                        if t not in seen:
                            seen.add(t)
                            todo.append(t)
        return frozenset(seen)


# --------------------------------------------------------------------------------------------------- loading
def load_programme(path: str | Path) -> Programme:
    """Read and check the programme file at ``path``; raises :class:`ProgrammeError` listing every problem."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        raise ProgrammeError([f"{path}: 文件不存在 / file not found"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ProgrammeError([f"{path.name}: TOML 语法错误 / TOML syntax error: {exc}"]) from None
    return programme_from_mapping(raw, name=path.name)


def shipped_programme(code: str) -> Programme:
    """The shipped programme ``code`` (``programmes/<code>.toml``)."""
    return load_programme(PROGRAMME_DIR / f"{code}.toml")


def programme_from_mapping(raw: Mapping[str, Any], *, name: str = "<programme>") -> Programme:
    """A programme from its parsed TOML; ``name`` (the file name) starts every issue."""
    p = _Parser(name)
    prog = p.programme(raw)
    if p.issues or prog is None:
        raise ProgrammeError(p.issues)
    return prog


class _Parser:
    """Builds the frozen programme while collecting every issue (``file: key: message``)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.issues: list[str] = []

    def bad(self, key: str, message: str) -> None:
        self.issues.append(f"{self.name}: {key}: {message}")

    def unknown(self, table: Mapping[str, Any], allowed: set[str], where: str) -> None:
        for key in table:
            if key not in allowed:
                self.bad(f"{where}{key}", f"未知的键 / unknown key (允许 / allowed: {', '.join(sorted(allowed))})")

    def text(self, table: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
        v = table.get(key)
        if v is None and not required:
            return ""
        if not isinstance(v, str) or not v.strip():
            self.bad(f"{where}{key}", f"应为非空文字 / expected non-empty text, got {v!r}")
            return ""
        return v

    def flag(self, table: Mapping[str, Any], key: str, where: str) -> bool:
        v = table.get(key, False)
        if not isinstance(v, bool):
            self.bad(f"{where}{key}", f"应为 true 或 false / expected true or false, got {v!r}")
            return False
        return v

    def whole(self, table: Mapping[str, Any], key: str, where: str, *, positive: bool = True) -> int | None:
        v = table.get(key)
        if v is None:
            return None
        if not isinstance(v, int) or isinstance(v, bool) or (positive and v < 1):
            self.bad(f"{where}{key}", f"应为{'正' if positive else ''}整数 / expected a whole number"
                                      f"{' ≥ 1' if positive else ''}, got {v!r}")
            return None
        return v

    def label(self, v: Any, where: str) -> Label:
        if not isinstance(v, Mapping):
            self.bad(where, f"应为 {{ zh = …, en = … }} / expected a table with zh and en, got {v!r}")
            return Label("", "")
        self.unknown(v, {"zh", "en"}, f"{where}.")
        return Label(self.text(v, "zh", f"{where}."), self.text(v, "en", f"{where}."))

    def labels(self, v: Any, where: str) -> tuple[tuple[str, Label], ...]:
        if not isinstance(v, Mapping) or not v:
            self.bad(where, f"应为非空表 / expected a non-empty table, got {v!r}")
            return ()
        return tuple((str(k), self.label(x, f"{where}.{k}")) for k, x in v.items())

    def tables(self, raw: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
        v = raw.get(key)
        if not isinstance(v, list) or not v or not all(isinstance(x, Mapping) for x in v):
            self.bad(key, f"应为非空的表数组 [[{key}]] / expected a non-empty array of tables")
            return []
        return v

    # ------------------------------------------------------------------------------------------ sections
    def programme(self, raw: Mapping[str, Any]) -> Programme | None:
        self.unknown(raw, _TOP, "")
        deadlines = self.deadlines(raw.get("deadlines", {}))
        states = tuple(self.state(t, i, {d.key for d in deadlines}) for i, t in enumerate(self.tables(raw, "states")))
        codes = [s.code for s in states]
        for c in {c for c in codes if codes.count(c) > 1}:
            self.bad("states", f"状态 {c!r} 重复 / duplicate state")
        responsible = self.labels(raw.get("responsible", {}), "responsible") if raw.get("responsible") else ()
        by_code = {s.code: s for s in states}
        actions = tuple(self.action(t, i, by_code, {d.key: d for d in deadlines}, responsible)
                        for i, t in enumerate(self.tables(raw, "actions")))
        acodes = [a.code for a in actions]
        for c in {c for c in acodes if acodes.count(c) > 1}:
            self.bad("actions", f"操作 {c!r} 重复 / duplicate action")
        initial = self.text(raw, "initial", "")
        if initial and (initial not in by_code or by_code[initial].terminal):
            self.bad("initial", f"应为一个非终止状态 / expected a state that is not terminal, got {initial!r}")
        prog = Programme(
            code=self.text(raw, "code", ""), label=self.label(raw.get("label"), "label"),
            source=self.text(raw, "source", ""), initial=initial, opened=self.label(raw.get("opened"), "opened"),
            terminal_refused=self.text(raw, "terminal_refused", ""),
            sources=self.labels(raw.get("sources"), "sources"), responsible=responsible,
            deadlines=deadlines, states=states, actions=actions, path=self.name,
            visibility=self.visibility(raw.get("visibility", {})))
        idle = sorted(prog.visibility.roles - prog.roles) if prog.visibility.step else []
        if idle:
            self.bad("visibility.roles", f"step = true，但这些角色没有任何操作 / with step = true these roles never have "
                                         f"a step: {', '.join(idle)}")
        if self.issues:
            return None
        self.graph(prog)
        return prog

    def visibility(self, raw: Any) -> Visibility:
        """The ``[visibility]`` table (absent: nobody sees a child in clear)."""
        if not isinstance(raw, Mapping):
            self.bad("visibility", f"应为表 [visibility] / expected a table, got {raw!r}")
            return Visibility()
        self.unknown(raw, _VISIBILITY_KEYS, "visibility.")
        roles = raw.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(r, str) and r for r in roles):
            self.bad("visibility.roles", f"应为角色列表 / expected a list of roles, got {roles!r}")
            roles = []
        return Visibility(self.flag(raw, "named", "visibility."), frozenset(roles), self.flag(raw, "step", "visibility."))

    def deadlines(self, raw: Any) -> tuple[Deadline, ...]:
        if not isinstance(raw, Mapping):
            self.bad("deadlines", "应为表 [deadlines.<key>] / expected tables [deadlines.<key>]")
            return ()
        out = []
        for key, t in raw.items():
            where = f"deadlines.{key}."
            if not isinstance(t, Mapping):
                self.bad(f"deadlines.{key}", "应为表 / expected a table")
                continue
            self.unknown(t, _DEADLINE_KEYS, where)
            amount = self.whole(t, "amount", where)
            if "amount" not in t:
                self.bad(f"{where}amount", "缺少 / missing")
            unit = t.get("unit", "days")
            if unit not in DEADLINE_UNITS:
                self.bad(f"{where}unit", f"应为 {' 或 '.join(DEADLINE_UNITS)} / expected one of {DEADLINE_UNITS}, "
                                         f"got {unit!r}")
            field = t.get("field")
            if field is not None and not isinstance(field, str):
                self.bad(f"{where}field", f"应为字段名 / expected a field key, got {field!r}")
            out.append(Deadline(str(key), amount or 1, str(unit), self.label(t.get("label"), f"{where}label"),
                                self.text(t, "source", where), field if isinstance(field, str) else None))
        return tuple(out)

    def state(self, t: Mapping[str, Any], i: int, deadlines: set[str]) -> State:
        code = self.text(t, "code", f"states[{i}].")
        where = f"states[{i}] ({code})."
        self.unknown(t, _STATE_KEYS, where)
        terminal, period = self.flag(t, "terminal", where), self.flag(t, "period", where)
        deadline = t.get("deadline")
        if deadline is not None and deadline not in deadlines:
            self.bad(f"{where}deadline", f"未知期限 {deadline!r} / unknown deadline "
                                         f"(已有 / declared: {', '.join(sorted(deadlines)) or '—'})")
        if terminal and (deadline or period):
            self.bad(where.rstrip("."), "终止状态没有期限 / a terminal state has no deadline or period")
        if period and not deadline:
            self.bad(f"{where}period", "跟踪期需要期限 / a period needs a deadline")
        return State(code, self.label(t.get("label"), f"{where}label"), terminal,
                     deadline if isinstance(deadline, str) else None, period)

    def action(self, t: Mapping[str, Any], i: int, states: Mapping[str, State], deadlines: Mapping[str, Deadline],
               responsible: tuple[tuple[str, Label], ...]) -> Action:
        code = self.text(t, "code", f"actions[{i}].")
        where = f"actions[{i}] ({code})."
        self.unknown(t, _ACTION_KEYS, where)
        if code == "open":
            self.bad(f"{where}code", "open 是建案，不是可办理的操作 / 'open' is the opening event, not an action")
        sources = self.sources(t.get("from"), states, f"{where}from")
        to = t.get("to")
        if to is not None and to not in states:
            self.bad(f"{where}to", f"未知状态 {to!r} / unknown state")
        roles = t.get("roles")
        if not isinstance(roles, list) or not roles or not all(isinstance(r, str) and r for r in roles):
            self.bad(f"{where}roles", f"应列出可办理的角色 / expected a non-empty list of roles, got {roles!r}")
            roles = []
        fields_raw = t.get("fields", [])
        if not isinstance(fields_raw, list) or not all(isinstance(f, Mapping) for f in fields_raw):
            self.bad(f"{where}fields", "应为字段表数组 / expected an array of field tables")
            fields_raw = []
        fields = tuple(self.field(f, j, f"{where}fields[{j}]", states, responsible) for j, f in enumerate(fields_raw))
        keys = [f.key for f in fields]
        for k in {k for k in keys if keys.count(k) > 1}:
            self.bad(f"{where}fields", f"字段 {k!r} 重复 / duplicate field")
        effect = t.get("effect", "")
        if effect not in EFFECTS:
            self.bad(f"{where}effect", f"应为 {EFFECTS[1:]} 之一 / expected one of {EFFECTS[1:]}, got {effect!r}")
        after_period = self.flag(t, "after_period", where)
        period_refused = self.text(t, "period_refused", where, required=after_period)
        action = Action(code, self.label(t.get("label"), f"{where}label"), sources,
                        to if isinstance(to, str) else None, frozenset(roles), fields,
                        self.text(t, "refused", where, required=False), after_period, period_refused, str(effect))
        self.check_action(action, where, states, deadlines)
        return action

    def sources(self, v: Any, states: Mapping[str, State], where: str) -> tuple[str, ...]:
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list) or not v:
            self.bad(where, f"应列出状态（\"*\" 为所有非终止状态）/ expected a list of states (\"*\": every state "
                            f"not terminal), got {v!r}")
            return ()
        out: list[str] = []
        for s in v:
            if s == ANY_OPEN_STATE:
                out += [c for c, st in states.items() if not st.terminal]
            elif s in states:
                out.append(s)
            else:
                self.bad(where, f"未知状态 {s!r} / unknown state")
        return tuple(c for c in states if c in out)  # the declaration order of the states

    def field(self, f: Mapping[str, Any], j: int, where: str, states: Mapping[str, State],
              responsible: tuple[tuple[str, Label], ...]) -> ActionField:
        key = self.text(f, "key", f"{where}.")
        where = f"{where} ({key})."
        self.unknown(f, _FIELD_KEYS, where)
        if key and (len(key) > 32 or not key.isidentifier()):
            self.bad(f"{where}key", f"应为不超过 32 字符的英文标识 / expected an identifier of ≤ 32 characters, got {key!r}")
        kind = f.get("type")
        if kind not in FIELD_TYPES:
            self.bad(f"{where}type", f"未知字段类型 {kind!r} / unknown field type (允许 / allowed: "
                                     f"{', '.join(FIELD_TYPES)})")
        choices: tuple[Choice, ...] = ()
        raw = f.get("choices")
        if kind == "choice":
            if raw == "responsible":
                choices = tuple(Choice(code, lab) for code, lab in responsible)
                if not choices:
                    self.bad(f"{where}choices", "引用了 [responsible] 表，但它为空 / refers to an empty [responsible]")
            elif isinstance(raw, list) and raw and all(isinstance(c, Mapping) for c in raw):
                choices = tuple(self.choice(c, f"{where}choices[{k}]", states) for k, c in enumerate(raw))
                values = [c.value for c in choices]
                for v in {v for v in values if values.count(v) > 1}:
                    self.bad(f"{where}choices", f"取值 {v!r} 重复 / duplicate value")
                if any(c.to for c in choices) and not all(c.to for c in choices):
                    self.bad(f"{where}choices", "要么每个取值都有 to，要么都没有 / give every value a `to`, or none")
            else:
                self.bad(f"{where}choices", f"选择字段应列出取值 / a choice field needs a list of choices, got {raw!r}")
        elif raw is not None:
            self.bad(f"{where}choices", f"只有 choice 类型的字段有取值 / only a choice field has choices ({kind})")
        max_chars = self.whole(f, "max_chars", where)
        lo, hi = self.whole(f, "min", where, positive=False), self.whole(f, "max", where, positive=False)
        if max_chars is not None and kind not in ("text", "date"):
            self.bad(f"{where}max_chars", f"只适用于 text 与 date 字段 / only for text and date fields ({kind})")
        if (lo is not None or hi is not None) and kind != "int":
            self.bad(f"{where}min", f"min 与 max 只适用于 int 字段 / min and max are for int fields ({kind})")
        if lo is not None and hi is not None and lo > hi:
            self.bad(f"{where}min", f"min {lo} > max {hi}")
        hint = self.label(f["hint"], f"{where}hint") if "hint" in f else None
        return ActionField(key, str(kind), self.label(f.get("label"), f"{where}label"), self.flag(f, "required", where),
                           hint, choices, max_chars, lo, hi)

    def choice(self, c: Mapping[str, Any], where: str, states: Mapping[str, State]) -> Choice:
        self.unknown(c, _CHOICE_KEYS, f"{where}.")
        value = self.text(c, "value", f"{where}.")
        to = c.get("to")
        if to is not None and to not in states:
            self.bad(f"{where}.to", f"未知状态 {to!r} / unknown state")
        requires = c.get("requires", [])
        if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
            self.bad(f"{where}.requires", f"应为字段名列表 / expected a list of field keys, got {requires!r}")
            requires = []
        return Choice(value, self.label(c.get("label"), f"{where}.label"), to if isinstance(to, str) else None,
                      tuple(requires))

    def check_action(self, a: Action, where: str, states: Mapping[str, State],
                     deadlines: Mapping[str, Deadline]) -> None:
        keys = {f.key for f in a.fields}
        for f in a.fields:
            for c in f.choices:
                for r in c.requires:
                    if r not in keys:
                        self.bad(f"{where}fields ({f.key}).choices ({c.value}).requires",
                                 f"未声明的字段 {r!r} / field not declared in this action")
        outcome = [f for f in a.fields if any(c.to for c in f.choices)]
        if len(outcome) > 1:
            self.bad(f"{where}fields", "最多一个字段决定下一状态 / at most one field may choose the next state")
        if outcome and a.to is not None:
            self.bad(f"{where}to", "已由字段取值决定下一状态，不应再写 to / the next state comes from a field's "
                                   "choices; drop `to`")
        if outcome and not outcome[0].required:
            self.bad(f"{where}fields ({outcome[0].key}).required", "决定下一状态的字段必须必填 / the field choosing "
                                                                  "the next state must be required")
        if a.effect == "responsible":
            role, person = a.field("role"), a.field("person")
            if role is None or role.type != "choice" or person is None or person.type != "text":
                self.bad(f"{where}effect", "responsible 需要字段 role（choice，取值 \"responsible\"）和 person（text）/ "
                                           "needs fields role (choice of \"responsible\") and person (text)")
        for s in a.sources:
            for target in a.targets(s):
                st = states.get(target)
                d = deadlines.get(st.deadline) if st and st.deadline else None
                if d is None or d.field is None or target == s:
                    continue
                wanted = a.field(d.field)
                if wanted is None or wanted.type != "int":
                    self.bad(f"{where}fields", f"进入“{target}”的操作须有 int 字段 {d.field!r}（期限 {d.key}）/ an "
                                               f"action entering {target!r} needs the int field {d.field!r}")

    def graph(self, p: Programme) -> None:
        reached = p.reachable()
        for s in p.states:
            if s.code not in reached:
                self.bad(f"states ({s.code})", f"从初始状态 {p.initial!r} 无法到达 / cannot be reached from the "
                                               "initial state")
            if not s.terminal and not any(t != s.code for a in p.actions if s.code in a.sources
                                          for t in a.targets(s.code)):
                self.bad(f"states ({s.code})", "非终止状态没有离开的操作 / a state that is not terminal has no "
                                               "action leaving it")
        if not any(s.terminal for s in p.states):
            self.bad("states", "至少需要一个终止状态 / at least one state must be terminal")


KONGCHUO = shipped_programme("kongchuo")
"""控辍保学 一人一案 (``programmes/kongchuo.toml``): the programme of every case in the store so far."""
