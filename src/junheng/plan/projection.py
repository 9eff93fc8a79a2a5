"""Enrolment projection by the cohort-component method, per village, to 2035.

Steps (the standard cohort method of school-enrolment forecasting, as in the
教育部 学龄人口预测 practice and Shryock & Siegel, *The Methods and Materials of
Demography*, ch. 23):

1. **Population by village and single year of age.**  From the last observed year
   each cohort ages one year per year: ``P(v, y+1, a+1) = P(v, y, a) · s(a, k)``
   where ``s(a, k)`` is the survival-and-migration ratio of age ``a`` in village
   type ``k`` (county town 城区/镇区 vs 乡村: ``ur_code`` < 200 or ≥ 200),
   estimated from the county's own population history as
   ``Σ_{v∈k,y} P(v, y+1, a+1) / Σ_{v∈k,y} P(v, y, a)``.  Age 0 is
   ``B(v, y) · s0(k)`` (births of the year times the observed age-0 / births ratio).
2. **Births after the last observed year** come from each village's mean births of
   the last three observed years, times the variant's yearly change
   (``low`` / ``central`` / ``high``, :data:`BIRTH_VARIANTS`).  The defaults lean on
   the national series (``shared/data/national_births.csv``: 1,786 万 in 2016,
   902 万 in 2023, −9.3 %/yr on average over 2016–2023): low −4 %/yr, central
   −1.5 %/yr, high +1 %/yr.  They are assumptions and are written out in the result.
3. **Grade-1 entries** ``E(v, y) = P(v, y, 6) · e`` with the county's entry ratio
   ``e = Σ grade-1 pupils / Σ children aged 6`` over the observed years
   (``section_year``; children in the county's schools per child living in it).
4. **Transitions**: pupils of grade ``g`` in ``y`` become grade ``g+1`` in ``y+1``
   at the county's grade progression ratio (primary grade 6 → junior grade 1 is the
   transition ratio), estimated from ``section_year`` history.  The base year's
   pupils per village and grade are the children of that age times the county's
   grade enrolment ratio of the base year, so the base year reproduces the
   observed county totals exactly.

Ages are ages at the end of the year, as in ``population``; grade ``g`` of primary
is age ``5 + g``, junior grade ``g`` is age ``11 + g`` (the demo county's convention
and the national entry age of six).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from junheng.domain.tables import YearTables

FloatArray = npt.NDArray[np.float64]

GRADES: dict[str, int] = {"primary": 6, "junior": 3}
ENTRY_AGE = 6
MAX_AGE = 17

BIRTH_VARIANTS: dict[str, float] = {"low": -0.04, "central": -0.015, "high": 0.01}


@dataclass(frozen=True)
class ProjectionRates:
    """Rates estimated from the county's history (see the module docstring)."""

    survival: FloatArray  # (2, MAX_AGE) ratio age a → a+1; row 0 town, row 1 rural
    infant: FloatArray  # (2,) age-0 population / births
    entry: float  # grade-1 pupils per child aged 6
    progression: Mapping[str, FloatArray]  # stage → ratios grade g → g+1 (junior: g6 primary → g1 junior first)
    base_ratio: Mapping[str, FloatArray]  # stage → pupils of grade g per child of that age, base year
    observed_years: tuple[int, ...]


