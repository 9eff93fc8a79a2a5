"""School layout optimisation (学校布局调整): keep, expand, merge, close or build.

Model (a single-source capacitated facility-location model with side rules, built on
the solver core :mod:`junheng.plan.facility`):

* **clients** ``i`` = (village, stage) with the projected pupils ``d_i`` of the target
  year (:mod:`junheng.plan.projection`);
* **sites** ``j`` = a school section (existing public school × stage) or a candidate
  new school, with current capacity ``C_j`` = classes × class cap (standards §1.2
  item 4), maximum size ``U_j`` (§1.2 item 5), minimum size ``L_j`` (seed plan 003:
  撤并100人以下的小学; 不足600人的初级中学原则上不独立设置; 0 for a school flagged
  "keep" or "keep necessary small school"), boarding beds ``B_j``;
* **allowed pairs** (the sparse set): day pupils where the one-way travel time is
  within the stage's day limit; boarders where it is beyond it but within the
  boarding limit, at a site that may board;
* variables: open ``y_j``, assignment ``x_ij ∈ {0,1}`` (every village-stage to exactly
  one school: the attendance zones), places added ``e_j ≥ 0``, beds added ``b_j ≥ 0``::

    min  Σ f_j y_j + Σ c_ij x_ij + Σ p_j e_j + Σ q_j b_j
    s.t. Σ_j x_ij = 1;  x_ij ≤ y_j                          (core: assignment, strong linking)
         Σ_i d_i x_ij ≤ C_j y_j + e_j,   e_j ≤ (U_j − C_j)⁺ y_j      (capacity, expansion)
         Σ_i d_i x_ij ≤ U_j y_j                                  (maximum size)
         Σ_i d_i x_ij ≥ L_j y_j                                  (minimum size)
         Σ_{i boards at j} d_i x_ij ≤ B_j y_j + b_j,  b_j ≤ U_j y_j  (boarding)
         y_j = 1 (keep), y_j = 0 (must close)

  ``f_j`` yearly running cost of an open section; ``c_ij = d_i`` × (per-pupil funds +
  transport per km × trips + travel burden per minute × trips/380 + boarding cost if
  boarding); ``p_j``, ``q_j`` annualised construction per place / bed
  (m² × 元/m² × capital recovery factor).

The exact solve takes the core's strong formulation (``mip._strong_model`` over a
:class:`FacilityProblem`) and adds the columns ``e, b`` and the side rows above, then
HiGHS proves optimality, one stage at a time (the stages share no row).  The
fast path (``method="heuristic"``) is a Lagrangian bound with minimum sizes, maximum sizes
and expansion costs inside the site problems (:mod:`junheng.plan.facility.sided`) and a
greedy + close / open / move local search (:mod:`junheng.plan.facility.sided_search`);
the solution is priced exactly and the gap is reported as it is.
"""

from __future__ import annotations

import math
import os
import time
import tomllib
from collections.abc import Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from junheng.domain.tables import YearTables
from junheng.plan.explain import STAGE_CN
from junheng.plan.facility import FacilityProblem, InfeasibleModelError
from junheng.plan.facility.mip import _strong_model
from junheng.plan.facility.sided import SidedSites, sided_lagrangian_bound
from junheng.plan.facility.sided_search import SidedSearch

FloatArray = npt.NDArray[np.float64]
MIP_REL_GAP = 1e-4  # HiGHS default: "optimal" = proven within 0.01 % of the bound
# large-neighbourhood search of the fast path (SchoolLayout._polish): sites per neighbourhood, HiGHS gap and time cap
POLISH_SIZE = 8
POLISH_REL_GAP = 1e-3
POLISH_CAP_S = 0.5
# fast path time split (fractions of the limit): first search until, bound until, second search until; then the LNS
HEURISTIC_SPLIT = (0.05, 0.25, 0.32)
PUBLIC_TYPES = {"primary": ("primary", "teaching_point", "nine_year"),
                "junior": ("junior", "nine_year", "complete_secondary")}


# --------------------------------------------------------------------------- rules
@dataclass(frozen=True)
class StageRules:
    min_size: float
    max_size: float
    class_cap: int
    day_limit_min: float
    boarding: bool
    boarding_limit_min: float
    fixed_cost: float
    per_pupil_cost: float
    m2_per_place: float
    teachers_ratio: float
    teachers_per_class_small: float


@dataclass(frozen=True)
class LayoutRules:
    """Layout rules as data (``plan/data/layout-rules.toml``); see that file for sources."""

    stages: Mapping[str, StageRules]
    travel_mode: str = "school_bus"
    construction_per_m2: float = 3000.0
    annuity_years: int = 30
    interest_rate: float = 0.04
    boarding_m2_per_bed: float = 6.0
    boarding_per_pupil: float = 1700.0
    transport_per_pupil_km: float = 0.5
    day_trips_per_year: float = 380.0
    boarder_trips_per_year: float = 76.0
    travel_weight_per_minute: float = 1.0
    keep: tuple[str, ...] = ()
    must_close: tuple[str, ...] = ()
    keep_small: tuple[str, ...] = ()
    new_sites: tuple[Mapping[str, Any], ...] = ()
    keep_central_schools: bool = True
    nearest_sites: int = 10
    code: str = "layout-default"

    @property
    def capital_recovery(self) -> float:
        r, n = self.interest_rate, self.annuity_years
        return r / (1 - (1 + r) ** -n) if r > 0 else 1.0 / n

    def place_cost(self, stage: str) -> float:
        return self.stages[stage].m2_per_place * self.construction_per_m2 * self.capital_recovery

    @property
    def bed_cost(self) -> float:
        return self.boarding_m2_per_bed * self.construction_per_m2 * self.capital_recovery

    def with_flags(self, *, keep: Sequence[str] = (), must_close: Sequence[str] = (),
                   keep_small: Sequence[str] = ()) -> LayoutRules:
        return replace(self, keep=tuple(self.keep) + tuple(keep), must_close=tuple(self.must_close) + tuple(must_close),
                       keep_small=tuple(self.keep_small) + tuple(keep_small))


