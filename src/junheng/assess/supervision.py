"""Counties side by side for a 督导 round: a score, a rank and the year-end lists, by rules declared as data.

The 2021 city plan (seed 000) puts each county's targets "列入对县市(区)人民政府目标管理范畴", rewards the
good ones "以奖代补" and criticises "未按期完成目标任务的县市(区)"; the 西宁 plan (seed 004) asks for
"督查工作机制 … 问责机制".  Neither fixes a formula, so the rule is data: ``data/ranking.toml`` (see the comments
there and docs/zh/supervision.md).  The engine is pure: assessments in, frozen rows out.

A county without data for the year gets the verdict ``incomplete``, no score and no rank — it is listed, never
ranked (so never first).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any, TypeGuard

from junheng.assess.results import FAIL, INCOMPLETE, PASS, Assessment, CompositeCv, CvResult

WEIGHT_KEYS = ("parts", "cv_margin", "targets_met", "tasks_on_time")
_TOP_KEYS = {"code", "name", "source", "weights", "verdict_points", "reward", "criticism"}
_REWARD_KEYS = {"top", "min_score", "no_failing_part"}
_CRITICISM_KEYS = {"any_failing_part", "bottom", "no_data"}
SCORE_DECIMALS = 9  # scores equal to this many places are a tie (floating-point noise is not a difference)


class RankingRulesError(ValueError):
    """The ranking rules file is invalid; ``issues`` names the file and key of every problem."""

    def __init__(self, issues: Sequence[str]) -> None:
        self.issues = tuple(issues)
        super().__init__("\n".join(self.issues))


@dataclass(frozen=True)
class RankingRules:
    """The ranking rule and the 以奖代补 / 通报批评 rules (``data/ranking.toml`` documents each)."""

    code: str
    name: str
    source: str
    weights: Mapping[str, float]
    verdict_points: Mapping[str, float]
    reward_top: int
    reward_min_score: float
    reward_no_failing_part: bool
    criticism_any_failing_part: bool
    criticism_bottom: int
    criticism_no_data: bool


@dataclass(frozen=True)
class TaskSummary:
    """A county's tasks for the year (the tasks feature supplies it): tasks due by now, and those done on time."""

    due: int
    on_time: int


@dataclass(frozen=True)
class CountyInput:
    """One county of the round: its assessment (``None``: no data for the year) and its tasks (``None``: none)."""

    code: str
    name: str
    assessment: Assessment | None
    tasks: TaskSummary | None = None
    note: str = ""


@dataclass(frozen=True)
class CvMargin:
    """A CV of the county with its margin (limit − CV) / limit, clipped to −1 … 1 (``None``: does not count)."""

    stage: str
    indicator: str
    name: str
    cv: float | None
    limit: float | None
    passed: bool | None
    margin: float | None
    composite: bool = False


@dataclass(frozen=True)
class CountyRow:
    """A county's line in the comparison: verdicts, the components of its score, its rank and list entries."""

    code: str
    name: str
    verdict: str
    parts: tuple[tuple[str, str, str], ...]  # (code, name, verdict)
    cvs: tuple[CvMargin, ...]
    components: Mapping[str, float | None]  # parts, cv_margin, targets_met, tasks_on_time (None: left out)
    targets_met_count: int
    targets_counted: int
    targets_unknown: int
    tasks: TaskSummary | None
    score: float | None  # 0 … 100; None without data
    rank: int | None
    reward_reason: str  # "" unless proposed for 以奖代补
    criticism_reasons: tuple[str, ...]  # () unless proposed for 通报批评
    has_data: bool = True  # False: no data for the year, so no verdict but incomplete, no score, no rank
    note: str = ""

    @property
    def failing_parts(self) -> tuple[str, ...]:
        return tuple(name for _, name, v in self.parts if v == FAIL)


@dataclass(frozen=True)
class Supervision:
    """Every county of the round, ranked rows first (by rank), then the counties without a rank (by code)."""

    year: int
    rules: RankingRules
    rows: tuple[CountyRow, ...]
    pack_code: str = ""  # the pack the counties were assessed against (the same for all)
    pack_name: str = ""
    pack_source: str = ""


# --------------------------------------------------------------------------- the rules file

RULES_FILE = Path(str(resources.files("junheng.assess") / "data" / "ranking.toml"))


def _number(v: Any) -> TypeGuard[int | float]:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(float(v))


def _table(raw: Mapping[str, Any], key: str, allowed: set[str], where: str, issues: list[str]) -> dict[str, Any]:
    t = raw.get(key)
    if not isinstance(t, Mapping):
        issues.append(f"{where}: {key}: 缺少该表 / the [{key}] table is missing")
        return {}
    for k in t:
        if k not in allowed:
            issues.append(f"{where}: {key}.{k}: 未知的键 / unknown key (允许 / allowed: {', '.join(sorted(allowed))})")
    return dict(t)


