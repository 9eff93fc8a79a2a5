"""Yearly facts: the importer's cross-field rules on every row, and the 资源配置 indicators."""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from junheng.domain import fields as F
from junheng.domain.tables import YearTables
from junheng.synth.facts import band_counts, class_sizes

from .checks import primary_indicators, required_errors, school_year_errors, section_errors


def test_required_fields_ranges_codes_and_keys(county: YearTables) -> None:
    assert required_errors(county) == []


def test_every_section_row_obeys_the_cross_field_rules(county: YearTables) -> None:
    types = county.school.set_index("code")["school_type"]
    errors = [(r.school_code, r.year, r.stage, e) for _, r in county.section_year.iterrows()
              for e in section_errors(r, types[r.school_code])]
    assert errors == []


def test_every_school_year_row_obeys_the_cross_field_rules(county: YearTables) -> None:
    errors = [(r.school_code, r.year, e) for _, r in county.school_year.iterrows() for e in school_year_errors(r)]
    assert errors == []
    # every school reports every year it has pupils, and only then
    sec_keys = set(zip(county.section_year["school_code"], county.section_year["year"], strict=True))
    sy_keys = set(zip(county.school_year["school_code"], county.school_year["year"], strict=True))
    assert sec_keys == sy_keys
    assert set(county.school["code"]) == {c for c, _ in sy_keys}


def test_boarding_flag_matches_boarders(county: YearTables) -> None:
    sec = county.section_year[county.section_year["year"] == county.section_year["year"].max()]
    boarders = sec.groupby("school_code")["boarders"].sum()
    flag = county.school.set_index("code")["boarding"]
    assert ((boarders > 0) == flag.loc[boarders.index]).all()
    beds = county.school_year[county.school_year["year"] == sec["year"].max()].set_index("school_code")["boarding_beds"]
    assert (beds.loc[boarders.index] >= boarders).all()


def test_some_primaries_pass_and_others_fail(jize: YearTables) -> None:
    ind = primary_indicators(jize, 2025)
    passing = ind[ind["passes"]]
    assert len(passing) >= 3
    assert (~ind["passes"]).sum() >= 10
    # the demo cases: six indicators met and the seventh at ≥ 85 % (passes) or around 80 % (fails)
    six = ind[ind["n_pass"] == 6]
    assert ((six["worst"] >= 0.85) & (six["worst"] < 1)).sum() >= 2
    assert six["worst"].between(0.75, 0.849).sum() >= 2
    # crowded county-town schools fail on space, not on teachers
    big = ind[ind["students"] >= 1500]
    assert len(big) >= 3
    assert (big["i4"] < 4.5).all() and (big["i5"] < 7.5).all()
    assert (big["i1"] >= 4.2).all()
    # tiny village schools: no music/art teacher, often no backbone teacher at all
    small = ind[ind["students"] < 150]
    assert (small["i3"] == 0).any() and (small["i2"] == 0).any()


def test_missing_music_and_art(jize: YearTables) -> None:
    sec = jize.section_year
    sec = sec[(sec["year"] == 2025) & (sec["stage"] == "primary")]
    no_arts = sec[(sec["teachers_music"] == 0) & (sec["teachers_art"] == 0)]
    school = jize.school.set_index("code").loc[no_arts["school_code"]]
    assert (school["township_code"] != "130431100000").all()  # a rural problem, not a county-town one
    assert len(no_arts) >= 10
    sy = jize.school_year[jize.school_year["year"] == 2025]
    assert (sy["music_rooms"] == 0).sum() >= 10


def test_student_teacher_ratios_plausible(county: YearTables) -> None:
    sec = county.section_year[county.section_year["year"] == 2025]
    by = sec.groupby("stage")[["students", "teachers"]].sum()
    ratio = by["students"] / by["teachers"]
    # calibration file: 小学生师比 16.19 (2022), 17.36 (2012); 初中 12.72 (2022), 13.59 (2012);
    # 普通高中 12.66 (2023).  A rural county's many small schools pull primary below the national
    # figure, a mountain county's more so.
    assert 11.0 <= ratio["primary"] <= 19.0
    assert 10.0 <= ratio["junior"] <= 15.0
    assert 10.0 <= ratio["senior"] <= 16.0
    prim = sec[sec["stage"] == "primary"]
    types = county.school.set_index("code")["school_type"]
    town = prim[(prim["students"] >= 1500) & (types.loc[prim["school_code"]].to_numpy() == "primary")]
    assert ((town["students"] / town["teachers"]).between(15, 20)).all()
    village = prim[prim["students"].between(60, 400)]
    assert (village["students"] / village["teachers"]).median() < 13


def test_big_classes_in_the_county_town(jize: YearTables) -> None:
    sec = jize.section_year
    prim = sec[sec["stage"] == "primary"]
    crowded_2021 = prim[prim["year"] == 2021]
    assert (crowded_2021["max_class_size"] >= 56).sum() >= 2  # 大班额 still present
    assert (crowded_2021["classes_size_ge66"] > 0).sum() >= 1  # and a few 超大班额
    big = prim.groupby("year")["classes_size_ge66"].sum()
    assert big[2025] < big[2021]  # being removed year by year


def test_primary_intake_falls_with_the_births(county: YearTables) -> None:
    sec = county.section_year[county.section_year["stage"] == "primary"]
    g1 = sec.groupby("year")["students_g1"].sum()
    # grade 1 in 2025 is the 2019 birth cohort, in 2022 the 2016 peak (national 1465 vs 1786)
    assert g1[2025] < 0.92 * g1[2022]
    pre = county.section_year[county.section_year["stage"] == "preschool"].groupby("year")["students"].sum()
    assert pre[2025] < 0.8 * pre[2021]


@given(st.integers(0, 400), st.integers(20, 70))
def test_class_sizes_partition_students(n: int, cap: int) -> None:
    sizes = class_sizes(n, cap)
    assert sum(sizes) == n
    assert len(sizes) == math.ceil(n / cap)
    assert not sizes or (max(sizes) <= cap and max(sizes) - min(sizes) <= 1)


@given(st.lists(st.integers(1, 90), max_size=40))
def test_band_counts_bracket_the_sizes(sizes: list[int]) -> None:
    counts = band_counts(sizes)
    assert sum(counts) == len(sizes)
    lower = sum(lo * c for (_k, _l, lo, _h), c in zip(F.CLASS_SIZE_BANDS, counts, strict=True))
    upper = sum((hi or max(sizes, default=0)) * c for (_k, _l, _lo, hi), c in zip(F.CLASS_SIZE_BANDS, counts, strict=True))
    assert lower <= sum(sizes) <= upper


def test_shared_resources_are_school_level(jize: YearTables) -> None:
    """Nine-year schools: one school_year row for several section rows (standards.md §2.3)."""
    nine = jize.school.loc[jize.school["school_type"] == "nine_year", "code"]
    sec = jize.section_year[jize.section_year["school_code"].isin(nine) & (jize.section_year["year"] == 2025)]
    assert set(sec["stage"]) >= {"primary", "junior"}
    sy = jize.school_year[jize.school_year["school_code"].isin(nine) & (jize.school_year["year"] == 2025)]
    assert len(sy) == len(nine)
    assert isinstance(sy, pd.DataFrame)
