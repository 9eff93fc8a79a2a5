"""Rotation of principals and teachers (校长教师交流轮岗): this year's list, meeting the quotas.

Rules (standards.md §4.9 and §1.2 item 11; 教师〔2014〕4号):

* **eligible**: a teacher who has taught ``min_years`` (default 6, provincial practice)
  or more years at the same school (``year − school_since``), in a 小学/初中 section,
  not a principal and not within the age exemption (provincial practice: 男 55, 女 50
  [U], switch off with ``exempt_age_male=None``);
* **principals** after two terms (``principal_terms × principal_term_years``, default
  2 × 4 years as in 甘肃 "2 terms / 8 years") are listed as due to rotate, apart from
  the teachers' quota;
* **quota**: rotated ≥ 10 % of the eligible teachers, backbone teachers ≥ 20 % of
  those rotated — both rounded up (``⌈0.10 E⌉``, ``⌈0.20 R⌉``), so a quota that
  falls exactly on a whole number is met exactly;
* **direction**: from 城镇 (urban/town) or strong schools (passing every teacher
  indicator) to 乡村 or weak schools (failing one) — the 2014 意见's 城镇学校、优质学校
  to 乡村学校、薄弱学校.

Model (HiGHS MIP): eligible teachers at source schools are grouped by school,
stage and the three attributes that move the teacher indicators (qualified above
the required degree, backbone, PE/music/art); ``x[c, j]`` teachers of group ``c`` go
to destination unit ``j``; ``g[j, k] ≤ gap[j, k]`` is the part of unit ``j``'s gap in
indicator ``k`` they close.  Maximise Σ g − ``km_weight`` · km subject to Σ x = quota,
Σ backbone x ≥ backbone quota, each source keeping every teacher indicator it
passes, and at most ``max_share_per_school`` of a school's eligible teachers
leaving.  When the quotas cannot be met the error says why
(:class:`RotationInfeasible`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
import pandas as pd

from junheng.assess import section_frame
from junheng.domain.labels import label
from junheng.domain.tables import YearTables
from junheng.plan.teachers.indicators import TEACHER_INDICATORS, TeacherIndicators, teacher_indicators
from junheng.plan.teachers.moves import BACKBONE_KEY, haversine_km, school_points
from junheng.plan.teachers.staffing import Curriculum, load_curriculum

EPS = 1e-9
QUALIFIED = {"primary": ("研究生", "博士", "硕士", "本科", "专科", "大专"),
             "junior": ("研究生", "博士", "硕士", "本科")}  # standards.md §1.1 definition notes
PE_ART = ("pe", "music", "art")
ROTATION_COLUMNS = ["teacher_id", "stage", "subject", "from_school", "from_name", "to_school", "to_name", "km",
                    "years_at_school", "backbone_level", "qualified", "pe_art", "reason"]


@dataclass(frozen=True)
class RotationRules:
    """Eligibility, quotas and limits of the rotation (defaults: standards.md §4.9)."""

    min_years: int = 6
    principal_terms: int = 2
    principal_term_years: int = 4
    quota_share: float = 0.10
    backbone_share: float = 0.20
    exempt_age_male: int | None = 55  # [U] provincial practice
    exempt_age_female: int | None = 50  # [U]
    source_areas: tuple[str, ...] = ("urban", "town")
    destination_areas: tuple[str, ...] = ("rural",)
    max_km: float = 80.0
    km_weight: float = 0.001
    max_share_per_school: float = 0.5
    time_limit_s: float = 60.0


class RotationInfeasible(ValueError):
    """The rotation quotas cannot be met; ``reasons`` says which rule and why (in Chinese and English)."""

    def __init__(self, reasons: list[str], *, eligible: int, quota: int, backbone_quota: int):
        self.reasons = tuple(reasons)
        self.eligible, self.quota, self.backbone_quota = eligible, quota, backbone_quota
        super().__init__("；".join(reasons))


@dataclass(frozen=True)
class Rotation:
    """This year's rotation list and the quotas it meets."""

    eligible: int
    quota: int
    backbone_quota: int
    moves: pd.DataFrame  # ROTATION_COLUMNS
    eligible_teachers: pd.DataFrame  # teacher_id, school_code, stage, years_at_school, backbone, source
    principals_due: pd.DataFrame  # teacher_id, school_code, name, stage, years_at_school
    gain: float  # teacher-indicator gap closed (teachers)
    seconds: float
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def rotated(self) -> int:
        return len(self.moves)

    @property
    def backbone_rotated(self) -> int:
        return int(self.moves["backbone_level"].notna().sum()) if len(self.moves) else 0

    @property
    def meets_quotas(self) -> bool:
        return self.rotated >= self.quota and self.backbone_rotated >= self.backbone_quota

    def to_dict(self) -> dict[str, Any]:
        return {"eligible": self.eligible, "quota": self.quota, "backbone_quota": self.backbone_quota,
                "rotated": self.rotated, "backbone_rotated": self.backbone_rotated,
                "meets_quotas": self.meets_quotas, "indicator_gap_closed": self.gain,
                "principals_due": len(self.principals_due), "seconds": round(self.seconds, 3),
                "notes": list(self.notes)}


