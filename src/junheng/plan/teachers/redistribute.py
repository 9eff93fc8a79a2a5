"""Redistribution within the county (县管校聘): surplus teachers to shortages, by subject, as a MIP on HiGHS.

The county bureau assigns posts to schools within the county's total (县管校聘,
shared/seeds/003: "由县教体局在核定的教职工编制总额和岗位总量内，统筹分配各校教职工编制和岗位数量";
standards.md §1.2 item 10).  Surplus and shortage come from
:func:`junheng.plan.teachers.staffing.subject_demand` (curriculum periods ÷ weekly load).

Model (one integer flow per candidate arc; HiGHS through highspy)::

    x[a] ∈ ℤ≥0     teachers of subject k moved from section i to section j (same stage)
    min  Σ_a (move_cost + km_cost · km_a − fill_reward) · x[a]
    s.t. Σ_{a out of (i,k)} x[a] ≤ movable(i,k)            surplus teachers that may move
         Σ_{a into (j,k)}  x[a] ≤ shortage(j,k)
         Σ_{a out of i} x[a] − Σ_{a into i} x[a] ≤ max(0, have(i) − min_keep(i))
                                                       every section keeps its minimum
         km_a ≤ max_km                                  (arcs beyond are not built)

The LP relaxation is solved first (simplex); when its vertex is integral — the
usual case, the constraint matrix is a transportation matrix plus the
keep-minimum rows — it is the MIP optimum, otherwise the MIP is solved.
``fill_reward`` is far above any move's cost, so the solver first fills as many
shortages as the limits allow, then uses the fewest moves, then the shortest.
Distances are **straight-line (great-circle) km** between the schools' WGS-84
points, not road distances.  Candidate arcs: for every surplus site and subject
its ``candidates`` nearest shortage sites within ``max_km`` and, symmetrically,
every shortage site's ``candidates`` nearest surplus sites — the optimum is over
that candidate set (exact when ``candidates`` ≥ the number of sites).

Who moves from a section: teachers of the subject who are movable (not a
principal, not in ``immovable``), those longest at the school first
(``school_since``), ties by teacher ID.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
import pandas as pd

from junheng.domain.tables import YearTables
from junheng.plan.teachers.moves import apply_moves, haversine_km, school_points
from junheng.plan.teachers.staffing import (
    GENERAL,
    OTHER,
    POOLED,
    Curriculum,
    load_curriculum,
    school_need,
    subject_demand,
)

MOVE_COLUMNS = ["teacher_id", "stage", "subject", "subject_name", "from_school", "from_name", "to_school", "to_name",
                "km"]


@dataclass(frozen=True)
class RedistributionRules:
    """Limits and weights of the redistribution model (all in km-equivalents)."""

    max_km: float = 30.0
    candidates: int = 20
    move_cost: float = 10.0
    km_cost: float = 1.0
    fill_reward: float = 10_000.0
    time_limit_s: float = 120.0
    mip_rel_gap: float = 1e-6


@dataclass(frozen=True)
class Redistribution:
    """The transfer list and what it achieves."""

    status: str  # optimal | time_limit | infeasible | nothing_to_do
    moves: pd.DataFrame  # MOVE_COLUMNS; teacher_id NA where only section counts are known
    demand_before: pd.DataFrame
    demand_after: pd.DataFrame
    shortage_before: int
    shortage_after: int
    surplus_before: int
    objective: float
    seconds: float
    n_arcs: int
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def total_km(self) -> float:
        return float(self.moves["km"].sum()) if len(self.moves) else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "moves": len(self.moves), "total_km": round(self.total_km, 3),
                "shortage_before": self.shortage_before, "shortage_after": self.shortage_after,
                "surplus_before": self.surplus_before, "objective": self.objective,
                "seconds": round(self.seconds, 3), "candidate_arcs": self.n_arcs, "notes": list(self.notes),
                "distance": "straight-line km (直线距离)"}


def _movable_teachers(tables: YearTables, curriculum: Curriculum, immovable: set[str]) -> pd.DataFrame:
    t = tables.teacher
    if t.empty:
        return pd.DataFrame(columns=["teacher_id", "school_code", "stage", "subject", "school_since"])
    df = pd.DataFrame({
        "teacher_id": t["teacher_id"].astype(str), "school_code": t["school_code"].astype(str),
        "stage": t["stage"].astype(str), "subject": t["subject"].map(curriculum.subject_key),
        "school_since": pd.to_numeric(t["school_since"], errors="coerce").fillna(9999).astype(int),
        "principal": t["is_principal"].fillna(False).astype(bool),
    })
    df = df[~df["principal"] & ~df["teacher_id"].isin(immovable)]
    return df.sort_values(["school_code", "stage", "subject", "school_since", "teacher_id"]).reset_index(drop=True)


def redistribute(tables: YearTables, *, year: int, curriculum: Curriculum | None = None,
                 rules: RedistributionRules | None = None, immovable: Iterable[str] = (),
                 demand: pd.DataFrame | None = None) -> Redistribution:
    """Propose transfers from surplus to shortage by subject (module docstring: the model)."""
    t0 = time.perf_counter()
    cur = curriculum or load_curriculum()
    rules = rules or RedistributionRules()
    demand = subject_demand(tables, year=year, curriculum=cur) if demand is None else demand
    notes: list[str] = []
    d = demand[~demand["subject"].isin((POOLED, OTHER))]
    need = school_need(demand).set_index(["school_code", "stage"])
    max_out = (need["have_total"] - need["min_keep"]).clip(lower=0.0)
    movable = _movable_teachers(tables, cur, set(map(str, immovable)))
    mov_count = movable.groupby(["school_code", "stage", "subject"]).size()
    pts = school_points(tables)
    names = tables.school.drop_duplicates("code").set_index("code")["name"]

    sup = d[d["surplus"] > 0].copy()
    sup["movable"] = [
        min(int(r.surplus), int(mov_count.get((r.school_code, r.stage, r.subject), 0)))
        if r.source == "individual" else int(r.surplus) for r in sup.itertuples()]
    sup = sup[(sup["movable"] > 0) & (sup["subject"] != GENERAL)]
    dem = d[(d["shortage"] > 0) & (d["subject"] != GENERAL)]
    shortage_before = int(d.loc[d["subject"] != GENERAL, "shortage"].sum())
    surplus_before = int(d.loc[d["subject"] != GENERAL, "surplus"].sum())
    no_xy = set(sup["school_code"]).union(dem["school_code"]) - set(pts.index)
    if no_xy:
        notes.append(f"{len(no_xy)} 所学校缺少坐标，未参加调配 / schools without coordinates left out: {len(no_xy)}")
        sup = sup[~sup["school_code"].isin(no_xy)]
        dem = dem[~dem["school_code"].isin(no_xy)]

    # ---------------------------------------------------------------- candidate arcs
    arc_i: list[np.ndarray] = []
    arc_j: list[np.ndarray] = []
    arc_km: list[np.ndarray] = []
    sup = sup.reset_index(drop=True)
    dem = dem.reset_index(drop=True)
    for (stage, subject), s in sup.groupby(["stage", "subject"]):
        t = dem[(dem["stage"] == stage) & (dem["subject"] == subject)]
        if t.empty:
            continue
        ps, pt = pts.loc[s["school_code"]], pts.loc[t["school_code"]]
        km = haversine_km(ps["lon"].to_numpy()[:, None], ps["lat"].to_numpy()[:, None],
                          pt["lon"].to_numpy()[None, :], pt["lat"].to_numpy()[None, :])
        same = s["school_code"].to_numpy()[:, None] == t["school_code"].to_numpy()[None, :]
        ok = (km <= rules.max_km) & ~same
        keep = np.zeros_like(ok)
        k = rules.candidates
        if km.shape[1] > k:
            near = np.argpartition(km, k - 1, axis=1)[:, :k]
            np.put_along_axis(keep, near, True, axis=1)
        else:
            keep[:] = True
        if km.shape[0] > k:
            near = np.argpartition(km, k - 1, axis=0)[:k, :]
            np.put_along_axis(keep, near, True, axis=0)
        else:
            keep[:] = True
        ii, jj = np.nonzero(ok & keep)
        arc_i.append(s.index.to_numpy()[ii])
        arc_j.append(t.index.to_numpy()[jj])
        arc_km.append(km[ii, jj])
    ai = np.concatenate(arc_i) if arc_i else np.zeros(0, dtype=int)
    aj = np.concatenate(arc_j) if arc_j else np.zeros(0, dtype=int)
    akm = np.concatenate(arc_km) if arc_km else np.zeros(0)
    n = len(ai)
    if n == 0:
        return Redistribution("nothing_to_do", pd.DataFrame(columns=MOVE_COLUMNS), demand, demand, shortage_before,
                              shortage_before, surplus_before, 0.0, time.perf_counter() - t0, 0, tuple(notes))

    # ---------------------------------------------------------------- rows (CSC by arc)
    ns, nd = len(sup), len(dem)
    node_keys = pd.Index(pd.unique(pd.concat([sup["school_code"] + "|" + sup["stage"],
                                              dem["school_code"] + "|" + dem["stage"]])))
    src_node = node_keys.get_indexer((sup["school_code"] + "|" + sup["stage"]).to_numpy()[ai])
    dst_node = node_keys.get_indexer((dem["school_code"] + "|" + dem["stage"]).to_numpy()[aj])
    node_cap = np.array([max_out.get(tuple(k.split("|")), 0.0) for k in node_keys], dtype=float)
    rows = np.empty(4 * n, dtype=np.int32)
    vals = np.empty(4 * n, dtype=float)
    rows[0::4] = ai
    rows[1::4] = ns + aj
    rows[2::4] = ns + nd + src_node
    rows[3::4] = ns + nd + dst_node
    vals[0::4] = 1.0
    vals[1::4] = 1.0
    vals[2::4] = 1.0
    vals[3::4] = -1.0
    n_rows = ns + nd + len(node_keys)
    row_upper = np.concatenate([sup["movable"].to_numpy(float), dem["shortage"].to_numpy(float), node_cap])
    cost = rules.move_cost + rules.km_cost * akm - rules.fill_reward
    upper = np.minimum(sup["movable"].to_numpy(float)[ai], dem["shortage"].to_numpy(float)[aj])

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(rules.time_limit_s))
    h.setOptionValue("mip_rel_gap", float(rules.mip_rel_gap))
    h.setOptionValue("threads", 1)
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = n_rows
    lp.col_cost_ = cost
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = upper
    lp.row_lower_ = np.full(n_rows, -highspy.kHighsInf)
    lp.row_upper_ = row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(0, 4 * n + 1, 4, dtype=np.int32)
    lp.a_matrix_.index_ = rows
    lp.a_matrix_.value_ = vals
    h.passModel(lp)
    # The LP relaxation (simplex: a vertex) is usually integral — a transportation problem plus the
    # sections' keep-minimum rows.  An integral LP optimum is the MIP optimum; otherwise solve the MIP.
    h.setOptionValue("solver", "simplex")
    h.run()
    lp_x = np.asarray(h.getSolution().col_value)
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal or np.abs(lp_x - np.rint(lp_x)).max(initial=0) > 1e-6:
        h.setOptionValue("solver", "choose")
        h.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.full(n, highspy.HighsVarType.kInteger))
        h.run()
        notes.append("线性松弛非整数，已按整数规划求解 / LP relaxation fractional: solved as a MIP")
    model_status = h.getModelStatus()
    if model_status == highspy.HighsModelStatus.kOptimal:
        status = "optimal"
    elif model_status == highspy.HighsModelStatus.kTimeLimit:
        status = "time_limit"
    else:
        status = "infeasible"
    sol = h.getSolution()
    x = np.rint(np.asarray(sol.col_value)) if sol.value_valid else np.zeros(n)
    objective = float(h.getInfo().objective_function_value) if sol.value_valid else float("nan")

    # ---------------------------------------------------------------- who moves
    used = np.nonzero(x > 0.5)[0]
    pools: dict[tuple[str, str, str], list[str]] = {
        key: g["teacher_id"].tolist() for key, g in movable.groupby(["school_code", "stage", "subject"])}
    records: list[dict[str, Any]] = []
    for a in used[np.argsort(akm[used], kind="stable")]:
        s_row, t_row = sup.iloc[ai[a]], dem.iloc[aj[a]]
        key = (s_row["school_code"], s_row["stage"], s_row["subject"])
        for _ in range(int(x[a])):
            tid: Any = pools[key].pop(0) if s_row["source"] == "individual" else pd.NA
            records.append({"teacher_id": tid, "stage": s_row["stage"], "subject": s_row["subject"],
                            "subject_name": s_row["subject_name"], "from_school": s_row["school_code"],
                            "from_name": names.get(s_row["school_code"], ""), "to_school": t_row["school_code"],
                            "to_name": names.get(t_row["school_code"], ""), "km": float(akm[a])})
    moves = pd.DataFrame(records, columns=MOVE_COLUMNS)
    after_tables = apply_moves(tables, moves, year=year)
    demand_after = subject_demand(after_tables, year=year, curriculum=cur)
    da = demand_after[~demand_after["subject"].isin((POOLED, OTHER, GENERAL))]
    return Redistribution(status, moves, demand, demand_after, shortage_before, int(da["shortage"].sum()),
                          surplus_before, objective, time.perf_counter() - t0, n, tuple(notes))
