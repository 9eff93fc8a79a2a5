"""Itinerant teaching (走教): rounds one shared teacher covers within a weekly timetable (a MIP on HiGHS).

Seed plans: "实行紧缺薄弱学科教师走教制 … 缓解城乡学校音体美、信息技术等学科教师不足"
(shared/seeds/003) and "全面实行乡村学区内教师走教制度" (shared/seeds/002, 莱芜).

Input: the periods a section cannot cover in PE, music, art or IT
(``uncovered_periods`` of :func:`junheng.plan.teachers.staffing.subject_demand`, normally
after redistribution), for sections needing at most ``max_school_periods`` a week
(a bigger need calls for a teacher of the school's own, not 走教; those are listed
in ``unserved``).  Sections are grouped by
township (学区, ``within_township``), stage and subject; each group is one MIP
(HiGHS; OR-Tools CP-SAT cannot share a process with highspy 1.15 — see
docs/dev/teachers.md):

* a round r has one teacher based at one of its schools (``b[s, r]``);
* every section s is in exactly one round (``x[s, r]``) and gets all its
  periods ``p_s`` there, spread over the week: ``q[s, r, d]`` periods on day d,
  at most ``periods_per_day``, and the teacher is at one school a day (``v``);
* the weekly teaching load Σ p_s ≤ ``max_weekly_periods``;
* travel: each day the teacher goes from the base to that day's school and back;
  the round trip ``2 · km / speed_kmh`` (straight-line km, 直线距离) must fit
  ``max_daily_travel_min`` — pairs that do not fit cannot share a round with that base;
* minimise the number of rounds (teachers), then the weekly travel minutes.

A greedy first-fit schedule (always feasible) is the MIP's starting solution and
the answer when the MIP finds nothing within the time limit; the tests check every
round with :meth:`ItinerantRound.check`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
import pandas as pd

from junheng.domain.labels import label
from junheng.domain.tables import YearTables
from junheng.plan.teachers.moves import haversine_km, school_points

DAY_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


@dataclass(frozen=True)
class ItinerantRules:
    """Timetable and travel limits of 走教 rounds."""

    subjects: tuple[str, ...] = ("pe", "music", "art", "it")
    max_weekly_periods: int = 16
    max_school_periods: int = 8  # a bigger uncovered need calls for a teacher of the school's own
    periods_per_day: int = 6
    days: int = 5
    speed_kmh: float = 30.0
    max_daily_travel_min: float = 60.0
    within_township: bool = True
    time_limit_s: float = 10.0


@dataclass(frozen=True)
class Visit:
    day: int  # 0 = Monday
    school_code: str
    school_name: str
    periods: int
    travel_min: int  # round trip from the base that day


@dataclass(frozen=True)
class ItinerantRound:
    """One itinerant teacher's weekly round."""

    round_id: str
    subject: str
    stage: str
    township_code: str
    base_code: str
    base_name: str
    schools: tuple[str, ...]
    periods: int
    travel_min: int
    visits: tuple[Visit, ...]

    def check(self, need: dict[str, int], rules: ItinerantRules, minutes: dict[tuple[str, str], int]) -> list[str]:
        """Every rule the round breaks (empty when feasible)."""
        errs = []
        if self.periods > rules.max_weekly_periods:
            errs.append(f"weekly load {self.periods} > {rules.max_weekly_periods}")
        days = [v.day for v in self.visits]
        if len(days) != len(set(days)):
            errs.append("two schools on one day")
        for v in self.visits:
            if v.periods > rules.periods_per_day:
                errs.append(f"{v.periods} periods on {DAY_ZH[v.day]}")
            trip = 2 * minutes.get((self.base_code, v.school_code), 0)
            if trip > rules.max_daily_travel_min + 1e-9 or trip != v.travel_min:
                errs.append(f"travel {trip} min to {v.school_code}")
        for s in self.schools:
            got = sum(v.periods for v in self.visits if v.school_code == s)
            if got != need[s]:
                errs.append(f"{s}: {got} of {need[s]} periods")
        return errs

    def to_dict(self) -> dict[str, Any]:
        return {"round": self.round_id, "subject": self.subject, "stage": self.stage, "township": self.township_code,
                "base": self.base_code, "base_name": self.base_name, "schools": list(self.schools),
                "periods": self.periods, "travel_min": self.travel_min,
                "schedule": [{"day": DAY_ZH[v.day], "school": v.school_code, "school_name": v.school_name,
                              "periods": v.periods, "travel_min": v.travel_min} for v in self.visits]}