@dataclass(frozen=True)
class EnrolmentProjection:
    """Projected population, grade-1 entries and enrolment per village, stage and year.

    ``enrolment`` has columns ``village_code, year, stage, grade, pupils`` (floats: an
    expectation, not a head count); ``population`` ``village_code, year, age,
    population``; ``assumptions`` is the list of the assumptions, in Chinese and English.
    """

    variant: str
    base_year: int
    years: tuple[int, ...]
    population: pd.DataFrame
    enrolment: pd.DataFrame
    rates: ProjectionRates
    assumptions: tuple[str, ...]
    births: pd.DataFrame = field(repr=False)

    def pupils(self, year: int, stage: str) -> pd.Series:
        """Pupils of ``stage`` in ``year`` by village (a Series indexed by village code)."""
        e = self.enrolment
        sel = e[(e["year"] == year) & (e["stage"] == stage)]
        return sel.groupby("village_code")["pupils"].sum()

    def entries(self, year: int) -> pd.Series:
        e = self.enrolment
        sel = e[(e["year"] == year) & (e["stage"] == "primary") & (e["grade"] == 1)]
        return sel.set_index("village_code")["pupils"]

    def totals(self) -> pd.DataFrame:
        """County totals by year and stage."""
        return self.enrolment.groupby(["year", "stage"])["pupils"].sum().unstack("stage")


def age_step(pop: FloatArray, survival: FloatArray, kind: npt.NDArray[np.int64], newborns: FloatArray) -> FloatArray:
    """One year of ageing: ``pop`` is villages × ages 0..MAX_AGE; returns the next year's."""
    out = np.empty_like(pop)
    out[:, 0] = newborns
    out[:, 1:] = pop[:, :-1] * survival[kind]
    return out


def grade_step(pupils: FloatArray, progression: FloatArray, entries: FloatArray) -> FloatArray:
    """One year of schooling: ``pupils`` villages × grades; grade 1 = ``entries``."""
    out = np.empty_like(pupils)
    out[:, 0] = entries
    out[:, 1:] = pupils[:, :-1] * progression[None, :]
    return out


def _village_kind(tables: YearTables, villages: list[str]) -> npt.NDArray[np.int64]:
    ou = tables.org_unit.set_index(tables.org_unit["code"].astype(str))
    ur = pd.to_numeric(ou["ur_code"].reindex(villages), errors="coerce").fillna(220).to_numpy()
    return np.where(ur < 200, 0, 1).astype(np.int64)


def estimate_rates(tables: YearTables, *, base_year: int | None = None) -> ProjectionRates:
    """Survival, entry and progression ratios from the tables' own history."""
    pop = tables.population.copy()
    pop["village_code"] = pop["village_code"].astype(str)
    years = sorted(int(y) for y in pop["year"].dropna().unique())
    if not years:
        raise ValueError("人口表为空，无法预测 / the population table is empty: no projection possible")
    villages = sorted(pop["village_code"].unique())
    kind = _village_kind(tables, villages)
    cube = _cube(pop, villages, years)  # years × villages × ages
    surv = np.ones((2, MAX_AGE))
    for k in (0, 1):
        sel = kind == k
        if not sel.any() or len(years) < 2:
            continue
        num = cube[1:, sel, 1:].sum(axis=(0, 1))
        den = cube[:-1, sel, :-1].sum(axis=(0, 1))
        surv[k] = np.where(den > 0, num / np.where(den > 0, den, 1.0), 1.0)
    births = tables.birth.copy()
    births["village_code"] = births["village_code"].astype(str)
    bcube = births.pivot_table(index="year", columns="village_code", values="births", aggfunc="sum").reindex(
        index=years, columns=villages).fillna(0.0).to_numpy(float)
    infant = np.ones(2)
    for k in (0, 1):
        sel = kind == k
        b = bcube[:, sel].sum()
        if b > 0:
            infant[k] = cube[:, sel, 0].sum() / b
    sec = tables.section_year
    sy = sorted(int(y) for y in sec["year"].dropna().unique() if int(y) in years)
    if not sy:
        raise ValueError("学校分学段数据与人口数据没有共同年份 / no year has both section and population data")
    base = sy[-1] if base_year is None else base_year
    by_stage = {}
    for stage, n in GRADES.items():
        s = sec[sec["stage"] == stage]
        by_stage[stage] = s.groupby("year")[[f"students_g{g}" for g in range(1, n + 1)]].sum().astype(float)
    age6 = cube[:, :, ENTRY_AGE].sum(axis=1)
    yi = {y: i for i, y in enumerate(years)}
    g1 = by_stage["primary"]["students_g1"]
    entry = float(sum(g1.get(y, 0.0) for y in sy) / max(sum(age6[yi[y]] for y in sy), 1e-9))
    progression: dict[str, FloatArray] = {}
    p = by_stage["primary"]
    prim = [_ratio(p, f"students_g{g}", p, f"students_g{g + 1}", sy) for g in range(1, 6)]
    progression["primary"] = np.array(prim)
    j = by_stage["junior"]
    jun = [_ratio(p, "students_g6", j, "students_g1", sy)] + [
        _ratio(j, f"students_g{g}", j, f"students_g{g + 1}", sy) for g in range(1, 3)]
    progression["junior"] = np.array(jun)
    base_ratio: dict[str, FloatArray] = {}
    for stage, n in GRADES.items():
        first_age = ENTRY_AGE if stage == "primary" else ENTRY_AGE + 6
        ages = cube[yi[base], :, first_age:first_age + n].sum(axis=0)
        row = by_stage[stage].reindex([base]).fillna(0.0).to_numpy(float)[0]
        base_ratio[stage] = np.where(ages > 0, row / np.where(ages > 0, ages, 1.0), 0.0)
    return ProjectionRates(survival=surv, infant=infant, entry=entry, progression=progression,
                           base_ratio=base_ratio, observed_years=tuple(years))