def quotas(eligible: int, *, quota_share: float = 0.10, backbone_share: float = 0.20) -> tuple[int, int]:
    """(teachers to rotate, backbone among them) = (⌈share × eligible⌉, ⌈backbone_share × rotated⌉)
    (standards.md §4.9: 不低于 10 %, 不低于 20 %)."""
    r = math.ceil(quota_share * eligible - EPS)
    return r, math.ceil(backbone_share * r - EPS)


def _age(birth: pd.Series, year: int) -> pd.Series:
    d = pd.to_datetime(birth, errors="coerce")
    return year - d.dt.year


def eligible_teachers(tables: YearTables, *, year: int, rules: RotationRules | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(eligible teachers, principals due) in 小学/初中 sections of non-special schools."""
    rules = rules or RotationRules()
    t = tables.teacher
    types = tables.school.drop_duplicates("code").set_index("code")["school_type"]
    cols = ["teacher_id", "school_code", "stage", "subject", "degree", "backbone_level", "years_at_school"]
    if t.empty:
        return pd.DataFrame(columns=cols), pd.DataFrame(columns=["teacher_id", "school_code", "stage", "years_at_school"])
    t = t[t["stage"].isin(("primary", "junior")) & (t["school_code"].map(types) != "special")].copy()
    t["years_at_school"] = year - pd.to_numeric(t["school_since"], errors="coerce")
    principal = t["is_principal"].fillna(False).astype(bool)
    age = _age(t["birth_date"], year)
    exempt = pd.Series(False, index=t.index)
    if rules.exempt_age_male is not None:
        exempt |= (t["sex"] == "male") & (age >= rules.exempt_age_male)
    if rules.exempt_age_female is not None:
        exempt |= (t["sex"] == "female") & (age >= rules.exempt_age_female)
    due = principal & (t["years_at_school"] >= rules.principal_terms * rules.principal_term_years)
    ok = ~principal & ~exempt & (t["years_at_school"] >= rules.min_years)
    elig = t.loc[ok, cols].reset_index(drop=True)
    return elig, t.loc[due, ["teacher_id", "school_code", "stage", "years_at_school"]].reset_index(drop=True)


def plan_rotation(tables: YearTables, *, year: int, rules: RotationRules | None = None,
                  indicators: TeacherIndicators | None = None, curriculum: Curriculum | None = None) -> Rotation:
    """This year's rotation list (module docstring: rules and model); raises :class:`RotationInfeasible`."""
    t0 = time.perf_counter()
    rules = rules or RotationRules()
    cur = curriculum or load_curriculum()
    ind = indicators or teacher_indicators(tables, year=year)
    elig, due = eligible_teachers(tables, year=year, rules=rules)
    n_elig = len(elig)
    quota, bquota = quotas(n_elig, quota_share=rules.quota_share, backbone_share=rules.backbone_share)
    names = tables.school.drop_duplicates("code").set_index("code")["name"]
    due = due.assign(name=due["school_code"].map(names))
    notes: list[str] = []
    if quota == 0:
        return Rotation(n_elig, 0, 0, pd.DataFrame(columns=ROTATION_COLUMNS), elig.assign(source=False), due, 0.0,
                        time.perf_counter() - t0, ("无符合交流条件的教师 / no eligible teachers",))

    # ---------------------------------------------------------------- schools: source / destination
    sec = section_frame(tables, year=year)
    area = sec.drop_duplicates("school_code").set_index("school_code")["area"]
    v = ind.values
    passed_all = v.groupby(["unit_code", "stage"])["passed"].apply(lambda s: bool(s.fillna(True).all()))
    strong = {k for k, p in passed_all.items() if p}
    weak = {k for k, p in passed_all.items() if not p}
    elig["backbone"] = elig["backbone_level"].isin(BACKBONE_KEY.keys())
    elig["qualified"] = [d in QUALIFIED.get(s, ()) for d, s in zip(elig["degree"], elig["stage"], strict=True)]
    elig["pe_art"] = elig["subject"].map(cur.subject_key).isin(PE_ART)
    elig["source"] = [area.get(c) in rules.source_areas or (c, s) in strong
                      for c, s in zip(elig["school_code"], elig["stage"], strict=True)]
    cand = elig[elig["source"]]
    dest_units = sorted({k for k in passed_all.index if area.get(k[0]) in rules.destination_areas} | weak)

    reasons: list[str] = []
    if len(cand) < quota:
        reasons.append(f"城镇/优质学校中符合交流条件的教师只有 {len(cand)} 人，少于交流配额 {quota} 人"
                       f"（符合条件 {n_elig} 人的 {rules.quota_share:.0%}） / only {len(cand)} eligible teachers at "
                       f"urban or strong schools, below the quota of {quota}")
    nb = int(cand["backbone"].sum())
    if nb < bquota:
        reasons.append(f"符合交流条件的骨干教师只有 {nb} 人，少于所需 {bquota} 人（交流人数 {quota} 的 "
                       f"{rules.backbone_share:.0%}） / only {nb} eligible backbone teachers, {bquota} needed")
    if not dest_units:
        reasons.append("没有乡村或薄弱学校可接收交流教师 / no rural or weak school to receive teachers")
    if reasons:
        raise RotationInfeasible(reasons, eligible=n_elig, quota=quota, backbone_quota=bquota)

    # ---------------------------------------------------------------- groups and arcs
    groups = cand.groupby(["school_code", "stage", "qualified", "backbone", "pe_art"]).size().rename("n").reset_index()
    pts = school_points(tables)
    dest = pd.DataFrame(dest_units, columns=["unit_code", "stage"])
    gap = v.pivot_table(index=["unit_code", "stage"], columns="indicator", values="gap", aggfunc="sum").reindex(
        columns=list(TEACHER_INDICATORS)).fillna(0.0)
    arcs: list[tuple[int, int, float]] = []
    lon = lambda codes: pts["lon"].reindex(codes).to_numpy(float)  # noqa: E731
    lat = lambda codes: pts["lat"].reindex(codes).to_numpy(float)  # noqa: E731
    km_all = haversine_km(lon(groups["school_code"])[:, None], lat(groups["school_code"])[:, None],
                          lon(dest["unit_code"])[None, :], lat(dest["unit_code"])[None, :])
    km_all = np.nan_to_num(km_all, nan=0.0)  # a school without coordinates: distance unknown, not limited
    ok = ((groups["stage"].to_numpy()[:, None] == dest["stage"].to_numpy()[None, :])
          & (groups["school_code"].to_numpy()[:, None] != dest["unit_code"].to_numpy()[None, :])
          & (km_all <= rules.max_km))
    for gi, di in zip(*np.nonzero(ok), strict=True):
        arcs.append((int(gi), int(di), float(km_all[gi, di])))
    if not arcs:
        raise RotationInfeasible([f"城镇/优质学校与乡村/薄弱学校的距离都超过 {rules.max_km:g} 公里 / no destination "
                                  f"within {rules.max_km:g} km"], eligible=n_elig, quota=quota, backbone_quota=bquota)

    by_group: dict[int, list[int]] = {}
    by_dest: dict[int, list[int]] = {}
    for a, (gi, di, _km) in enumerate(arcs):
        by_group.setdefault(gi, []).append(a)
        by_dest.setdefault(di, []).append(a)
    attr_cols = {"qualified_teachers_per_100": "qualified", "backbone_teachers_per_100": "backbone",
                 "pe_art_teachers_per_100": "pe_art"}
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(rules.time_limit_s))
    h.setOptionValue("threads", 1)
    inf = highspy.kHighsInf
    # x variables
    for gi, _di, km in arcs:
        h.addVar(0.0, float(groups.at[gi, "n"]))
        h.changeColCost(h.getNumCol() - 1, rules.km_weight * km)
    nx = len(arcs)
    h.changeColsIntegrality(nx, np.arange(nx, dtype=np.int32), np.full(nx, highspy.HighsVarType.kInteger))
    # gain variables g[j,k] ≤ gap, g ≤ Σ attr x
    gain_cols: list[tuple[int, str]] = []
    for di, d in dest.iterrows():
        key = (d["unit_code"], d["stage"])
        for k in TEACHER_INDICATORS:
            gk = float(gap.loc[key, k]) if key in gap.index else 0.0
            if gk <= 0:
                continue
            col = h.getNumCol()
            h.addVar(0.0, gk)
            h.changeColCost(col, -1.0)
            idx = [col] + [a for a in by_dest.get(int(di), []) if bool(groups.at[arcs[a][0], attr_cols[k]])]
            h.addRow(-inf, 0.0, len(idx), np.array(idx, dtype=np.int32), np.array([1.0] + [-1.0] * (len(idx) - 1)))
            gain_cols.append((col, k))
    for gi in groups.index:  # a group cannot send more teachers than it has
        out = by_group.get(int(gi), [])
        if len(out) > 1:
            h.addRow(-inf, float(groups.at[gi, "n"]), len(out), np.array(out, dtype=np.int32), np.ones(len(out)))
    all_x = np.arange(nx, dtype=np.int32)
    h.addRow(float(quota), float(quota), nx, all_x, np.ones(nx))
    bb = [a for a, (gi, _, _) in enumerate(arcs) if bool(groups.at[gi, "backbone"])]
    h.addRow(float(bquota), inf, len(bb), np.array(bb, dtype=np.int32), np.ones(len(bb)))
    # sources keep what they pass, and lose at most max_share_per_school of their eligible teachers
    students = sec.set_index(["school_code", "stage"])["students"]
    vv = v.set_index(["unit_code", "stage", "indicator"])
    elig_per = cand.groupby(["school_code", "stage"]).size()
    for (code, stage), gidx in groups.groupby(["school_code", "stage"]).groups.items():
        out_arcs = [a for gi in gidx for a in by_group.get(int(gi), [])]
        if not out_arcs:
            continue
        cap = math.ceil(rules.max_share_per_school * int(elig_per[(code, stage)]) - EPS)
        h.addRow(-inf, float(cap), len(out_arcs), np.array(out_arcs, dtype=np.int32), np.ones(len(out_arcs)))
        for k in TEACHER_INDICATORS:
            vkey = (code, stage, k)
            if vkey not in vv.index or not bool(vv.loc[vkey, "passed"]):
                continue
            need = float(vv.loc[vkey, "threshold"]) * float(students.get((code, stage), 0.0)) / 100.0
            slack = math.floor(float(vv.loc[vkey, "numerator"]) - need + EPS)
            sel = [a for a in out_arcs if bool(groups.at[arcs[a][0], attr_cols[k]])]
            if sel:
                h.addRow(-inf, float(max(slack, 0)), len(sel), np.array(sel, dtype=np.int32), np.ones(len(sel)))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise RotationInfeasible(_diagnose(cand, groups, quota, bquota, rules), eligible=n_elig, quota=quota,
                                 backbone_quota=bquota)
    x = np.rint(np.asarray(h.getSolution().col_value))
    gain = float(sum(x[c] for c, _ in gain_cols))

    # ---------------------------------------------------------------- individuals and reasons
    gap_left = gap.copy()
    pool = {k: g.sort_values(["years_at_school", "teacher_id"], ascending=[False, True])["teacher_id"].tolist()
            for k, g in cand.groupby(["school_code", "stage", "qualified", "backbone", "pe_art"])}
    by_id = cand.set_index("teacher_id")
    recs: list[dict[str, Any]] = []
    for a in np.nonzero(x[:nx] > 0.5)[0].tolist():
        gi, di, km = arcs[a]
        g, d = groups.loc[gi], dest.loc[di]
        gkey = (g["school_code"], g["stage"], bool(g["qualified"]), bool(g["backbone"]), bool(g["pe_art"]))
        for _ in range(int(x[a])):
            tid = pool[gkey].pop(0)
            r = by_id.loc[tid]
            helps = []
            ukey = (d["unit_code"], d["stage"])
            for k in TEACHER_INDICATORS:
                if bool(g[attr_cols[k]]) and ukey in gap_left.index and gap_left.loc[ukey, k] > 0:
                    helps.append(f"补{label('indicator_teachers', k)}缺口（缺 {gap_left.loc[ukey, k]:g} 人）")
                    gap_left.loc[ukey, k] -= 1
            why = [f"本校任教 {int(r['years_at_school'])} 年（≥ {rules.min_years} 年）"]
            if bool(g["backbone"]):
                why.append(f"{r['backbone_level']}骨干教师")
            kind = "乡村学校" if area.get(d["unit_code"]) in rules.destination_areas else "薄弱学校"
            why.append("；".join(helps) if helps else f"充实{kind}师资")
            recs.append({"teacher_id": tid, "stage": g["stage"], "subject": r["subject"],
                         "from_school": g["school_code"], "from_name": names.get(g["school_code"], ""),
                         "to_school": d["unit_code"], "to_name": names.get(d["unit_code"], ""), "km": km,
                         "years_at_school": int(r["years_at_school"]),
                         "backbone_level": r["backbone_level"] if bool(g["backbone"]) else None,
                         "qualified": bool(g["qualified"]), "pe_art": bool(g["pe_art"]), "reason": "，".join(why)})
    moves = pd.DataFrame(recs, columns=ROTATION_COLUMNS)
    return Rotation(n_elig, quota, bquota, moves, elig, due, gain, time.perf_counter() - t0, tuple(notes))


