"""Compulsory school age from the birth date and the entry cut-off date.

义务教育法 (2018) 第十一条: a child who has reached six full years of age starts
compulsory education (seven where conditions require a later start), and it
lasts nine years.  Provinces fix the cut-off: a child who is six on 31 August
enters grade 1 that September (the common rule; a parameter here).  The school
year that contains the check date starts in September of ``Y`` (``Y`` = the
check date's year from September, the year before until August); the child's
age on the cut-off day of ``Y`` gives the expected grade: age 6 → grade 1 …
age 14 → grade 9.  "Compulsory school age" is that age between ``entry_age``
and ``entry_age + years - 1`` — children who are 6 to 15 during the school year.

The out-of-school ledger uses a wider window (``min_age`` … ``max_age``, default
6 … 15 周岁 on the cut-off day): national 控辍保学 practice counts 适龄儿童少年 of
6–15 周岁 who have not completed compulsory education, so a 15-year-old who never
enrolled is listed, and one with evidence of completion (``completion_evidence``:
a graduation record, a 学籍 at upper secondary) is not.  The defaults and any
provincial override are data: ``rules/schoolage.toml`` (:func:`load_school_age_rule`).
``shared/reference/standards.md`` does not state the window: it is tagged [U].
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

COMPLETION_EVIDENCE = {
    "graduated": "初中毕业（学籍毕业记录或毕业证书）",
    "upper_secondary": "高中阶段学籍（普通高中或中职）",
}
"""Kinds of evidence that a child has completed compulsory education."""


@dataclass(frozen=True)
class SchoolAgeRule:
    """Parameters of compulsory school age (province-overridable)."""

    cutoff_month: int = 8
    cutoff_day: int = 31
    entry_age: int = 6
    years: int = 9
    primary_years: int = 6  # 6-3 system; 5-4 where a province keeps it
    min_age: int = 6  # out-of-school ledger window, 周岁 on the cut-off day (inclusive)
    max_age: int = 15
    completion_evidence: tuple[str, ...] = ("graduated", "upper_secondary")
    origin: tuple[str, ...] = field(default=(), compare=False)  # the rule tables applied, in order

    def school_year(self, as_of: dt.date) -> int:
        """The calendar year in which the school year containing ``as_of`` began."""
        return as_of.year if (as_of.month, as_of.day) > (self.cutoff_month, self.cutoff_day) else as_of.year - 1

    def cutoff(self, as_of: dt.date) -> dt.date:
        return dt.date(self.school_year(as_of), self.cutoff_month, self.cutoff_day)

    def describe(self) -> dict[str, Any]:
        """The parameters as written to ``summary.json``."""
        return {"cutoff": f"{self.cutoff_month:02d}-{self.cutoff_day:02d}", "entry_age": self.entry_age,
                "years": self.years, "primary_years": self.primary_years, "window": [self.min_age, self.max_age],
                "completion_evidence": list(self.completion_evidence), "origin": list(self.origin)}


def age_at(birth_dates: pd.Series, day: dt.date) -> pd.Series:
    """Completed years of age on ``day`` for ISO date text (NA where unknown)."""
    b = pd.to_datetime(birth_dates, errors="coerce")
    years = day.year - b.dt.year
    before = (b.dt.month > day.month) | ((b.dt.month == day.month) & (b.dt.day > day.day))
    return (years - before.astype(int)).astype("Int64")


def expected_grade(birth_dates: pd.Series, as_of: dt.date, rule: SchoolAgeRule = SchoolAgeRule()) -> pd.Series:
    """Grade (1 … ``rule.years``) a child born on each date should be in; NA outside compulsory age."""
    age = age_at(birth_dates, rule.cutoff(as_of))
    grade = age - rule.entry_age + 1
    inside = (grade >= 1) & (grade <= rule.years)
    return grade.where(inside.fillna(False), pd.NA).astype("Int64")


def stage_of_grade(grade: pd.Series, rule: SchoolAgeRule = SchoolAgeRule()) -> pd.Series:
    """``primary`` for grades 1 … ``primary_years``, ``junior`` above, NA where no grade."""
    g = grade.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    out = np.where(g <= rule.primary_years, "primary", "junior").astype(object)
    out[np.isnan(g)] = None
    return pd.Series(out, index=grade.index, dtype=object)


def in_window(birth_dates: pd.Series, as_of: dt.date, rule: SchoolAgeRule = SchoolAgeRule()) -> pd.Series:
    """True where the child is ``rule.min_age`` … ``rule.max_age`` 周岁 on the cut-off day (False if unknown)."""
    age = age_at(birth_dates, rule.cutoff(as_of))
    return ((age >= rule.min_age) & (age <= rule.max_age)).fillna(False).astype(bool)


# --------------------------------------------------------------------------- rule tables (TOML)
RULES_FILE = Path(str(resources.files("junheng.registry") / "rules" / "schoolage.toml"))
"""The shipped national default and provincial tables."""

_META = {"name", "source", "province", "confidence", "notes"}
_KEYS = {"cutoff", "entry_age", "years", "primary_years", "min_age", "max_age", "completion_evidence"}


class RuleError(ValueError):
    """A school-age rule table is invalid; ``issues`` lists every problem (file, key, message)."""

    def __init__(self, issues: Iterable[str]):
        self.issues = tuple(issues)
        super().__init__("\n".join(self.issues))


def read_rules_toml(path: Path, error: Callable[[list[str]], Exception] = RuleError) -> dict[str, Any]:
    """A rules file's TOML; a missing file or a syntax error raises ``error`` with one message naming the file
    (the school-age rules raise :class:`RuleError`, the aid rules their own error)."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise error([f"{path}: 文件不存在 / file not found"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise error([f"{path}: TOML 语法错误 / TOML syntax error: {exc}"]) from None


