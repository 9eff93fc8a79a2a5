"""Where the demo county's real inputs come from, and the national calibration series.

The generator reads only the offline copies in ``shared/data`` (see its
README): the NBS 2016 统计用区划代码和城乡划分代码 village list of the county, the
county boundary (WGS-84), ``national_births.csv`` (NBS annual communiqués) and
``national_education_calibration.csv`` (MoE 全国教育事业发展统计公报).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
from shapely.geometry import Polygon, shape

from junheng.datafiles import ENV_VAR as ENV_VAR  # the lookup lives in junheng.datafiles
from junheng.datafiles import find_data_dir as find_data_dir


@dataclass(frozen=True)
class CountyProfile:
    """The fixed facts and modelling choices of one supported demo county.

    ``population`` is a nominal resident population that sets the scale of the
    synthetic county (the issue asks for a county of about 300,000 people for
    鸡泽); it is a modelling input, not a census figure.  ``fertility`` scales
    the national crude birth rate (1.0 = national level).  ``mountainous``
    switches the school network to the dispersed pattern of a mountain county
    (more teaching points and village 九年一贯制 schools, more boarding).
    """

    code: str  # the county code in the division file (2016 NBS codes)
    aliases: tuple[str, ...]
    slug: str  # file-name part in shared/data
    name: str
    province_code: str
    province_name: str
    city_code: str
    city_name: str
    population: int
    fertility: float
    mountainous: bool
    county_town_townships: tuple[str, ...]  # 12-digit codes of the county-town townships
    neighbour_codes: tuple[str, ...]  # 6-digit address codes of nearby counties (migrant children)
    eastern: bool  # 东部 (public-funds norm 650/850) or 中西部 (600/800), standards.md §4.3

    @property
    def short_name(self) -> str:
        """The county's name without its 县/区 suffix (鸡泽, 湟中)."""
        return self.name[:-1] if self.name[-1] in "县区" else self.name


COUNTIES: dict[str, CountyProfile] = {
    "130431": CountyProfile(
        code="130431", aliases=("130431",), slug="jize", name="鸡泽县",
        province_code="130000000000", province_name="河北省",
        city_code="130400000000", city_name="邯郸市",
        population=300_000, fertility=1.0, mountainous=False,
        county_town_townships=("130431100000",),
        neighbour_codes=("130430", "130432", "130435", "130434", "130424"),
        eastern=True,
    ),
    "630122": CountyProfile(
        code="630122", aliases=("630122", "630106"), slug="huangzhong", name="湟中县",
        province_code="630000000000", province_name="青海省",
        city_code="630100000000", city_name="西宁市",
        population=430_000, fertility=1.1, mountainous=True,
        county_town_townships=("630122100000", "630122001000"),
        neighbour_codes=("630121", "630123", "630102", "630105"),
        eastern=False,
    ),
}
"""Supported counties by their 2016 code.  湟中 became 湟中区 (630106) in 2020;
the 2016 village list keeps the county code 630122, and so does the demo."""


def county_profile(county_code: str) -> CountyProfile:
    """The profile for a 6-digit (or 12-digit) county code, accepting 630106 for 湟中."""
    code = str(county_code).strip()[:6]
    for profile in COUNTIES.values():
        if code in profile.aliases:
            return profile
    known = ", ".join(sorted(a for p in COUNTIES.values() for a in p.aliases))
    raise ValueError(f"没有县 {county_code} 的示例数据（可用：{known}） / no demo data for county {county_code}")


def read_divisions(profile: CountyProfile, data_dir: Path) -> pd.DataFrame:
    """The 2016 NBS division list of the county (county, townships, villages)."""
    path = data_dir / f"county_{_file_code(profile)}_{profile.slug}_divisions_2016.csv"
    df = pd.read_csv(path, dtype={"code": str, "parent_code": str})
    df["ur_code"] = df["ur_code"].astype("Int64")
    return df


def read_boundary(profile: CountyProfile, data_dir: Path) -> Polygon:
    """The county boundary polygon in WGS-84 (largest polygon if several)."""
    path = data_dir / f"county_{_file_code(profile)}_{profile.slug}_boundary_wgs84.geojson"
    return _boundary(str(path))


@lru_cache(maxsize=4)
def _boundary(path: str) -> Polygon:
    with open(path, encoding="utf-8") as fh:
        geo = json.load(fh)
    geom = shape(geo["features"][0]["geometry"])
    if geom.geom_type == "MultiPolygon":
        geom = max(geom.geoms, key=lambda g: g.area)
    return geom


def _file_code(profile: CountyProfile) -> str:
    # The file names use the 2023 code (湟中区 630106); the contents use the 2016 codes.
    return "630106" if profile.code == "630122" else profile.code


# --------------------------------------------------------------------------- national series

NATIONAL_POPULATION_0_14_SHARE = 0.1795
"""第七次全国人口普查公报第五号: 0–14 岁 253,383,938 人, 17.95 % (calibration file, 2020 row)."""


@dataclass(frozen=True)
class NationalSeries:
    """National births by year and the education figures the generator is calibrated on."""

    births: dict[int, float]  # persons
    population: float  # persons, 2020 census (computed from the 0–14 row)
    figures: dict[tuple[int, str], float]

    def births_in(self, year: int) -> float:
        """Births in ``year``; outside 2008–2023 the nearest known year is used (held flat)."""
        lo, hi = min(self.births), max(self.births)
        return self.births[min(max(year, lo), hi)]

    def crude_birth_rate(self, year: int) -> float:
        return self.births_in(year) / self.population

    def figure(self, year: int, indicator: str) -> float:
        return self.figures[(year, indicator)]


def read_national(data_dir: Path) -> NationalSeries:
    births_df = pd.read_csv(data_dir / "national_births.csv")
    births = {int(r.year): float(r.births_10k) * 1e4 for r in births_df.itertuples()}
    cal = pd.read_csv(data_dir / "national_education_calibration.csv")
    figures = {(int(r.year), str(r.indicator)): float(r.value) for r in cal.itertuples()}
    population = figures[(2020, "population_age_0_14")] / NATIONAL_POPULATION_0_14_SHARE
    return NationalSeries(births=births, population=population, figures=figures)
