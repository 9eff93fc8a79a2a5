"""The table adapter: clients, sites and allowed pairs of the layout model from registry tables or plain arrays.

* **clients** ``i`` = (village, stage) with the projected pupils ``d_i`` of the target year
  (:mod:`junheng.plan.projection`) times the base year's share of pupils in the public schools that take part;
* **sites** ``j`` = a school section (existing public school × stage) or a candidate new school, with current
  capacity ``C_j`` = classes × class cap (standards §1.2 item 4), maximum size ``U_j`` (§1.2 item 5), minimum
  size ``L_j`` and boarding beds ``B_j`` (a school's beds split over its sections by pupils);
* **allowed pairs**: day pupils where the one-way travel time is within the stage's day limit; boarders where it
  is beyond it but within the boarding limit, at a site that may board; each village-stage keeps its
  ``nearest_sites`` nearest allowed schools.  The yearly cost of a pair is ``c_ij = d_i`` × (per-pupil funds +
  transport per km × trips + travel burden per minute × trips/380 + boarding cost if boarding).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from junheng.domain.tables import YearTables
from junheng.plan.explain import STAGE_CN
from junheng.plan.facility import FacilityProblem
from junheng.plan.layout.rules import LayoutRules
from junheng.plan.layout.solution import BoolArray, IntArray

if TYPE_CHECKING:
    from junheng.plan.layout.model import SchoolLayout

FloatArray = npt.NDArray[np.float64]
# school types that hold a public section of each stage (the registry's school_type codes)
PUBLIC_TYPES = {"primary": ("primary", "teaching_point", "nine_year"),
                "junior": ("junior", "nine_year", "complete_secondary")}
Layout = TypeVar("Layout", bound="SchoolLayout")


@dataclass(frozen=True)
class LayoutFrames:
    """The frames a :class:`~junheng.plan.layout.SchoolLayout` is made of (columns listed on that class)."""

    clients: pd.DataFrame
    sites: pd.DataFrame
    pairs: pd.DataFrame
    assumptions: tuple[str, ...] = ()
    school_info: pd.DataFrame = field(default_factory=pd.DataFrame)


# --------------------------------------------------------------------------- plain arrays
def frames_from_cost_matrix(
    minutes: npt.ArrayLike,
    demand: npt.ArrayLike,
    *,
    capacity: npt.ArrayLike,
    fixed_cost: npt.ArrayLike,
    stage: str,
    rules: LayoutRules,
    max_size: npt.ArrayLike | None,
    min_size: npt.ArrayLike | float | None,
    beds: npt.ArrayLike | float,
    km: npt.ArrayLike | None,
    keep: Sequence[int],
    must_close: Sequence[int],
    names: Sequence[str] | None,
    village_names: Sequence[str] | None,
) -> LayoutFrames:
    """One stage from plain arrays: ``minutes`` villages × sites (``inf`` = no road); sizes default to the rules."""
    t = np.asarray(minutes, dtype=float)
    n, m = t.shape
    sr = rules.stages[stage]
    d = np.asarray(demand, dtype=float).ravel()
    vn = list(village_names) if village_names is not None else [f"V{i}" for i in range(n)]
    sn = list(names) if names is not None else [f"S{j}" for j in range(m)]
    clients = pd.DataFrame({"village_code": [str(i) for i in range(n)], "village_name": vn, "stage": stage,
                            "pupils": d, "lon": np.nan, "lat": np.nan,
                            "minutes_before": np.where(np.isfinite(t), t, np.inf).min(axis=1)})
    cap = np.broadcast_to(np.asarray(capacity, dtype=float), (m,))
    mx = np.broadcast_to(np.asarray(sr.max_size if max_size is None else max_size, dtype=float), (m,))
    mn = np.broadcast_to(np.asarray(sr.min_size if min_size is None else min_size, dtype=float), (m,))
    sites = pd.DataFrame({
        "site_id": [str(j) for j in range(m)], "school_code": [str(j) for j in range(m)], "name": sn,
        "stage": stage, "existing": True, "capacity": cap, "max_size": mx, "min_size": mn,
        "beds": np.broadcast_to(np.asarray(beds, dtype=float), (m,)),
        "fixed_cost": np.broadcast_to(np.asarray(fixed_cost, dtype=float), (m,)),
        "keep": np.isin(np.arange(m), list(keep)), "must_close": np.isin(np.arange(m), list(must_close)),
        "keep_small": False, "students_now": 0.0, "lon": np.nan, "lat": np.nan})
    kmm = np.asarray(km, dtype=float) if km is not None else np.zeros_like(t)
    return LayoutFrames(clients=clients, sites=sites, pairs=allowed_pairs(clients, sites, t, kmm, rules))


# --------------------------------------------------------------------------- registry tables
def frames_from_tables(
    tables: YearTables,
    *,
    year: int,
    rules: LayoutRules,
    travel: Any,
    variant: str,
    base_year: int | None,
    new_sites: str | Sequence[Mapping[str, Any]],
    stages: Sequence[str],
) -> LayoutFrames:
    """The county's frames for ``year`` (see :meth:`junheng.plan.layout.SchoolLayout.from_tables`)."""
    from junheng.geo import MODES, synthetic_network, travel_times
    from junheng.plan.projection import project_enrolment

    proj = project_enrolment(tables, to_year=max(year, (base_year or 0)), variant=variant, base_year=base_year)
    base = proj.base_year
    network = travel if travel is not None else synthetic_network(tables.org_unit)
    ou = tables.org_unit.copy()
    ou["code"] = ou["code"].astype(str)
    vil = ou[ou["level"] == "village"].dropna(subset=["lon", "lat"]).reset_index(drop=True)
    sec = tables.section_year[tables.section_year["year"] == base].copy()
    sec["school_code"] = sec["school_code"].astype(str)
    sch, unplaced = _placed_schools(tables, ou, base)
    public = sch[(sch["ownership"] == "public")]
    central = _central_schools(sch, public) if rules.keep_central_schools else set()
    site_rows: list[dict[str, Any]] = []
    client_rows: list[dict[str, Any]] = []
    notes: list[str] = [f"{r['name']}（{r['code']}）无坐标，未参与布局 / no coordinates, left out"
                         for _, r in unplaced.iterrows()]
    for stage in stages:
        ss = sec[sec["stage"] == stage].merge(public, left_on="school_code", right_on="code")
        ss = ss[ss["school_type"].isin(PUBLIC_TYPES[stage])]
        total = float(sec[sec["stage"] == stage]["students"].sum())
        share = float(ss["students"].sum()) / total if total > 0 else 1.0
        pupils = proj.pupils(year, stage).reindex(vil["code"]).fillna(0.0).to_numpy() * share
        client_rows += _village_clients(vil, pupils, stage)
        notes.append(f"{STAGE_CN[stage]}需求 = 预测在校生 × 参与布局的公办学校在基年所占比例 {share:.3f}"
                     f" / {stage} demand = projected pupils × public share {share:.3f}")
        site_rows += _section_sites(ss, stage, rules, central)
    site_rows += _candidate_sites(tables, ou, base, rules, new_sites, stages)
    sites = pd.DataFrame(site_rows)
    clients = pd.DataFrame(client_rows)
    tt = travel_times(network, (vil["lon"], vil["lat"]), (sites["lon"], sites["lat"]), mode=MODES[rules.travel_mode])
    nv = len(vil)
    minutes = np.full((len(clients), len(sites)), np.inf)
    kms = np.zeros_like(minutes)
    for si, stage in enumerate(stages):
        rows = slice(si * nv, (si + 1) * nv)
        cols = (sites["stage"] == stage).to_numpy()
        minutes[rows, cols] = tt.minutes[:, cols]
        kms[rows, cols] = tt.km[:, cols]
    existing = sites["existing"].to_numpy()
    clients["minutes_before"] = np.where(existing[None, :], minutes, np.inf).min(axis=1)
    pairs = allowed_pairs(clients, sites, minutes, kms, rules)
    info = sch.set_index("code")[["name", "school_type", "building_area", "land_area", "township_code",
                                  "village_code"]]
    assumptions = tuple(proj.assumptions) + tuple(notes) + (tt.label,)
    return LayoutFrames(clients=clients, sites=sites, pairs=pairs, assumptions=assumptions, school_info=info)