def _diagnose(cand: pd.DataFrame, groups: pd.DataFrame, quota: int, bquota: int, rules: RotationRules) -> list[str]:
    """Why the MIP found no list: the per-school caps or the sources' own indicators."""
    per = cand.groupby(["school_code", "stage"]).agg(n=("teacher_id", "size"), b=("backbone", "sum"))
    cap = per["n"].map(lambda n: math.ceil(rules.max_share_per_school * n - EPS))
    reasons = []
    if int(cap.sum()) < quota:
        reasons.append(f"每校调出不超过符合条件教师的 {rules.max_share_per_school:.0%}，最多可调出 {int(cap.sum())} 人，"
                       f"少于配额 {quota} 人 / the per-school cap allows {int(cap.sum())} < {quota}")
    bcap = int(np.minimum(per["b"], cap).sum())
    if bcap < bquota:
        reasons.append(f"受每校调出上限限制，最多可调出骨干教师 {bcap} 人，少于所需 {bquota} 人 / at most {bcap} "
                       f"backbone teachers can leave, {bquota} needed")
    if not reasons:
        reasons.append(f"派出学校须保持教师指标达标（每百名学生骨干教师数等），可调出的骨干教师不足 {bquota} 人或合格教师不足 "
                       f"{quota} 人 / the sources must keep the teacher indicators they pass, which leaves too few "
                       f"teachers to meet the quotas ({quota}, backbone {bquota})")
    return reasons
