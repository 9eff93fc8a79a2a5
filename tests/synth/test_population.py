"""Births and children by village and age: national shape, cohort consistency, magnitudes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from junheng.domain.tables import YearTables
from junheng.synth import county_profile, find_data_dir
from junheng.synth.sources import read_national


def _cube(tables: YearTables) -> tuple[pd.DataFrame, np.ndarray]:
    pop = tables.population.sort_values(["village_code", "year", "age"])
    villages = pop["village_code"].unique()
    years = np.sort(pop["year"].unique())
    cube = pop["population"].to_numpy(int).reshape(len(villages), len(years), 18)
    return pd.DataFrame({"code": villages}), cube


def test_births_follow_the_national_series(county: YearTables) -> None:
    births = county.birth.groupby("year")["births"].sum()
    assert births.index.min() == 2008 and births.index.max() == 2025
    # national_births.csv: 2016 = 1786, 2023 = 902 (ratio 0.505); Poisson noise on ~2-6k births
    assert 0.42 < births[2023] / births[2016] < 0.60
    assert births.idxmax() in (2016, 2017)


def test_births_per_capita_calibrated(jize: YearTables) -> None:
    nat = read_national(find_data_dir())
    births = jize.birth.groupby("year")["births"].sum()
    profile = county_profile("130431")
    # crude birth rate 2016 = 17.86 M / 1.4116 G = 12.65 ‰, times the census factor (≈ 1.06)
    rate = births[2016] / profile.population
    assert 0.9 * nat.crude_birth_rate(2016) < rate < 1.3 * nat.crude_birth_rate(2016)


def test_cohorts_age_consistently(county: YearTables) -> None:
    codes, cube = _cube(county)
    units = county.org_unit.set_index("code")
    ur = units.loc[codes["code"], "ur_code"].to_numpy()
    rural = ur >= 200
    # a rural cohort only loses children (deaths, moves to the county town or away)
    assert (cube[rural, 1:, 1:] <= cube[rural, :-1, :-1]).all()
    # but the county as a whole keeps ≥ 97 % of a cohort from one year to the next
    totals = cube.sum(axis=0)
    assert (totals[1:, 1:] >= 0.97 * totals[:-1, :-1]).all()
    # age 0 at the end of year Y is the births of Y (infant deaths are applied in the following year)
    births = county.birth.pivot(index="village_code", columns="year", values="births").loc[codes["code"]]
    for k, year in enumerate(sorted(county.population["year"].unique())):
        b = births[year].to_numpy()
        assert (cube[:, k, 0] == b).all()


def test_age_profile_shaped_by_births(jize: YearTables) -> None:
    pop = jize.population[jize.population["year"] == 2025].groupby("age")["population"].sum()
    # age 9 (born 2016) is the peak cohort; age 2 (born 2023) about half of it
    assert pop.idxmax() in (8, 9)
    assert 0.45 < pop[2] / pop[9] < 0.65


def test_village_sizes_plausible(jize: YearTables) -> None:
    pop = jize.population[jize.population["year"] == 2025].groupby("village_code")["population"].sum()
    units = jize.org_unit.set_index("code")
    ur = units.loc[pop.index, "ur_code"]
    # children 0-17 per village: rural villages a few hundred, county-town communities larger
    assert 60 < pop[ur == 220].median() < 600
    assert pop[ur < 200].median() > pop[ur == 220].median()
    # 0-14 share of the nominal 300,000 people: census 2020 says 17.95 % nationally
    young = jize.population[(jize.population["year"] == 2021) & (jize.population["age"] <= 14)]["population"].sum()
    assert 0.14 < young / county_profile("130431").population < 0.20
