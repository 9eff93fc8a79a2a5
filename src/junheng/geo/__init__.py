"""Coordinates, road networks and travel times."""

from junheng.geo.coords import gcj02_to_wgs84, wgs84_to_gcj02

__all__ = ["gcj02_to_wgs84", "wgs84_to_gcj02"]
