"""Coordinates, road networks and travel times."""

from junheng.geo.coords import gcj02_to_wgs84, wgs84_to_gcj02
from junheng.geo.network import (
    MODES,
    SCHOOL_BUS,
    WALK,
    LocalProjection,
    RoadNetwork,
    TravelMode,
    TravelTimes,
    straight_line_times,
    synthetic_network,
    travel_times,
)
from junheng.geo.osm import read_osm_pbf

__all__ = [
    "MODES",
    "SCHOOL_BUS",
    "WALK",
    "LocalProjection",
    "RoadNetwork",
    "TravelMode",
    "TravelTimes",
    "gcj02_to_wgs84",
    "read_osm_pbf",
    "straight_line_times",
    "synthetic_network",
    "travel_times",
    "wgs84_to_gcj02",
]
