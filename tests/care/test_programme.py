"""Case programmes as data: the shipped 控辍保学 file loads, is checked on load, and gives the old tables.

``ROLE_ACTIONS`` and ``STATE_ACTIONS`` below are the literal tables that ``services/care.py`` held before the
programme file replaced them; the programme must give exactly the same answers (plus 登记联系人 ``contact``, added
with the guardian fields of issue 13).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from junheng.care import KONGCHUO, IllegalTransition, apply, open_case
from junheng.care.programme import PROGRAMME_DIR, ProgrammeError, load_programme
from junheng.care.workflow import CaseRules, add_months
from junheng.services import care as K
from junheng.services.authz import Actor

ALL = {"verify", "attempt", "place", "track", "relapse", "close", "assign", "contact", "note"}
ROLE_ACTIONS = {
    "admin": ALL,
    "county_admin": ALL,
    "township_staff": ALL,
    "school_clerk": {"verify", "attempt", "place", "track", "relapse", "contact", "note"},
    "planner": {"assign", "note"},
    "viewer": set(),
}
STATE_ACTIONS = {
    "suspected": ("verify", "assign", "contact", "note"),
    "confirmed": ("attempt", "place", "assign", "contact", "note"),
    "persuading": ("attempt", "place", "assign", "contact", "note"),
    "returned": ("track", "assign", "contact", "note"),
    "home_teaching": ("track", "assign", "contact", "note"),
    "other_placement": ("track", "assign", "contact", "note"),
    "tracking": ("close", "relapse", "assign", "contact", "note"),
    "closed": ("note",),
}
T0 = dt.datetime(2026, 9, 2, 9, 0)
SHIPPED = (PROGRAMME_DIR / "kongchuo.toml").read_text("utf-8")


def test_kongchuo_loads() -> None:
    p = load_programme(PROGRAMME_DIR / "kongchuo.toml")
    assert p == KONGCHUO and p.code == "kongchuo" and p.label.zh == "控辍保学"
    assert p.state_codes == tuple(STATE_ACTIONS) and p.initial == "suspected"
    assert [s.code for s in p.states if s.terminal] == ["closed"]
    assert [(s.code, s.label.zh) for s in p.states][:3] == [("suspected", "疑似"), ("confirmed", "核实"),
                                                             ("persuading", "劝返")]
    assert {d.key: (d.amount, d.unit) for d in p.deadlines} == {
        "verify_days": (7, "days"), "persuade_days": (30, "days"), "place_to_track_days": (7, "days"),
        "tracking_months": (3, "months")}
    assert all("standards.md §4.10" in d.source for d in p.deadlines)  # every number cites where it comes from
    verify = p.action("verify")
    assert verify is not None and verify.outcome_field is not None
    assert [(c.value, c.to, c.requires) for c in verify.outcome_field.choices] == [
        ("confirmed", "confirmed", ()), ("not_dropout", "closed", ("reason", "evidence"))]
    assign = p.action("assign")
    assert assign is not None and [c.value for c in assign.fields[0].choices] == [
        "gov_county", "gov_township", "gov_village", "edu_bureau", "edu_school", "edu_teacher"]


def test_tables_equal_the_old_ones() -> None:
    assert {s: KONGCHUO.actions_in(s) for s in KONGCHUO.state_codes} == STATE_ACTIONS
    assert {r: set(KONGCHUO.actions_for(r)) for r in ROLE_ACTIONS} == ROLE_ACTIONS
    for role, mine in ROLE_ACTIONS.items():
        actor = Actor(None, "u", role)
        for state, accepted in STATE_ACTIONS.items():
            assert K.allowed_actions(actor, state) == [a for a in accepted if a in mine], (role, state)
    assert K.ACTION_PATTERN == "^(verify|attempt|place|track|close|relapse|assign|contact|note)$"


def _data(field_type: str, value: str | None) -> object:
    return {"text": "x", "date": "2026-09-05", "int": 1}.get(field_type, value)


def test_every_state_is_reachable_through_the_engine() -> None:
    """Walk the workflow itself (not the declared graph): from a new case, try every action in every reached
    state with every value of its choice fields, each 400 days after the last (past any follow-up period); every
    state is reached."""
    start = open_case("K", "out_of_school", by="a", at=T0)
    seen, todo = {start.state}, [start]
    while todo:
        case = todo.pop()
        for code in KONGCHUO.actions_in(case.state):
            act = KONGCHUO.action(code)
            assert act is not None
            outcome = act.outcome_field
            for value in [c.value for c in outcome.choices] if outcome else [None]:
                data = {f.key: _data(f.type, f.choices[0].value if f.choices else None) for f in act.fields}
                if outcome:
                    data[outcome.key] = value
                new = apply(case, code, data, by="a", at=case.history[-1].at + dt.timedelta(days=400))
                if new.state not in seen:
                    seen.add(new.state)
                    todo.append(new)
    assert seen == set(KONGCHUO.state_codes) == set(KONGCHUO.reachable())


def _bad(tmp_path: Path, old: str, new: str) -> ProgrammeError:
    assert old in SHIPPED, old
    path = tmp_path / "broken.toml"
    path.write_text(SHIPPED.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ProgrammeError) as exc:
        load_programme(path)
    return exc.value


@pytest.mark.parametrize("old,new,where", [
    ('to = "persuading"\nroles', 'to = "nowhere"\nroles', "actions[1] (attempt).to: 未知状态 'nowhere'"),
    ('from = ["tracking"]\nto = "closed"', 'from = ["tracking", "lost"]\nto = "closed"',
     "actions[4] (close).from: 未知状态 'lost'"),
    ('roles = ["admin", "county_admin", "township_staff"]\n', 'roles = []\n', "actions[4] (close).roles"),
    ('{ key = "months", type = "int"', '{ key = "months", type = "integer"',
     "actions[3] (track).fields[0] (months).type: 未知字段类型 'integer'"),
    ('deadline = "verify_days"', 'deadline = "verify_weeks"', "states[0] (suspected).deadline: 未知期限 'verify_weeks'"),
    ('amount = 7\nunit = "days"\nlabel = { zh = "疑似', 'amount = 0\nunit = "days"\nlabel = { zh = "疑似',
     "deadlines.verify_days.amount"),
    ('requires = ["detail"]', 'requires = ["details"]', "(place).fields (placement).choices (other_placement).requires"),
    ('initial = "suspected"', 'initial = "closed"', "initial"),
    ('code = "kongchuo"', 'code = "kongchuo"\ncolour = "red"', "colour: 未知的键"),
    ('{ key = "months", type = "int", min = 1,', '{ key = "months", type = "text",',
     "(track).fields: 进入“tracking”的操作须有 int 字段 'months'"),
])
def test_a_bad_programme_names_the_file_and_key(tmp_path: Path, old: str, new: str, where: str) -> None:
    err = _bad(tmp_path, old, new)
    assert any(i.startswith("broken.toml: ") and where in i for i in err.issues), err.issues


def test_unreachable_state_and_syntax_error(tmp_path: Path) -> None:
    err = _bad(tmp_path, '{ value = "home_teaching", label = { zh = "送教上门", en = "Home teaching" }, to = "home_teaching" },\n',
               "")
    assert "broken.toml: states (home_teaching): 从初始状态 'suspected' 无法到达 / cannot be reached from the " \
           "initial state" in err.issues
    path = tmp_path / "syntax.toml"
    path.write_text('code = "x\n', encoding="utf-8")
    with pytest.raises(ProgrammeError, match=r"syntax\.toml: TOML 语法错误"):
        load_programme(path)
    with pytest.raises(ProgrammeError, match="文件不存在"):
        load_programme(tmp_path / "missing.toml")


def test_services_refuse_a_programme_with_an_unknown_role(tmp_path: Path) -> None:
    path = tmp_path / "roles.toml"
    path.write_text(SHIPPED.replace('"planner"]', '"principal"]', 1), encoding="utf-8")
    with pytest.raises(ProgrammeError, match="未知角色 / unknown role\\(s\\) principal"):
        K._checked(load_programme(path))


def test_county_overrides_a_deadline() -> None:
    rules = CaseRules({"verify_days": 5, "tracking_months": 6})
    c = open_case("K", "out_of_school", by="a", at=T0, rules=rules)
    assert c.deadline == dt.date(2026, 9, 7)
    for action, data in (("verify", {"result": "confirmed"}), ("place", {"placement": "returned"}),
                         ("track", {})):
        c = apply(c, action, data, by="a", at=T0, rules=rules)
    assert c.tracking_until == add_months(T0.date(), 6) and c.history[-1].data["months"] == 6
    with pytest.raises(ValueError, match="verify_weeks"):
        open_case("K", "out_of_school", by="a", at=T0, rules=CaseRules({"verify_weeks": 1}))
    with pytest.raises(ValueError, match="正整数"):
        CaseRules({"verify_days": 0})


MINI = """
code = "mini"
label = { zh = "资助", en = "Student aid" }
source = "test"
initial = "applied"
opened = { zh = "申请", en = "Applied" }
terminal_refused = "已结案"
[sources]
roll = { zh = "学籍", en = "Roll" }
[deadlines.review]
amount = 2
unit = "months"
label = { zh = "审核", en = "Review" }
source = "test"
[[states]]
code = "applied"
label = { zh = "已申请", en = "Applied" }
deadline = "review"
[[states]]
code = "granted"
label = { zh = "已资助", en = "Granted" }
terminal = true
[[actions]]
code = "grant"
label = { zh = "资助", en = "Grant" }
from = ["applied"]
to = "granted"
roles = ["county_admin"]
fields = [{ key = "amount", type = "int", required = true, min = 1, max = 5000, label = { zh = "金额", en = "Amount" } },
          { key = "memo", type = "text", max_chars = 4, label = { zh = "说明", en = "Memo" } }]