def _num(value: Any) -> float:
    """A count from the registry as float; a missing value (NA) counts as 0."""
    return 0.0 if value is None or pd.isna(value) else float(value)


def _placed_schools(tables: YearTables, ou: pd.DataFrame, base: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Schools with the base year's areas and beds, and the schools that cannot be placed on the map.

    A school without coordinates sits at its village's point; one without either cannot be planned."""
    sch = tables.school.copy()
    sch["code"] = sch["code"].astype(str)
    sy = tables.school_year[tables.school_year["year"] == base].copy()
    sy["school_code"] = sy["school_code"].astype(str)
    sch = sch.merge(sy[["school_code", "building_area", "land_area", "boarding_beds"]],
                    left_on="code", right_on="school_code", how="left").drop(columns="school_code")
    vpos = ou.set_index("code")[["lon", "lat"]]
    for axis in ("lon", "lat"):
        sch[axis] = sch[axis].astype("Float64").fillna(
            sch["village_code"].map(vpos[axis].astype("Float64")).astype("Float64"))
    unplaced = sch[sch["lon"].isna() | sch["lat"].isna()]
    return sch.drop(index=unplaced.index), unplaced


def _central_schools(sch: pd.DataFrame, public: pd.DataFrame) -> set[str]:
    """Central schools (中心校): a parent of other schools, or a public school named 中心 — kept open (primary)."""
    parents = set(sch["parent_school_code"].dropna().astype(str))
    return {c for c, nme in zip(public["code"], public["name"], strict=True) if c in parents or "中心" in str(nme)}


def _village_clients(vil: pd.DataFrame, pupils: FloatArray, stage: str) -> list[dict[str, Any]]:
    """One client row per village for ``stage``."""
    return [{"village_code": v["code"], "village_name": v["name"], "stage": stage, "pupils": float(pupils[k]),
             "lon": float(v["lon"]), "lat": float(v["lat"]), "township_code": str(v["parent_code"])}
            for k, v in vil.iterrows()]


def _section_sites(ss: pd.DataFrame, stage: str, rules: LayoutRules, central: set[str]) -> list[dict[str, Any]]:
    """One site row per existing public section of ``stage`` (``ss``: sections merged with their schools)."""
    sr = rules.stages[stage]
    beds_total = ss.groupby("school_code")["students"].transform("sum")
    rows: list[dict[str, Any]] = []
    for label, r in ss.iterrows():
        classes = _num(r["classes"])
        students = _num(r["students"])
        # shared beds split by pupils across the school's sections
        beds = _num(r["boarding_beds"]) * (students / float(beds_total[label]) if beds_total[label] else 0.0)
        rows.append({
            "site_id": f"{r['code']}:{stage}", "school_code": r["code"], "name": r["name"], "stage": stage,
            "existing": True, "capacity": classes * sr.class_cap, "max_size": sr.max_size,
            "min_size": sr.min_size, "beds": beds, "fixed_cost": sr.fixed_cost,
            "keep": (r["code"] in rules.keep or (r["code"] in central and stage == "primary"))
            and r["code"] not in rules.must_close,
            "must_close": r["code"] in rules.must_close,
            "keep_small": r["code"] in rules.keep_small, "students_now": students,
            "lon": float(r["lon"]), "lat": float(r["lat"])})
    return rows


def _candidate_sites(tables: YearTables, ou: pd.DataFrame, base: int, rules: LayoutRules,
                     new_sites: str | Sequence[Mapping[str, Any]], stages: Sequence[str]) -> list[dict[str, Any]]:
    """Site rows for candidate new schools: the rules' ``new_site`` list, the ``new_sites`` given, or (``"auto"``
    and none in the rules) one per stage in the most populous county-town village (ur_code < 200)."""
    cand = list(rules.new_sites)
    if new_sites == "auto" and not cand:
        county_town = ou[(ou["level"] == "village") & (pd.to_numeric(ou["ur_code"], errors="coerce") < 200)]
        if len(county_town):
            pop = tables.population[tables.population["year"] == base]
            sizes = pop.groupby(pop["village_code"].astype(str))["population"].sum()
            best = sizes.reindex(county_town["code"]).fillna(0).idxmax()
            for stage in stages:
                cand.append({"name": f"县城新建{STAGE_CN[stage]}", "village_code": best, "stage": stage})
    elif not isinstance(new_sites, str):
        cand = list(new_sites)
    rows: list[dict[str, Any]] = []
    for k, c in enumerate(cand):
        stage = str(c["stage"])
        if stage not in stages:
            continue
        sr = rules.stages[stage]
        v = ou[ou["code"] == str(c["village_code"])].iloc[0]
        code = str(c.get("code", f"NEW{k + 1}"))
        rows.append({
            "site_id": f"{code}:{stage}", "school_code": code, "name": str(c["name"]), "stage": stage,
            "existing": False, "capacity": 0.0, "max_size": float(c.get("max_size", sr.max_size)),
            "min_size": sr.min_size, "beds": 0.0, "fixed_cost": sr.fixed_cost, "keep": False,
            "must_close": False, "keep_small": False, "students_now": 0.0,
            "lon": float(v["lon"]), "lat": float(v["lat"])})
    return rows


# --------------------------------------------------------------------------- pairs
def allowed_pairs(clients: pd.DataFrame, sites: pd.DataFrame, minutes: FloatArray, km: FloatArray,
                  rules: LayoutRules) -> pd.DataFrame:
    """Allowed (client, site) pairs with their yearly cost (see the module docstring)."""
    ii, jj = np.nonzero(np.isfinite(minutes))
    cst = clients["stage"].to_numpy()[ii]
    sst = sites["stage"].to_numpy()[jj]
    same = cst == sst
    ii, jj = ii[same], jj[same]
    stage = clients["stage"].to_numpy()[ii]
    t = minutes[ii, jj]
    day_lim = np.array([rules.stages[s].day_limit_min for s in stage])
    brd_lim = np.array([rules.stages[s].boarding_limit_min if rules.stages[s].boarding else -1.0 for s in stage])
    day = t <= day_lim + 1e-9
    board = ~day & (t <= brd_lim + 1e-9)
    keep = day | board
    ii, jj, t, day, board, stage = ii[keep], jj[keep], t[keep], day[keep], board[keep], stage[keep]
    if rules.nearest_sites > 0 and ii.size:
        # each village-stage may go to one of its ``nearest_sites`` nearest allowed schools
        order = np.lexsort((t, ii))
        ii, jj, t, day, board, stage = ii[order], jj[order], t[order], day[order], board[order], stage[order]
        start = np.r_[0, np.flatnonzero(ii[1:] != ii[:-1]) + 1]
        rank = np.arange(ii.size) - np.repeat(start, np.diff(np.r_[start, ii.size]))
        sel = rank < rules.nearest_sites
        ii, jj, t, day, board, stage = ii[sel], jj[sel], t[sel], day[sel], board[sel], stage[sel]
    k = km[ii, jj]
    d = clients["pupils"].to_numpy()[ii]
    per = np.array([rules.stages[s].per_pupil_cost for s in stage])
    trips = np.where(board, rules.boarder_trips_per_year, rules.day_trips_per_year)
    unit = (per + rules.transport_per_pupil_km * k * trips
            + rules.travel_weight_per_minute * t * trips / rules.day_trips_per_year
            + np.where(board, rules.boarding_per_pupil, 0.0))
    return pd.DataFrame({"client": ii.astype(np.int64), "site": jj.astype(np.int64), "minutes": t, "km": k,
                         "boards": board, "cost": d * unit})


def pair_lookup(pairs: pd.DataFrame, prob: FacilityProblem) -> IntArray:
    """Row of ``pairs`` for each pair of the core problem (the core sorts pairs by client and cost)."""
    key = pd.Series(np.arange(len(pairs)), index=pd.MultiIndex.from_arrays([pairs["client"], pairs["site"]]))
    return key.reindex(pd.MultiIndex.from_arrays([prob.pair_client, prob.pair_site])).to_numpy().astype(np.int64)


def assigned_pairs(pairs: pd.DataFrame, assignment: IntArray) -> IntArray:
    """Row of ``pairs`` of each client's assigned site (``assignment[i]`` = site of client ``i``)."""
    key = pd.Series(np.arange(len(pairs)), index=pd.MultiIndex.from_arrays([pairs["client"], pairs["site"]]))
    return key.reindex(pd.MultiIndex.from_arrays([np.arange(len(assignment)), assignment])).to_numpy()


def restrict(layout: Layout, clients: IntArray, sites: IntArray, keep_pairs: BoolArray) -> Layout:
    """The sub-model on some ``clients`` and ``sites`` (sorted indices) with the pairs ``keep_pairs`` (a mask
    over ``layout.pairs`` that names only those clients and sites), re-indexed from 0."""
    cmap = np.full(len(layout.clients), -1)
    cmap[clients] = np.arange(clients.size)
    smap = np.full(len(layout.sites), -1)
    smap[sites] = np.arange(sites.size)
    p = layout.pairs[keep_pairs].copy()
    p["client"] = cmap[p["client"].to_numpy()]
    p["site"] = smap[p["site"].to_numpy()]
    return replace(layout, clients=layout.clients.iloc[clients].reset_index(drop=True),
                   sites=layout.sites.iloc[sites].reset_index(drop=True), pairs=p.reset_index(drop=True))
