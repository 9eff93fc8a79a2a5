"""junheng.assess.rules: every computed county item against the hand county (tests/assess/data)."""

from __future__ import annotations

import pandas as pd
import pytest
from hand_county import hand_tables

from junheng.assess import RULE_FUNCTIONS, assess
from junheng.domain.tables import YearTables
from junheng.standards import RULES, evidence_from_records, load_pack


@pytest.fixture(scope="module")
def a():  # type: ignore[no-untyped-def]
    return assess(load_pack("yzjh-2017"), hand_tables(), year=2025)


def _details(a, code: str) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return a.item_details[a.item_details["item"] == code].set_index("school_code")


def test_every_rule_named_by_packs_is_implemented() -> None:
    assert set(RULES) == set(RULE_FUNCTIONS)


def test_music_and_art_rooms(a) -> None:  # type: ignore[no-untyped-def]
    it = a.item("gov_03_music_art_rooms")
    # 丁学校 21 classes → 2 rooms each; music 96;80 → one room ≥ 96; 乙小学 art 88 < 90; 己中学 art area blank
    assert it.status == "not_met" and it.value == 2
    d = _details(a, "gov_03_music_art_rooms")
    assert d.loc["1000000004", "required"] == 2 and d.loc["1000000004", "gap"] == 1
    assert d.loc["1000000002", "gap"] == 1
    assert "未填" in d.loc["1000000006", "note"]
    assert "1000000005" not in d.index  # teaching points are not schools here


def test_school_size_and_class_size(a) -> None:  # type: ignore[no-untyped-def]
    assert a.item("gov_04_school_size").status == "met"
    it = a.item("gov_05_class_size")
    assert it.status == "not_met" and it.value == 1  # 己中学 one class of 51–55
    t = hand_tables()
    sec = t.section_year.copy()
    sec.loc[(sec["school_code"] == "1000000004") & (sec["year"] == 2025) & (sec["stage"] == "primary"), "students"] = 2300
    big = assess(load_pack("yzjh-2017"), YearTables(**{**t.frames(), "section_year": sec}), year=2025)
    # 九年一贯制 cap 2500: 2300 + 300 = 2600 compulsory students, 100 over
    assert big.item("gov_04_school_size").status == "not_met"
    assert _details(big, "gov_04_school_size").loc["1000000004", "gap"] == 100


def test_funding_items(a) -> None:  # type: ignore[no-untyped-def]
    it = a.item("gov_06_small_school_funding")
    assert it.status == "met" and it.denominator == 1  # only 戊教学点 (40 pupils): 60000 ≥ 100 × 600
    it = a.item("gov_07_special_school_funding")
    assert it.status == "not_met" and it.value == pytest.approx(44000 / 8)
    assert _details(a, "gov_07_special_school_funding").loc["1000000007", "gap"] == pytest.approx(4000)


def test_teacher_items(a) -> None:  # type: ignore[no-untyped-def]
    it = a.item("gov_09_training_completion")
    assert (it.numerator, it.denominator) == (144, 149) and it.status == "not_met"
    assert _details(a, "gov_09_training_completion").loc["1000000006", "gap"] == 5
    it = a.item("gov_11_rotation")
    assert (it.numerator, it.denominator) == (4, 40) and it.status == "met"
    assert it.extra["backbone_share"] == pytest.approx(0.25)
    assert a.item("gov_12_certified_teachers").value == pytest.approx(1.0)
    assert a.item("gov_12_certified_teachers").status == "met"


def test_quality_items(a) -> None:  # type: ignore[no-untyped-def]
    it = a.item("quality_01_junior_retention")  # (96 + 160) / (100 + 170)
    assert (it.numerator, it.denominator) == (256, 270) and it.status == "not_met"
    it = a.item("quality_02_disabled_enrolment")  # 8 特教 + 2 + 1 随班就读 / 12 disabled children aged 6–14
    assert (it.numerator, it.denominator) == (11, 12) and it.status == "not_met"


def test_missing_data_gives_unknown_and_evidence_fills_it() -> None:
    t = hand_tables()
    sec = t.section_year.copy()
    sec["teachers_rotation_eligible"] = pd.NA
    t2 = YearTables(**{**t.frames(), "section_year": sec})
    a = assess(load_pack("yzjh-2017"), t2, year=2025)
    assert a.item("gov_11_rotation").status == "unknown"
    ev = evidence_from_records([{"item": "gov_11_rotation", "status": "met", "document": "交流轮岗名单"}])
    a = assess(load_pack("yzjh-2017"), t2, year=2025, evidence=ev)
    assert a.item("gov_11_rotation").status == "met" and a.item("gov_11_rotation").evidence is not None
    only_2025 = t.for_year(2025)
    assert assess(load_pack("yzjh-2017"), only_2025, year=2025).item("quality_01_junior_retention").status == "unknown"
