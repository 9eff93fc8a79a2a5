"""``generate_county``: the whole demo county as ``YearTables``, and its ``summary``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from junheng.domain.enums import SchoolType, Stage
from junheng.domain.tables import YearTables
from junheng.synth.facts import build_facts
from junheng.synth.geography import LocalProjection, org_unit_frame, place_seats, place_villages
from junheng.synth.network import build_network, enrol
from junheng.synth.people import build_children, build_teachers
from junheng.synth.population import simulate
from junheng.synth.sources import county_profile, find_data_dir, read_boundary, read_divisions, read_national

DEFAULT_YEARS = (2021, 2022, 2023, 2024, 2025)
_STREAMS = ("geography", "population", "network", "enrolment", "facts", "teachers", "children")


def generate_county(county_code: str = "130431", *, seed: int = 7, years: Sequence[int] = DEFAULT_YEARS,
                    children: bool = True, teachers: bool = True, data_dir: Path | None = None) -> YearTables:
    """Build the synthetic demo county on the real village list and boundary.

    ``county_code`` is 130431 (鸡泽县, flat, Hebei) or 630106/630122 (湟中, mountainous,
    Qinghai; the demo keeps the 2016 codes, 630122).  The same ``seed`` gives identical
    tables.  ``children`` adds the individual children of the latest year, ``teachers``
    the individual teachers of the latest year and their training hours over ``years``.
    ``data_dir`` is the ``shared/data`` folder (found automatically, or from the
    ``JUNHENG_SHARED_DATA`` environment variable).

    The model and its calibration are described in ``docs/dev/demo-county.md``.
    """
    profile = county_profile(county_code)
    years = tuple(sorted({int(y) for y in years}))
    if not years:
        raise ValueError("years must not be empty")
    data = find_data_dir(data_dir)
    # One independent stream per stage, so that switching children or teachers off changes nothing else.
    streams = dict(zip(_STREAMS, (np.random.default_rng(s) for s in
                                  np.random.SeedSequence([int(seed), int(profile.code)]).spawn(len(_STREAMS))),
                       strict=True))
    divisions = read_divisions(profile, data)
    boundary = read_boundary(profile, data)
    national = read_national(data)

    seats = place_seats(divisions, boundary, streams["geography"])
    villages = place_villages(divisions, seats, boundary, profile, streams["geography"])
    demography = simulate(villages, profile, national, years, streams["population"])
    proj = LocalProjection(float(seats["lon"].mean()), float(seats["lat"].mean()))
    network = build_network(demography, seats, profile, proj, streams["network"])
    enrolment = enrol(network, demography, proj, profile, streams["enrolment"])
    school_year, section_year = build_facts(network, enrolment, years, profile, streams["facts"])

    schools = network.schools.copy()
    latest = section_year[section_year["year"] == years[-1]]
    boarders = latest.groupby("school_code")["boarders"].sum()
    schools["boarding"] = schools["code"].map(boarders).fillna(0).astype(int) > 0
    active = set(section_year["school_code"])
    schools = schools[schools["code"].isin(active)].reset_index(drop=True)

    frames: dict[str, pd.DataFrame] = {
        "org_unit": org_unit_frame(divisions, seats, villages, profile),
        "school": schools,
        "school_year": school_year,
        "section_year": section_year,
        "population": demography.population_frame(),
        "birth": demography.birth_frame(),
    }
    if teachers:
        teacher, training, section_year = build_teachers(section_year, years, profile, streams["teachers"])
        frames.update(teacher=teacher, teacher_training=training, section_year=section_year)
    if children:
        frames["child"] = build_children(demography, profile, streams["children"])
    return YearTables.from_frames(**frames)


def summary(tables: YearTables, year: int | None = None) -> dict[str, object]:
    """Headline figures of a county for ``year`` (default: the latest): township and village
    counts, schools by type, students and full-time teachers by stage, children on record."""
    units = tables.org_unit
    year = max(tables.years) if year is None else year
    sec = tables.section_year[tables.section_year["year"] == year]
    by_type = tables.school["school_type"].value_counts()
    return {
        "year": year,
        "county": str(units.loc[units["level"] == "county", "name"].iloc[0]) if (units["level"] == "county").any() else "",
        "townships": int((units["level"] == "township").sum()),
        "villages": int((units["level"] == "village").sum()),
        "schools": len(tables.school),
        "schools_by_type": {t.value: int(by_type.get(t.value, 0)) for t in SchoolType if by_type.get(t.value, 0)},
        "students_by_stage": {st.value: int(sec.loc[sec["stage"] == st.value, "students"].sum()) for st in Stage},
        "teachers_by_stage": {st.value: int(sec.loc[sec["stage"] == st.value, "teachers"].sum()) for st in Stage},
        "students": int(sec["students"].sum()),
        "teachers": int(sec["teachers"].sum()),
        "children": len(tables.child),
    }
