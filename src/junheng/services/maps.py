"""Map data for ECharts (no tile server): the county outline, township areas, school and village points.

The county boundary is the real one shipped in ``shared/data`` (or a copy put
in ``junheng/web/static/vendor/geo/`` by ``make assets``); a county without a
boundary file gets the convex hull of its village and school points, buffered
by 1 km.  Township areas are the Voronoi cells of the township seats clipped to
the boundary — an approximation, labelled as such in the UI.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from shapely.geometry import MultiPoint, Point, mapping, shape
from shapely.ops import unary_union, voronoi_diagram
from sqlalchemy import Engine, func, select

from junheng.services.authz import Actor
from junheng.store.models import OrgUnit, School

VENDOR_GEO = Path(__file__).resolve().parents[1] / "web" / "static" / "vendor" / "geo"


def _boundary_file(county: str) -> Path | None:
    code6 = county[:6]
    if VENDOR_GEO.is_dir():
        for p in sorted(VENDOR_GEO.glob(f"county_{code6}_*wgs84.geojson")):
            return p
    try:
        from junheng.datafiles import find_data_dir
        from junheng.synth.sources import COUNTIES

        data = find_data_dir()
    except (FileNotFoundError, ImportError):
        return None
    for p in sorted(data.glob(f"county_{code6}_*_boundary_wgs84.geojson")):
        return p
    for profile in COUNTIES.values():
        if code6 in profile.aliases or code6 == profile.code:
            for alias in (profile.code, *profile.aliases):
                for p in sorted(data.glob(f"county_{alias}_*_boundary_wgs84.geojson")):
                    return p
    return None


@lru_cache(maxsize=8)
def _geometry(county: str, points_key: tuple[tuple[str, str, float, float], ...]) -> dict[str, Any]:
    """The county outline and township cells as a GeoJSON FeatureCollection (cached per county and seats)."""
    path = _boundary_file(county)
    seats = [(c, n, lon, lat) for c, n, lon, lat in points_key]
    if path is not None:
        gj = json.loads(path.read_text(encoding="utf-8"))
        geoms = [shape(f["geometry"]) for f in gj.get("features", [gj])] if "features" in gj else [shape(gj["geometry"])]
        outline = unary_union(geoms)
        source = "boundary"
    else:
        outline = MultiPoint([(lon, lat) for _, _, lon, lat in seats]).convex_hull.buffer(0.01) if seats else Point(0, 0)
        source = "hull"
    features = []
    if len(seats) >= 2:
        cells = voronoi_diagram(MultiPoint([(lon, lat) for _, _, lon, lat in seats]), envelope=outline.envelope.buffer(0.5))
        for cell in cells.geoms:
            for code, name, lon, lat in seats:
                if cell.contains(Point(lon, lat)):
                    part = cell.intersection(outline)
                    if not part.is_empty:
                        features.append({"type": "Feature", "properties": {"name": name, "code": code},
                                         "geometry": mapping(part.simplify(0.0005))})
                    break
    else:
        features.append({"type": "Feature", "properties": {"name": seats[0][1] if seats else county, "code": county},
                         "geometry": mapping(outline)})
    return {"type": "FeatureCollection", "features": features, "source": source}


def county_map(engine: Engine, actor: Actor, county: str, *, verdicts: dict[str, str] | None = None,
               villages: bool = True) -> dict[str, Any]:
    """GeoJSON of township cells plus school points (scoped) and village points."""
    actor.require("view_registry")
    with engine.connect() as conn:
        seats = conn.execute(select(OrgUnit.code, OrgUnit.name, OrgUnit.lon, OrgUnit.lat).where(
            OrgUnit.level == "township", func.substr(OrgUnit.code, 1, 6) == county[:6],
            OrgUnit.lon.is_not(None)).order_by(OrgUnit.code)).all()
        schools = conn.execute(select(School.code, School.name, School.school_type, School.lon, School.lat,
                                      School.township_code).where(
            func.substr(School.township_code, 1, 6) == county[:6], School.lon.is_not(None),
            actor.school_condition(School.code, School.township_code))).all()
        vill = conn.execute(select(OrgUnit.code, OrgUnit.name, OrgUnit.lon, OrgUnit.lat).where(
            OrgUnit.level == "village", func.substr(OrgUnit.code, 1, 6) == county[:6],
            OrgUnit.lon.is_not(None))).all() if villages else []
    geo = _geometry(county, tuple((c, n, float(lo or 0), float(la or 0)) for c, n, lo, la in seats))
    verdicts = verdicts or {}
    return {
        "geojson": geo,
        "schools": [{"code": s.code, "name": s.name, "type": s.school_type, "value": [s.lon, s.lat],
                     "verdict": verdicts.get(s.code, "none")} for s in schools],
        "villages": [{"code": v.code, "name": v.name, "value": [v.lon, v.lat]} for v in vill
                     if actor.covers_org(v.code)],
    }
