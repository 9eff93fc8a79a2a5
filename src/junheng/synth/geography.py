"""Org units of the demo county on the real village list, with synthetic village points.

The NBS 2016 list gives every township and village with its urban–rural code
(城乡分类代码); the published coordinates cover the township seats and only a
few villages.  Missing points are synthesised so that a map and a travel-time
model look like the real county:

* a township seat without coordinates is put at the point of the boundary
  farthest from every known seat (farthest-point sampling);
* each township gets the Voronoi cell of its seat clipped to the county
  boundary (the points nearer to its seat than to any other);
* a village is drawn around its seat at a radius ``R·√U`` (uniform over a disc
  of the township's equivalent radius; county-town communities within about
  1.5 km), at a random bearing, and accepted only if it lies inside the
  boundary, inside its township's cell and at least 350 m from the villages
  already placed; real village coordinates are kept as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Polygon

from junheng.domain.enums import OrgLevel
from junheng.synth.sources import CountyProfile

KM_PER_DEG_LAT = 110.574


@dataclass(frozen=True)
class LocalProjection:
    """Equirectangular projection to kilometres around the county centre (good to <0.5 % here)."""

    lon0: float
    lat0: float

    @property
    def kx(self) -> float:
        return 111.320 * float(np.cos(np.radians(self.lat0)))

    def to_km(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (np.asarray(lon) - self.lon0) * self.kx, (np.asarray(lat) - self.lat0) * KM_PER_DEG_LAT

    def to_deg(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(x) / self.kx + self.lon0, np.asarray(y) / KM_PER_DEG_LAT + self.lat0


def county_town_village(ur_code: int | None, township_code: str, profile: CountyProfile) -> bool:
    """A village of the county town: a 城区/镇区 code (111–123) in a county-town township."""
    return township_code in profile.county_town_townships and ur_code is not None and int(ur_code) < 200


def place_seats(divisions: pd.DataFrame, boundary: Polygon, rng: np.random.Generator) -> pd.DataFrame:
    """Township rows with WGS-84 seats; missing seats by farthest-point sampling inside the boundary."""
    towns = divisions[divisions["level"] == "township"].copy().reset_index(drop=True)
    towns["lon"] = towns["lon_wgs84"].astype(float)
    towns["lat"] = towns["lat_wgs84"].astype(float)
    towns["seat_synthetic"] = towns["lon"].isna()
    missing = towns.index[towns["lon"].isna()]
    if len(missing):
        cand_lon, cand_lat = _uniform_points(boundary, 3000, rng)
        # keep away from the boundary too, so the seat's cell has room around it
        edge = np.asarray(shapely.distance(shapely.points(cand_lon, cand_lat), boundary.exterior))
        for i in missing:
            known = towns.loc[towns["lon"].notna(), ["lon", "lat"]].to_numpy()
            d = np.min(np.hypot(cand_lon[:, None] - known[None, :, 0], cand_lat[:, None] - known[None, :, 1]), axis=1)
            k = int(np.argmax(np.minimum(d, 2.5 * edge)))
            towns.loc[i, ["lon", "lat"]] = cand_lon[k], cand_lat[k]
    return towns


def _uniform_points(boundary: Polygon, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    minx, miny, maxx, maxy = boundary.bounds
    lons: list[np.ndarray] = []
    lats: list[np.ndarray] = []
    got = 0
    while got < n:
        lo = rng.uniform(minx, maxx, 2 * n)
        la = rng.uniform(miny, maxy, 2 * n)
        inside = shapely.contains_xy(boundary, lo, la)
        lons.append(lo[inside])
        lats.append(la[inside])
        got += int(inside.sum())
    return np.concatenate(lons)[:n], np.concatenate(lats)[:n]


def township_cells(seats: pd.DataFrame, boundary: Polygon, proj: LocalProjection) -> dict[str, float]:
    """Area (km²) of each township's nearest-seat cell inside the boundary (Monte-Carlo free: exact Voronoi)."""
    pts = shapely.points(seats["lon"].to_numpy(), seats["lat"].to_numpy())
    cells = shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=boundary)
    areas: dict[str, float] = {}
    for cell in shapely.get_parts(cells):
        clipped = cell.intersection(boundary)
        inside = [i for i, p in enumerate(pts) if cell.covers(p)]
        if inside:
            areas[str(seats.loc[inside[0], "code"])] = float(clipped.area) * proj.kx * KM_PER_DEG_LAT
    return areas


def nearest_seat(lon: np.ndarray, lat: np.ndarray, seats: pd.DataFrame, proj: LocalProjection) -> np.ndarray:
    """Index (row of ``seats``) of the nearest township seat of each point."""
    x, y = proj.to_km(lon, lat)
    sx, sy = proj.to_km(seats["lon"].to_numpy(), seats["lat"].to_numpy())
    d = np.hypot(np.asarray(x)[:, None] - sx[None, :], np.asarray(y)[:, None] - sy[None, :])
    return np.asarray(np.argmin(d, axis=1))