def load_layout_rules(path: str | Path | None = None, *, overrides: Mapping[str, Any] | None = None) -> LayoutRules:
    """The default rules, or a TOML file (its values override the defaults key by key)."""
    base = tomllib.loads(resources.files("junheng.plan").joinpath("data/layout-rules.toml").read_text("utf-8"))
    if path is not None:
        _merge(base, tomllib.loads(Path(path).read_text("utf-8")))
    if overrides:
        _merge(base, dict(overrides))
    stages = {k: StageRules(**{f: v for f, v in s.items()}) for k, s in base["stage"].items()}
    cost = base.get("cost", {})
    flags = base.get("flags", {})
    return LayoutRules(
        stages=stages, travel_mode=base.get("travel_mode", "school_bus"),
        keep=tuple(str(c) for c in flags.get("keep", [])), must_close=tuple(str(c) for c in flags.get("must_close", [])),
        keep_small=tuple(str(c) for c in flags.get("keep_small", [])),
        keep_central_schools=bool(flags.get("keep_central_schools", True)),
        nearest_sites=int(base.get("nearest_sites", 10)),
        new_sites=tuple(base.get("new_site", [])), code=base.get("code", "layout"), **cost)


def _merge(a: dict[str, Any], b: Mapping[str, Any]) -> None:
    for k, v in b.items():
        if isinstance(v, Mapping) and isinstance(a.get(k), dict):
            _merge(a[k], v)
        else:
            a[k] = v


# --------------------------------------------------------------------------- result
@dataclass(frozen=True)
class LayoutResult:
    """The solved layout (frozen).

    * ``decisions`` — one row per school: ``school_code, name, decision`` (keep / expand /
      close / merge / build / keep_small), ``merge_into`` (code), ``merge_into_name``,
      ``pupils``, ``explanation`` (中文);
    * ``sections`` — one row per site (school × stage): open, pupils, capacity, places
      and beds added, boarders, classes, teachers needed;
    * ``zones`` — one row per (village, stage): assigned school, minutes, km, boards,
      and the minutes before (to the nearest current school);
    * ``travel`` — travel-time distribution before/after (pupils by band and stage);
    * ``idle_assets`` — closed schools' buildings with areas and a suggested use;
    * ``costs`` — cost breakdown (元/年).
    """

    status: str
    year: int
    decisions: pd.DataFrame
    sections: pd.DataFrame
    zones: pd.DataFrame
    travel: pd.DataFrame
    idle_assets: pd.DataFrame
    costs: Mapping[str, float]
    objective: float
    bound: float
    gap: float
    seconds: float
    method: str
    assumptions: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def open_sites(self) -> tuple[str, ...]:
        s = self.sections
        return tuple(s.loc[s["open"], "site_id"])

    def summary(self) -> dict[str, Any]:
        s, z = self.sections, self.zones
        out: dict[str, Any] = {"status": self.status, "year": self.year, "objective": self.objective,
                               "bound": self.bound, "gap": self.gap, "seconds": round(self.seconds, 3)}
        for stage in ("primary", "junior"):
            ss = s[(s["stage"] == stage) & s["open"]]
            zz = z[z["stage"] == stage]
            out[f"{stage}_schools"] = int(ss["school_code"].nunique())
            out[f"{stage}_pupils"] = float(zz["pupils"].sum())
            out[f"{stage}_boarders"] = float(zz.loc[zz["boards"], "pupils"].sum())
            out[f"{stage}_teachers"] = float(ss["teachers_needed"].sum())
        lim = {"primary": 30.0, "junior": 45.0}
        out["pupils_over_limit"] = float(sum(z[(z["stage"] == st) & (z["minutes"] > m) & ~z["boards"]]["pupils"].sum()
                                             for st, m in lim.items()))
        out["pupils_over_30_45"] = float(sum(z[(z["stage"] == st) & (z["minutes"] > m)]["pupils"].sum()
                                             for st, m in lim.items()))
        out["cost_total"] = float(sum(self.costs.values()))
        out["decisions"] = self.decisions["decision"].value_counts().to_dict()
        return out


def _num(value: Any) -> float:
    """A count from the registry as float; a missing value (NA) counts as 0."""
    return 0.0 if value is None or pd.isna(value) else float(value)


class LayoutInfeasibleError(InfeasibleModelError):
    """The layout rules cannot all be met; ``rule`` names the rule, the message says where."""

    def __init__(self, message: str, *, rule: str) -> None:
        super().__init__(message)
        self.rule = rule


