"""The one masking rule for children's personal data (``services.care.mask_personal`` / ``sees_full_ids``).

The store returns what it holds; the services mask every case, ledger row and download with the primitives of
``domain/idnumber.py`` unless the role is in ``UNMASKED_ROLES`` (empty by default).  All values are synthetic.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from junheng.services import care as K
from junheng.services.authz import Actor
from junheng.store.cases import CaseService

ID_A, NAME_A = "130431201501010012", "张三丰"
STUDENT_A = "G" + ID_A
COUNTY = Actor(None, "county", "county_admin", scopes=("130431000000",), home="130431000000")


def test_mask_personal_by_column_name() -> None:
    row = {"name": NAME_A, "guardian_name": "李四", "id_number": ID_A, "left_id_number": ID_A,
           "student_id": STUDENT_A, "left_key": ID_A, "right_key": f"{NAME_A}|2015-01-01|130431100201",
           "village_code": "130431100201", "reason": "户籍有、学籍无", "missing": None}
    assert K.mask_personal(row) == {
        "name": "张**", "guardian_name": "李*", "id_number": "130431********0012",
        "left_id_number": "130431********0012", "student_id": "G13043*********0012",
        "left_key": "130431********0012", "right_key": "******", "village_code": "130431100201",
        "reason": "户籍有、学籍无", "missing": None}
    assert K.mask_personal({"student_id": "1002"}) == {"student_id": "1002"}  # a short local number is kept


def test_one_switch_decides_who_sees_full_ids(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    cid = CaseService(engine).open(ID_A, "suspected_dropout", by="pytest", at=dt.datetime(2026, 9, 2),
                                   name=NAME_A, id_number=ID_A, student_id=STUDENT_A, village_code="130431100201")
    stored = CaseService(engine).cases()
    assert (stored.loc[0, "name"], stored.loc[0, "id_number"]) == (NAME_A, ID_A)  # the store does not mask
    row = K.list_cases(engine, COUNTY)[0]
    one = K.get_case(engine, COUNTY, cid)
    assert (row.name, row.id_number, row.student_id) == ("张**", "130431********0012", "G13043*********0012")
    assert (one["name"], one["id_number"], one["student_id"]) == (row.name, row.id_number, row.student_id)
    monkeypatch.setattr(K, "UNMASKED_ROLES", frozenset({"county_admin"}))
    row = K.list_cases(engine, COUNTY)[0]
    one = K.get_case(engine, COUNTY, cid)
    assert (row.name, row.id_number, row.student_id) == (NAME_A, ID_A, STUDENT_A)
    assert (one["name"], one["id_number"]) == (NAME_A, ID_A)
    viewer = Actor(None, "v", "viewer", scopes=("130431000000",), home="130431000000")
    assert K.list_cases(engine, viewer)[0].name == "张**"  # other roles stay masked
