"""junheng.assess.units: split sections, merged teaching points, scope switches (standards.md §2.3, §2.4)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hand_county import hand_tables
from hypothesis import given, settings
from hypothesis import strategies as st

from junheng.assess.units import build_units, split_shares
from junheng.domain.tables import YearTables
from junheng.standards import load_pack

PARAMS = dict(load_pack("yzjh-2017").parameters)


def _unit(units: pd.DataFrame, code: str, stage: str) -> pd.Series:
    row = units[(units["unit_code"] == code) & (units["stage"] == stage)]
    assert len(row) == 1
    return row.iloc[0]


def test_nine_year_school_is_split_one_to_one_point_one() -> None:
    units, _ = build_units(hand_tables(), year=2025, params=PARAMS, stages=("primary", "junior"))
    p, j = _unit(units, "1000000004", "primary"), _unit(units, "1000000004", "junior")
    # 600 : 1.1 × 300 = 600 : 330 of 930
    assert p["teaching_aux_area"] == pytest.approx(6000)
    assert j["teaching_aux_area"] == pytest.approx(3300)
    assert p["equipment_value"] == pytest.approx(1_500_000)
    assert j["multimedia_classrooms"] == pytest.approx(11)
    assert p["indoor_sports_area"] + j["indoor_sports_area"] == pytest.approx(930)
    # teachers are per stage already: not split
    assert p["teachers"] == 36 and j["teachers"] == 22


def test_complete_secondary_uses_one_to_one_point_two() -> None:
    sec = pd.DataFrame({"school_code": ["A", "A"], "stage": ["junior", "senior"], "students": [500.0, 600.0],
                        "school_type": ["complete_secondary"] * 2})
    share = split_shares(sec, weights=PARAMS["split_weights"],
                         weights_complete_secondary=PARAMS["split_weights_complete_secondary"])
    assert share.tolist() == pytest.approx([500 / (500 + 720), 720 / (500 + 720)])
    sec["school_type"] = "twelve_year"
    sec.loc[2] = ["A", "primary", 1000.0, "twelve_year"]
    share = split_shares(sec, weights=PARAMS["split_weights"],
                         weights_complete_secondary=PARAMS["split_weights_complete_secondary"])
    total = 1000 + 1.1 * 500 + 1.32 * 600
    assert share.tolist() == pytest.approx([550 / total, 792 / total, 1000 / total])


def test_teaching_point_is_merged_into_its_parent() -> None:
    units, _ = build_units(hand_tables(), year=2025, params=PARAMS, stages=("primary", "junior"))
    u = _unit(units, "1000000001", "primary")
    assert u["students"] == 540 and u["teachers"] == 34 and u["n_sites"] == 2
    assert u["teaching_aux_area"] == pytest.approx(2500) and u["equipment_value"] == pytest.approx(1_160_000)
    assert u["sites"] == "1000000001;1000000005"
    assert u["max_class_size"] == 45  # the largest, not the sum
    assert "1000000005" not in set(units["unit_code"])


def test_hebei_drops_teaching_points_under_50_and_separate_mode_keeps_them() -> None:
    units, notes = build_units(hand_tables(), year=2025, params={**PARAMS, "teaching_point_min_students": 50})
    assert _unit(units, "1000000001", "primary")["students"] == 500
    assert "1000000005" not in set(units["unit_code"]) and notes
    units, _ = build_units(hand_tables(), year=2025, params={**PARAMS, "teaching_points": "separate"})
    assert _unit(units, "1000000005", "primary")["students"] == 40
    assert _unit(units, "1000000001", "primary")["students"] == 500


def test_private_and_special_switches() -> None:
    t = hand_tables()
    school = t.school.copy()
    school.loc[school["code"] == "1000000002", "ownership"] = "private"
    t2 = YearTables(**{**t.frames(), "school": school})
    units, _ = build_units(t2, year=2025, params={**PARAMS, "include_private": False})
    assert "1000000002" not in set(units["unit_code"])
    units, _ = build_units(t2, year=2025, params=PARAMS)
    assert "1000000002" in set(units["unit_code"])
    assert "1000000007" not in set(units["unit_code"])  # special school out of 资源配置
    units, _ = build_units(t2, year=2025, params={**PARAMS, "exclude_special_schools": False})
    assert "1000000007" in set(units["unit_code"])


STAGES = ["primary", "junior", "senior", "preschool"]


@st.composite
def schools(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    n = draw(st.integers(1, 6))
    srows, secrows, syrows = [], [], []
    for i in range(n):
        code = f"{i + 1:010d}"
        stype = draw(st.sampled_from(["primary", "nine_year", "twelve_year", "complete_secondary", "teaching_point"]))
        parent = f"{1:010d}" if stype == "teaching_point" and i > 0 else None
        srows.append({"code": code, "name": f"校{i}", "school_type": stype, "ownership": "public",
                      "township_code": "130431100000", "parent_school_code": parent, "ur_code": 220})
        stages = {"primary": ["primary"], "teaching_point": ["primary"], "nine_year": ["primary", "junior"],
                  "twelve_year": ["primary", "junior", "senior"], "complete_secondary": ["junior", "senior"]}[stype]
        for s in stages:
            secrows.append({"year": 2025, "school_code": code, "stage": s, "students": draw(st.integers(0, 3000)),
                            "classes": 1, "teachers": draw(st.integers(0, 200))})
        syrows.append({"year": 2025, "school_code": code, "building_area": 1.0,
                       "teaching_aux_area": draw(st.floats(0, 1e5)), "sports_ground_area": draw(st.floats(0, 1e5)),
                       "equipment_value": draw(st.floats(0, 1e7)), "multimedia_classrooms": draw(st.integers(0, 99))})
    return pd.DataFrame(srows), pd.DataFrame(secrows), pd.DataFrame(syrows)


@settings(max_examples=25, deadline=None)
@given(schools(), st.sampled_from(["merge", "separate"]))
def test_split_and_merge_conserve_students_and_resources(data: tuple[pd.DataFrame, ...], mode: str) -> None:
    school, sec, sy = data
    t = YearTables.from_frames(school=school, section_year=sec, school_year=sy)
    units, _ = build_units(t, year=2025, params={**PARAMS, "teaching_points": mode}, stages=None)
    assert units["students"].sum() == pytest.approx(sec["students"].sum())
    assert units["teachers"].sum() == pytest.approx(sec["teachers"].sum())
    for col in ("teaching_aux_area", "sports_ground_area", "equipment_value", "multimedia_classrooms"):
        assert units[col].sum() == pytest.approx(sy[col].sum(), rel=1e-9, abs=1e-6)
    # the parts of each school add back to the whole school
    if mode == "separate":
        by = units.groupby("unit_code")["equipment_value"].sum()
        np.testing.assert_allclose(by.reindex(sy["school_code"]).to_numpy(), sy["equipment_value"].to_numpy(),
                                   rtol=1e-9, atol=1e-6)