def _int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _apply_table(rule: SchoolAgeRule, table: Mapping[str, Any], where: str, issues: list[str]) -> SchoolAgeRule:
    changes: dict[str, Any] = {}
    for key, v in table.items():
        if key in _META:
            continue
        if key not in _KEYS:
            issues.append(f"{where}: {key}: 未知的键 / unknown key (允许 / allowed: {', '.join(sorted(_KEYS))})")
        elif key == "cutoff":
            try:
                month, day = (int(x) for x in str(v).split("-"))
                dt.date(2000, month, day)  # a leap year, so 02-29 is accepted
                changes.update(cutoff_month=month, cutoff_day=day)
            except ValueError:
                issues.append(f"{where}: cutoff: 应为月-日，如 08-31 / expected MM-DD, got {v!r}")
        elif key == "completion_evidence":
            if not isinstance(v, list) or any(x not in COMPLETION_EVIDENCE for x in v):
                issues.append(f"{where}: completion_evidence: 应为列表，取值 / expected a list of "
                              f"{', '.join(COMPLETION_EVIDENCE)}; got {v!r}")
            else:
                changes[key] = tuple(v)
        elif not _int(v) or not 0 <= v <= 25:
            issues.append(f"{where}: {key}: 应为 0 至 25 的整数 / expected a whole number 0 … 25, got {v!r}")
        else:
            changes[key] = v
    out = replace(rule, **changes)
    if out.min_age > out.max_age:
        issues.append(f"{where}: min_age {out.min_age} > max_age {out.max_age}")
    if not 1 <= out.primary_years < out.years:
        issues.append(f"{where}: primary_years 应在 1 与 years-1 之间 / must be 1 … years-1")
    name = str(table.get("name", where))
    return replace(out, origin=(*rule.origin, name))


def _province_key(province: str) -> str:
    code = str(province).strip()
    if len(code) < 2 or not code[:2].isdigit():
        raise RuleError([f"province: 应为省级区划代码前两位，如 13 / expected a province code such as 13, got {province!r}"])
    return code[:2]


def load_school_age_rule(province: str | None = None, overrides: Iterable[str | Path | Mapping[str, Any]] = (),
                         *, rules_file: str | Path | None = None) -> SchoolAgeRule:
    """The national default, then the province's table (``[provinces."13"]``, if the rules file has one),
    then each override (a TOML file or a mapping with the same keys), in order.

    ``province`` is a region code (its first two digits are used, so ``"130431"`` works).
    Raises ``RuleError`` listing every invalid key or value.
    """
    path = Path(rules_file) if rules_file is not None else RULES_FILE
    raw = read_rules_toml(path)
    issues: list[str] = []
    national = raw.get("national")
    if not isinstance(national, Mapping):
        raise RuleError([f"{path}: national: 缺少全国默认表 / the [national] table is missing"])
    rule = _apply_table(SchoolAgeRule(origin=()), national, f"{path.name} [national]", issues)
    if province is not None:
        key = _province_key(province)
        table = (raw.get("provinces") or {}).get(key)
        if isinstance(table, Mapping):
            rule = _apply_table(rule, table, f"{path.name} [provinces.{key}]", issues)
    for ov in overrides:
        if isinstance(ov, Mapping):
            rule = _apply_table(rule, ov, str(ov.get("name", "<override>")), issues)
        else:
            p = Path(ov)
            rule = _apply_table(rule, read_rules_toml(p), p.name, issues)
    if issues:
        raise RuleError(issues)
    return rule


@cache
def default_rule() -> SchoolAgeRule:
    """The shipped national default (``rules/schoolage.toml`` ``[national]``)."""
    return load_school_age_rule()

