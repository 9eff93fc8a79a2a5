"""Road networks and travel-time matrices.

A :class:`RoadNetwork` is an undirected graph of road nodes (WGS-84 points, also
projected to kilometres around the network's centre) and road edges, each with a
length in km and a road class (``trunk``, ``primary``, ``secondary``, ``tertiary``,
``local``, ``track``, ``path``).  It comes from an OSM PBF extract
(:func:`junheng.geo.osm.read_osm_pbf`) or, for the demo county, from
:func:`synthetic_network` over the villages and township seats.

Travel times: :class:`TravelMode` gives a speed per road class (school bus,
walking, …); :func:`travel_times` snaps origins and destinations to their nearest
network node, adds the access leg at walking speed, and runs one multi-source
Dijkstra (``scipy.sparse.csgraph.dijkstra`` with ``indices`` = the destination
nodes).  Straight-line distance is only used by :func:`straight_line_times`, and
its result says so in ``method``.

Speeds are parameters.  Defaults: walking 4.5 km/h (a child walks 4–5 km/h);
school bus by class as in the design speeds of JTG B01-2014 (公路工程技术标准)
lowered for a bus on rural roads — trunk 50, primary 45, secondary 40,
tertiary 35, local 25, track 15 km/h.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, dijkstra, minimum_spanning_tree
from scipy.spatial import cKDTree

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

KM_PER_DEG_LAT = 111.195
ROAD_CLASSES = ("trunk", "primary", "secondary", "tertiary", "local", "track", "path")


@dataclass(frozen=True)
class LocalProjection:
    """Equirectangular projection to km around ``(lon0, lat0)`` (error < 0.5 % within ~100 km)."""

    lon0: float
    lat0: float

    @property
    def kx(self) -> float:
        return KM_PER_DEG_LAT * float(np.cos(np.radians(self.lat0)))

    def to_km(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
        lo = np.asarray(lon, dtype=float)
        la = np.asarray(lat, dtype=float)
        return (lo - self.lon0) * self.kx, (la - self.lat0) * KM_PER_DEG_LAT

    @classmethod
    def around(cls, lon: npt.ArrayLike, lat: npt.ArrayLike) -> LocalProjection:
        lo = np.asarray(lon, dtype=float)
        la = np.asarray(lat, dtype=float)
        return cls(float(np.nanmean(lo)), float(np.nanmean(la)))


@dataclass(frozen=True)
class TravelMode:
    """Speeds (km/h) by road class, and the walking speed of the access leg."""

    name: str
    speeds_kmh: Mapping[str, float]
    access_kmh: float = 4.5

    def speed(self, road_class: str) -> float:
        return float(self.speeds_kmh.get(road_class, self.speeds_kmh.get("local", self.access_kmh)))


WALK = TravelMode("walk", {c: 4.5 for c in ROAD_CLASSES}, access_kmh=4.5)
SCHOOL_BUS = TravelMode(
    "school_bus",
    {"trunk": 50.0, "primary": 45.0, "secondary": 40.0, "tertiary": 35.0, "local": 25.0, "track": 15.0,
     "path": 4.5},
    access_kmh=4.5,
)
MODES: dict[str, TravelMode] = {"walk": WALK, "school_bus": SCHOOL_BUS}


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """An undirected road graph: nodes with WGS-84 and local km coordinates, edges with km and class."""

    node_lon: FloatArray
    node_lat: FloatArray
    edge_from: IntArray
    edge_to: IntArray
    edge_km: FloatArray
    edge_class: npt.NDArray[np.str_]
    projection: LocalProjection
    source: str
    node_x: FloatArray = field(init=False)
    node_y: FloatArray = field(init=False)

    def __post_init__(self) -> None:
        x, y = self.projection.to_km(self.node_lon, self.node_lat)
        object.__setattr__(self, "node_x", x)
        object.__setattr__(self, "node_y", y)

    @property
    def n_nodes(self) -> int:
        return int(self.node_lon.size)

    @property
    def n_edges(self) -> int:
        return int(self.edge_from.size)

    def graph(self, mode: TravelMode) -> sp.csr_matrix:
        """Symmetric sparse matrix of edge minutes for ``mode`` (parallel edges keep the fastest)."""
        classes = pd.Series(self.edge_class)
        speeds = classes.map({c: mode.speed(c) for c in classes.unique()}).to_numpy(float)
        minutes = self.edge_km / speeds * 60.0
        # csgraph treats explicit zeros as missing edges: keep a tiny positive weight
        return _symmetric(self.n_nodes, self.edge_from, self.edge_to, np.maximum(minutes, 1e-9))

    def snap(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[IntArray, FloatArray]:
        """Nearest network node of each point and the straight access distance to it (km)."""
        x, y = self.projection.to_km(lon, lat)
        tree = cKDTree(np.c_[self.node_x, self.node_y])
        dist, idx = tree.query(np.c_[np.atleast_1d(x), np.atleast_1d(y)])
        return np.asarray(idx, dtype=np.int64), np.asarray(dist, dtype=float)

    def components(self) -> IntArray:
        _, labels = connected_components(self.graph(WALK), directed=False)
        return np.asarray(labels, dtype=np.int64)


@dataclass(frozen=True, eq=False)
class TravelTimes:
    """An origins × destinations matrix of one-way minutes, and how it was computed.

    ``method`` is ``"network"`` (Dijkstra on a road network) or ``"straight_line"``
    (the explicit fallback: straight distance × detour factor at one speed).
    ``inf`` = unreachable (different network components).
    """

    minutes: FloatArray
    km: FloatArray
    method: str
    mode: str
    source: str

    @property
    def label(self) -> str:
        if self.method == "straight_line":
            return f"直线距离估算（非路网）/ straight-line estimate, not a road network — {self.mode}"
        return f"路网最短时间 / road-network shortest time ({self.source}, {self.mode})"


def travel_times(
    network: RoadNetwork,
    origins: tuple[npt.ArrayLike, npt.ArrayLike],
    destinations: tuple[npt.ArrayLike, npt.ArrayLike],
    *,
    mode: TravelMode = SCHOOL_BUS,
) -> TravelTimes:
    """Shortest one-way minutes from every origin to every destination.

    Both ends are snapped to their nearest node; each access leg (point → node) is
    walked at ``mode.access_kmh``.  One Dijkstra per *distinct* destination node, run
    from the destinations (the graph is undirected), so the cost is
    O(sites · E log V) whatever the number of villages.
    """
    o_node, o_access = network.snap(*origins)
    d_node, d_access = network.snap(*destinations)
    uniq, inverse = np.unique(d_node, return_inverse=True)
    g = network.graph(mode)
    dist = dijkstra(g, directed=False, indices=uniq)  # (n_uniq, n_nodes) minutes
    dist = np.atleast_2d(dist)
    core = dist[inverse][:, o_node].T  # origins × destinations
    access_min = (o_access[:, None] + d_access[None, :]) / mode.access_kmh * 60.0
    minutes = core + access_min
    gkm = _km_graph(network)
    dkm = np.atleast_2d(dijkstra(gkm, directed=False, indices=uniq))
    km = dkm[inverse][:, o_node].T + o_access[:, None] + d_access[None, :]
    return TravelTimes(minutes=minutes, km=km, method="network", mode=mode.name, source=network.source)


def _km_graph(network: RoadNetwork) -> sp.csr_matrix:
    return _symmetric(network.n_nodes, network.edge_from, network.edge_to, np.maximum(network.edge_km, 1e-9))


def _symmetric(n: int, ef: IntArray, et: IntArray, w: FloatArray) -> sp.csr_matrix:
    """Symmetric CSR adjacency; of parallel edges the smallest weight is kept."""
    rows, cols, vals = np.r_[ef, et], np.r_[et, ef], np.r_[w, w]
    order = np.lexsort((vals, cols, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    first = np.r_[True, (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])]
    return sp.csr_matrix((vals[first], (rows[first], cols[first])), shape=(n, n))


def straight_line_times(
    origins: tuple[npt.ArrayLike, npt.ArrayLike],
    destinations: tuple[npt.ArrayLike, npt.ArrayLike],
    *,
    speed_kmh: float = 30.0,
    detour: float = 1.3,
    mode: str = "straight_line",
) -> TravelTimes:
    """Fallback without a road network: straight distance × ``detour`` at ``speed_kmh``.

    Labelled ``method="straight_line"`` everywhere it is shown; use only when no
    network is available.
    """
    ox, oy = np.asarray(origins[0], float), np.asarray(origins[1], float)
    dx, dy = np.asarray(destinations[0], float), np.asarray(destinations[1], float)
    proj = LocalProjection.around(np.r_[ox, dx], np.r_[oy, dy])
    x1, y1 = proj.to_km(ox, oy)
    x2, y2 = proj.to_km(dx, dy)
    km = np.hypot(x1[:, None] - x2[None, :], y1[:, None] - y2[None, :]) * detour
    return TravelTimes(minutes=km / speed_kmh * 60.0, km=km, method="straight_line", mode=mode,
                       source=f"straight line × {detour:g}")


def synthetic_network(
    org_unit: pd.DataFrame,
    *,
    neighbours: int = 3,
    detour: float = 1.2,
) -> RoadNetwork:
    """A plausible road network over a county's villages (for the demo county).

    * **trunk** (class ``primary``): a minimum spanning tree over the county town and
      the township seats, plus a direct road from every seat to the county town;
    * **local** roads: a minimum spanning tree over all villages and seats (so the
      network is connected) plus each village to its ``neighbours`` nearest villages
      and to its own township seat.

    Edge length = straight distance × ``detour`` (roads wind).  Nodes are the
    villages, the township seats and the county seat; all come from ``org_unit``
    (WGS-84 ``lon``/``lat``).  This is a model, not a surveyed road map.
    """
    ou = org_unit.dropna(subset=["lon", "lat"]).copy()
    ou["code"] = ou["code"].astype(str)
    county = ou[ou["level"] == "county"]
    towns = ou[ou["level"] == "township"]
    villages = ou[ou["level"] == "village"]
    pts = pd.concat([county, towns, villages], ignore_index=True)
    lon, lat = pts["lon"].to_numpy(float), pts["lat"].to_numpy(float)
    proj = LocalProjection.around(lon, lat)
    x, y = proj.to_km(lon, lat)
    xy = np.c_[x, y]
    n = len(pts)
    n_c, n_t = len(county), len(towns)
    edges: list[tuple[IntArray, IntArray, str]] = []
    # trunk: MST over county seat + township seats, plus seat → county seat
    hubs = np.arange(n_c + n_t)
    if hubs.size > 1:
        d = np.hypot(*(xy[hubs, None, :] - xy[None, hubs, :]).transpose(2, 0, 1))
        mst = minimum_spanning_tree(sp.csr_matrix(np.triu(d))).tocoo()
        edges.append((hubs[mst.row], hubs[mst.col], "primary"))
        if n_c:
            seats = np.arange(n_c, n_c + n_t)
            edges.append((np.zeros(seats.size, dtype=np.int64), seats, "primary"))
    # local: MST over everything + k nearest neighbours + village → own seat
    tree = cKDTree(xy)
    k = min(neighbours + 1, n)
    _, nn = tree.query(xy, k=k)
    nn = np.atleast_2d(nn)
    src = np.repeat(np.arange(n), k - 1)
    dst = nn[:, 1:].ravel()
    edges.append((src, dst, "local"))
    kk = min(12, n)
    dk, ik = tree.query(xy, k=kk)
    knn_graph = sp.coo_matrix((np.maximum(np.ravel(dk[:, 1:]), 1e-9),
                               (np.repeat(np.arange(n), kk - 1), np.ravel(ik[:, 1:]))), shape=(n, n)).tocsr()
    mst_all = minimum_spanning_tree(knn_graph.maximum(knn_graph.T)).tocoo()
    edges.append((mst_all.row.astype(np.int64), mst_all.col.astype(np.int64), "local"))
    seat_index = {c: n_c + i for i, c in enumerate(towns["code"])}
    vi = np.arange(n_c + n_t, n)
    parent = villages["parent_code"].astype(str).map(seat_index)
    ok = parent.notna().to_numpy()
    edges.append((vi[ok], parent[ok].to_numpy(np.int64), "local"))
    # the components of the k-NN MST may still be several (far clusters): join them
    _, labels = connected_components(knn_graph.maximum(knn_graph.T), directed=False)
    for lab in np.unique(labels)[1:]:
        members = np.flatnonzero(labels == lab)
        others = np.flatnonzero(labels != lab)
        dd, jj = cKDTree(xy[others]).query(xy[members])
        a = int(np.argmin(dd))
        edges.append((np.array([members[a]]), np.array([others[jj[a]]]), "local"))
    ef = np.concatenate([e[0] for e in edges]).astype(np.int64)
    et = np.concatenate([e[1] for e in edges]).astype(np.int64)
    ec = np.concatenate([np.full(e[0].size, e[2]) for e in edges])
    keep = ef != et
    ef, et, ec = ef[keep], et[keep], ec[keep]
    km = np.hypot(x[ef] - x[et], y[ef] - y[et]) * detour
    return RoadNetwork(node_lon=lon, node_lat=lat, edge_from=ef, edge_to=et, edge_km=km,
                       edge_class=ec.astype(str), projection=proj,
                       source=f"synthetic (villages, seats; detour × {detour:g})")
