"""Benchmark: assess a synthetic province of ~30,000 school sections against yzjh-2017 (target ≤ 5 s).

    .venv/bin/python bench/assess_province.py [--sections 30000] [--seed 7]

Builds the registry tables with numpy (primary schools, junior schools, nine-year
schools with two sections, teaching points attached to primary schools, a few
special schools), then times ``assess`` end to end (units, split, merge,
indicators, school rule, CVs with contributions, Gini, Theil, county items).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from junheng.assess import assess
from junheng.domain.tables import YearTables
from junheng.standards import load_pack


def province(n_sections: int, seed: int) -> YearTables:
    rng = np.random.default_rng(seed)
    # mix: 45 % primary, 15 % junior, 10 % nine-year (2 sections), 20 % teaching points, rest special
    n_schools = int(n_sections / 1.1)
    kinds = rng.choice(["primary", "junior", "nine_year", "teaching_point", "special"], size=n_schools,
                       p=[0.5, 0.17, 0.1, 0.22, 0.01])
    codes = np.char.zfill(np.arange(1, n_schools + 1).astype(str), 10)
    primaries = codes[kinds == "primary"]
    parent = np.where(kinds == "teaching_point", rng.choice(primaries, size=n_schools), None)
    county = rng.integers(0, 150, n_schools)
    school = pd.DataFrame({
        "code": codes, "name": [f"学校{i}" for i in range(n_schools)], "school_type": kinds, "ownership": "public",
        "township_code": [f"13{c:04d}100000" for c in county], "parent_school_code": parent,
        "ur_code": rng.choice([111, 121, 210, 220], size=n_schools),
    })
    rows = []
    for stage, mask in (("primary", np.isin(kinds, ["primary", "nine_year", "teaching_point", "special"])),
                        ("junior", np.isin(kinds, ["junior", "nine_year"]))):
        c = codes[mask]
        k = kinds[mask]
        students = np.where(k == "teaching_point", rng.integers(5, 90, len(c)), rng.integers(60, 2200, len(c)))
        teachers = np.maximum(1, (students / rng.uniform(12, 20, len(c))).astype(int))
        frac = rng.uniform(0.6, 1.0, len(c))
        rows.append(pd.DataFrame({
            "year": 2025, "school_code": c, "stage": stage, "students": students, "classes": np.ceil(students / 40).astype(int),
            "max_class_size": rng.integers(20, 60, len(c)), "teachers": teachers,
            "teachers_bachelor": (teachers * frac * 0.7).astype(int), "teachers_associate": (teachers * frac * 0.3).astype(int),
            "backbone_county": (teachers * rng.uniform(0, 0.2, len(c))).astype(int),
            "teachers_pe": (teachers * 0.06).astype(int), "teachers_music": (teachers * 0.03).astype(int),
            "teachers_art": (teachers * 0.03).astype(int), "teachers_certified": teachers,
            "teachers_training_done": teachers, "teachers_rotation_eligible": (teachers * 0.3).astype(int),
            "teachers_rotated": (teachers * 0.04).astype(int), "backbone_rotated": (teachers * 0.01).astype(int),
        }))
    sec = pd.concat(rows, ignore_index=True)
    tot = sec.groupby("school_code")["students"].sum().reindex(codes).to_numpy()
    sy = pd.DataFrame({
        "year": 2025, "school_code": codes, "building_area": tot * rng.uniform(5, 12, n_schools),
        "teaching_aux_area": tot * rng.uniform(3, 8, n_schools), "indoor_sports_area": tot * rng.uniform(0, 1, n_schools),
        "sports_ground_area": tot * rng.uniform(5, 14, n_schools), "equipment_value": tot * rng.uniform(1200, 3500, n_schools),
        "multimedia_classrooms": np.ceil(tot * rng.uniform(0.015, 0.035, n_schools)).astype(int),
        "computers": (tot * 0.1).astype(int), "books": tot * 30, "music_rooms": 1, "music_room_areas": "96", "art_rooms": 1,
        "art_room_areas": "90", "public_funds": tot * 700.0,
    })
    return YearTables.from_frames(school=school, section_year=sec, school_year=sy)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sections", type=int, default=30_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    t0 = time.perf_counter()
    tables = province(args.sections, args.seed)
    t1 = time.perf_counter()
    pack = load_pack("yzjh-2017")
    times = []
    for _ in range(args.repeat):
        s = time.perf_counter()
        a = assess(pack, tables, year=2025)
        times.append(time.perf_counter() - s)
    print(f"sections in the registry: {len(tables.section_year)}; units assessed: {len(a.units)}; "
          f"values: {len(a.values)}; CVs: {len(a.cvs)}")
    print(f"build tables: {t1 - t0:.2f} s; assess: best {min(times):.2f} s, runs {', '.join(f'{t:.2f}' for t in times)}")
    print(f"verdict: {a.verdict}; failing units: {int((a.units['school_verdict'] == 'fail').sum())}")
    print("target ≤ 5 s:", "met" if min(times) <= 5 else "NOT met")


if __name__ == "__main__":
    main()
