"""Synthetic teachers and children: valid IDs, consistent with the counts they stand for."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from junheng.domain import fields as F
from junheng.domain.idnumber import check_char, parse_id_number
from junheng.domain.tables import YearTables
from junheng.synth.people import DEGREE_LABELS, TITLE_LABELS

from .checks import required_errors


def _check_ids(ids: pd.Series) -> None:
    assert ids.is_unique
    assert ids.str.fullmatch(r"\d{17}[\dX]").all()
    # the check character of every number, by the GB 11643-1999 definition
    assert all(check_char(s[:17]) == s[17] for s in ids)


def test_children_ids_valid_and_consistent(jize: YearTables) -> None:
    child = jize.child
    _check_ids(child["id_number"])
    local = ~child["migrant"]
    assert child.loc[local, "id_number"].str[:6].eq("130431").all()
    assert not child.loc[~local, "id_number"].str[:6].eq("130431").any()
    assert child.loc[~local, "household_village_code"].isna().all()
    sample = child.sample(300, random_state=1)
    for _, r in sample.iterrows():
        parsed = parse_id_number(r["id_number"])
        assert parsed.birth_date == r["birth_date"]
        assert parsed.sex == r["sex"]
    assert child["name"].str.len().between(2, 4).all()


def test_children_within_population(county: YearTables) -> None:
    child = county.child
    year = int(county.population["year"].max())
    age = child["birth_date"].map(lambda d: year - d.year)
    counts = child.groupby([child["residence_village_code"], age]).size()
    pop = county.population[county.population["year"] == year].set_index(["village_code", "age"])["population"]
    joined = pd.concat([counts.rename("children"), pop], axis=1).fillna(0)
    assert (joined["population"] >= joined["children"]).all()
    assert joined["children"].sum() >= 0.97 * joined["population"].sum()
    assert age.between(0, 17).all()


def test_children_flags_rates(jize: YearTables) -> None:
    child = jize.child
    units = jize.org_unit.set_index("code")
    home = units.loc[child["residence_village_code"]]
    # county-town children (城镇 codes in 鸡泽镇) are never left behind; all others are rural children
    county_town = ((home["parent_code"] == "130431100000") & (home["ur_code"] < 200)).to_numpy()
    rural = ~county_town
    left = child.loc[rural, "left_behind"].mean()
    assert 0.10 <= left <= 0.20  # brief: 10-20 % of rural children
    assert not child.loc[county_town, "left_behind"].any()
    assert 0.004 <= child["disabled"].mean() <= 0.01
    assert 0.03 <= child["low_income"].mean() <= 0.05
    assert child.loc[rural, "migrant"].sum() == 0 and child["migrant"].sum() > 0
    moved = child["household_village_code"].notna() & (child["household_village_code"] != child["residence_village_code"])
    assert moved.sum() > 0  # county-town children whose 户籍 stays in their home village
    origin = units.loc[child.loc[moved, "household_village_code"]]
    assert not ((origin["parent_code"] == "130431100000") & (origin["ur_code"] < 200)).any()


def test_teachers_match_the_section_counts(county: YearTables) -> None:
    t = county.teacher
    _check_ids(t["id_number"])
    assert t["teacher_id"].is_unique
    year = 2025
    sec = county.section_year[county.section_year["year"] == year].set_index(["school_code", "stage"])
    g = t.groupby(["school_code", "stage"])
    assert (g.size() == sec["teachers"].loc[g.size().index]).all()
    assert g.size().sum() == sec["teachers"].sum()
    for key, label in zip(F.DEGREE_KEYS, DEGREE_LABELS, strict=True):
        assert (g["degree"].apply(lambda s, lab=label: int((s == lab).sum())) == sec.loc[g.size().index, key]).all()
    for key, label in zip(F.TITLE_KEYS, TITLE_LABELS, strict=True):
        assert (g["title"].apply(lambda s, lab=label: int((s == lab).sum())) == sec.loc[g.size().index, key]).all()
    idx = g.size().index
    backbone = sec.loc[idx, list(F.BACKBONE_KEYS)].sum(axis=1)
    assert (g["backbone_level"].count() == backbone).all()
    for key, subject in (("teachers_pe", "体育"), ("teachers_music", "音乐"), ("teachers_art", "美术"),
                         ("teachers_it", "信息技术")):
        assert (g["subject"].apply(lambda s, sub=subject: int((s == sub).sum())) == sec.loc[idx, key]).all()
    assert (g["certified"].sum() == sec.loc[idx, "teachers_certified"]).all()
    age = t["birth_date"].map(lambda d: year - d.year)
    assert (age.groupby([t["school_code"], t["stage"]]).apply(lambda a: int((a <= 45).sum()))
            == sec.loc[idx, "teachers_age_le45"]).all()
    principal = t[t["is_principal"]]
    assert len(principal) == sec["principals"].sum()
    assert age[t["is_principal"]].le(45).sum() == sec["principals_age_le45"].sum()
    assert (t["school_since"] <= year).all() and (t["school_since"] >= age.rsub(year) + 20).all()
    male = t["sex"] == "male"
    assert (t["id_number"].str[16].astype(int) % 2 == 1).eq(male).all()


def test_training_hours_consistent(county: YearTables) -> None:
    tr = county.teacher_training
    t = county.teacher
    assert len(tr) == 5 * len(t) and set(tr["year"]) == {2021, 2022, 2023, 2024, 2025}
    assert ((tr["hours"] == 72).mean()) > 0.5  # mostly the standard 72 hours a year
    total = tr.groupby("teacher_id")["hours"].sum()
    done = (total >= 360).groupby(t.set_index("teacher_id").loc[total.index, ["school_code", "stage"]]
                                  .apply(tuple, axis=1)).sum()
    sec = county.section_year[county.section_year["year"] == 2025].set_index(["school_code", "stage"])
    assert (done.to_numpy() == sec.loc[list(done.index), "teachers_training_done"].to_numpy()).all()
    latest = tr[tr["year"] == 2025].merge(t[["teacher_id", "school_code", "stage"]], on="teacher_id")
    hours = latest.groupby(["school_code", "stage"])["hours"].sum()
    assert np.allclose(hours.to_numpy(), sec.loc[hours.index, "training_hours"].to_numpy())
    assert 0.85 <= (total >= 360).mean() <= 0.99


def test_people_tables_complete(jize: YearTables) -> None:
    assert required_errors(jize) == []
    assert isinstance(jize.child["birth_date"].iloc[0], dt.date)