@dataclass(frozen=True)
class ItinerantPlan:
    rounds: tuple[ItinerantRound, ...]
    unserved: pd.DataFrame  # school_code, stage, subject, periods, reason
    seconds: float
    status: dict[str, str] = field(default_factory=dict)  # group → optimal | time_limit | greedy

    @property
    def teachers(self) -> int:
        return len(self.rounds)

    def schedule(self) -> pd.DataFrame:
        """One row per round and day: the timetable for the workbook."""
        rows = [{"round": r.round_id, "subject": r.subject, "subject_name": label("subject", r.subject),
                 "stage": r.stage, "base_code": r.base_code, "base_name": r.base_name, "day": DAY_ZH[v.day],
                 "school_code": v.school_code, "school_name": v.school_name, "periods": v.periods,
                 "travel_min": v.travel_min} for r in self.rounds for v in r.visits]
        return pd.DataFrame(rows, columns=["round", "subject", "subject_name", "stage", "base_code", "base_name", "day",
                                           "school_code", "school_name", "periods", "travel_min"])


def travel_minutes(lon: np.ndarray, lat: np.ndarray, *, speed_kmh: float) -> np.ndarray:
    """One-way minutes between points at ``speed_kmh`` over straight-line km, rounded up to whole minutes."""
    km = haversine_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    return np.ceil(km / speed_kmh * 60.0 - 1e-9).astype(int)


def _greedy(need: list[int], compat: np.ndarray, rules: ItinerantRules) -> list[dict[str, Any]]:
    """First-fit decreasing rounds with a day-by-day schedule; always feasible (an item alone fits)."""
    P, D = rules.periods_per_day, rules.days
    days_needed = [math.ceil(p / P) for p in need]
    rounds: list[dict[str, Any]] = []
    for s in sorted(range(len(need)), key=lambda i: (-need[i], i)):
        for r in rounds:
            if (r["load"] + need[s] <= rules.max_weekly_periods and r["days"] + days_needed[s] <= D
                    and compat[r["base"], s]):
                break
        else:
            r = {"base": s, "items": [], "load": 0, "days": 0, "visits": []}
            rounds.append(r)
        r["items"].append(s)
        left = need[s]
        while left > 0:
            per = min(P, left)
            r["visits"].append((r["days"], s, per))
            r["days"] += 1
            left -= per
        r["load"] += need[s]
    return rounds


