"""Linkage scale: the registry check on synthetic registries of N children (DuckDB or Spark).

Builds N children (synthetic names and valid IDs as in ``junheng.synth.people``),
spread over one county (ID address code) per 100,000 children, a roll of the school-age ones (2 % never enrolled, 1.5 % absent) with 5 % of
IDs missing and 2 % mistyped, 3 % traditional names, then times
``read (validate + normalise) → check`` and reports peak memory (ru_maxrss).
The registries are generated in a child process and handed over as Parquet files
(read back as Arrow-backed text), so the measuring process holds only what the check needs;
its own peak is ``peak_rss_gib``, the generator's ``generator_peak_rss_gib``.

Run:  nice -n 10 .venv/bin/python bench/linkage_scale.py --children 1000000 [--engine duckdb|spark]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import time

import numpy as np
import pandas as pd


def build(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    from opencc import OpenCC

    from junheng.synth.people import id_numbers, names

    rng = np.random.default_rng(seed)
    age = rng.integers(0, 18, size=n)
    birth_year = 2026 - 1 - age
    start = (birth_year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    birth = start + rng.integers(0, 365, size=n).astype("timedelta64[D]")
    male = rng.random(n) < 0.53
    # A province: one county (address code) per 100,000 children, 300 villages each, so that the
    # 1,000 sequence numbers a county has per birth day are enough (GB 11643-1999).
    counties = np.array([f"13{c // 90 + 1:02d}{c % 90 + 1:02d}" for c in range(max(1, n // 100_000))], dtype=object)
    county_of = rng.integers(len(counties), size=n)
    ids = id_numbers(counties[county_of], birth, male, rng)
    nm = names(n, ~male, rng)
    village_of = rng.integers(300, size=n)
    village = np.char.add(np.char.add(counties[county_of].astype(str), "100"),
                          np.char.zfill((200 + village_of).astype(str), 3)).astype(object)
    pop = pd.DataFrame({"id_number": ids, "name": nm, "sex": np.where(male, "男", "女"),
                        "birth_date": np.datetime_as_string(birth), "village_code": village})
    bd = pd.to_datetime(pop["birth_date"])
    a = 2026 - bd.dt.year - (bd.dt.month > 8).astype(int)
    school_age = ((a >= 6) & (a <= 14)).to_numpy()
    u = rng.random(n)
    enrolled = school_age & (u >= 0.02)
    idx = np.flatnonzero(enrolled)
    roll = pop.iloc[idx][["id_number", "name", "sex", "birth_date"]].reset_index(drop=True)
    m = len(roll)
    r = rng.random(m)
    idv = roll["id_number"].to_numpy().copy()
    idv[r < 0.05] = ""
    bad = (r >= 0.05) & (r < 0.07)
    idv[bad] = [s[:10] + s[11] + s[10] + s[12:] for s in idv[bad]]
    roll["id_number"] = idv
    s2t = OpenCC("s2t")
    t = rng.random(m) < 0.03
    roll.loc[t, "name"] = [s2t.convert(x) for x in roll.loc[t, "name"]]
    roll.insert(0, "student_id", np.char.add("G", np.arange(m).astype(str)).astype(object))
    roll["school_code"] = "2113043101"
    roll["grade"] = (a.to_numpy()[idx] - 5).astype(str)
    roll["status"] = "在读"
    att = pd.DataFrame({"student_id": roll["student_id"], "school_code": roll["school_code"],
                        "present": np.where(rng.random(m) < 0.015, "0", "1")})
    return pop, roll, att


def _generate(n: int, seed: int, out_dir: str) -> None:
    """Child process: build the registries and write them as Parquet, so that the process that
    runs the check never holds the generator's frames (≈ 7 GiB of Python strings at 10 M)."""
    frames = build(n, seed)
    for kind, frame in zip(KINDS, frames, strict=True):
        frame.to_parquet(f"{out_dir}/{kind}.parquet", index=False)


KINDS = ("population", "roll", "attendance")


def _load(path: str) -> pd.DataFrame:
    """A generated registry as Arrow-backed text columns (no Python string per cell)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    text = pd.StringDtype("pyarrow")
    return pq.read_table(path).to_pandas(
        types_mapper=lambda t: text if t in (pa.string(), pa.large_string()) else None)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--children", type=int, default=1_000_000)
    ap.add_argument("--engine", default="duckdb")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    import gc
    import multiprocessing as mp
    import tempfile

    from junheng.registry import check, registry_from_frame

    def peak() -> float:
        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)

    with tempfile.TemporaryDirectory(prefix="linkage-scale-") as tmp:
        t0 = time.perf_counter()
        proc = mp.get_context("spawn").Process(target=_generate, args=(a.children, a.seed, tmp))
        proc.start()
        proc.join()
        if proc.exitcode != 0:
            raise SystemExit(f"generator failed with exit code {proc.exitcode}")
        t1 = time.perf_counter()
        regs = {}
        load_s = 0.0
        for kind in KINDS:
            t = time.perf_counter()
            raw = _load(f"{tmp}/{kind}.parquet")
            load_s += time.perf_counter() - t
            regs[kind] = registry_from_frame(raw, kind)
            del raw
            gc.collect()
    t2 = time.perf_counter()
    peak_read = peak()
    res = check(regs["population"], regs["roll"], regs["attendance"], as_of=dt.date(2026, 9, 1), engine=a.engine)
    t3 = time.perf_counter()
    print(json.dumps({
        "children": a.children, "engine": a.engine, "roll": len(regs["roll"]),
        "seconds": {"generate": round(t1 - t0, 1), "load_parquet": round(load_s, 1),
                    "read_validate_normalise": round(t2 - t1 - load_s, 1),
                    "check": round(t3 - t2, 1), "read_and_check": round(t3 - t1, 1)},
        "peak_rss_gib": peak(), "peak_rss_after_read_gib": peak_read,
        "generator_peak_rss_gib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20, 2),
        "links": res.summary["links"], "candidate_pairs": res.summary["candidate_pairs"],
        "review": res.summary["review"], "out_of_school": res.summary["out_of_school"],
        "suspected_dropouts": res.summary["suspected_dropouts"],
    }, indent=2))


if __name__ == "__main__":
    main()
