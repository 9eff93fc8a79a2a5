"""Equity statistics over schools: the enrolment-weighted CV and its companions.

All functions take each school's **raw** resource ``R_i`` and enrolment ``P_i``
(not pre-computed ratios), as reference/standards.md §2.1 prescribes:

    X_i  = factor · R_i / P_i
    Xbar = factor · Σ R_i / Σ P_i                (pooled county ratio = enrolment-weighted mean)
    S    = sqrt( Σ (P_i / P) · (X_i − Xbar)² )  (population form, weights P_i / P, no n − 1)
    CV   = S / Xbar

Schools with ``P_i == 0`` (or a missing value) carry no weight and are left out.
The CV does not depend on ``factor``.  Companions: the enrolment-weighted Gini
coefficient, the Theil T index with its between/within decomposition by group
(城区/镇区/乡村), the max/min ratio, and each school's contribution to the CV.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

ArrayLike = npt.ArrayLike


def _clean(resources: ArrayLike, enrolments: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r = np.asarray(resources, dtype=float)
    p = np.asarray(enrolments, dtype=float)
    if r.shape != p.shape:
        raise ValueError("resources and enrolments must have the same length")
    keep = np.isfinite(r) & np.isfinite(p) & (p > 0)
    return r[keep], p[keep], keep


def weighted_mean(resources: ArrayLike, enrolments: ArrayLike, *, factor: float = 1.0) -> float:
    """The pooled county ratio ``factor · ΣR / ΣP`` (standards.md §2.1, 全县生均值)."""
    r, p, _ = _clean(resources, enrolments)
    if p.sum() == 0:
        return float("nan")
    return float(factor * r.sum() / p.sum())


def cv(resources: ArrayLike, enrolments: ArrayLike) -> float:
    """Enrolment-weighted, population-form coefficient of variation (standards.md §2.1).

    ``resources`` are the schools' raw resources R_i (teachers, m², 元, rooms),
    ``enrolments`` their students P_i of the stage.  Returns NaN when there is no
    enrolment or the pooled mean is 0.
    """
    r, p, _ = _clean(resources, enrolments)
    total = p.sum()
    if total == 0:
        return float("nan")
    x = r / p
    xbar = r.sum() / total
    if xbar == 0:
        return float("nan")
    s = np.sqrt(np.sum(p / total * (x - xbar) ** 2))
    return float(s / xbar)


@dataclass(frozen=True)
class CvTerms:
    """Each school's part of the CV (standards.md §2.1, 差异情况 = (P_i/P)(X_i − Xbar)²).

    ``variance_share`` is that term over their sum (the shares add up to 1): the
    school's contribution to the CV.  ``cv_without`` is the CV recomputed without
    the school — how much it pushes the county figure up (or down).
    Arrays are aligned with the input; schools without enrolment get NaN.
    """

    value: np.ndarray
    weight: np.ndarray
    term: np.ndarray
    variance_share: np.ndarray
    cv_without: np.ndarray
    cv: float
    mean: float


def cv_terms(resources: ArrayLike, enrolments: ArrayLike, *, factor: float = 1.0) -> CvTerms:
    """The CV with every school's term, variance share and leave-one-out CV."""
    r_all = np.asarray(resources, dtype=float)
    p_all = np.asarray(enrolments, dtype=float)
    r, p, keep = _clean(r_all, p_all)
    n = r_all.shape[0]
    out = {k: np.full(n, np.nan) for k in ("value", "weight", "term", "share", "without")}
    total, rsum = p.sum(), r.sum()
    if total == 0 or rsum == 0:
        return CvTerms(out["value"], out["weight"], out["term"], out["share"], out["without"], float("nan"),
                       float("nan") if total == 0 else 0.0)
    x = r / p
    xbar = rsum / total
    w = p / total
    term = w * (x - xbar) ** 2
    var = term.sum()
    # leave-one-out: pooled sums without school i
    p2, r2 = total - p, rsum - r
    m2 = np.sum(p * x * x) - p * x * x
    with np.errstate(divide="ignore", invalid="ignore"):
        mean2 = r2 / p2
        var2 = np.maximum(m2 / p2 - mean2 * mean2, 0.0)
        without = np.sqrt(var2) / mean2
        share = term / var if var > 0 else np.zeros_like(term)
    out["value"][keep] = factor * x
    out["weight"][keep] = w
    out["term"][keep] = term * factor * factor
    out["share"][keep] = share
    out["without"][keep] = np.where(np.isfinite(without), without, np.nan)
    return CvTerms(out["value"], out["weight"], out["term"], out["share"], out["without"],
                   float(np.sqrt(var) / xbar), float(factor * xbar))