def _fraction(t: Mapping[str, Any], table: str, key: str, where: str, issues: list[str]) -> float:
    v = t.get(key)
    if not _number(v) or not 0 <= float(v) <= 1:
        issues.append(f"{where}: {table}.{key}: 应为 0 至 1 的数 / expected a number 0 … 1, got {v!r}")
        return 0.0
    return float(v)


def _count(t: Mapping[str, Any], table: str, key: str, where: str, issues: list[str]) -> int:
    v = t.get(key)
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        issues.append(f"{where}: {table}.{key}: 应为非负整数 / expected a whole number ≥ 0, got {v!r}")
        return 0
    return v


def _flag(t: Mapping[str, Any], table: str, key: str, where: str, issues: list[str]) -> bool:
    v = t.get(key)
    if not isinstance(v, bool):
        issues.append(f"{where}: {table}.{key}: 应为 true 或 false / expected true or false, got {v!r}")
        return False
    return v


def load_ranking_rules(path: str | Path | None = None) -> RankingRules:
    """The shipped rules (``data/ranking.toml``) or a file of the same shape; :class:`RankingRulesError` lists
    every unknown key and bad value with the file and key (e.g. ``weights.parts``)."""
    p = Path(path) if path is not None else RULES_FILE
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RankingRulesError([f"{p}: 文件不存在 / file not found"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise RankingRulesError([f"{p}: TOML 语法错误 / TOML syntax error: {exc}"]) from None
    where = p.name
    issues = [f"{where}: {k}: 未知的键 / unknown key" for k in raw if k not in _TOP_KEYS]
    w = _table(raw, "weights", set(WEIGHT_KEYS), where, issues)
    weights = {k: _fraction(w, "weights", k, where, issues) for k in WEIGHT_KEYS} if w else {}
    if w and not issues and sum(weights.values()) <= 0:
        issues.append(f"{where}: weights: 权重之和应大于 0 / the weights must not all be 0")
    vp = _table(raw, "verdict_points", {PASS, FAIL, INCOMPLETE}, where, issues)
    points = {k: _fraction(vp, "verdict_points", k, where, issues) for k in (PASS, FAIL, INCOMPLETE)} if vp else {}
    rw = _table(raw, "reward", _REWARD_KEYS, where, issues)
    cr = _table(raw, "criticism", _CRITICISM_KEYS, where, issues)
    min_score = rw.get("min_score")
    if rw and (not _number(min_score) or not 0 <= float(min_score) <= 100):
        issues.append(f"{where}: reward.min_score: 应为 0 至 100 的数 / expected a number 0 … 100, got {min_score!r}")
    rules = RankingRules(
        code=str(raw.get("code", p.stem)), name=str(raw.get("name", "")), source=str(raw.get("source", "")),
        weights=weights, verdict_points=points,
        reward_top=_count(rw, "reward", "top", where, issues) if rw else 0,
        reward_min_score=float(min_score) if _number(min_score) else 0.0,
        reward_no_failing_part=_flag(rw, "reward", "no_failing_part", where, issues) if rw else True,
        criticism_any_failing_part=_flag(cr, "criticism", "any_failing_part", where, issues) if cr else True,
        criticism_bottom=_count(cr, "criticism", "bottom", where, issues) if cr else 0,
        criticism_no_data=_flag(cr, "criticism", "no_data", where, issues) if cr else True)
    if issues:
        raise RankingRulesError(issues)
    return rules


# --------------------------------------------------------------------------- one county's components

def _margin(cv: float, limit: float | None, passed: bool | None) -> float | None:
    """(limit − CV) / limit clipped to −1 … 1, for a CV that counts: a positive limit, a defined CV and a
    verdict (``passed`` is ``None`` when units are missing or the CV is undefined)."""
    if limit is None or limit <= 0 or passed is None or not math.isfinite(cv):
        return None
    return max(-1.0, min(1.0, (limit - cv) / limit))


def _cv_margins(a: Assessment) -> tuple[CvMargin, ...]:
    def one(c: CvResult | CompositeCv, indicator: str, name: str, composite: bool) -> CvMargin:
        cv = c.cv if math.isfinite(c.cv) else None
        return CvMargin(c.stage, indicator, name, cv, c.limit, c.passed, _margin(c.cv, c.limit, c.passed), composite)

    singles = [one(c, c.indicator, c.name, False) for c in a.cvs]
    composites = [one(c, "composite", "综合差异系数", True) for c in a.composite_cvs]
    return (*singles, *composites)


def _mean(xs: Sequence[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def _components(a: Assessment, cvs: Sequence[CvMargin], tasks: TaskSummary | None,
                rules: RankingRules) -> tuple[dict[str, float | None], int, int, int]:
    parts = _mean([rules.verdict_points[p.verdict] for p in a.parts if p.verdict in rules.verdict_points])
    margins = [c.margin for c in cvs if c.margin is not None]
    mean_margin = _mean(margins)
    met = sum(1 for t in a.targets if t.status == "met")
    counted = met + sum(1 for t in a.targets if t.status == "not_met")
    unknown = sum(1 for t in a.targets if t.status == "unknown")
    comps: dict[str, float | None] = {
        "parts": parts,
        "cv_margin": None if mean_margin is None else (1.0 + mean_margin) / 2.0,
        "targets_met": met / counted if counted else None,
        "tasks_on_time": tasks.on_time / tasks.due if tasks is not None and tasks.due > 0 else None,
    }
    return comps, met, counted, unknown


def _score(components: Mapping[str, float | None], weights: Mapping[str, float]) -> float | None:
    """100 × Σ wₖcₖ / Σ wₖ over the components with data (the weights of the others are renormalised away)."""
    present = [(weights[k], c) for k, c in components.items() if c is not None and weights[k] > 0]
    total = sum(w for w, _ in present)
    return 100.0 * sum(w * c for w, c in present) / total if total > 0 else None


# --------------------------------------------------------------------------- the round

def _reward_reason(row: CountyRow, rules: RankingRules) -> str:
    if row.rank is None or row.score is None or row.rank > rules.reward_top:
        return ""
    if round(row.score, SCORE_DECIMALS) < rules.reward_min_score:
        return ""
    if rules.reward_no_failing_part and row.failing_parts:
        return ""
    return (f"排名第{row.rank}（前{rules.reward_top}名），得分{row.score:.1f}≥{rules.reward_min_score:g}"
            + ("，无未达标部分" if rules.reward_no_failing_part else ""))


def _criticism_reasons(row: CountyRow, rules: RankingRules, n_ranked: int) -> tuple[str, ...]:
    if not row.has_data:
        return ("本学年无评估数据，无法评估",) if rules.criticism_no_data else ()
    reasons = []
    if rules.criticism_any_failing_part and row.failing_parts:
        reasons.append(f"{'、'.join(row.failing_parts)}未达标")
    bottom = rules.criticism_bottom if n_ranked > rules.criticism_bottom else 0  # a bottom needs others above
    if row.rank is not None and not row.reward_reason and bottom and row.rank > n_ranked - bottom:
        reasons.append(f"排名倒数第{n_ranked - row.rank + 1}（共{n_ranked}个县参与排名）")
    return tuple(reasons)


def _row(c: CountyInput, rules: RankingRules) -> CountyRow:
    if c.assessment is None:
        return CountyRow(c.code, c.name, INCOMPLETE, parts=(), cvs=(), components=dict.fromkeys(WEIGHT_KEYS),
                         targets_met_count=0, targets_counted=0, targets_unknown=0, tasks=c.tasks, score=None,
                         rank=None, reward_reason="", criticism_reasons=(), has_data=False,
                         note=c.note or "本学年无数据")
    a = c.assessment
    cvs = _cv_margins(a)
    comps, met, counted, unknown = _components(a, cvs, c.tasks, rules)
    return CountyRow(c.code, c.name, a.verdict, parts=tuple((p.code, p.name, p.verdict) for p in a.parts), cvs=cvs,
                     components=comps, targets_met_count=met, targets_counted=counted, targets_unknown=unknown,
                     tasks=c.tasks, score=_score(comps, rules.weights), rank=None, reward_reason="",
                     criticism_reasons=(), note=c.note)


def rank_counties(counties: Sequence[CountyInput], rules: RankingRules, *, year: int) -> Supervision:
    """Score each county (see ``data/ranking.toml``), rank by score, highest first — equal scores (to
    ``SCORE_DECIMALS`` places) by county code, lowest first — and choose the 以奖代补 and 通报批评 lists.

    Counties without a score (no data) are listed after the ranked ones, by code, with no rank.
    """
    rows = [_row(c, rules) for c in counties]
    scored = sorted((r for r in rows if r.score is not None),
                    key=lambda r: (-round(r.score or 0.0, SCORE_DECIMALS), r.code))
    unranked = sorted((r for r in rows if r.score is None), key=lambda r: r.code)
    ranked = [replace(r, rank=k) for k, r in enumerate(scored, 1)]
    ranked = [replace(r, reward_reason=_reward_reason(r, rules)) for r in ranked]
    out = [replace(r, criticism_reasons=_criticism_reasons(r, rules, len(ranked))) for r in [*ranked, *unranked]]
    first = next((c.assessment for c in counties if c.assessment is not None), None)
    if first is None:
        return Supervision(year, rules, tuple(out))
    return Supervision(year, rules, tuple(out), first.pack_code, first.pack_name, first.pack_source)
