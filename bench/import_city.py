"""Import a city-sized registry: 2,000 schools' facts in a workbook and 500,000 children in CSV.

Target (issue 2): ≤ 60 s and ≤ 2 GiB peak memory for the import, on the embedded
default (SQLite) and on PostgreSQL.  The data is synthetic and internally
consistent (it passes every import rule); building the files is not timed.
Each import runs in a fresh subprocess so that its peak RSS is its own.

    .venv/bin/python bench/import_city.py [--schools 2000] [--children 500000] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from junheng.domain import fields as F  # noqa: E402
from junheng.domain.idnumber import CHECK_CHARS, WEIGHTS  # noqa: E402
from junheng.domain.tables import YearTables  # noqa: E402

CITY = "1399"  # a synthetic city code; counties 139901…
YEAR = 2025


def build_city(n_schools: int, n_children: int, seed: int = 1) -> tuple[YearTables, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n_counties = max(1, n_schools // 200)
    org = [dict(code="130000000000", name="河北省", level="province"),
           dict(code=f"{CITY}00000000", parent_code="130000000000", name="合成市", level="city")]
    villages: list[str] = []
    townships: list[str] = []
    for c in range(1, n_counties + 1):
        county = f"{CITY}{c:02d}"
        org.append(dict(code=f"{county}000000", parent_code=f"{CITY}00000000", name=f"合成县{c}", level="county"))
        for t in range(1, 11):
            tcode = f"{county}{100 + t:03d}000"
            townships.append(tcode)
            org.append(dict(code=tcode, parent_code=f"{county}000000", name=f"第{t}镇", level="township"))
            for v in range(1, 21):
                vcode = f"{tcode[:9]}{200 + v:03d}"
                villages.append(vcode)
                org.append(dict(code=vcode, parent_code=tcode, name=f"第{v}村", level="village",
                                ur_code=int(rng.choice([111, 121, 210, 220]))))
    schools, sy, sec = [], [], []
    for i in range(n_schools):
        code = f"21{i:08d}"
        v = villages[i % len(villages)]
        nine = i % 10 == 0
        schools.append(dict(code=code, name=f"合成学校{i}", school_type="nine_year" if nine else "primary",
                            ownership="public", boarding=bool(nine), township_code=v[:9] + "000", village_code=v))
        stages = ["primary", "junior"] if nine else ["primary"]
        students_all = 0
        for stage in stages:
            ng = 6 if stage == "primary" else 3
            per_class = int(rng.integers(20, 45))
            classes_per_grade = int(rng.integers(1, 5))
            grade_students = [per_class * classes_per_grade] * ng
            students = sum(grade_students)
            classes = classes_per_grade * ng
            band = next(k for k, _l, lo, hi in F.CLASS_SIZE_BANDS if lo <= per_class <= (hi or 999))
            teachers = max(3, students // 15)
            row = dict(year=YEAR, school_code=code, stage=stage, students=students, classes=classes,
                       max_class_size=per_class, teachers=teachers, staff=teachers + 3,
                       teachers_bachelor=teachers // 2, teachers_associate=teachers - teachers // 2,
                       teachers_title_intermediate=teachers // 3, teachers_title_junior=teachers - teachers // 3,
                       backbone_county=teachers // 10, teachers_pe=1, teachers_music=1, teachers_art=1,
                       teachers_certified=teachers)
            row[band] = classes
            for g in range(ng):
                row[f"students_g{g + 1}"] = grade_students[g]
                row[f"classes_g{g + 1}"] = classes_per_grade
            sec.append(row)
            students_all += students
        sy.append(dict(year=YEAR, school_code=code, building_area=float(students_all * 6),
                       teaching_aux_area=float(students_all * 4), sports_ground_area=float(students_all * 8),
                       equipment_value=float(students_all * 2100), multimedia_classrooms=max(1, students_all // 40),
                       music_rooms=1, music_room_areas="96", art_rooms=1, art_room_areas="90"))
    tables = YearTables.from_frames(org_unit=pd.DataFrame(org), school=pd.DataFrame(schools),
                                    school_year=pd.DataFrame(sy), section_year=pd.DataFrame(sec))
    # children: valid 18-digit IDs, vectorised
    vill = np.asarray(villages)[rng.integers(0, len(villages), n_children)]
    days = rng.integers(0, 18 * 365, n_children)
    births = (np.datetime64("2008-01-01") + days.astype("timedelta64[D]")).astype(str)
    seq = rng.choice(np.arange(1000), n_children, replace=True)
    body = np.char.add(np.char.add(np.char.add(np.char.ljust(vill.astype("U6"), 6), np.char.replace(births, "-", "")),
                                   np.char.zfill(seq.astype(str), 3)), "")
    digits = np.frombuffer("".join(body).encode(), dtype=np.uint8).reshape(-1, 17) - 48
    check = np.asarray(list(CHECK_CHARS))[(digits.astype(np.int64) * np.asarray(WEIGHTS)).sum(axis=1) % 11]
    ids = np.char.add(body, check)
    children = pd.DataFrame({"身份证号": ids, "姓名": np.char.add("合成", (np.arange(n_children) % 997).astype(str)),
                             "户籍村/社区代码": vill}).drop_duplicates("身份证号")
    return tables, children


def run_import(url: str, files: list[str]) -> dict[str, float]:
    from junheng.io import import_files
    from junheng.store.engine import make_engine, upgrade

    upgrade(url)
    engine = make_engine(url)
    t0 = time.perf_counter()
    result = import_files(engine, [Path(f) for f in files], user="bench")
    seconds = time.perf_counter() - t0
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "peak_mib": peak_mib, **{f"rows_{k}": v for k, v in result.counts.items()}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--schools", type=int, default=2000)
    ap.add_argument("--children", type=int, default=500_000)
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--child-run", nargs="*")  # internal: url and files
    args = ap.parse_args()
    if args.child_run:
        print(json.dumps(run_import(args.child_run[0], args.child_run[1:])))
        return
    from junheng.io.template import write_workbook

    tmp = Path(tempfile.mkdtemp(prefix="junheng-bench-"))
    t0 = time.perf_counter()
    tables, children = build_city(args.schools, args.children)
    xlsx = write_workbook(tmp / "city.xlsx", tables)
    csv = tmp / "儿童.csv"
    children.to_csv(csv, index=False)
    print(f"built {len(tables.school)} schools, {len(tables.section_year)} sections, {len(children)} children "
          f"in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    results = {}
    for backend in args.backends.split(","):
        if backend == "sqlite":
            url = f"sqlite:///{tmp / 'city.db'}"
        else:
            import psycopg

            name = f"junheng_bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
                c.execute(f'CREATE DATABASE "{name}"')
            url = f"postgresql://postgres@127.0.0.1:5432/{name}"
        try:
            out = subprocess.run([sys.executable, __file__, "--child-run", url, str(xlsx), str(csv)],
                                 check=True, capture_output=True, text=True)
            results[backend] = json.loads(out.stdout.strip().splitlines()[-1])
        finally:
            if backend != "sqlite":
                with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
                    c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        r = results[backend]
        print(f"{backend}: {r['seconds']:.1f} s, peak {r['peak_mib']:.0f} MiB", file=sys.stderr)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