def solve_group(need: list[int], minutes: np.ndarray, rules: ItinerantRules
                ) -> tuple[list[list[tuple[int, int, int]]], list[int], str]:
    """Rounds for one group as a MIP on HiGHS (module docstring).

    ``need[s]`` periods a week for item s, ``minutes[s, s']`` one-way travel.  Returns,
    per round, its visits (day, item, periods) and its base item, and the solver status
    (``optimal``, ``time_limit`` — best found — or ``greedy`` when the MIP found nothing better).
    """
    n, D, P = len(need), rules.days, rules.periods_per_day
    trip = 2 * minutes.astype(float)
    compat = trip <= rules.max_daily_travel_min + 1e-9
    greedy = _greedy(need, compat, rules)
    R = len(greedy)
    if R <= 1 and n <= 1:
        return [greedy[0]["visits"]] if greedy else [], [g["base"] for g in greedy], "optimal"
    inf = highspy.kHighsInf
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(rules.time_limit_s))
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 7)
    cols: dict[tuple[str, int, int, int], int] = {}
    lower: list[float] = []
    upper: list[float] = []
    cost: list[float] = []
    integer: list[int] = []

    def var(key: tuple[str, int, int, int], lo: float, hi: float, c: float, is_int: bool) -> int:
        cols[key] = len(lower)
        lower.append(lo)
        upper.append(hi)
        cost.append(c)
        if is_int:
            integer.append(cols[key])
        return cols[key]

    for r in range(R):
        var(("u", r, 0, 0), 0, 1, 10_000.0, True)
        for s in range(n):
            var(("x", s, r, 0), 0, 1, 0.0, True)
            var(("b", s, r, 0), 0, 1, 0.0, True)
            for d in range(D):
                var(("v", s, r, d), 0, 1, 0.0, True)
                var(("q", s, r, d), 0, P, 0.0, True)
        for d in range(D):
            var(("T", r, d, 0), 0, inf, 1.0, False)
    h.addVars(len(lower), np.array(lower), np.array(upper))
    h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), np.array(cost))
    h.changeColsIntegrality(len(integer), np.array(integer, dtype=np.int32),
                            np.full(len(integer), highspy.HighsVarType.kInteger))
    rl: list[float] = []
    ru: list[float] = []
    starts: list[int] = []
    idx: list[int] = []
    val: list[float] = []

    def row(lo: float, hi: float, terms: list[tuple[int, float]]) -> None:
        rl.append(lo)
        ru.append(hi)
        starts.append(len(idx))
        for c, a in terms:
            idx.append(c)
            val.append(a)

    X = lambda s, r: cols[("x", s, r, 0)]  # noqa: E731
    B = lambda s, r: cols[("b", s, r, 0)]  # noqa: E731
    V = lambda s, r, d: cols[("v", s, r, d)]  # noqa: E731
    Q = lambda s, r, d: cols[("q", s, r, d)]  # noqa: E731
    U = lambda r: cols[("u", r, 0, 0)]  # noqa: E731
    for s in range(n):
        row(1, 1, [(X(s, r), 1.0) for r in range(R)])
    for r in range(R):
        row(0, 0, [(B(s, r), 1.0) for s in range(n)] + [(U(r), -1.0)])
        if r + 1 < R:
            row(0, inf, [(U(r), 1.0), (U(r + 1), -1.0)])
        row(-inf, rules.max_weekly_periods, [(X(s, r), float(need[s])) for s in range(n)])
        for s in range(n):
            row(-inf, 0, [(B(s, r), 1.0), (X(s, r), -1.0)])
            row(-inf, 0, [(X(s, r), 1.0), (U(r), -1.0)])
            row(0, 0, [(Q(s, r, d), 1.0) for d in range(D)] + [(X(s, r), -float(need[s]))])
            for d in range(D):
                row(-inf, 0, [(V(s, r, d), 1.0), (X(s, r), -1.0)])
                row(-inf, 0, [(Q(s, r, d), 1.0), (V(s, r, d), -float(P))])
                row(0, inf, [(Q(s, r, d), 1.0), (V(s, r, d), -1.0)])
        for d in range(D):
            row(-inf, 1, [(V(s, r, d), 1.0) for s in range(n)])
        for s0 in range(n):
            for s in range(n):
                if s != s0 and not compat[s0, s]:
                    row(-inf, 1, [(B(s0, r), 1.0), (X(s, r), 1.0)])
            big = float(max(trip[s0, s] for s in range(n) if compat[s0, s]))
            if big <= 0:
                continue
            for d in range(D):  # T[r,d] ≥ trip(base, school of day d) when s0 is the base
                row(-big, inf, [(cols[("T", r, d, 0)], 1.0)]
                    + [(V(s, r, d), -float(trip[s0, s])) for s in range(n) if compat[s0, s] and trip[s0, s] > 0]
                    + [(B(s0, r), -big)])
    h.addRows(len(rl), np.array(rl), np.array(ru), len(idx), np.array(starts, dtype=np.int32),
              np.array(idx, dtype=np.int32), np.array(val))
    h.changeObjectiveSense(highspy.ObjSense.kMinimize)
    start = np.zeros(len(lower))
    for r, g in enumerate(greedy):
        start[U(r)] = 1
        start[B(g["base"], r)] = 1
        for s in g["items"]:
            start[X(s, r)] = 1
        for d, s, per in g["visits"]:
            start[V(s, r, d)] = 1
            start[Q(s, r, d)] = per
            start[cols[("T", r, d, 0)]] = trip[g["base"], s]
    sol = highspy.HighsSolution()
    sol.col_value = start.tolist()
    h.setSolution(sol)
    h.run()
    ms = h.getModelStatus()
    hs = h.getSolution()
    if not hs.value_valid:
        return [g["visits"] for g in greedy], [g["base"] for g in greedy], "greedy"
    x = np.rint(np.asarray(hs.col_value))
    status = "optimal" if ms == highspy.HighsModelStatus.kOptimal else "time_limit"
    out: list[list[tuple[int, int, int]]] = []
    bases: list[int] = []
    for r in range(R):
        if x[U(r)] < 0.5:
            continue
        vs = [(d, s, int(x[Q(s, r, d)])) for d in range(D) for s in range(n)
              if x[V(s, r, d)] > 0.5 and x[Q(s, r, d)] > 0.5]
        used = {d: k for k, d in enumerate(sorted({d for d, _, _ in vs}))}  # days are interchangeable: from Monday
        out.append([(used[d], s, p) for d, s, p in vs])
        bases.append(next(s for s in range(n) if x[B(s, r)] > 0.5))
    return out, bases, status