# --------------------------------------------------------------------------- model
@dataclass(frozen=True, eq=False)
class SchoolLayout:
    """The layout model; build with :meth:`from_tables` or :meth:`from_cost_matrix`, then :meth:`solve`."""

    clients: pd.DataFrame  # village_code, village_name, stage, pupils, lon, lat, minutes_before
    sites: pd.DataFrame  # site_id, school_code, name, stage, existing, capacity, max_size, min_size, beds, ...
    pairs: pd.DataFrame  # client, site, minutes, km, boards, cost
    rules: LayoutRules
    year: int
    assumptions: tuple[str, ...] = ()
    school_info: pd.DataFrame = field(default_factory=pd.DataFrame)

    # ------------------------------------------------------------------ builders
    @classmethod
    def from_cost_matrix(
        cls,
        minutes: npt.ArrayLike,
        demand: npt.ArrayLike,
        *,
        capacity: npt.ArrayLike,
        fixed_cost: npt.ArrayLike,
        stage: str = "primary",
        rules: LayoutRules | None = None,
        max_size: npt.ArrayLike | None = None,
        min_size: npt.ArrayLike | float | None = None,
        beds: npt.ArrayLike | float = 0.0,
        km: npt.ArrayLike | None = None,
        keep: Sequence[int] = (),
        must_close: Sequence[int] = (),
        names: Sequence[str] | None = None,
        village_names: Sequence[str] | None = None,
        year: int = 0,
    ) -> SchoolLayout:
        """Plain arrays: ``minutes`` villages × sites, one stage. Rules default to the shipped ones."""
        rules = rules or load_layout_rules()
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
        pairs = _pairs(clients, sites, t, kmm, rules)
        return cls(clients=clients, sites=sites, pairs=pairs, rules=rules, year=year)

    @classmethod
    def from_tables(
        cls,
        tables: YearTables,
        *,
        year: int,
        rules: LayoutRules | None = None,
        travel: Any = None,
        variant: str = "central",
        base_year: int | None = None,
        new_sites: str | Sequence[Mapping[str, Any]] = "auto",
        stages: Sequence[str] = ("primary", "junior"),
    ) -> SchoolLayout:
        """The county's layout model for ``year`` from its registry tables.

        ``travel`` is a :class:`junheng.geo.RoadNetwork` (default: the synthetic network
        over the villages; :func:`junheng.geo.synthetic_network`).  Demand is the
        projected pupils (``variant``) times the base year's share of pupils in the
        public schools that take part (private and special schools are left out).
        """
        from junheng.geo import MODES, synthetic_network, travel_times
        from junheng.plan.projection import project_enrolment

        rules = rules or load_layout_rules()
        proj = project_enrolment(tables, to_year=max(year, (base_year or 0)), variant=variant, base_year=base_year)
        base = proj.base_year
        network = travel if travel is not None else synthetic_network(tables.org_unit)
        ou = tables.org_unit.copy()
        ou["code"] = ou["code"].astype(str)
        vil = ou[ou["level"] == "village"].dropna(subset=["lon", "lat"]).reset_index(drop=True)
        sch = tables.school.copy()
        sch["code"] = sch["code"].astype(str)
        sec = tables.section_year[tables.section_year["year"] == base].copy()
        sec["school_code"] = sec["school_code"].astype(str)
        sy = tables.school_year[tables.school_year["year"] == base].copy()
        sy["school_code"] = sy["school_code"].astype(str)
        sch = sch.merge(sy[["school_code", "building_area", "land_area", "boarding_beds"]],
                        left_on="code", right_on="school_code", how="left").drop(columns="school_code")
        # a school without coordinates sits at its village's point; one without either cannot be planned
        vpos = ou.set_index("code")[["lon", "lat"]]
        for axis in ("lon", "lat"):
            sch[axis] = sch[axis].astype("Float64").fillna(
                sch["village_code"].map(vpos[axis].astype("Float64")).astype("Float64"))
        unplaced = sch[sch["lon"].isna() | sch["lat"].isna()]
        sch = sch.drop(index=unplaced.index)
        public = sch[(sch["ownership"] == "public")]
        parents = set(sch["parent_school_code"].dropna().astype(str))
        central = {c for c, nme in zip(public["code"], public["name"], strict=True)
                   if c in parents or "中心" in str(nme)} if rules.keep_central_schools else set()
        site_rows: list[dict[str, Any]] = []
        client_rows: list[dict[str, Any]] = []
        notes: list[str] = [f"{r['name']}（{r['code']}）无坐标，未参与布局 / no coordinates, left out"
                             for _, r in unplaced.iterrows()]
        for stage in stages:
            sr = rules.stages[stage]
            ss = sec[sec["stage"] == stage].merge(public, left_on="school_code", right_on="code")
            ss = ss[ss["school_type"].isin(PUBLIC_TYPES[stage])]
            total = float(sec[sec["stage"] == stage]["students"].sum())
            share = float(ss["students"].sum()) / total if total > 0 else 1.0
            pupils = proj.pupils(year, stage).reindex(vil["code"]).fillna(0.0).to_numpy() * share
            for k, v in vil.iterrows():
                client_rows.append({"village_code": v["code"], "village_name": v["name"], "stage": stage,
                                    "pupils": float(pupils[k]), "lon": float(v["lon"]), "lat": float(v["lat"]),
                                    "township_code": str(v["parent_code"])})
            notes.append(f"{STAGE_CN[stage]}需求 = 预测在校生 × 参与布局的公办学校在基年所占比例 {share:.3f}"
                         f" / {stage} demand = projected pupils × public share {share:.3f}")
            beds_total = ss.groupby("school_code")["students"].transform("sum")
            for _, r in ss.iterrows():
                classes = _num(r["classes"])
                students = _num(r["students"])
                # shared beds split by pupils across the school's sections
                beds = _num(r["boarding_beds"]) * (students / float(beds_total[_]) if beds_total[_] else 0.0)
                site_rows.append({
                    "site_id": f"{r['code']}:{stage}", "school_code": r["code"], "name": r["name"], "stage": stage,
                    "existing": True, "capacity": classes * sr.class_cap, "max_size": sr.max_size,
                    "min_size": sr.min_size, "beds": beds, "fixed_cost": sr.fixed_cost,
                    "keep": (r["code"] in rules.keep or (r["code"] in central and stage == "primary"))
                    and r["code"] not in rules.must_close,
                    "must_close": r["code"] in rules.must_close,
                    "keep_small": r["code"] in rules.keep_small, "students_now": students,
                    "lon": float(r["lon"]), "lat": float(r["lat"])})
        # candidate new schools
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
        for k, c in enumerate(cand):
            stage = str(c["stage"])
            if stage not in stages:
                continue
            sr = rules.stages[stage]
            v = ou[ou["code"] == str(c["village_code"])].iloc[0]
            code = str(c.get("code", f"NEW{k + 1}"))
            site_rows.append({
                "site_id": f"{code}:{stage}", "school_code": code, "name": str(c["name"]), "stage": stage,
                "existing": False, "capacity": 0.0, "max_size": float(c.get("max_size", sr.max_size)),
                "min_size": sr.min_size, "beds": 0.0, "fixed_cost": sr.fixed_cost, "keep": False,
                "must_close": False, "keep_small": False, "students_now": 0.0,
                "lon": float(v["lon"]), "lat": float(v["lat"])})
        sites = pd.DataFrame(site_rows)
        clients = pd.DataFrame(client_rows)
        mode = MODES[rules.travel_mode]
        tt = travel_times(network, (vil["lon"], vil["lat"]), (sites["lon"], sites["lat"]), mode=mode)
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
        pairs = _pairs(clients, sites, minutes, kms, rules)
        info = sch.set_index("code")[["name", "school_type", "building_area", "land_area", "township_code",
                                      "village_code"]]
        assumptions = tuple(proj.assumptions) + tuple(notes) + (tt.label,)
        return cls(clients=clients, sites=sites, pairs=pairs, rules=rules, year=year, assumptions=assumptions,
                   school_info=info)

    # ------------------------------------------------------------------ solve
    def problem(self) -> FacilityProblem:
        """The core single-source problem (capacity = maximum size; side rules not included)."""
        s = self.sites
        return FacilityProblem.from_pairs(
            self.pairs["client"], self.pairs["site"], self.pairs["cost"], n_clients=len(self.clients),
            n_sites=len(s), demand=self.clients["pupils"], fixed_cost=s["fixed_cost"],
            capacity=s["max_size"], force_open=s["keep"].to_numpy(bool), force_closed=s["must_close"].to_numpy(bool),
            single_source=True, name="school-layout")

    def check(self) -> None:
        """Raise :class:`LayoutInfeasibleError` when a rule evidently cannot be met, naming it and where."""
        c, s, p = self.clients, self.sites, self.pairs
        usable = ~s["must_close"].to_numpy(bool)
        has = np.zeros(len(c), dtype=bool)
        ok = usable[p["site"].to_numpy()]
        has[p["client"].to_numpy()[ok]] = True
        need = c["pupils"].to_numpy() > 0
        for i in np.flatnonzero(~has & need):
            r = c.iloc[i]
            sr = self.rules.stages[r["stage"]]
            board = (f"，寄宿上限 {sr.boarding_limit_min:g} 分钟内也没有可寄宿的学校" if sr.boarding
                     else "，且本学段不安排寄宿")
            raise LayoutInfeasibleError(
                f"村 {r['village_name']} 的{STAGE_CN.get(r['stage'], r['stage'])}生在 {sr.day_limit_min:g} 分钟内没有可达学校"
                f"{board}（无寄宿容量）/ village {r['village_name']}: no {r['stage']} school within "
                f"{sr.day_limit_min:g} min and no boarding place within reach",
                rule="day_travel_limit")
        for code in set(self.rules.keep) & set(self.rules.must_close):
            raise LayoutInfeasibleError(f"学校 {code} 同时标记为保留和必须撤并 / school {code} is both kept and closed",
                                        rule="flags")

    def solve(self, *, time_limit_s: float = 60.0, method: str = "auto") -> LayoutResult:
        """Solve; ``method`` ``"mip"`` (exact, HiGHS), ``"heuristic"`` (core Lagrangian) or ``"auto"``.

        ``auto`` uses the exact MIP up to 200,000 pairs, else the heuristic.
        """
        started = time.perf_counter()
        self.check()
        if method == "auto":
            method = "mip" if len(self.pairs) <= 200_000 else "heuristic"
        if method == "mip":
            sol = self._solve_by_stage(time_limit_s)
        elif method == "heuristic":
            sol = self._solve_heuristic(started + time_limit_s)
        else:
            raise ValueError(f"unknown method {method!r}")
        if sol is None:
            raise self._diagnose()
        return self._result(sol, started)

    # exact ---------------------------------------------------------------
    def _by_stage(self) -> list[tuple[SchoolLayout, npt.NDArray[np.int64], npt.NDArray[np.int64]]]:
        """Independent sub-models, one per stage (sections share no constraint), with index maps."""
        out = []
        for stage in pd.unique(self.clients["stage"]):
            ci = np.flatnonzero(self.clients["stage"].to_numpy() == stage)
            si = np.flatnonzero(self.sites["stage"].to_numpy() == stage)
            cmap = np.full(len(self.clients), -1)
            cmap[ci] = np.arange(ci.size)
            smap = np.full(len(self.sites), -1)
            smap[si] = np.arange(si.size)
            p = self.pairs[np.isin(self.pairs["client"].to_numpy(), ci)].copy()
            p["client"] = cmap[p["client"].to_numpy()]
            p["site"] = smap[p["site"].to_numpy()]
            sub = replace(self, clients=self.clients.iloc[ci].reset_index(drop=True),
                          sites=self.sites.iloc[si].reset_index(drop=True), pairs=p.reset_index(drop=True))
            out.append((sub, ci, si))
        return out

    def _solve_by_stage(self, time_limit_s: float, *, drop: str = "") -> dict[str, Any] | None:
        """Solve the stage sub-models, concurrently when there are cores for it (HiGHS releases the GIL;
        each model runs single-threaded), and add up objectives and bounds."""
        parts = self._by_stage()
        if len(parts) == 1:
            return self._solve_mip(time_limit_s, drop=drop)
        workers = min(len(parts), os.cpu_count() or 1)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            sols = list(pool.map(lambda part: part[0]._solve_mip(time_limit_s, drop=drop), parts))
        open_mask = np.zeros(len(self.sites), dtype=bool)
        assign = np.full(len(self.clients), -1, dtype=np.int64)
        obj = bound = 0.0
        status = "optimal"
        nodes = 0
        for (_sub, ci, si), sol in zip(parts, sols, strict=True):
            if sol is None:
                return None
            open_mask[si] = sol["open"]
            assign[ci] = si[sol["assign"]]
            obj += sol["objective"]
            bound += sol["bound"]
            nodes += sol["nodes"]
            if sol["status"] != "optimal":
                status = sol["status"]
        return {"open": open_mask, "assign": assign, "status": status, "objective": obj, "bound": bound,
                "method": "mip(HiGHS, by stage, LP-guided warm start)", "nodes": nodes}

    def _side_arrays(self) -> dict[str, FloatArray]:
        s = self.sites
        cap = np.minimum(s["capacity"].to_numpy(float), s["max_size"].to_numpy(float))
        mx = s["max_size"].to_numpy(float)
        exempt = (s["keep"] | s["keep_small"]).to_numpy(bool)
        mn = np.where(exempt, 0.0, s["min_size"].to_numpy(float))
        place = np.array([self.rules.place_cost(st) for st in s["stage"]])
        board_ok = np.array([self.rules.stages[st].boarding for st in s["stage"]])
        return {"cap": cap, "max": mx, "min": mn, "place": place, "beds": s["beds"].to_numpy(float),
                "bed_cost": np.full(len(s), self.rules.bed_cost), "board_ok": board_ok.astype(float)}

    def _solve_mip(self, time_limit_s: float, *, drop: str = "",
                   start: tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64]] | None = None,
                   warm: bool = True, rel_gap: float = MIP_REL_GAP) -> dict[str, Any] | None:
        """The exact MIP of this model; ``start`` (open mask, site per client) is handed to HiGHS as a MIP start.

        Without ``start`` (and with ``warm``) the solve has two phases (:func:`_lp_guided_start`): a short MIP
        restricted to the sites the LP relaxation opens gives a start, then the full model is solved from it
        with most of HiGHS's primal heuristics off (:data:`_PROOF_OPTIONS`).  The restriction only chooses the
        start; optimality and the bound are those of the full model."""
        prob = self.problem()
        prob = replace(prob, capacity=None)
        m, nnz, n = prob.n_sites, prob.nnz, prob.n_clients
        lp, n_cols = _strong_model(prob, prob.force_open, prob.force_closed)
        a = sp.csc_matrix((np.asarray(lp.a_matrix_.value_), np.asarray(lp.a_matrix_.index_),
                           np.asarray(lp.a_matrix_.start_)), shape=(lp.num_row_, n_cols))
        ar = self._side_arrays()
        # pair order of the core problem → boarding flag and demand per pair
        order = _pair_lookup(self.pairs, prob)
        boards = self.pairs["boards"].to_numpy(bool)[order]
        d = prob.demand[prob.pair_client]
        st = prob.pair_site
        xcol = m + np.arange(nnz)
        ecol, bcol = n_cols + np.arange(m), n_cols + m + np.arange(m)
        total_cols = n_cols + 2 * m
        rows, cols, vals, lo, up = [], [], [], [], []
        r0 = 0
        inf = highspy.kHighsInf

        def add(rr: Any, cc: Any, vv: Any) -> None:
            rows.append(np.asarray(rr))
            cols.append(np.asarray(cc))
            vals.append(np.asarray(vv, dtype=float))

        j = np.arange(m)
        # capacity: Σ d x − e − cap y ≤ 0
        add(r0 + st, xcol, d)
        add(r0 + j, ecol, -np.ones(m))
        add(r0 + j, j, -ar["cap"])
        lo.append(np.full(m, -inf))
        up.append(np.zeros(m))
        r0 += m
        # expansion limit e − (max − cap)+ y ≤ 0
        add(r0 + j, ecol, np.ones(m))
        add(r0 + j, j, -np.maximum(ar["max"] - ar["cap"], 0.0))
        lo.append(np.full(m, -inf))
        up.append(np.zeros(m))
        r0 += m
        if drop != "max_size":
            add(r0 + st, xcol, d)
            add(r0 + j, j, -ar["max"])
            lo.append(np.full(m, -inf))
            up.append(np.zeros(m))
            r0 += m
        if drop != "min_size":
            add(r0 + st, xcol, d)
            add(r0 + j, j, -ar["min"])
            lo.append(np.zeros(m))
            up.append(np.full(m, inf))
            r0 += m
        if drop != "boarding":
            bsel = boards
            add(r0 + st[bsel], xcol[bsel], d[bsel])
            add(r0 + j, bcol, -np.ones(m))
            add(r0 + j, j, -ar["beds"])
            lo.append(np.full(m, -inf))
            up.append(np.zeros(m))
            r0 += m
            add(r0 + j, bcol, np.ones(m))
            add(r0 + j, j, -ar["max"] * ar["board_ok"])
            lo.append(np.full(m, -inf))
            up.append(np.zeros(m))
            r0 += m
        side = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                             shape=(r0, total_cols))
        full = sp.vstack([sp.hstack([a, sp.csc_matrix((a.shape[0], 2 * m))]), side]).tocsc()
        lp2 = highspy.HighsLp()
        lp2.num_col_ = total_cols
        lp2.num_row_ = full.shape[0]
        lp2.col_cost_ = np.r_[np.asarray(lp.col_cost_), ar["place"], ar["bed_cost"]]
        lp2.col_lower_ = np.r_[np.asarray(lp.col_lower_), np.zeros(2 * m)]
        lp2.col_upper_ = np.r_[np.asarray(lp.col_upper_), np.full(2 * m, inf)]
        lp2.row_lower_ = np.r_[np.asarray(lp.row_lower_), np.concatenate(lo)]
        lp2.row_upper_ = np.r_[np.asarray(lp.row_upper_), np.concatenate(up)]
        lp2.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp2.a_matrix_.start_ = full.indptr.astype(np.int32)
        lp2.a_matrix_.index_ = full.indices.astype(np.int32)
        lp2.a_matrix_.value_ = full.data
        lp2.integrality_ = list(lp.integrality_) + [highspy.HighsVarType.kContinuous] * (2 * m)
        started = time.perf_counter()
        values: list[float] | None = None
        if start is not None:
            y0, a0 = start
            x0 = (a0[prob.pair_client] == st).astype(float)
            load0 = np.bincount(a0, weights=prob.demand, minlength=m)
            bsel0 = (x0 > 0) & boards
            bl0 = np.bincount(st[bsel0], weights=d[bsel0], minlength=m)
            values = list(np.r_[y0.astype(float), x0, np.maximum(load0 - ar["cap"], 0.0),
                                np.maximum(bl0 - ar["beds"], 0.0)])
        elif warm:
            values = _lp_guided_start(lp2, m, 0.5 * time_limit_s)
        h = _highs(max(0.1, float(time_limit_s) - (time.perf_counter() - started)), rel_gap)
        if values is not None and start is None:
            # the start is good: most of HiGHS's primal heuristics only cost time, the work left is mostly the proof
            for k, v in _PROOF_OPTIONS.items():
                h.setOptionValue(k, v)
        h.passModel(lp2)
        if values is not None:
            sol0 = highspy.HighsSolution()
            sol0.col_value = values
            sol0.value_valid = True
            h.setSolution(sol0)
        h.run()
        info = h.getInfo()
        ms = h.getModelStatus()
        if ms == highspy.HighsModelStatus.kInfeasible or info.primal_solution_status != 2:
            return None
        col = np.asarray(h.getSolution().col_value)
        y = col[:m] > 0.5
        x = col[m:m + nnz] > 0.5
        assign = np.full(n, -1, dtype=np.int64)
        assign[prob.pair_client[x]] = st[x]
        status = "optimal" if ms == highspy.HighsModelStatus.kOptimal else "time_limit"
        obj = float(info.objective_function_value)
        bound = float(info.mip_dual_bound) if status != "optimal" else obj
        if status == "optimal":
            bound = min(float(info.mip_dual_bound), obj)
        return {"open": y, "assign": assign, "status": status, "objective": obj, "bound": bound, "method": "mip(HiGHS)",
                "nodes": int(info.mip_node_count)}

    # heuristic ---------------------------------------------------------
    def _solve_heuristic(self, deadline: float) -> dict[str, Any] | None:
        """Lagrangian bound with the side rules inside + greedy / local search (``facility.sided``).

        1. greedy from all sites open, then local search (close / move) → an upper bound;
        2. subgradient ascent on the sided Lagrangian (minimum sizes, expansion costs inside);
        3. greedy + local search again from the Lagrangian open set; the better solution is
           priced exactly (:meth:`_price`), the bound is the best ``LB(λ)`` found;
        4. the rest of the time a large-neighbourhood search (:meth:`_polish`).
        Time split :data:`HEURISTIC_SPLIT` (5 % / 20 % / 7 % / the rest), measured on the synthetic province
        (docs/dev/layout.md).
        """
        started = time.perf_counter()
        total = max(deadline - started, 1.0)
        ar = self._side_arrays()
        s, p = self.sites, self.pairs
        sides = SidedSites(fixed=s["fixed_cost"].to_numpy(float), capacity=ar["cap"], max_size=ar["max"],
                           min_size=ar["min"], place_cost=ar["place"], force_open=s["keep"].to_numpy(bool),
                           force_closed=s["must_close"].to_numpy(bool))
        cl, st, cost = p["client"].to_numpy(np.int64), p["site"].to_numpy(np.int64), p["cost"].to_numpy(float)
        d = self.clients["pupils"].to_numpy(float)
        search = SidedSearch(cl, st, cost, d, sides, pair_boards=p["boards"].to_numpy(bool), beds=ar["beds"],
                             bed_cost=ar["bed_cost"])
        # beds: at a site without beds every boarder costs a bed, q_j d_i, linear in x — put it in the pair
        # cost of the bound; at sites with beds the convex bed cost (≥ 0) is left out, which keeps it valid
        no_beds = p["boards"].to_numpy(bool) & (ar["beds"][st] <= 0)
        cost_lb = cost + np.where(no_beds, ar["bed_cost"][st] * d[cl], 0.0)
        best: dict[str, Any] | None = None

        def primal(start_open: npt.NDArray[np.bool_], until: float) -> None:
            nonlocal best
            try:
                o, _a, pair_of = search.greedy(start_open)
            except RuntimeError:
                return
            o, assign, pair_of = search.improve(o, pair_of, until)
            load = np.bincount(assign, weights=d, minlength=len(s))
            o = (o & (load > 0)) | sides.force_open
            value = self._price(o, assign, ar)
            if best is None or value < best["objective"]:
                best = {"open": o, "assign": assign, "objective": value}

        primal(~sides.force_closed, started + HEURISTIC_SPLIT[0] * total)
        upper = best["objective"] if best is not None else np.inf
        lag = sided_lagrangian_bound(cl, st, cost_lb, d, sides, upper=upper,
                                     deadline=started + HEURISTIC_SPLIT[1] * total)
        primal(lag.open_mask, started + HEURISTIC_SPLIT[2] * total)
        bound = lag.bound
        if best is None:
            return None
        if best["objective"] - bound > MIP_REL_GAP * abs(best["objective"]):
            best = self._polish(best, deadline - 0.5, ar)
        return {**best, "status": "feasible", "bound": bound,
                "method": "heuristic(sided Lagrangian bound + greedy/local search + MIP neighbourhoods)"}

    def _polish(self, sol: dict[str, Any], until: float, ar: dict[str, FloatArray], *,
                size: int = POLISH_SIZE) -> dict[str, Any]:
        """Large-neighbourhood search: re-solve neighbouring sites and their clients exactly (HiGHS).

        A neighbourhood = a seed site and the ``size`` sites sharing the most candidate villages with it, with
        every client now assigned to one of them, each allowed only sites inside; clients elsewhere keep their
        school, so the sub-model's rows (sizes, beds) are exactly those of the full model and any sub-solution
        combines with the rest.  A strictly cheaper sub-solution is kept.  The search sweeps: each sweep takes
        the open sites in random order as seeds, skipping those already inside a neighbourhood of this sweep, so
        every part of the map is visited before any is visited twice; a sweep that improves nothing doubles the
        neighbourhood size (up to 48) and the time per neighbourhood (up to 8 s).  Neighbourhoods with no site in
        common (hence no client in common) run in a pipeline on two cores, up to three in flight.  The sub-models are solved to HiGHS's relative gap
        ``POLISH_REL_GAP`` within ``POLISH_CAP_S`` seconds: many quick neighbourhoods improve the plan more,
        in the same time, than a few exact ones (measured in docs/dev/layout.md)."""
        rng = np.random.default_rng(0)
        p = self.pairs
        cl, st = p["client"].to_numpy(np.int64), p["site"].to_numpy(np.int64)
        n, m = len(self.clients), len(self.sites)
        inc = sp.csr_matrix((np.ones(cl.size), (cl, st)), shape=(n, m))
        adj = (inc.T @ inc).tocsr()
        o, assign = sol["open"].copy(), sol["assign"].copy()
        stats = {"neighbourhoods": 0, "improved": 0, "sweeps": 0}
        workers = 2 if (os.cpu_count() or 1) >= 2 else 1
        cap = POLISH_CAP_S

        def neighbourhood(j0: int) -> npt.NDArray[np.bool_]:
            lo, hi = adj.indptr[j0], adj.indptr[j0 + 1]
            nb = adj.indices[lo:hi][np.argsort(-adj.data[lo:hi], kind="stable")][:size]
            in_s = np.zeros(m, dtype=bool)
            in_s[nb] = True
            in_s[j0] = True
            return in_s

        def sub_model(in_s: npt.NDArray[np.bool_]) -> tuple[SchoolLayout, Any, Any, Any] | None:
            ci = np.flatnonzero(in_s[assign])
            if ci.size == 0:
                return None
            si = np.flatnonzero(in_s)
            cmask = np.zeros(n, dtype=bool)
            cmask[ci] = True
            keep_pair = in_s[st] & cmask[cl]
            cmap = np.full(n, -1)
            cmap[ci] = np.arange(ci.size)
            smap = np.full(m, -1)
            smap[si] = np.arange(si.size)
            sp_ = p[keep_pair].copy()
            sp_["client"] = cmap[sp_["client"].to_numpy()]
            sp_["site"] = smap[sp_["site"].to_numpy()]
            sub = replace(self, clients=self.clients.iloc[ci].reset_index(drop=True),
                          sites=self.sites.iloc[si].reset_index(drop=True), pairs=sp_.reset_index(drop=True))
            return sub, si, ci, np.searchsorted(si, assign[ci])

        def task(in_s: npt.NDArray[np.bool_]) -> tuple[tuple[SchoolLayout, Any, Any, Any] | None, dict[str, Any] | None]:
            # reads only this neighbourhood's sites and clients, which no other task in flight touches
            item = sub_model(in_s)
            if item is None:
                return None, None
            sub, si, _ci, a_sub = item
            res = sub._solve_mip(min(cap, max(0.1, until - time.perf_counter())), start=(o[si], a_sub),
                                 rel_gap=POLISH_REL_GAP)
            return item, res

        def apply(item: tuple[SchoolLayout, Any, Any, Any] | None, res: dict[str, Any] | None) -> bool:
            stats["neighbourhoods"] += 1
            if item is None or res is None:
                return False
            sub, si, ci, a_sub = item
            # the rest of the map is unchanged: compare the neighbourhood's own cost before and after
            sub_ar = sub._side_arrays()
            before = sub._price(o[si], a_sub, sub_ar)
            after = sub._price(res["open"], res["assign"], sub_ar)
            if after < before - 1e-9 * max(1.0, abs(before)):
                o[si] = res["open"]
                assign[ci] = si[res["assign"]]
                stats["improved"] += 1
                return True
            return False

        # a pipeline: up to `workers + 1` neighbourhoods in flight, pairwise disjoint, so that one is being built
        # (Python, holding the GIL) while the others are in HiGHS (which releases it)
        with ThreadPoolExecutor(max_workers=workers + 1) as pool:
            while time.perf_counter() < until - 0.2:
                covered = np.zeros(m, dtype=bool)
                improved = False
                seeds = list(rng.permutation(np.flatnonzero(o)) if o.any() else rng.permutation(m))
                busy = np.zeros(m, dtype=bool)
                flight: dict[Any, npt.NDArray[np.bool_]] = {}
                while (seeds or flight) and time.perf_counter() < until - 0.2:
                    k = 0
                    while len(flight) <= workers and k < len(seeds):
                        j0 = int(seeds[k])
                        if covered[j0]:
                            seeds.pop(k)
                            continue
                        in_s = neighbourhood(j0)
                        if (in_s & busy).any():
                            k += 1  # overlaps one in flight: later
                            continue
                        seeds.pop(k)
                        busy |= in_s
                        covered[in_s & o] = True
                        flight[pool.submit(task, in_s)] = in_s
                    if not flight:
                        break
                    done, _ = wait(list(flight), return_when=FIRST_COMPLETED)
                    for fut in done:
                        busy &= ~flight.pop(fut)
                        improved |= apply(*fut.result())
                for fut in flight:  # the deadline: let the last ones finish, keep what they found
                    improved |= apply(*fut.result())
                stats["sweeps"] += 1
                if not improved:
                    size, cap = min(2 * size, 48), min(2 * cap, 8.0)
        # each neighbourhood was compared on its own sites; the whole plan is priced once, exactly
        return {"open": o, "assign": assign, "objective": self._price(o, assign, ar), "polish": stats}

    def _price(self, open_mask: npt.NDArray[np.bool_], assign: npt.NDArray[np.int64], ar: dict[str, FloatArray]) -> float:
        p = self.pairs
        key = pd.Series(np.arange(len(p)), index=pd.MultiIndex.from_arrays([p["client"], p["site"]]))
        idx = key.reindex(pd.MultiIndex.from_arrays([np.arange(len(assign)), assign])).to_numpy()
        cost = float(p["cost"].to_numpy()[idx].sum())
        d = self.clients["pupils"].to_numpy()
        load = np.bincount(assign, weights=d, minlength=len(open_mask))
        boards = p["boards"].to_numpy()[idx]
        bl = np.bincount(assign[boards], weights=d[boards], minlength=len(open_mask))
        e = np.maximum(load - ar["cap"], 0.0)
        b = np.maximum(bl - ar["beds"], 0.0)
        return float(self.sites["fixed_cost"].to_numpy()[open_mask].sum() + cost + (e * ar["place"]).sum()
                     + (b * ar["bed_cost"]).sum())

    def _diagnose(self) -> LayoutInfeasibleError:
        """Which rule makes the model infeasible: drop one rule group at a time."""
        s = self.sites
        for rule, cn in (("min_size", "最小规模"), ("max_size", "最大规模"), ("boarding", "寄宿容量")):
            sol = self._solve_by_stage(30.0, drop=rule)
            if sol is not None:
                where = ""
                if rule == "min_size":
                    low = [f"{s.iloc[j]['name']}（{STAGE_CN.get(s.iloc[j]['stage'], '')}）" for j in np.flatnonzero(sol["open"])
                           if self._load(sol, j) < self._side_arrays()["min"][j] - 1e-9]
                    where = "：" + "、".join(low[:5]) + " 在其服务范围内的生源达不到独立设置的最小规模，而附近没有可并入的学校"
                elif rule == "max_size":
                    high = [s.iloc[j]["name"] for j in np.flatnonzero(sol["open"])
                            if self._load(sol, j) > s.iloc[j]["max_size"] + 1e-9]
                    where = "：" + "、".join(high[:5]) + " 须超过最大规模才能容纳时限内的学生"
                return LayoutInfeasibleError(f"无法满足{cn}规则{where} / the {rule} rule cannot be met", rule=rule)
        return LayoutInfeasibleError("规则之间相互冲突（保留/撤并标记与时限、容量）/ the rules conflict", rule="combined")

    def _load(self, sol: dict[str, Any], j: int | np.integer) -> float:
        a = sol["assign"]
        return float(self.clients["pupils"].to_numpy()[a == j].sum())

    # result --------------------------------------------------------------
    def _result(self, sol: dict[str, Any], started: float) -> LayoutResult:
        return build_result(self, sol, seconds=time.perf_counter() - started)


