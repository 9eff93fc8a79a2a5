"""Layout rules as data (``plan/data/layout-rules.toml``) and the error that names a rule which cannot be met."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from junheng.plan.facility import InfeasibleModelError


@dataclass(frozen=True)
class StageRules:
    """The rules of one stage (学段); sources in ``plan/data/layout-rules.toml``."""

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
        """Capital recovery factor ``r / (1 − (1 + r)^−n)`` (``1/n`` without interest): a building cost → yuan a year."""
        r, n = self.interest_rate, self.annuity_years
        return r / (1 - (1 + r) ** -n) if r > 0 else 1.0 / n

    def place_cost(self, stage: str) -> float:
        """Annualised construction cost of one pupil place added in ``stage`` (m² per place × 元/m² × recovery)."""
        return self.stages[stage].m2_per_place * self.construction_per_m2 * self.capital_recovery

    @property
    def bed_cost(self) -> float:
        """Annualised construction cost of one boarding bed added (m² per bed × 元/m² × recovery)."""
        return self.boarding_m2_per_bed * self.construction_per_m2 * self.capital_recovery

    def with_flags(self, *, keep: Sequence[str] = (), must_close: Sequence[str] = (),
                   keep_small: Sequence[str] = ()) -> LayoutRules:
        """These rules with more schools flagged keep / must close / keep small (the flags add up)."""
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
    """Merge ``b`` into ``a`` in place, table by table (a value of ``b`` replaces that of ``a``)."""
    for k, v in b.items():
        if isinstance(v, Mapping) and isinstance(a.get(k), dict):
            _merge(a[k], v)
        else:
            a[k] = v


class LayoutInfeasibleError(InfeasibleModelError):
    """The layout rules cannot all be met; ``rule`` names the rule, the message says where."""

    def __init__(self, message: str, *, rule: str) -> None:
        super().__init__(message)
        self.rule = rule
