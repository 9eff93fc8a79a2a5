"""GCJ-02 ↔ WGS-84, against the shared data's published pairs."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from junheng.geo.coords import gcj02_to_wgs84, wgs84_to_gcj02

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


def _pairs() -> list[tuple[float, float, float, float]]:
    rows = []
    with open(SHARED / "county_130431_jize_divisions_2016.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["lon_gcj02"]:
                rows.append((float(r["lon_gcj02"]), float(r["lat_gcj02"]), float(r["lon_wgs84"]),
                             float(r["lat_wgs84"])))
    return rows


@pytest.mark.usefixtures("shared_dir")
def test_matches_the_shared_data_conversion() -> None:
    pairs = _pairs()
    assert len(pairs) >= 8
    g = np.array(pairs)
    lon, lat = gcj02_to_wgs84(g[:, 0], g[:, 1])
    # the shared file rounds to 6 decimals (≈ 0.1 m)
    assert np.max(np.abs(lon - g[:, 2])) < 2e-6
    assert np.max(np.abs(lat - g[:, 3])) < 2e-6


def test_offset_is_hundreds_of_metres_in_china() -> None:
    lon, lat = wgs84_to_gcj02(114.883715, 36.910132)
    assert 300 < abs(lon - 114.883715) * 111_000 * np.cos(np.radians(36.9)) < 800
    assert lat != pytest.approx(36.910132, abs=1e-6)


def test_outside_china_unchanged() -> None:
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)


@given(st.floats(74, 134), st.floats(18, 53))
def test_round_trip_under_a_millimetre(lon: float, lat: float) -> None:
    glon, glat = wgs84_to_gcj02(lon, lat)
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    assert abs(wlon - lon) < 1e-8 and abs(wlat - lat) < 1e-8
