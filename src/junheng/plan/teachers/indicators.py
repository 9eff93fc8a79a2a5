"""Teacher indicators before and after a plan, through the assessment engine (``junheng.assess``).

* The three teacher indicators of 资源配置 (教督〔2017〕6号 一(1)–(3), standards.md §1.1):
  qualified teachers, backbone teachers, PE/music/art teachers per 100 pupils —
  per unit of analysis, with the county CVs, taken from :func:`junheng.assess.assess`
  with the ``yzjh-2017`` pack (no re-implementation here).
* The urban/rural bachelor-degree ratio (城市与农村义务教育教师本科及以上学历比例之比 ≤ 1.05,
  莱芜政办字〔2023〕12号, shared/seeds/002; the ``laiwu-2023`` plan pack's
  ``urban_rural_bachelor_ratio``): (本科及以上 ÷ 专任教师) in 城区 sections ÷ the same in
  乡村 sections, 小学 and 初中 together; 镇区 counts in neither group.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from junheng.assess import assess, section_frame
from junheng.domain.tables import YearTables
from junheng.standards import Pack, load_pack

TEACHER_INDICATORS = ("qualified_teachers_per_100", "backbone_teachers_per_100", "pe_art_teachers_per_100")



def bachelor_ratio_limit() -> float:
    """The upper limit of the urban/rural bachelor ratio: the ``laiwu-2023`` plan pack's target
    ``urban_rural_bachelor_ratio`` (莱芜政办字〔2023〕12号 一、总体要求: 1.05), read from the pack, not copied."""
    from junheng.standards import load_pack

    target = next(t for t in load_pack("laiwu-2023").targets if t.code == "urban_rural_bachelor_ratio")
    return float(next(v.value for v in reversed(target.values) if v.value is not None))

@dataclass(frozen=True)
class TeacherIndicators:
    """Teacher indicators of one scenario: per-unit values, county CVs, the bachelor ratio."""

    values: pd.DataFrame  # unit_code, stage, indicator, numerator, denominator, value, threshold, passed, gap
    cvs: pd.DataFrame  # stage, indicator, cv, limit, passed
    bachelor_urban: float
    bachelor_rural: float
    bachelor_basis: str = "urban"  # "urban" (城区) or "urban+town" (城镇, when the county has no 城区 section)

    @property
    def bachelor_ratio(self) -> float:
        return self.bachelor_urban / self.bachelor_rural if self.bachelor_rural > 0 else float("nan")

    def failing(self) -> pd.DataFrame:
        """Units failing at least one teacher indicator, with their gaps (teachers)."""
        v = self.values
        return v[v["passed"].fillna(True).eq(False)]

    def summary(self) -> pd.DataFrame:
        """Per stage and indicator: units, units failing, total gap (teachers), CV and limit."""
        v = self.values
        g = v.groupby(["stage", "indicator"])
        out = pd.DataFrame({"units": g.size(), "failing": g["passed"].apply(lambda s: int((s == False).sum())),  # noqa: E712
                            "gap": g["gap"].sum()}).reset_index()
        return out.merge(self.cvs, on=["stage", "indicator"], how="left")


def teacher_indicators(tables: YearTables, *, year: int, pack: Pack | None = None) -> TeacherIndicators:
    """Evaluate the teacher indicators of ``tables`` in ``year`` (default pack ``yzjh-2017``)."""
    pack = pack or load_pack("yzjh-2017")
    # planning sizes gaps: a blank teacher count is planned for as 0 (the assessment itself leaves it unknown)
    a = assess(pack, tables, year=year, overrides=[{"overrides": pack.code, "parameters": {"missing_values": "zero"}}])
    v = a.values
    v = v[v["indicator"].isin(TEACHER_INDICATORS)].reset_index(drop=True)
    cvs = pd.DataFrame([{"stage": c.stage, "indicator": c.indicator, "cv": c.cv, "limit": c.limit, "cv_passed": c.passed}
                        for c in a.cvs if c.indicator in TEACHER_INDICATORS],
                       columns=["stage", "indicator", "cv", "limit", "cv_passed"])
    urban, rural = bachelor_rates(tables, year=year)
    basis = "urban"
    if np.isnan(urban):
        urban, rural = bachelor_rates(tables, year=year, urban_areas=("urban", "town"))
        basis = "urban+town"
    return TeacherIndicators(values=v, cvs=cvs, bachelor_urban=urban, bachelor_rural=rural, bachelor_basis=basis)


def bachelor_rates(tables: YearTables, *, year: int, urban_areas: tuple[str, ...] = ("urban",),
                   rural_areas: tuple[str, ...] = ("rural",)) -> tuple[float, float]:
    """(城区 rate, 乡村 rate) of teachers with a bachelor's degree or higher, 小学 + 初中 (莱芜 2023).

    A county whose seat is a 镇区 (no 城区 section) compares 城镇 (``urban_areas=("urban", "town")``)
    with 乡村; :func:`teacher_indicators` does so and records it in ``bachelor_basis``.
    """
    sec = section_frame(tables, year=year)
    sec = sec[sec["stage"].isin(("primary", "junior"))]
    rates = []
    for areas in (urban_areas, rural_areas):
        s = sec[sec["area"].isin(areas)]
        den = float(s["teachers"].sum())
        rates.append(float((s["teachers_postgrad"] + s["teachers_bachelor"]).sum()) / den if den > 0 else np.nan)
    return rates[0], rates[1]


def compare(before: TeacherIndicators, after: TeacherIndicators) -> pd.DataFrame:
    """Before/after per stage and teacher indicator: units, units failing, total gap (teachers), CV.

    The bachelor ratio is a county figure: read ``before.bachelor_ratio`` / ``after.bachelor_ratio``.
    """
    b, a = before.summary(), after.summary()
    m = b.merge(a, on=["stage", "indicator"], suffixes=("_before", "_after"), how="outer")
    cols = ["stage", "indicator", "units_before", "failing_before", "failing_after", "gap_before", "gap_after",
            "cv_before", "cv_after", "limit_before"]
    return m[cols].rename(columns={"limit_before": "cv_limit", "units_before": "units"})
