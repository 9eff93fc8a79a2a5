"""The school network: what a real county has, where it has it."""

from __future__ import annotations

import pandas as pd
import shapely

from junheng.domain.enums import SchoolType, area_category
from junheng.domain.tables import YearTables
from junheng.synth import county_profile, find_data_dir
from junheng.synth.sources import read_boundary


def _latest_students(tables: YearTables, stage: str) -> pd.Series:
    sec = tables.section_year
    sec = sec[(sec["year"] == sec["year"].max()) & (sec["stage"] == stage)]
    return sec.set_index("school_code")["students"]


def test_school_rows_are_well_formed(county: YearTables) -> None:
    sch = county.school
    assert sch["code"].is_unique and sch["code"].str.fullmatch(r"21\d{8}").all()
    assert sch["name"].is_unique
    assert set(sch["school_type"]) <= {t.value for t in SchoolType}
    units = county.org_unit.set_index("code")
    assert (units.loc[sch["township_code"], "level"] == "township").all()
    assert (units.loc[sch["village_code"], "parent_code"].to_numpy() == sch["township_code"].to_numpy()).all()
    kg = sch["school_type"] == "kindergarten"
    assert sch.loc[kg, "inclusive"].notna().all() and sch.loc[~kg, "inclusive"].isna().all()
    assert (sch["coord_system"] == "wgs84").all()
    code = str(units.index[units["level"] == "county"][0])[:6]
    boundary = read_boundary(county_profile(code), find_data_dir())
    # schools are within ~300 m of their village point; allow the boundary a 500 m buffer
    assert shapely.contains_xy(boundary.buffer(0.005), sch["lon"].to_numpy(), sch["lat"].to_numpy()).all()


def test_teaching_points_attach_to_their_central_school(county: YearTables) -> None:
    sch = county.school.set_index("code")
    tps = sch[sch["school_type"] == "teaching_point"]
    assert len(tps) >= 5
    parents = sch.loc[tps["parent_school_code"]]
    assert parents["school_type"].isin(["primary", "nine_year"]).all()
    assert (parents["township_code"].to_numpy() == tps["township_code"].to_numpy()).all()
    assert sch.loc[sch["school_type"] != "teaching_point", "parent_school_code"].isna().all()
    # 教学点: small, lower grades only
    sec = county.section_year[county.section_year["school_code"].isin(tps.index)]
    assert (sec["stage"] == "primary").all()
    assert sec["students"].between(1, 60).all()
    assert (sec[["students_g5", "students_g6"]] == 0).all().all()


def test_county_town_holds_the_large_schools(jize: YearTables) -> None:
    sch = jize.school.set_index("code")
    prim = _latest_students(jize, "primary")
    town = sch.index[sch["township_code"] == "130431100000"]
    big = prim[prim.index.isin(town) & (prim >= 1500)]
    assert len(big) >= 3  # several large county-town primaries
    assert prim.max() <= 2700
    rural_public = sch.index[(sch["township_code"] != "130431100000") & (sch["school_type"] == "primary")]
    assert prim[prim.index.isin(rural_public)].max() < 1000
    # the senior stage is all in the county town; one special school
    senior = _latest_students(jize, "senior")
    assert sch.loc[senior.index, "township_code"].eq("130431100000").all()
    assert (sch["school_type"] == "special").sum() == 1


def test_every_township_seat_has_its_schools(county: YearTables) -> None:
    sch = county.school
    units = county.org_unit
    townships = units.loc[units["level"] == "township", "code"]
    villages_per_town = units[units["level"] == "village"].groupby("parent_code").size()
    for t in townships:
        here = sch[sch["township_code"] == t]
        if villages_per_town.get(t, 0) < 2:
            continue  # an industrial park with one community
        types = set(here["school_type"])
        assert {"primary", "nine_year"} & types, t
        assert "kindergarten" in types, t
        public_kg = here[(here["school_type"] == "kindergarten") & (here["ownership"] == "public")]
        assert len(public_kg) >= 1, t


def test_school_mix_and_area_categories(jize: YearTables) -> None:
    sch = jize.school
    counts = sch["school_type"].value_counts()
    # brief for a county of ~300k: 40-60 primary schools plus teaching points, ~10 junior schools
    assert 40 <= counts["primary"] + counts.get("nine_year", 0) <= 65
    assert 8 <= counts["junior"] + counts.get("nine_year", 0) + counts.get("complete_secondary", 0) <= 14
    assert counts.get("senior", 0) + counts.get("complete_secondary", 0) >= 2
    assert (sch["ownership"] == "private").sum() >= 3
    kg = sch[sch["school_type"] == "kindergarten"]
    assert {(o, bool(i)) for o, i in zip(kg["ownership"], kg["inclusive"], strict=True)} == {
        ("public", True), ("private", True), ("private", False)}
    cats = {area_category(int(u)) for u in sch["ur_code"]}
    assert len(cats) == 2  # 鸡泽 has no 城区 code: its county town is 镇区 (121/122), the rest 乡村
    prim = _latest_students(jize, "primary")
    village_primaries = prim[prim.index.isin(sch.loc[sch["name"].str.endswith("小学") & (sch["ur_code"] >= 200), "code"])]
    assert village_primaries.median() > 60 and village_primaries.quantile(0.9) < 450


def test_mountain_county_is_more_dispersed(jize: YearTables, huangzhong: YearTables) -> None:
    def tp_share(t: YearTables) -> float:
        c = t.school["school_type"].value_counts()
        return c.get("teaching_point", 0) / (c["primary"] + c.get("nine_year", 0))

    assert tp_share(huangzhong) > tp_share(jize)
    boarding_share = {}
    for name, t in (("jize", jize), ("huangzhong", huangzhong)):
        sec = t.section_year[(t.section_year["year"] == 2025) & (t.section_year["stage"] == "junior")]
        boarding_share[name] = sec["boarders"].sum() / sec["students"].sum()
    assert boarding_share["huangzhong"] > boarding_share["jize"]