# HiGHS options for the second phase, from a good start: of the primal heuristics only RINS (which improves the
# start using the LP), no restarts.  Measured on the demo counties (docs/dev/layout.md): 鸡泽 2030 in 6 s
# instead of 11 s; with every heuristic off 湟中 2030 stalled at its start (0.06 % above the optimum).
_PROOF_OPTIONS: dict[str, Any] = {
    "mip_heuristic_effort": 0.1, "mip_heuristic_run_rins": True, "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False, "mip_heuristic_run_feasibility_jump": False,
    "mip_allow_restart": False,
}


def _highs(time_limit_s: float, rel_gap: float = MIP_REL_GAP) -> highspy.Highs:
    """A silent single-threaded HiGHS with a time limit and a relative gap."""
    h = highspy.Highs()
    h.silent()
    h.setOptionValue("time_limit", time_limit_s)
    h.setOptionValue("mip_rel_gap", rel_gap)
    h.setOptionValue("threads", 1)
    return h


def _lp_guided_start(lp: highspy.HighsLp, n_sites: int, time_limit_s: float) -> list[float] | None:
    """A start for the layout MIP: solve the LP relaxation, close every site it leaves closed (y = 0), and solve
    that restricted MIP to a relative gap of 0.1 % (``time_limit_s`` is only a guard), in the spirit of
    relaxation-induced neighbourhoods (Danna, Rothberg & Le Pape 2005, "Exploring relaxation induced
    neighborhoods to improve MIP solutions", Math. Prog. 102:71-90).  Stopping at a gap rather than at a clock
    makes the start, and so the second phase, independent of machine load.  The solution is feasible for the full model (only
    bounds were tightened); ``None`` when there is none."""
    n = int(lp.num_col_)
    relax = highspy.Highs()
    relax.silent()
    relax.setOptionValue("threads", 1)
    relax.passModel(lp)
    relax.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.zeros(n, dtype=np.uint8))
    relax.run()
    if relax.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    y = np.asarray(relax.getSolution().col_value)[:n_sites]
    closed = np.flatnonzero(y < 1e-3).astype(np.int32)
    h = _highs(max(0.1, time_limit_s), 1e-3)
    h.passModel(lp)
    if closed.size:
        h.changeColsBounds(int(closed.size), closed, np.zeros(closed.size), np.zeros(closed.size))
    h.run()
    if h.getInfo().primal_solution_status != 2:
        return None
    return list(h.getSolution().col_value)


def _pairs(clients: pd.DataFrame, sites: pd.DataFrame, minutes: FloatArray, km: FloatArray,
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


def _pair_lookup(pairs: pd.DataFrame, prob: FacilityProblem) -> npt.NDArray[np.int64]:
    """Row of ``pairs`` for each pair of the core problem (the core sorts pairs by client and cost)."""
    key = pd.Series(np.arange(len(pairs)), index=pd.MultiIndex.from_arrays([pairs["client"], pairs["site"]]))
    return key.reindex(pd.MultiIndex.from_arrays([prob.pair_client, prob.pair_site])).to_numpy().astype(np.int64)


def build_result(layout: SchoolLayout, sol: dict[str, Any], *, seconds: float) -> LayoutResult:
    """Turn open sites and assignments into the frames of :class:`LayoutResult`."""
    from junheng.plan.explain import describe

    return describe(layout, sol, seconds=seconds)


__all__ = ["LayoutInfeasibleError", "LayoutResult", "LayoutRules", "SchoolLayout", "StageRules", "load_layout_rules"]


def _ceil(x: float) -> int:
    return math.ceil(x - 1e-9)