def gini(resources: ArrayLike, enrolments: ArrayLike) -> float:
    """Enrolment-weighted Gini coefficient of the per-student resource.

    Each student is an observation carrying his school's ratio X_i, so
    ``G = Σ_i Σ_j p_i p_j |X_i − X_j| / (2 Xbar)`` with ``p_i = P_i / P``; computed
    exactly from the Lorenz curve, ``G = 1 − Σ p_i (L_{i−1} + L_i)`` with the
    schools sorted by X_i.  (Companion statistic, not part of the national rule.)
    """
    r, p, _ = _clean(resources, enrolments)
    if p.sum() == 0 or r.sum() <= 0:
        return float("nan")
    order = np.argsort(r / p, kind="mergesort")
    r, p = r[order], p[order]
    pw = p / p.sum()
    lorenz = np.cumsum(r) / r.sum()
    prev = np.concatenate(([0.0], lorenz[:-1]))
    return float(1.0 - np.sum(pw * (prev + lorenz)))


@dataclass(frozen=True)
class Theil:
    """Theil T index with its decomposition ``total = between + within`` over groups."""

    total: float
    between: float
    within: float
    groups: tuple[str, ...]
    group_index: tuple[float, ...]  # Theil T inside each group
    group_resource_share: tuple[float, ...]
    group_enrolment_share: tuple[float, ...]


def theil(resources: ArrayLike, enrolments: ArrayLike, groups: Sequence[str] | None = None) -> Theil:
    """Enrolment-weighted Theil T: ``T = Σ s_i ln(s_i / p_i)``, s = resource share, p = enrolment share.

    With ``groups`` (e.g. 城区/镇区/乡村) it splits into between-group
    ``Σ_g s_g ln(s_g / p_g)`` and within-group ``Σ_g s_g T_g``.  Schools with no
    resource contribute 0 (the limit of s ln s).
    """
    r_all = np.asarray(resources, dtype=float)
    g_all = np.asarray(["all"] * len(r_all) if groups is None else [str(g) for g in groups], dtype=object)
    r, p, keep = _clean(r_all, enrolments)
    g = g_all[keep]
    if p.sum() == 0 or r.sum() <= 0:
        nan = float("nan")
        return Theil(nan, nan, nan, (), (), (), ())
    s, pw = r / r.sum(), p / p.sum()

    def t_index(si: np.ndarray, pi: np.ndarray) -> float:
        si, pi = si / si.sum(), pi / pi.sum()
        pos = si > 0
        return float(np.sum(si[pos] * np.log(si[pos] / pi[pos])))

    total = t_index(s, pw)
    names, idx = np.unique(g, return_inverse=True)
    sg = np.bincount(idx, weights=s)
    pg = np.bincount(idx, weights=pw)
    tg = [t_index(s[idx == k], pw[idx == k]) if sg[k] > 0 else 0.0 for k in range(len(names))]
    pos = sg > 0
    between = float(np.sum(sg[pos] * np.log(sg[pos] / pg[pos])))
    within = float(np.sum(sg * np.array(tg)))
    return Theil(total, between, within, tuple(str(n) for n in names), tuple(tg), tuple(sg.tolist()), tuple(pg.tolist()))


def max_min_ratio(resources: ArrayLike, enrolments: ArrayLike) -> float:
    """Highest over lowest per-student value among schools with enrolment (inf when the lowest is 0)."""
    r, p, _ = _clean(resources, enrolments)
    if len(r) == 0:
        return float("nan")
    x = r / p
    lo = x.min()
    return float("inf") if lo == 0 else float(x.max() / lo)
