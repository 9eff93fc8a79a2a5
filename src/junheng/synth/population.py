"""Births by village and year, and children by village and single year of age.

Calibration (files in ``shared/data``):

* the crude birth rate of year *y* is national births (``national_births.csv``)
  divided by the national population, itself the 2020 census 0–14 count over its
  17.95 % share (``national_education_calibration.csv``); years outside
  2008–2023 take the nearest known year (held flat);
* a census factor rescales births so that the modelled 0–14 share of the county
  in 2020 equals the census 17.95 % (the communiqué births under-count children
  the census finds, by about 6 %);
* village sizes are log-normal (county-town communities larger, township
  centres next), scaled so they sum to the county's nominal population.

Each birth cohort of each village is then aged year by year: infant mortality
0.6 % in the first year and 0.03 %/yr after; children of rural villages move out
at 1.5 %/yr, 60 % of the movers to the county-town communities (in proportion
to their size) and the rest out of the county; county-town children leave the
county at 0.4 %/yr.  ``population(v, Y, a)`` is the cohort born in ``Y − a``
seen at the end of year ``Y``, so a cohort is the same children from year to
year, one year older.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from junheng.synth.sources import NATIONAL_POPULATION_0_14_SHARE, CountyProfile, NationalSeries

MAX_AGE = 17
FIRST_BIRTH_YEAR_OUTPUT = 2008  # the national births series starts in 2008
INFANT_MORTALITY = 0.006
CHILD_MORTALITY = 0.0003
RURAL_OUT_RATE = 0.015
TO_COUNTY_TOWN_SHARE = 0.6
TOWN_OUT_RATE = 0.004


@dataclass(frozen=True)
class Demography:
    """Villages with their nominal size, births by village × year, children by village × year × age."""

    villages: pd.DataFrame  # village rows (code, parent_code, name, ur_code, lon, lat, town, size)
    birth_years: np.ndarray  # years of the columns of ``births``
    births: np.ndarray  # (villages, birth years) int
    years: tuple[int, ...]
    children: np.ndarray  # (villages, years, ages 0..17) int

    def ages(self, year: int) -> np.ndarray:
        """(villages, 18) children by age at the end of ``year``."""
        return self.children[:, self.years.index(year), :]

    def birth_frame(self) -> pd.DataFrame:
        keep = self.birth_years >= FIRST_BIRTH_YEAR_OUTPUT
        years = self.birth_years[keep]
        codes = self.villages["code"].to_numpy()
        return pd.DataFrame({
            "village_code": np.repeat(codes, len(years)),
            "year": np.tile(years, len(codes)),
            "births": self.births[:, keep].ravel(),
        })

    def population_frame(self) -> pd.DataFrame:
        codes = self.villages["code"].to_numpy()
        n_v, n_y, n_a = self.children.shape
        return pd.DataFrame({
            "village_code": np.repeat(codes, n_y * n_a),
            "year": np.tile(np.repeat(np.asarray(self.years), n_a), n_v),
            "age": np.tile(np.arange(n_a), n_v * n_y),
            "population": self.children.ravel(),
        })


def village_sizes(villages: pd.DataFrame, profile: CountyProfile, rng: np.random.Generator) -> np.ndarray:
    """Nominal resident population of each village, summing to the county's population."""
    ur = villages["ur_code"].fillna(220).astype(int).to_numpy()
    community = villages["name"].str.contains("社区|居委会").to_numpy()
    town = villages["town"].to_numpy(bool)
    median = np.where(town & community, 5200.0,
                      np.where(town, 2600.0, np.where(ur < 200, 2300.0, np.where(ur == 210, 2000.0, 1400.0))))
    if profile.mountainous:
        median = np.where(ur == 220, median * 0.75, median)
    sigma = np.where(town, 0.35, 0.45)
    raw = median * rng.lognormal(0.0, sigma)
    raw = np.where(ur == 123, 0.4 * raw, raw)  # special zones (industrial parks) have few residents
    return np.asarray(np.round(raw / raw.sum() * profile.population), dtype=np.int64)


def simulate(villages: pd.DataFrame, profile: CountyProfile, national: NationalSeries, years: Sequence[int],
             rng: np.random.Generator) -> Demography:
    """Births and aged cohorts for ``years`` (see the module docstring for the model)."""
    years = tuple(sorted(int(y) for y in years))
    sizes = village_sizes(villages, profile, rng)
    villages = villages.assign(size=sizes)
    first = min(years[0] - MAX_AGE, FIRST_BIRTH_YEAR_OUTPUT)
    birth_years = np.arange(first, years[-1] + 1)
    census_factor = _census_factor(national)
    cbr = np.array([national.crude_birth_rate(int(y)) for y in birth_years]) * census_factor * profile.fertility
    village_fertility = rng.lognormal(0.0, 0.12, len(villages))
    births = rng.poisson(sizes[:, None] * village_fertility[:, None] * cbr[None, :])

    town = villages["town"].to_numpy(bool)
    town_weight = np.where(town, sizes, 0).astype(float)
    town_weight = town_weight / town_weight.sum() if town_weight.sum() else town_weight
    out_rate = np.where(town, TOWN_OUT_RATE, RURAL_OUT_RATE)

    n_v = len(villages)
    state = np.zeros((n_v, len(birth_years)), dtype=np.int64)  # children alive in the county, by birth cohort
    children = np.zeros((n_v, len(years), MAX_AGE + 1), dtype=np.int64)
    for j, year in enumerate(birth_years):
        if j:
            alive = state[:, :j]
            mortality = np.where(birth_years[:j] == year - 1, INFANT_MORTALITY, CHILD_MORTALITY)
            alive -= rng.binomial(alive, mortality[None, :])
            movers = rng.binomial(alive, out_rate[:, None])
            alive -= movers
            if town_weight.sum():
                rural_movers = np.where(town[:, None], 0, movers).sum(axis=0)
                to_town = rng.binomial(rural_movers, TO_COUNTY_TOWN_SHARE)
                alive += rng.multinomial(to_town, town_weight).T
        state[:, j] = births[:, j]
        if year in years:
            k = years.index(int(year))
            for age in range(MAX_AGE + 1):
                col = j - age
                if col >= 0:
                    children[:, k, age] = state[:, col]
    return Demography(villages=villages, birth_years=birth_years, births=births, years=years, children=children)


def _census_factor(national: NationalSeries) -> float:
    """Ratio of the census 0–14 share (2020) to the share implied by communiqué births 2006–2020."""
    implied = sum(national.births_in(y) for y in range(2006, 2021)) / national.population
    return NATIONAL_POPULATION_0_14_SHARE / implied
