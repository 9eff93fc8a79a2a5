"""The hand-worked demo county of tests/assess/data/*.csv as YearTables (see data/README.md)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from junheng.domain.tables import YearTables

DATA = Path(__file__).with_name("data")


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, dtype={"code": str, "school_code": str, "parent_school_code": str,
                                            "township_code": str, "village_code": str, "id_number": str,
                                            "music_room_areas": str, "art_room_areas": str})


def hand_tables() -> YearTables:
    """Seven schools, years 2025 (and 2023 for retention); values chosen to be checked by hand."""
    schools = _csv("schools.csv")
    schools["boarding"] = schools["boarding"].astype(bool)
    children = _csv("children.csv")
    children["disabled"] = children["disabled"].astype(bool)
    return YearTables.from_frames(
        school=schools, school_year=_csv("school_year.csv"), section_year=_csv("section_year.csv"), child=children,
    )
