"""Read a road network from an OpenStreetMap PBF extract with ``osmium`` (pyosmium).

Every way with a ``highway`` tag of a kept class becomes a chain of edges between
its consecutive nodes; the length of each edge is the great-circle distance of its
two node locations (haversine, mean Earth radius 6,371.0088 km).  OSM highway
values map to the road classes of :mod:`junheng.geo.network`:

=========================================  ==========
OSM ``highway``                            class
=========================================  ==========
motorway, trunk (+ ``_link``)              trunk
primary (+ ``_link``)                      primary
secondary (+ ``_link``)                    secondary
tertiary (+ ``_link``)                     tertiary
unclassified, residential, living_street,  local
service, road
track                                      track
path, footway, pedestrian, steps, cycleway path
=========================================  ==========

Direction (``oneway``) is ignored: the network is used for a child's trip in both
directions.  Other highway values (construction, proposed, platform …) are skipped.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import osmium

from junheng.geo.network import LocalProjection, RoadNetwork

EARTH_RADIUS_KM = 6371.0088

HIGHWAY_CLASS: dict[str, str] = {
    **{k: "trunk" for k in ("motorway", "motorway_link", "trunk", "trunk_link")},
    **{k: "primary" for k in ("primary", "primary_link")},
    **{k: "secondary" for k in ("secondary", "secondary_link")},
    **{k: "tertiary" for k in ("tertiary", "tertiary_link")},
    **{k: "local" for k in ("unclassified", "residential", "living_street", "service", "road")},
    "track": "track",
    **{k: "path" for k in ("path", "footway", "pedestrian", "steps", "cycleway", "bridleway")},
}


def haversine_km(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def read_osm_pbf(path: str | Path, *, classes: dict[str, str] | None = None) -> RoadNetwork:
    """The road network of an ``.osm.pbf`` (or ``.osm``) file; see the module docstring."""
    mapping = HIGHWAY_CLASS if classes is None else classes
    node_index: dict[int, int] = {}
    lons: list[float] = []
    lats: list[float] = []
    ef: list[int] = []
    et: list[int] = []
    ec: list[str] = []
    for way in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY).with_locations():
        if not isinstance(way, osmium.osm.Way):
            continue
        hw = way.tags.get("highway")
        cls = mapping.get(hw) if hw is not None else None
        if cls is None:
            continue
        prev = -1
        for nd in way.nodes:
            if not nd.location.valid():
                prev = -1
                continue
            idx = node_index.get(nd.ref)
            if idx is None:
                idx = len(lons)
                node_index[nd.ref] = idx
                lons.append(nd.location.lon)
                lats.append(nd.location.lat)
            if prev >= 0 and prev != idx:
                ef.append(prev)
                et.append(idx)
                ec.append(cls)
            prev = idx
    if not lons:
        raise ValueError(f"{path}: 文件中没有可用的道路 / no usable highway ways in the file")
    lon, lat = np.asarray(lons), np.asarray(lats)
    a, b = np.asarray(ef, dtype=np.int64), np.asarray(et, dtype=np.int64)
    km = haversine_km(lon[a], lat[a], lon[b], lat[b])
    return RoadNetwork(node_lon=lon, node_lat=lat, edge_from=a, edge_to=b, edge_km=km,
                       edge_class=np.asarray(ec, dtype=str), projection=LocalProjection.around(lon, lat),
                       source=f"OpenStreetMap {Path(path).name}")
