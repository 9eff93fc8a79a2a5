"""``generate_county`` as a whole: determinism, both counties, calibrated magnitudes, summary."""

from __future__ import annotations

import pandas as pd
import pytest

from junheng.domain import fields as F
from junheng.domain.tables import YearTables
from junheng.synth import county_profile, find_data_dir, generate_county, summary
from junheng.synth.sources import read_national


def test_same_seed_same_tables(jize: YearTables) -> None:
    again = generate_county("130431", seed=7)
    for key, frame in jize.frames().items():
        pd.testing.assert_frame_equal(frame, getattr(again, key), check_exact=True, obj=key)


def test_other_seed_other_county() -> None:
    a = generate_county("130431", seed=8, children=False, teachers=False)
    b = generate_county("130431", seed=7, children=False, teachers=False)
    assert not a.section_year["students"].equals(b.section_year["students"])
    assert not a.school["code"].equals(b.school["code"])
    # the real lists stay the same whatever the seed
    assert a.org_unit["code"].equals(b.org_unit["code"])


def test_optional_people_do_not_change_the_rest(jize: YearTables) -> None:
    lean = generate_county("130431", seed=7, children=False, teachers=False)
    assert lean.child.empty and lean.teacher.empty and lean.teacher_training.empty
    pd.testing.assert_frame_equal(lean.school, jize.school)
    pd.testing.assert_frame_equal(lean.population, jize.population)
    cols = [c for c in F.SECTION_YEARS.keys if c != "training_hours"]
    pd.testing.assert_frame_equal(lean.section_year[cols], jize.section_year[cols])


def test_columns_are_the_catalogue(county: YearTables) -> None:
    for spec in F.SHEETS:
        assert list(getattr(county, spec.key).columns) == spec.keys
    assert county.years == [2021, 2022, 2023, 2024, 2025]


def test_years_argument() -> None:
    t = generate_county("130431", seed=7, years=(2023, 2024), children=False)
    assert t.years == [2023, 2024]
    assert set(t.population["year"]) == {2023, 2024}
    assert set(t.teacher_training["year"]) == {2023, 2024}
    with pytest.raises(ValueError, match="110101"):
        generate_county("110101")


def test_magnitudes_against_national_calibration(county: YearTables) -> None:
    """Students and schools per head of population, against the national figures.

    calibration file (2023): 108.0 M primary and 52.44 M junior pupils, 143,500 primary and
    52,300 junior schools; population 1.4116 G (2020 census 0–14 row / 17.95 %).  A rural county
    has a few % fewer pupils per head (children schooled elsewhere) and many more, smaller,
    schools than the national average (which includes the cities), hence the ranges.
    """
    nat = read_national(find_data_dir())
    code = str(county.org_unit.loc[county.org_unit["level"] == "county", "code"].iloc[0])[:6]
    people = county_profile(code).population
    s = summary(county, 2023)
    per_head = {st: s["students_by_stage"][st] / people for st in ("primary", "junior")}  # type: ignore[index]
    assert 0.75 <= per_head["primary"] / (nat.figure(2023, "primary_students") / nat.population) <= 1.15
    assert 0.75 <= per_head["junior"] / (nat.figure(2023, "junior_students") / nat.population) <= 1.15
    types = s["schools_by_type"]
    primary_schools = types.get("primary", 0) + types.get("nine_year", 0)  # type: ignore[attr-defined]
    national = nat.figure(2023, "primary_schools") / nat.population * people
    assert 1.0 <= primary_schools / national <= 3.0
    junior_schools = types.get("junior", 0) + types.get("nine_year", 0) + types.get("complete_secondary", 0)  # type: ignore[attr-defined]
    assert 0.7 <= junior_schools / (nat.figure(2023, "junior_schools") / nat.population * people) <= 2.0
    # 教学点 per primary school: national 76,900 / 149,100 = 0.52 (2022); flat 鸡泽 fewer
    assert 0.1 <= types.get("teaching_point", 0) / primary_schools <= 0.8  # type: ignore[attr-defined]


def test_summary_of_the_demo_county(jize: YearTables) -> None:
    s = summary(jize)
    assert s["year"] == 2025 and s["county"] == "鸡泽县"
    assert s["townships"] == 7 and s["villages"] == 171
    assert sum(s["schools_by_type"].values()) == s["schools"] == len(jize.school)  # type: ignore[attr-defined]
    assert s["students"] == sum(s["students_by_stage"].values())  # type: ignore[attr-defined]
    assert s["teachers"] == len(jize.teacher)
    assert s["children"] == len(jize.child)


def test_the_importer_accepts_the_county(county: YearTables) -> None:
    """The importer's own validation (types, ranges, codes, checksums, cross-field rules, references)."""
    from junheng.io.importer import known_keys, sheets_from_tables
    from junheng.io.validate import validate

    issues = validate(sheets_from_tables(county, source="demo"), known_keys(None))
    assert issues == []