def _ratio(a: pd.DataFrame, col_a: str, b: pd.DataFrame, col_b: str, years: list[int]) -> float:
    num = sum(float(b[col_b].get(y + 1, 0.0)) for y in years if y + 1 in years)
    den = sum(float(a[col_a].get(y, 0.0)) for y in years if y + 1 in years)
    return num / den if den > 0 else 1.0


def _cube(pop: pd.DataFrame, villages: list[str], years: list[int]) -> FloatArray:
    cube = np.zeros((len(years), len(villages), MAX_AGE + 1))
    vi = {v: i for i, v in enumerate(villages)}
    yi = {y: i for i, y in enumerate(years)}
    p = pop[pop["age"].astype(int) <= MAX_AGE]
    cube[p["year"].astype(int).map(yi).to_numpy(), p["village_code"].map(vi).to_numpy(),
         p["age"].astype(int).to_numpy()] = p["population"].astype(float).to_numpy()
    return cube


def project_enrolment(
    tables: YearTables,
    *,
    to_year: int = 2035,
    variant: str = "central",
    birth_change: Mapping[str, float] | None = None,
    base_year: int | None = None,
) -> EnrolmentProjection:
    """Project population and enrolment per village from the base year to ``to_year``.

    ``variant`` picks the yearly change of births after the last observed year from
    ``birth_change`` (default :data:`BIRTH_VARIANTS`).
    """
    changes = dict(BIRTH_VARIANTS if birth_change is None else birth_change)
    if variant not in changes:
        raise ValueError(f"未知方案 / unknown variant {variant!r}; use one of {sorted(changes)}")
    rates = estimate_rates(tables, base_year=base_year)
    pop = tables.population.copy()
    pop["village_code"] = pop["village_code"].astype(str)
    villages = sorted(pop["village_code"].unique())
    kind = _village_kind(tables, villages)
    years_obs = list(rates.observed_years)
    base = base_year if base_year is not None else max(
        int(y) for y in tables.section_year["year"].dropna().unique() if int(y) in years_obs)
    cube = _cube(pop, villages, years_obs)
    state = cube[years_obs.index(base)]
    births = tables.birth.copy()
    births["village_code"] = births["village_code"].astype(str)
    bt = births.pivot_table(index="year", columns="village_code", values="births", aggfunc="sum").reindex(
        columns=villages).fillna(0.0)
    last_birth_year = int(bt.index.max())
    recent = bt.loc[[y for y in bt.index if y > last_birth_year - 3]].mean(axis=0).to_numpy(float)
    g = changes[variant]

    def births_of(y: int) -> FloatArray:
        if y in bt.index:
            return bt.loc[y].to_numpy(float)
        return recent * (1.0 + g) ** (y - last_birth_year)

    pupils: dict[str, FloatArray] = {}
    for stage, n in GRADES.items():
        first_age = ENTRY_AGE if stage == "primary" else ENTRY_AGE + 6
        pupils[stage] = state[:, first_age:first_age + n] * rates.base_ratio[stage][None, :]
    pop_rows: list[pd.DataFrame] = []
    enr_rows: list[pd.DataFrame] = []

    def record(y: int, st: FloatArray) -> None:
        pop_rows.append(pd.DataFrame({
            "village_code": np.repeat(villages, MAX_AGE + 1), "year": y,
            "age": np.tile(np.arange(MAX_AGE + 1), len(villages)), "population": st.ravel()}))
        for stage, n in GRADES.items():
            enr_rows.append(pd.DataFrame({
                "village_code": np.repeat(villages, n), "year": y, "stage": stage,
                "grade": np.tile(np.arange(1, n + 1), len(villages)), "pupils": pupils[stage].ravel()}))

    record(base, state)
    years_out = [base]
    for y in range(base + 1, to_year + 1):
        newborn = births_of(y) * rates.infant[kind]
        # observed population wins over the projection
        state = cube[years_obs.index(y)] if y in years_obs else age_step(state, rates.survival, kind, newborn)
        g6_prev = pupils["primary"][:, -1].copy()
        entries = state[:, ENTRY_AGE] * rates.entry
        pupils["primary"] = grade_step(pupils["primary"], rates.progression["primary"], entries)
        jp = rates.progression["junior"]
        pupils["junior"] = grade_step(pupils["junior"], jp[1:], g6_prev * jp[0])
        record(y, state)
        years_out.append(y)
    assumptions = (
        f"基年 {base}；人口按村、单岁年龄逐年推移，存活与迁移比按城区/镇区与乡村两类村庄由 {years_obs[0]}–{years_obs[-1]} "
        f"年人口数据估计 / base year {base}; survival-and-migration ratios by village type from the county's own "
        f"population {years_obs[0]}–{years_obs[-1]}",
        f"出生数：{int(bt.index.min())}–{last_birth_year} 年为登记数；其后按最近三年平均出生数每年变化 {g:+.1%}"
        f"（{variant} 方案；" + " / ".join(f"{k} {v:+.1%}" for k, v in changes.items()) +
        "，参照全国出生人口 2016 年 1786 万→2023 年 902 万）/ births observed to "
        f"{last_birth_year}, then the mean of the last three years changing {g:+.1%} a year ({variant})",
        f"一年级入学率 {rates.entry:.3f}（一年级学生数 / 6 岁儿童数，{'、'.join(map(str, years_obs))}）/ grade-1 entry "
        f"ratio {rates.entry:.3f}",
        "年级升级率（小学）" + ", ".join(f"{x:.3f}" for x in rates.progression["primary"]) +
        "；小升初 {:.3f}；初中 ".format(rates.progression["junior"][0]) +
        ", ".join(f"{x:.3f}" for x in rates.progression["junior"][1:]) + " / grade progression ratios",
        "年龄为当年年末周岁；小学 g 年级 = 5+g 岁，初中 g 年级 = 11+g 岁 / ages at the end of the year",
    )
    bframe = pd.DataFrame([{"year": y, "births": float(births_of(y).sum())}
                           for y in range(int(bt.index.min()), to_year + 1)])
    return EnrolmentProjection(
        variant=variant, base_year=base, years=tuple(years_out),
        population=pd.concat(pop_rows, ignore_index=True),
        enrolment=pd.concat(enr_rows, ignore_index=True),
        rates=rates, assumptions=assumptions, births=bframe)
