"""The frozen results of an assessment.

Per-unit, per-indicator values are kept as pandas frames inside the frozen
``Assessment`` (one row per school section and indicator; a province has
hundreds of thousands), while everything county-level is typed dataclasses.
Column meanings of the frames are documented in ``docs/assessment-json.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from junheng.domain.labels import zh_map
from junheng.standards.evidence import Evidence
from junheng.standards.model import frozen_map

PASS, FAIL, INCOMPLETE = "pass", "fail", "incomplete"
# views of junheng.domain.labels, imported by the engine, the reports and the CLI
VERDICT_ZH = zh_map("verdict")
STATUS_ZH = zh_map("indicator_status")
STAGE_ZH = zh_map("stage")


@dataclass(frozen=True)
class CvResult:
    """One county CV (standards.md §2.1) with its limit and companion statistics."""

    stage: str
    indicator: str
    name: str
    cv: float
    limit: float | None
    passed: bool | None
    mean: float  # pooled county ratio Xbar
    n_units: int
    students: float
    gini: float
    theil: float
    theil_between: float
    theil_within: float
    max_min_ratio: float
    n_missing: int = 0  # units with students whose value is unknown (blank cell, no school_year row)
    note: str = ""  # why the CV is undefined, incomplete or trivially 0


@dataclass(frozen=True)
class CompositeCv:
    """基本均衡 综合差异系数 = mean of the single CVs (standards.md §2.2)."""

    stage: str
    cv: float
    limit: float | None
    passed: bool | None
    n_indicators: int  # single CVs defined and complete (the mean is over these)
    note: str = ""  # why ``passed`` is None: single CVs undefined or incomplete


@dataclass(frozen=True)
class ItemResult:
    """A county-level item: status met / not_met / unknown / not_applicable, with why."""

    code: str
    part: str
    name: str
    rule: str
    status: str
    number: int | None = None
    value: float | None = None
    threshold: float | None = None
    op: str = ">="
    numerator: float | None = None
    denominator: float | None = None
    unit: str = ""
    note: str = ""
    source: str = ""
    evidence: Evidence | None = None
    extra: Mapping[str, Any] = field(default_factory=frozen_map)
    n_details: int = 0


@dataclass(frozen=True)
class TargetResult:
    """A plan target for one org unit and year: the actual against the target value."""

    code: str
    name: str
    org: str
    year: int
    op: str
    target: float
    actual: float | None
    status: str  # met / not_met (this year), ahead / open (later years), unknown
    numerator: float | None = None
    denominator: float | None = None
    unit: str = ""
    note: str = ""
    source: str = ""
    evidence: Evidence | None = None
    parameter: str = ""  # the pack parameter that sets ``target`` (NaN while it is unset)


@dataclass(frozen=True)
class PartVerdict:
    """The verdict of one part (资源配置, 政府保障程度, 教育质量, 社会认可度, 一票否决 …)."""

    code: str
    name: str
    verdict: str
    reasons: tuple[str, ...] = ()
    veto: bool = False


@dataclass(frozen=True)
class Assessment:
    """The county's standing against a pack for one year (see docs/assessment-json.md).

    ``units``: one row per unit of analysis (school section) with ``n_pass``,
    ``school_verdict`` and ``pass_rule``.  ``values``: one row per unit and
    indicator with numerator, denominator, value, threshold, floor, ``passed``
    and the gaps in natural units.  ``cv_terms``: each unit's contribution to each
    CV.  ``item_details``: the schools behind each county item.
    """

    pack_code: str
    pack_name: str
    pack_source: str
    kind: str
    year: int
    verdict: str
    reasons: tuple[str, ...]
    parts: tuple[PartVerdict, ...]
    units: pd.DataFrame
    values: pd.DataFrame
    cvs: tuple[CvResult, ...]
    composite_cvs: tuple[CompositeCv, ...]
    cv_terms: pd.DataFrame
    items: tuple[ItemResult, ...]
    item_details: pd.DataFrame
    targets: tuple[TargetResult, ...]
    parameters: Mapping[str, Any] = field(default_factory=frozen_map)
    overrides: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    indicators: tuple[Mapping[str, Any], ...] = ()  # pack indicator metadata (code, name, unit, gap_unit …)

    def part(self, code: str) -> PartVerdict:
        for p in self.parts:
            if p.code == code:
                return p
        raise KeyError(code)

    def item(self, code: str) -> ItemResult:
        for i in self.items:
            if i.code == code:
                return i
        raise KeyError(code)

    def cv(self, stage: str, indicator: str) -> CvResult:
        for c in self.cvs:
            if c.stage == stage and c.indicator == indicator:
                return c
        raise KeyError((stage, indicator))
