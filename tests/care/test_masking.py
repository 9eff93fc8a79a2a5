"""The one masking rule for children's personal data (``services.care.mask_personal`` / ``sees_full_ids``).

The store returns what it holds; the services show a case in clear only to the people responsible for it (the
programme's ``[visibility]`` table: the users the case names, and the roles whose step the case is at, within
scope), audit each such view, and mask everything else with the primitives of ``domain/idnumber.py``.  All
values are synthetic.
"""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest
from sqlalchemy import Engine, select

from junheng.care.programme import PROGRAMME_DIR, ProgrammeError, programme_from_mapping
from junheng.services import care as K
from junheng.services.authz import Actor
from junheng.store.auth_models import AuditEvent
from junheng.store.cases import CaseService

ID_A, NAME_A = "130431201501010012", "张三丰"
STUDENT_A = "G" + ID_A
COUNTY = Actor(None, "county", "county_admin", scopes=("130431000000",), home="130431000000")
PLANNER = Actor(None, "wang", "planner", scopes=("130431000000",), home="130431000000")
AT = dt.datetime(2026, 9, 2)


def test_mask_personal_by_column_name() -> None:
    row = {"name": NAME_A, "guardian_name": "李四", "id_number": ID_A, "left_id_number": ID_A,
           "student_id": STUDENT_A, "left_key": ID_A, "right_key": f"{NAME_A}|2015-01-01|130431100201",
           "village_code": "130431100201", "reason": "户籍有、学籍无", "missing": None,
           "contact_phone": "13812341234", "guardian_relation": "母亲"}
    assert K.mask_personal(row) == {
        "name": "张**", "guardian_name": "李*", "id_number": "130431********0012",
        "left_id_number": "130431********0012", "student_id": "G130431********0012",
        "left_key": "130431********0012", "right_key": "******", "village_code": "130431100201",
        "reason": "户籍有、学籍无", "missing": None, "contact_phone": "138****1234", "guardian_relation": "母亲"}
    # the 学籍号 is masked like an ID number: never more than the masked ID shows, a short one wholly
    assert K.mask_personal({"student_id": "G1002"}) == {"student_id": "*****"}
    assert K.mask_student_number("L13043120150101001X") == "L130431********001X"
    assert K.mask_phone("0310-1234") == "*********"


def _case(engine: Engine, **kw: object) -> int:
    return CaseService(engine).open(ID_A, "suspected_dropout", by="pytest", at=AT, name=NAME_A, id_number=ID_A,
                                    student_id=STUDENT_A, village_code="130431100201", **kw)  # type: ignore[arg-type]


def _personal_views(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(AuditEvent.username, AuditEvent.target).where(
            AuditEvent.action == "care.case.view_personal").order_by(AuditEvent.id))]  # type: ignore[misc]


def test_the_responsible_see_the_child_and_are_audited(engine: Engine) -> None:
    cid = _case(engine)
    stored = CaseService(engine).cases()
    assert (stored.loc[0, "name"], stored.loc[0, "id_number"]) == (NAME_A, ID_A)  # the store does not mask
    row = K.list_cases(engine, COUNTY)[0]
    one = K.get_case(engine, COUNTY, cid)
    assert (row.name, row.id_number, row.student_id) == (NAME_A, ID_A, STUDENT_A)
    assert (one["name"], one["id_number"], one["student_id"], one["masked"]) == (NAME_A, ID_A, STUDENT_A, False)
    assert _personal_views(engine) == [("county", str(cid))] * 2  # the list and the page
    # a planner is no one responsible for the case: masked, and no clear view recorded
    row = K.list_cases(engine, PLANNER)[0]
    one = K.get_case(engine, PLANNER, cid)
    assert (row.name, row.id_number, row.student_id) == ("张**", "130431********0012", "G130431********0012")
    assert (one["name"], one["id_number"], one["student_id"], one["masked"]) == (
        row.name, row.id_number, row.student_id, True)
    assert len(_personal_views(engine)) == 2
    # … until the case names them responsible
    K.act(engine, COUNTY, cid, "assign", {"role": "gov_county", "person": "wang"}, version=1)
    assert K.get_case(engine, PLANNER, cid)["name"] == NAME_A
    assert _personal_views(engine)[-1] == ("wang", str(cid))


def test_a_closed_case_is_masked_for_the_roles(engine: Engine) -> None:
    """The roles see a case while its step is theirs; a closed case has no step left (the named still see it)."""
    cid = _case(engine, responsible={"gov_township": "county"})
    other = _case_other(engine)
    K.act(engine, COUNTY, cid, "verify", {"result": "not_dropout", "reason": "已转学", "evidence": "转学证明"},
          version=1)
    K.act(engine, COUNTY, other, "verify", {"result": "not_dropout", "reason": "已转学", "evidence": "转学证明"},
          version=1)
    assert K.get_case(engine, COUNTY, cid)["name"] == NAME_A  # named responsible
    assert K.get_case(engine, COUNTY, other)["name"] == "李**"
    assert K.sees_full_ids(COUNTY) is False  # a ledger row is no case: masked for everyone


def _case_other(engine: Engine) -> int:
    return CaseService(engine).open("130431201601010034", "out_of_school", by="pytest", at=AT, name="李四海",
                                    id_number="130431201601010034", village_code="130431100201")


def test_visibility_is_checked_on_load() -> None:
    raw = tomllib.loads((PROGRAMME_DIR / "kongchuo.toml").read_text(encoding="utf-8"))
    raw["visibility"] = {"named": "yes", "roles": "county_admin", "who": 1}
    with pytest.raises(ProgrammeError) as e:
        programme_from_mapping(raw, name="k.toml")
    text = str(e.value)
    assert "k.toml: visibility.named" in text and "k.toml: visibility.roles" in text and "visibility.who" in text
    raw["visibility"] = {"roles": ["viewer"], "step": True}
    with pytest.raises(ProgrammeError, match="viewer"):
        programme_from_mapping(raw, name="k.toml")
    raw["visibility"] = {"roles": ["nobody"]}
    with pytest.raises(ProgrammeError, match="nobody"):
        K._checked(programme_from_mapping(raw, name="k.toml"))
