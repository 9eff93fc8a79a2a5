"""Student aid (学生资助) for the CLI and, later, the web: the payment audit and its outputs.

One orchestration function, :func:`audit_payments`, reads the roll, the
attendance check, the difficulty lists, the payment list and (optionally) the
school list, and runs :func:`junheng.registry.aid.audit` with the programmes of
:func:`aid_rules` (``registry/rules/aid.toml``, the province's table, override
files).  :func:`write_aid_outputs` writes what the officers use:

* ``exceptions.csv`` — one row per wrong payment, its one reason and the evidence;
* ``unpaid_eligible.csv`` — 应助未助: pupils owed a payment with no valid one;
* ``coverage.csv`` — by school, township and the county, per programme;
* ``entitlement.csv`` — every pupil × programme owed (waivers too);
* ``公示名单.xlsx`` — the publicity list of the valid payments, names and IDs masked
  (:mod:`junheng.domain.idnumber`), for the 公告公示 of seed 001;
* ``学生资助管理信息系统导出.xlsx`` — the valid payments in the columns of the national
  system's import template (:data:`NATIONAL_COLUMNS`; the mapping is in ``docs/dev/aid.md``);
* ``summary.json`` — the counts and the rules applied.

Every CSV goes through :func:`junheng.domain.textsafe.csv_safe_frame` and every
workbook through :func:`junheng.domain.textsafe.neutralise_workbook`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from junheng.domain.idnumber import mask_id_number, mask_name
from junheng.domain.textsafe import csv_safe_frame, neutralise_workbook
from junheng.io.errors import ImportRejected as ImportRejected  # raised by audit_payments on bad input
from junheng.registry.aid import REASONS as REASON_LABELS
from junheng.registry.aid import AidResult, AidRules
from junheng.services.authz import Actor
from junheng.services.errors import Invalid
from junheng.services.jobs import Progress, silent

__all__ = ["REASON_LABELS", "AidFiles", "ImportRejected", "aid_rules", "audit_payments", "write_aid_outputs"]

OUTPUTS = ("exceptions.csv", "unpaid_eligible.csv", "coverage.csv", "entitlement.csv", "公示名单.xlsx",
           "学生资助管理信息系统导出.xlsx", "summary.json")

STAGE_ZH = {"primary": "小学", "junior": "初中", "senior": "普通高中", "vocational": "中职", "": ""}
SEX_ZH = {"male": "男", "female": "女"}

NATIONAL_COLUMNS = {
    "学校标识码": "school_code", "学校名称": "school_name", "学籍号": "student_id", "姓名": "name",
    "性别": "sex", "出生日期": "birth_date", "身份证件类型": "id_type", "身份证件号": "id_number",
    "学段": "stage", "年级": "grade", "是否寄宿生": "boarder", "家庭经济困难类型": "categories",
    "资助项目": "programme_zh", "资助项目代码": "programme", "资助学期": "term", "资助金额（元）": "amount",
    "发放日期": "paid_on", "发放编号": "payment_id",
}
"""Column of the national 学生资助管理信息系统 import template → column of the valid payments (docs/dev/aid.md)."""


@dataclass(frozen=True)
class AidFiles:
    """The input files of one audit (``difficulty``: one or more lists shaped like ``poverty.csv``)."""

    roll: Path
    attendance: Path
    payments: Path
    difficulty: Sequence[Path] = field(default_factory=tuple)
    schools: Path | None = None


def aid_rules(province: str | None = None, rule_files: Iterable[Path] = ()) -> AidRules:
    """The programmes of :func:`junheng.registry.aid.load_aid_rules`; ``Invalid`` listing every problem."""
    from junheng.registry.aid import AidRuleError, load_aid_rules

    try:
        return load_aid_rules(province, list(rule_files))
    except AidRuleError as e:
        raise Invalid("\n".join(e.issues), "\n".join(e.issues)) from None


def parse_audit_term(text: str) -> str:
    """The term text (``2026-2``) if well formed; ``Invalid`` otherwise."""
    from junheng.registry.aid import parse_term

    try:
        return str(parse_term(text))
    except ValueError as e:
        raise Invalid(str(e), str(e)) from None


T = TypeVar("T")


def _collect(read: Callable[[], T], issues: list[Any]) -> T | None:
    """``read()``, or None with its issues added to ``issues`` (every file is read, so one run lists all)."""
    try:
        return read()
    except ImportRejected as e:
        issues.extend(e.issues)
        return None


def audit_payments(actor: Actor, files: AidFiles, *, term: str, as_of: dt.date, rules: AidRules,
                   engine: str = "duckdb", threshold: float = 0.9, review_floor: float = 0.5,
                   progress: Progress = silent) -> AidResult:
    """The payment audit of ``term`` (:func:`junheng.registry.aid.audit`) on the files.

    The actor needs ``view_personal`` (the inputs and outputs name children).  Raises ``Invalid`` for a bad
    term, a check date before the term starts or a missing difficulty list, and ``ImportRejected`` listing
    every defect of the files (nothing is audited then).
    """
    from junheng.registry import read_registry
    from junheng.registry.aid import (
        audit,
        parse_term,
        read_aid_roll,
        read_difficulty_lists,
        read_payments,
        read_schools,
    )

    actor.require("view_personal")
    t = parse_term(parse_audit_term(term))
    start = dt.date(t.year, 2 if t.half == 1 else 8, 1)
    if as_of < start:
        raise Invalid(f"核查日期 {as_of} 早于 {t} 学期开始（{start}）",
                      f"the check date {as_of} is before term {t} starts ({start})")
    if not files.difficulty:
        raise Invalid("至少需要一份家庭经济困难学生名单（--difficulty）", "at least one difficulty list is needed")
    progress(0.05, "读取名单 / reading the lists")
    issues: list[Any] = []
    roll = _collect(lambda: read_aid_roll(files.roll), issues)
    attendance = _collect(lambda: read_registry(files.attendance, "attendance"), issues)
    lists = _collect(lambda: read_difficulty_lists(files.difficulty), issues)
    pay = _collect(lambda: read_payments(files.payments, programmes=rules.payment_codes), issues)
    school_file = files.schools
    schools = _collect(lambda: read_schools(school_file), issues) if school_file else None
    if issues or roll is None or attendance is None or lists is None or pay is None:
        raise ImportRejected(issues)
    progress(0.2, f"比对与核查（{engine}）/ linking and auditing")
    result = audit(roll, attendance, lists, pay, term=t, as_of=as_of, rules=rules, schools=schools,
                   engine=engine, threshold=threshold, review_floor=review_floor)
    progress(1.0, "完成 / done")
    return result


def _labelled(result: AidResult, rules: AidRules) -> pd.DataFrame:
    """The valid payments with Chinese stage, sex, boarder and category labels and the school name."""
    cats = {c: k.label for c, k in rules.categories.items()}
    p = result.paid
    return p.assign(
        sex=p["sex"].map(SEX_ZH).fillna(""),
        stage=p["stage"].map(STAGE_ZH).fillna(p["stage"]), boarder=p["boarder"].map({True: "是", False: "否"}),
        categories=p["categories"].map(lambda s: "、".join(cats.get(c, c) for c in str(s).split("|") if c)),
        id_type="居民身份证", grade=p["grade"].astype("string").fillna(""))


def _write_xlsx(df: pd.DataFrame, path: Path, sheet: str, title: str = "") -> None:
    """One sheet; ``title`` (if any) in the first row above the header (a template export has none)."""
    start = 1 if title else 0
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        df.to_excel(xw, sheet_name=sheet, index=False, startrow=start)
        ws = xw.book[sheet]
        if title:
            ws.cell(row=1, column=1, value=title)
        for i, col in enumerate(df.columns, start=1):
            width = max([len(str(col))] + [len(str(v)) for v in df[col].head(200)]) + 2
            ws.column_dimensions[ws.cell(row=start + 1, column=i).column_letter].width = min(width * 1.6, 40)
        neutralise_workbook(xw.book)


def publicity_list(result: AidResult, rules: AidRules) -> pd.DataFrame:
    """The 公示名单: one row per valid payment, name and ID masked (family name; first 6 and last 4 characters)."""
    p = _labelled(result, rules)
    out = pd.DataFrame({
        "序号": range(1, len(p) + 1), "学校": p["school_name"].where(p["school_name"] != "", p["school_code"]),
        "年级": p["grade"], "姓名": p["name"].map(mask_name), "身份证号": p["id_number"].map(mask_id_number),
        "资助项目": p["programme_zh"], "学期": p["term"], "金额（元）": p["amount"],
    })
    return out


def national_export(result: AidResult, rules: AidRules) -> pd.DataFrame:
    """The valid payments in the columns of the national system's template (:data:`NATIONAL_COLUMNS`)."""
    p = _labelled(result, rules)
    return pd.DataFrame({zh: p[col] for zh, col in NATIONAL_COLUMNS.items()})


def write_aid_outputs(result: AidResult, rules: AidRules, out: Path) -> list[Path]:
    """Write :data:`OUTPUTS` to ``out`` (created if needed); returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    frames = {"exceptions.csv": result.exceptions, "unpaid_eligible.csv": result.unpaid,
              "coverage.csv": result.coverage, "entitlement.csv": result.entitlement}
    for name, df in frames.items():
        csv_safe_frame(df).to_csv(out / name, index=False, encoding="utf-8-sig")
    term = str(result.term)
    _write_xlsx(publicity_list(result, rules), out / "公示名单.xlsx", "公示名单",
                f"{term} 学期学生资助公示名单（姓名、身份证号已脱敏）")
    _write_xlsx(national_export(result, rules), out / "学生资助管理信息系统导出.xlsx", "资助发放")
    (out / "summary.json").write_text(json.dumps(result.summary, ensure_ascii=False, indent=2), encoding="utf-8")
    return [out / name for name in OUTPUTS]
