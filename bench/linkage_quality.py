"""Linkage quality: precision and recall of the ledgers on the demo county with realistic noise.

Ground truth comes from ``junheng.synth.generate_county("130431", seed=7)``: its
children (synthetic names and valid IDs) are the 户籍; a known share of
school-age children is never enrolled (truth for 失学) or enrolled but absent
(truth for 辍学); 5 % are on the poverty list.  The roll and the poverty list
are then damaged the way real department lists are:

* IDs: missing, typed as 15 digits (century and check character lost), one
  digit changed, two adjacent digits swapped;
* names: traditional characters, a given-name character replaced by a
  homophone, spaces or full-width forms;
* birth dates: one digit changed;
* moved children: the poverty list names another village.

Run:  .venv/bin/python bench/linkage_quality.py [--seed 7] [--threshold 0.9] [--engine duckdb]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time

import numpy as np
import pandas as pd

from junheng.registry import check, registry_from_frame

RATES = {"never_enrolled": 0.02, "absent": 0.015, "poverty": 0.05,
         "id_missing": 0.05, "id_15": 0.01, "id_digit": 0.015, "id_swap": 0.01,
         "name_trad": 0.03, "name_homophone": 0.02, "name_space": 0.02, "date_typo": 0.02, "moved": 0.05,
         "pop_id_missing": 0.02}


def _homophones(chars: str) -> dict[str, list[str]]:
    from pypinyin import lazy_pinyin

    pool = chars + "玮炜蔚维薇涛韬焘浩昊皓颢灏郝豪晨辰宸臣琛宇雨羽语禹玉钰裕煜俊骏峻峻隽军君钧静敬婧靖竞境镜婷亭庭廷霆丽莉俐立力利历励"
    by: dict[str, list[str]] = {}
    for c in set(pool):
        by.setdefault(lazy_pinyin(c)[0], []).append(c)
    return {c: [o for o in by[lazy_pinyin(c)[0]] if o != c] for c in set(chars)}


def damage(df: pd.DataFrame, rng: np.random.Generator, homophones: dict[str, list[str]], *, ids: bool = True,
           dates: bool = True) -> pd.DataFrame:
    from opencc import OpenCC

    s2t = OpenCC("s2t")
    out = df.copy()
    n = len(out)
    idv = out["id_number"].astype(object).to_numpy()
    if ids:
        u = rng.random(n)
        cut = np.cumsum([RATES["id_missing"], RATES["id_15"], RATES["id_digit"], RATES["id_swap"]])
        for i in np.flatnonzero(u < cut[3]):
            s = idv[i]
            if u[i] < cut[0]:
                idv[i] = ""
            elif u[i] < cut[1]:
                idv[i] = s[:6] + s[8:17]
            elif u[i] < cut[2]:
                k = int(rng.integers(0, 17))
                idv[i] = s[:k] + str((int(s[k]) + 1 + int(rng.integers(0, 9))) % 10) + s[k + 1:]
            else:
                k = int(rng.integers(6, 16))
                idv[i] = s[:k] + s[k + 1] + s[k] + s[k + 2:]
    out["id_number"] = idv
    names = out["name"].astype(object).to_numpy()
    u = rng.random(n)
    for i in np.flatnonzero(u < RATES["name_trad"]):
        names[i] = s2t.convert(names[i])
    for i in np.flatnonzero((u >= RATES["name_trad"]) & (u < RATES["name_trad"] + RATES["name_homophone"])):
        nm = names[i]
        k = len(nm) - 1
        alts = homophones.get(nm[k], [])
        if alts:
            names[i] = nm[:k] + alts[int(rng.integers(len(alts)))]
    sp = (u >= 0.05) & (u < 0.05 + RATES["name_space"])
    for i in np.flatnonzero(sp):
        names[i] = names[i][0] + " " + names[i][1:] if i % 2 else "".join(chr(ord(c) + 0xFEE0) if c.isascii() else c
                                                                         for c in names[i]) + "\u3000"
    out["name"] = names
    if dates:
        bd = out["birth_date"].astype(str).to_numpy().astype(object)
        for i in np.flatnonzero(rng.random(n) < RATES["date_typo"]):
            s = bd[i]
            k = int(rng.choice([3, 6, 9]))  # year units, month units, day units digit
            bd[i] = s[:k] + str((int(s[k]) + 1) % 10) + s[k + 1:]
            try:
                dt.date.fromisoformat(bd[i])
            except ValueError:
                bd[i] = s
        out["birth_date"] = bd
    return out


def build(seed: int) -> tuple[dict[str, pd.DataFrame], dict[str, set], dt.date]:
    from junheng.synth import generate_county
    from junheng.synth.people import GIVEN_FEMALE, GIVEN_MALE, SURNAMES

    tables = generate_county("130431", seed=seed, teachers=False)
    year = max(tables.years)
    as_of = dt.date(year, 9, 1)
    ch = tables.child.copy()
    ch = ch[ch["household_village_code"].notna()].reset_index(drop=True)  # 户籍 of this county
    rng = np.random.default_rng(seed)
    homo = _homophones(SURNAMES + GIVEN_MALE + GIVEN_FEMALE)
    n = len(ch)
    bd = pd.to_datetime(ch["birth_date"])
    cutoff = pd.Timestamp(year, 8, 31)
    age = cutoff.year - bd.dt.year - ((bd.dt.month > 8) | ((bd.dt.month == 8) & (bd.dt.day > 31))).astype(int)
    school_age = ((age >= 6) & (age <= 14)).to_numpy()
    u = rng.random(n)
    never = school_age & (u < RATES["never_enrolled"])
    absent = school_age & ~never & (u < RATES["never_enrolled"] + RATES["absent"])
    enrolled = school_age & ~never
    base = pd.DataFrame({"id_number": ch["id_number"], "name": ch["name"],
                         "sex": ch["sex"].map({"male": "男", "female": "女"}),
                         "birth_date": pd.to_datetime(ch["birth_date"]).dt.strftime("%Y-%m-%d"),
                         "village_code": ch["household_village_code"]})
    pop = base.copy()
    miss = rng.random(n) < RATES["pop_id_missing"]
    pop.loc[miss, "id_number"] = ""
    ridx = np.flatnonzero(enrolled)
    roll = damage(base.iloc[ridx].reset_index(drop=True), rng, homo)
    roll.insert(0, "student_id", [f"G{seed:02d}{i:07d}" for i in range(len(ridx))])
    roll["school_code"] = "2113043101"
    roll["grade"] = (age.to_numpy()[ridx] - 5).astype(str)
    roll["status"] = "在读"
    roll = roll.drop(columns=["village_code"])
    att = pd.DataFrame({"student_id": roll["student_id"], "school_code": roll["school_code"],
                        "present": np.where(absent[ridx], "0", "1")})
    pidx = np.flatnonzero(rng.random(n) < RATES["poverty"])
    pov = damage(base.iloc[pidx].reset_index(drop=True), rng, homo)
    villages = base["village_code"].unique()
    moved = rng.random(len(pov)) < RATES["moved"]
    pov.loc[moved, "village_code"] = villages[rng.integers(len(villages), size=int(moved.sum()))]
    pov["category"] = "脱贫户"
    order = rng.permutation(len(roll))  # the roll is not in 户籍 order
    roll, att = roll.iloc[order].reset_index(drop=True), att.iloc[order].reset_index(drop=True)
    roll_pop = ridx[order]  # population index of each roll row
    truth = {
        "out_of_school": {i + 2 for i in np.flatnonzero(never)},  # population rows (line numbers)
        "dropouts": {roll["student_id"][j] for j in range(len(roll)) if absent[roll_pop[j]]},
        "links": {(int(roll_pop[j]) + 2, j + 2) for j in range(len(roll))},
        "priority": ({("out_of_school", i + 2) for i in set(np.flatnonzero(never)) & set(pidx)}
                     | {("suspected_dropout", roll["student_id"][j]) for j in range(len(roll))
                        if absent[roll_pop[j]] and roll_pop[j] in set(pidx)}),
    }
    return {"population": pop, "roll": roll, "attendance": att, "poverty": pov}, truth, as_of


def pr(pred: set, true: set) -> dict[str, float | int]:
    tp = len(pred & true)
    return {"precision": tp / len(pred) if pred else 1.0, "recall": tp / len(true) if true else 1.0,
            "predicted": len(pred), "true": len(true), "tp": tp}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threshold", type=float, default=0.9)
    ap.add_argument("--engine", default="duckdb")
    a = ap.parse_args()
    t0 = time.perf_counter()
    frames, truth, as_of = build(a.seed)
    regs = {k: registry_from_frame(v.astype(str).replace({"nan": "", "None": "", "<NA>": ""}), k)
            for k, v in frames.items()}
    t1 = time.perf_counter()
    res = check(regs["population"], regs["roll"], regs["attendance"], poverty=regs["poverty"], as_of=as_of,
                engine=a.engine, threshold=a.threshold)
    t2 = time.perf_counter()
    oos = set(np.asarray(res.out_of_school_rows).tolist())
    pop_rows = regs["population"].frame
    oos_pred = set(pop_rows.loc[pop_rows["row"].isin(oos), "row"].astype(int))
    drop_pred = set(res.suspected_dropouts["student_id"])
    links_pred = {(int(p), int(r)) for p, r in zip(res.links["population_row"], res.links["roll_row"], strict=True)}
    prio_pred = set()
    id_to_row = dict(zip(pop_rows["id_number"].fillna(pop_rows["id_raw"]).fillna(""), pop_rows["row"], strict=True))
    for r in res.priority.itertuples(index=False):
        prio_pred.add(("out_of_school", int(id_to_row.get(r.id_number, -1))) if r.ledger == "out_of_school"
                      else ("suspected_dropout", r.student_id))
    report = {
        "seed": a.seed, "engine": a.engine, "threshold": a.threshold, "as_of": as_of.isoformat(),
        "population": len(regs["population"]), "roll": len(regs["roll"]), "poverty": len(regs["poverty"]),
        "out_of_school": pr(oos_pred, truth["out_of_school"]),
        "suspected_dropouts": pr(drop_pred, truth["dropouts"]),
        "priority": pr(prio_pred, truth["priority"]),
        "links": pr(links_pred, truth["links"]),
        "review_queue": len(res.review),
        "links_by_method": res.summary["links"],
        "seconds": {"build_and_read": round(t1 - t0, 1), "check": round(t2 - t1, 1)},
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