"""


def test_another_programme_runs_on_the_same_engine(tmp_path: Path) -> None:
    path = tmp_path / "mini.toml"
    path.write_text(MINI, encoding="utf-8")
    p = load_programme(path)
    c = open_case("K", "roll", by="a", at=T0, programme=p)
    assert (c.state, c.deadline, c.programme) == ("applied", dt.date(2026, 11, 2), "mini")
    with pytest.raises(IllegalTransition, match="缺少金额"):
        apply(c, "grant", {}, by="a", at=T0, programme=p)
    with pytest.raises(IllegalTransition, match="金额至多为 5000"):
        apply(c, "grant", {"amount": "6000"}, by="a", at=T0, programme=p)
    with pytest.raises(IllegalTransition, match="说明超过 4 字"):
        apply(c, "grant", {"amount": 10, "memo": "五个字太长"}, by="a", at=T0, programme=p)
    with pytest.raises(IllegalTransition, match="不是 kongchuo"):
        apply(c, "grant", {"amount": 10}, by="a", at=T0)
    done = apply(c, "grant", {"amount": "10"}, by="a", at=T0, programme=p)
    assert (done.state, done.deadline, done.history[-1].data) == ("granted", None, {"amount": 10})
    with pytest.raises(IllegalTransition, match="已结案"):
        apply(done, "grant", {"amount": 1}, by="a", at=T0, programme=p)
    assert p.actions_for("county_admin") == {"grant"} and p.actions_for("viewer") == frozenset()