def place_villages(divisions: pd.DataFrame, seats: pd.DataFrame, boundary: Polygon, profile: CountyProfile,
                   rng: np.random.Generator) -> pd.DataFrame:
    """Village rows with a WGS-84 point each (``point_synthetic`` marks the synthesised ones)."""
    proj = LocalProjection(float(seats["lon"].mean()), float(seats["lat"].mean()))
    areas = township_cells(seats, boundary, proj)
    seat_index = {str(c): i for i, c in enumerate(seats["code"])}
    sx, sy = proj.to_km(seats["lon"].to_numpy(), seats["lat"].to_numpy())
    vil = divisions[divisions["level"] == "village"].copy().reset_index(drop=True)
    vil["lon"] = vil["lon_wgs84"].astype(float)
    vil["lat"] = vil["lat_wgs84"].astype(float)
    vil["point_synthetic"] = vil["lon"].isna()
    vil["town"] = [county_town_village(u if pd.notna(u) else None, p, profile)
                   for u, p in zip(vil["ur_code"], vil["parent_code"], strict=True)]
    placed_x, placed_y = proj.to_km(vil.loc[~vil["point_synthetic"], "lon"].to_numpy(),
                                    vil.loc[~vil["point_synthetic"], "lat"].to_numpy())
    px: list[float] = list(np.asarray(placed_x))
    py: list[float] = list(np.asarray(placed_y))
    todo = np.flatnonzero(vil["point_synthetic"].to_numpy())
    parents = vil["parent_code"].astype(str).to_numpy()
    is_town = vil["town"].to_numpy(bool)
    seat_codes = seats["code"].astype(str).to_numpy()
    new_x = np.empty(len(todo))
    new_y = np.empty(len(todo))
    for j, i in enumerate(todo):
        t = seat_index[parents[i]]
        cell_radius = float(np.sqrt(areas.get(seat_codes[t], 20.0) / np.pi))
        radius = 1.5 if is_town[i] else 1.1 * cell_radius
        min_sep = 0.25 if is_town[i] else 0.35
        new_x[j], new_y[j] = _draw_point(rng, sx[t], sy[t], radius, min_sep, t, px, py, boundary, seats, proj)
        px.append(float(new_x[j]))
        py.append(float(new_y[j]))
    lon, lat = proj.to_deg(new_x, new_y)
    lon_col = vil["lon"].to_numpy(float).copy()
    lat_col = vil["lat"].to_numpy(float).copy()
    lon_col[todo], lat_col[todo] = lon, lat
    vil["lon"], vil["lat"] = lon_col, lat_col
    return vil


def _draw_point(rng: np.random.Generator, cx: float, cy: float, radius: float, min_sep: float, township: int,
                px: list[float], py: list[float], boundary: Polygon, seats: pd.DataFrame,
                proj: LocalProjection) -> tuple[float, float]:
    sep = min_sep
    for attempt in range(60):
        r = radius * np.sqrt(rng.uniform(0.02, 1.0, 48)) * (1 + 0.1 * (attempt // 10))
        theta = rng.uniform(0, 2 * np.pi, 48)
        x, y = cx + r * np.cos(theta), cy + r * np.sin(theta)
        lon, lat = proj.to_deg(x, y)
        ok = shapely.contains_xy(boundary, lon, lat) & (nearest_seat(lon, lat, seats, proj) == township)
        if px:
            d = np.min(np.hypot(x[:, None] - np.asarray(px)[None, :], y[:, None] - np.asarray(py)[None, :]), axis=1)
            ok &= d >= sep
        hits = np.flatnonzero(ok)
        if hits.size:
            return float(x[hits[0]]), float(y[hits[0]])
        if attempt % 10 == 9:
            sep *= 0.5
    raise RuntimeError("could not place a village inside its township cell")


def org_unit_frame(divisions: pd.DataFrame, seats: pd.DataFrame, villages: pd.DataFrame,
                   profile: CountyProfile) -> pd.DataFrame:
    """province → city → county → township → village rows in catalogue columns (WGS-84)."""
    county = divisions[divisions["level"] == "county"].iloc[0]
    head = pd.DataFrame([
        {"code": profile.province_code, "parent_code": pd.NA, "name": profile.province_name,
         "level": OrgLevel.PROVINCE.value},
        {"code": profile.city_code, "parent_code": profile.province_code, "name": profile.city_name,
         "level": OrgLevel.CITY.value},
        {"code": county["code"], "parent_code": profile.city_code, "name": county["name"],
         "level": OrgLevel.COUNTY.value, "lon": county["lon_wgs84"], "lat": county["lat_wgs84"]},
    ])
    cols = ["code", "parent_code", "name", "level", "ur_code", "lon", "lat"]
    frame = pd.concat([head, seats[cols], villages[cols]], ignore_index=True)
    frame["lon"] = frame["lon"].astype(float).round(6)
    frame["lat"] = frame["lat"].astype(float).round(6)
    frame["coord_system"] = frame["lon"].notna().map({True: "wgs84", False: None})
    return frame
