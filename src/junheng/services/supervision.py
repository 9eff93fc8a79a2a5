"""Supervision (督导) of every county under an org unit: each assessed on its own, then ranked side by side.

:func:`supervise` is the one path of ``junheng supervise`` (and of a web supervision page to come): for each
county under the org unit that the actor's scope covers it reads the county's registry with
:func:`junheng.services.registry.county_data` and assesses it with
:func:`junheng.services.assessments.assess_county` — one county at a time, never pooled — then ranks them with
:func:`junheng.assess.supervision.rank_counties` by the rules in ``assess/data/ranking.toml``.
:func:`write_supervision` writes the JSON (``junheng.supervision/1``, docs/supervision-json.md), the workbook and
the 督导报告.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, func, select

from junheng.domain.orgcode import padded, scope_prefix
from junheng.services.assessments import assess_county, assessment_years
from junheng.services.authz import Actor
from junheng.services.errors import Forbidden, Invalid, NotFound
from junheng.services.jobs import Progress, silent
from junheng.services.registry import county_data
from junheng.services.tasks import task_summaries
from junheng.store.models import OrgUnit, School

if TYPE_CHECKING:
    from junheng.assess.supervision import CountyInput, Supervision

NO_TASKS = "暂无任务数据的县，tasks_on_time 为 null，“任务按期完成率”不计入其得分"
"""The note of a round in which some county has no tasks (tasks: :mod:`junheng.services.tasks`)."""


@dataclass(frozen=True)
class SupervisionRound:
    """A supervision round: the ranked counties and what the reports say about the round."""

    result: Supervision
    org_code: str  # 12 digits, or "" for every county in the database
    org_name: str
    issuer: str  # the issuing body of the 督导报告
    notes: tuple[str, ...]


def _org_prefix(org: str | None) -> str:
    """The code prefix of ``org``: 2 (province), 4 (city) or 6 (county) digits, or a 12-digit org code."""
    if org is None:
        return ""
    code = org.strip()
    if not code.isdigit() or len(code) not in (2, 4, 6, 12):
        raise Invalid(f"区划代码应为 2、4、6 或 12 位数字：{org}",
                      f"an org code has 2, 4, 6 or 12 digits: {org!r}")
    return scope_prefix(code) if len(code) == 12 else code


def _counties_under(engine: Engine, prefix: str) -> list[tuple[str, str]]:
    """(12-digit code, name) of the counties under ``prefix``: county org units and counties with schools."""
    with engine.connect() as conn:
        units = dict(conn.execute(select(OrgUnit.code, OrgUnit.name).where(
            OrgUnit.level == "county", OrgUnit.code.startswith(prefix))).all())
        with_schools = {padded(str(c)) for (c,) in conn.execute(
            select(func.substr(School.township_code, 1, 6)).distinct()) if c and str(c).startswith(prefix)}
    return [(c, str(units.get(c) or "")) for c in sorted(set(units) | with_schools)]


def _name(engine: Engine, code: str) -> str:
    with engine.connect() as conn:
        return str(conn.execute(select(OrgUnit.name).where(OrgUnit.code == code)).scalar() or "")


def _issuer(engine: Engine, prefix: str, codes: Sequence[str]) -> tuple[str, str]:
    """(org code, issuing body): the org unit asked for, else the narrowest one holding every county."""
    if not prefix:
        for n in (4, 2):
            if len({c[:n] for c in codes}) == 1:
                prefix = codes[0][:n]
                break
    name = _name(engine, padded(prefix)) if prefix else ""
    return (padded(prefix) if prefix else ""), (f"{name}人民政府教育督导委员会办公室" if name else "教育督导委员会办公室")


def supervise(engine: Engine, actor: Actor, *, year: int, pack: str | Path, org: str | None = None,
              overrides: Sequence[str | Path] = (), rules: str | Path | None = None,
              progress: Progress | None = None) -> SupervisionRound:
    """Assess every county under ``org`` (2/4/6-digit prefix or 12-digit code; default: all) that ``actor``
    covers, for school ``year`` against ``pack`` with ``overrides``, and rank them by ``rules`` (default
    ``assess/data/ranking.toml``).

    A county without data for the year is listed as ``incomplete`` with no rank.  No county under ``org`` is
    :class:`NotFound`; none in the actor's scope is :class:`Forbidden`; no data for ``year`` in any county is
    :class:`Invalid`.
    """
    from junheng.assess.supervision import RankingRulesError, load_ranking_rules, rank_counties

    actor.require("run_assessment")
    report = progress or silent
    try:
        ranking = load_ranking_rules(rules)
    except RankingRulesError as exc:
        raise Invalid(f"排名规则文件有误：{exc}", f"invalid ranking rules: {exc}") from exc
    prefix = _org_prefix(org)
    counties = _counties_under(engine, prefix)
    where = f"区划 {org} 下" if org else "数据库中"
    if not counties:
        raise NotFound(f"{where}没有县", f"no county under org unit {org}" if org else "no county in the database")
    mine = [(c, n) for c, n in counties if actor.covers_org(c)]
    if not mine:
        raise Forbidden(f"{where}的县不在您的管辖范围内", "these counties are outside your scope")
    inputs = []
    for k, (code, name) in enumerate(mine):
        report(0.05 + 0.85 * k / len(mine), f"评估 {name or code}（{k + 1}/{len(mine)}） / assessing")
        inputs.append(_county_input(engine, actor, code, name, year=year, pack=pack, overrides=overrides))
    if all(c.assessment is None for c in inputs):
        raise Invalid(f"{where}各县均没有 {year} 学年数据", f"no county has data for school year {year}")
    summaries = task_summaries(engine, [c.code for c in inputs], year=year)
    inputs = [replace(c, tasks=summaries.get(c.code)) for c in inputs]
    report(0.95, "排名 / ranking")
    org_code, issuer = _issuer(engine, prefix, [c for c, _ in mine])
    return SupervisionRound(rank_counties(inputs, ranking, year=year), org_code,
                            _name(engine, org_code) if org_code else "", issuer,
                            (NO_TASKS,) if any(c.tasks is None for c in inputs) else ())


def _county_input(engine: Engine, actor: Actor, code: str, name: str, *, year: int, pack: str | Path,
                  overrides: Sequence[str | Path]) -> CountyInput:
    """One county's assessment for the round, or a county without data (no schools, or none for the year)."""
    from junheng.assess.supervision import CountyInput

    try:
        data = county_data(engine, actor, county=code, years=assessment_years(year))
    except NotFound:
        return CountyInput(code, name, None, note="数据库中没有该县的学校")
    if year not in data.tables.years:
        return CountyInput(code, name or data.county_name, None, note=f"没有 {year} 学年数据")
    a = assess_county(actor, data, pack=pack, year=year, overrides=overrides)
    return CountyInput(code, name or data.county_name, a)


def write_supervision(r: SupervisionRound, *, json: str | Path | None = None, xlsx: str | Path | None = None,
                      docx: str | Path | None = None, date: dt.date | None = None) -> list[Path]:
    """The round's JSON (``junheng.supervision/1``), Excel workbook and Word 督导报告 (dated ``date``, default
    today), where asked."""
    from junheng.report import supervision as W

    meta = W.RoundInfo(org_code=r.org_code, org_name=r.org_name, issuer=r.issuer, notes=r.notes,
                       date=date or dt.date.today())
    out = []
    if json is not None:
        out.append(W.write_json(r.result, meta, json))
    if xlsx is not None:
        out.append(W.write_xlsx(r.result, meta, xlsx))
    if docx is not None:
        out.append(W.write_docx(r.result, meta, docx))
    return out