def plan_itinerant(tables: YearTables, demand: pd.DataFrame, *, rules: ItinerantRules | None = None) -> ItinerantPlan:
    """走教 rounds for the uncovered specialist periods in ``demand`` (module docstring)."""
    t0 = time.perf_counter()
    rules = rules or ItinerantRules()
    schools = tables.school.drop_duplicates("code").set_index("code")
    pts = school_points(tables)
    d = demand[demand["subject"].isin(rules.subjects) & (demand["uncovered_periods"] > 0)].copy()
    d["periods"] = d["uncovered_periods"].astype(int)
    d["township_code"] = d["school_code"].map(schools["township_code"]).astype(str)
    unserved = []
    limit = min(rules.max_school_periods, rules.max_weekly_periods, rules.periods_per_day * rules.days)
    too_big = d["periods"] > limit
    for r in d[too_big].itertuples():
        unserved.append({"school_code": r.school_code, "stage": r.stage, "subject": r.subject, "periods": r.periods,
                         "reason": f"每周缺 {r.periods} 节，超过走教上限 {limit} 节，应配本校专任教师 / "
                                   "needs a teacher of its own"})
    no_xy = ~d["school_code"].isin(pts.index)
    for r in d[no_xy & ~too_big].itertuples():
        unserved.append({"school_code": r.school_code, "stage": r.stage, "subject": r.subject, "periods": r.periods,
                         "reason": "缺少学校坐标 / school without coordinates"})
    d = d[~too_big & ~no_xy]
    keys = ["stage", "subject"] + (["township_code"] if rules.within_township else [])
    rounds: list[ItinerantRound] = []
    status: dict[str, str] = {}
    for key, g in d.groupby(keys, sort=True):
        g = g.reset_index(drop=True)
        stage, subject = str(key[0]), str(key[1])
        town = str(key[2]) if rules.within_township else ""
        p = pts.loc[g["school_code"]]
        minutes = travel_minutes(p["lon"].to_numpy(float), p["lat"].to_numpy(float), speed_kmh=rules.speed_kmh)
        need = g["periods"].astype(int).tolist()
        visits, bases, st = solve_group(need, minutes, rules)
        status["|".join(map(str, key))] = st
        for k, (vs, base) in enumerate(zip(visits, bases, strict=True)):
            code = g["school_code"]
            vv = tuple(Visit(day, code[s], str(schools["name"].get(code[s], "")), per, int(2 * minutes[base, s]))
                       for day, s, per in vs)
            members = tuple(dict.fromkeys(v.school_code for v in vv))
            rounds.append(ItinerantRound(
                round_id=f"{subject}-{stage}-{town or 'all'}-{k + 1}", subject=subject, stage=stage,
                township_code=town, base_code=code[base], base_name=str(schools["name"].get(code[base], "")),
                schools=members, periods=sum(v.periods for v in vv), travel_min=sum(v.travel_min for v in vv),
                visits=vv))
    return ItinerantPlan(tuple(rounds), pd.DataFrame(unserved, columns=["school_code", "stage", "subject", "periods",
                                                                         "reason"]),
                         time.perf_counter() - t0, status)
