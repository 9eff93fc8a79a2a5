"""Village points inside the real boundary and inside their township's nearest-seat cell."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from junheng.domain.tables import YearTables
from junheng.synth import county_profile, find_data_dir
from junheng.synth.geography import LocalProjection, nearest_seat
from junheng.synth.sources import read_boundary, read_divisions


def _parts(tables: YearTables, code: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    profile = county_profile(code)
    real = read_divisions(profile, find_data_dir())
    units = tables.org_unit
    seats = units[units["level"] == "township"].reset_index(drop=True)
    villages = units[units["level"] == "village"].reset_index(drop=True)
    return real, seats, villages


def test_org_unit_hierarchy(county: YearTables) -> None:
    units = county.org_unit
    assert units["level"].value_counts()[["province", "city", "county"]].tolist() == [1, 1, 1]
    codes = set(units["code"])
    assert units.loc[units["level"] != "province", "parent_code"].isin(codes).all()
    assert units["code"].str.fullmatch(r"\d{12}").all()
    villages = units[units["level"] == "village"]
    assert villages["ur_code"].notna().all()
    assert villages["lon"].notna().all() and villages["lat"].notna().all()
    assert (units.loc[units["lon"].notna(), "coord_system"] == "wgs84").all()


def test_real_lists_are_kept_whole(jize: YearTables, huangzhong: YearTables) -> None:
    for tables, code, n_town, n_vil in ((jize, "130431", 7, 171), (huangzhong, "630106", 17, 407)):
        real, seats, villages = _parts(tables, code)
        assert (len(seats), len(villages)) == (n_town, n_vil)  # shared/data/README.md
        merged = villages.merge(real, on="code", suffixes=("", "_real"))
        assert (merged["name"] == merged["name_real"]).all()
        assert (merged["ur_code"] == merged["ur_code_real"]).all()
        known = merged[merged["lon_wgs84"].notna()]
        assert len(known) >= 3
        assert np.allclose(known["lon"], known["lon_wgs84"], atol=1e-6)
        assert np.allclose(known["lat"], known["lat_wgs84"], atol=1e-6)


def test_village_points_inside_boundary_and_own_township_cell(county: YearTables) -> None:
    code = str(county.org_unit.loc[county.org_unit["level"] == "county", "code"].iloc[0])[:6]
    profile = county_profile(code)
    boundary = read_boundary(profile, find_data_dir())
    real, seats, villages = _parts(county, code)
    assert shapely.contains_xy(boundary, villages["lon"].to_numpy(), villages["lat"].to_numpy()).all()
    assert shapely.contains_xy(boundary, seats["lon"].to_numpy(), seats["lat"].to_numpy()).all()
    synthetic = ~villages["code"].isin(real.loc[real["lon_wgs84"].notna(), "code"])
    proj = LocalProjection(float(seats["lon"].mean()), float(seats["lat"].mean()))
    syn = villages[synthetic]
    own = nearest_seat(syn["lon"].to_numpy(), syn["lat"].to_numpy(), seats, proj)
    assert (seats["code"].to_numpy()[own] == syn["parent_code"].to_numpy()).all()


def test_villages_cluster_near_their_seat(jize: YearTables) -> None:
    _real, seats, villages = _parts(jize, "130431")
    proj = LocalProjection(float(seats["lon"].mean()), float(seats["lat"].mean()))
    seat_xy = dict(zip(seats["code"], zip(*proj.to_km(seats["lon"], seats["lat"]), strict=True), strict=True))
    x, y = proj.to_km(villages["lon"].to_numpy(), villages["lat"].to_numpy())
    d = np.array([np.hypot(xi - seat_xy[p][0], yi - seat_xy[p][1])
                  for xi, yi, p in zip(x, y, villages["parent_code"], strict=True)])
    # 鸡泽 is about 335 km² over 7 townships: equivalent radius of a township ≈ 3.9 km
    assert np.median(d) < 5.0
    assert d.max() < 14.0
    county_town = (villages["parent_code"] == "130431100000") & (villages["ur_code"] < 200)
    assert d[county_town.to_numpy()].max() < 1.6 + 0.01  # county-town communities within 1.5 km (plus real ones)
