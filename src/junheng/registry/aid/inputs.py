"""The inputs of the aid audit: the roll (with ``boarder`` and ``stage``), the payment list and the school list.

All-or-nothing like :mod:`junheng.registry.readers`: every defect is a
``ValidationIssue`` (file, row, column, expected, found) and ``ImportRejected``
lists them all.  The roll is the children issue's ``roll.csv``; two optional
columns are accepted beside its fixed ones:

* ``boarder`` (寄宿生 / 是否寄宿): 1/0, 是/否, true/false — empty means not a boarder;
* ``stage`` (学段): primary/junior/senior/vocational or 小学/初中/高中/普通高中/中职.

The payment list (``payments.csv``) has the fixed columns :data:`PAYMENT_COLUMNS`;
``id_number``, ``student_id`` and ``paid_on`` cells may be empty, and the
``programme`` must be a payment programme of the rules.  A payment has no birth
date or sex of its own: they come from a valid ID, or — for a mistyped
18-character number — from its date and sex digits when those still form a
date, so the linkage can block on the birth date.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from junheng.io.errors import ImportRejected, ValidationIssue
from junheng.registry.normalise import TEXT, normalise_ids, normalise_names, parse_dates
from junheng.registry.readers import Registry, fixed_columns, read_raw, read_registry, registry_from_frame

PAYMENT_COLUMNS = ("payment_id", "id_number", "name", "student_id", "school_code", "programme", "term", "amount",
                   "paid_on")
"""The fixed columns of ``payments.csv`` (all must be present)."""

PAYMENT_REQUIRED = ("payment_id", "name", "school_code", "programme", "term", "amount")
PAYMENT_ZH = {"发放编号": "payment_id", "身份证号": "id_number", "姓名": "name", "学籍号": "student_id",
              "学校标识码": "school_code", "资助项目": "programme", "学期": "term", "金额": "amount",
              "发放日期": "paid_on"}
PAYMENT_SHEET = "资助发放"

ROLL_EXTRA = {"boarder": "boarder", "寄宿生": "boarder", "是否寄宿": "boarder", "stage": "stage", "学段": "stage"}
BOARDER_WORDS = {"1": True, "0": False, "是": True, "否": False, "true": True, "false": False, "y": True,
                 "n": False, "寄宿": True, "走读": False, "": False}
STAGE_WORDS = {"primary": "primary", "小学": "primary", "junior": "junior", "初中": "junior",
               "senior": "senior", "高中": "senior", "普通高中": "senior", "vocational": "vocational",
               "中职": "vocational", "中等职业": "vocational", "中等职业教育": "vocational", "": ""}
VOCATIONAL_TYPES = {"vocational", "中职", "中等职业学校"}
"""School types (``schools.csv`` ``school_type``) whose grades 10–12 are 中职."""


@dataclass(frozen=True)
class Payments:
    """The payment list after validation: one row per payment, with ``row`` (the file line), the payment's own
    columns, ``amount`` as a number, and the normalised ``id_*`` / ``name_*`` fields of the registries."""

    frame: pd.DataFrame
    file: str = ""
    sha256: str = ""


def _bool_column(values: pd.Series, words: dict[str, bool]) -> pd.Series:
    return values.str.strip().str.lower().map(words)


def read_aid_roll(path: str | Path) -> Registry:
    """The roll (``read_registry(path, "roll")``'s fields) plus ``boarder`` (bool) and ``stage_given`` (text,
    empty when the file has no ``stage`` column).  Raises ``ImportRejected`` listing every issue."""
    path = Path(path)
    issues: list[ValidationIssue] = []
    raw = read_raw(path, issues)
    if raw is None:
        raise ImportRejected(issues)
    extra_cols = {c: ROLL_EXTRA[str(c).strip()] for c in raw.columns if str(c).strip() in ROLL_EXTRA}
    extras = raw[list(extra_cols)].rename(columns=extra_cols).astype(str)
    extras.index = pd.RangeIndex(2, 2 + len(raw))
    reg = registry_from_frame(raw.drop(columns=list(extra_cols)), "roll", file=path.name, issues=issues)
    frame = reg.frame
    if not issues:
        ex = extras.reindex(frame["row"].to_numpy())
        boarder = _bool_column(ex["boarder"], BOARDER_WORDS) if "boarder" in ex else pd.Series(False, index=ex.index)
        stage = ex["stage"].str.strip().str.lower().map(STAGE_WORDS) if "stage" in ex else pd.Series(
            "", index=ex.index)
        for col, values, expected in (("boarder", boarder, "1（寄宿）或 0（走读）"),
                                      ("stage", stage, "小学、初中、高中、中职 或 primary/junior/senior/vocational")):
            for r in values.index[values.isna().to_numpy()]:
                issues.append(ValidationIssue("E106", path.name, "学籍", int(r), col, expected, str(ex.at[r, col])))
        frame = frame.assign(boarder=boarder.fillna(False).astype(bool).to_numpy(),
                             stage_given=stage.fillna("").astype(str).to_numpy())
    if issues:
        raise ImportRejected(issues)
    return Registry("roll", frame, path.name, hashlib.sha256(path.read_bytes()).hexdigest())


def read_difficulty_lists(paths: Sequence[str | Path]) -> list[Registry]:
    """Each difficulty list (shaped like ``poverty.csv``: ``id_number,name,sex,birth_date,village_code,category``)."""
    regs: list[Registry] = []
    issues: list[ValidationIssue] = []
    for p in paths:
        try:
            regs.append(read_registry(p, "poverty"))
        except ImportRejected as exc:
            issues.extend(exc.issues)
    if issues:
        raise ImportRejected(issues)
    return regs


def read_payments(path: str | Path, *, programmes: Sequence[str]) -> Payments:
    """The payment list; ``programmes`` are the payment programme codes of the rules.  ``term`` must be
    ``YYYY-1`` or ``YYYY-2``; ``amount`` a number >= 0; ``payment_id`` unique.  Raises ``ImportRejected``."""
    path = Path(path)
    issues: list[ValidationIssue] = []
    raw = read_raw(path, issues)
    if raw is None:
        raise ImportRejected(issues)
    file, sheet = path.name, PAYMENT_SHEET
    df = fixed_columns(raw, PAYMENT_COLUMNS, PAYMENT_ZH, file=file, sheet=sheet, issues=issues)
    for c in PAYMENT_COLUMNS:
        if c not in df.columns:
            issues.append(ValidationIssue("E403", file, sheet, 1, c, f"列 {c}", "缺少该列"))
    if issues:
        raise ImportRejected(issues)
    df.index = pd.RangeIndex(2, 2 + len(df))
    df = df[~(df == "").all(axis=1)]

    def add(mask: pd.Series, code: str, column: str, expected: str) -> None:
        for r in df.index[mask.fillna(False).to_numpy(dtype=bool)]:
            val = str(df.at[r, column])
            issues.append(ValidationIssue(code, file, sheet, int(r), column, expected,
                                          val if len(val) <= 40 else val[:37] + "…"))

    for c in PAYMENT_REQUIRED:
        add(df[c] == "", "E101", c, f"{c}（必填）")
    add((df["programme"] != "") & ~df["programme"].isin(list(programmes)), "E106", "programme",
        "、".join(programmes))
    add((df["term"] != "") & ~df["term"].str.fullmatch(r"\d{4}-[12]").fillna(False), "E106", "term",
        "学期 YYYY-1（春季）或 YYYY-2（秋季），如 2026-2")
    amount = pd.to_numeric(df["amount"].astype(object), errors="coerce").astype(float)
    add((df["amount"] != "") & ~(amount.fillna(-1.0) >= 0), "E102", "amount", "金额（元，非负数）")
    paid_on = parse_dates(df["paid_on"])
    add((df["paid_on"] != "") & paid_on.isna(), "E107", "paid_on", "日期，如 2026-10-15")
    add((df["payment_id"] != "") & df["payment_id"].duplicated(keep="first"), "E301", "payment_id", "发放编号唯一")
    if issues:
        raise ImportRejected(issues)
    out = pd.DataFrame({"row": df.index.to_numpy(dtype=np.int64)}, index=df.index)
    for c in ("payment_id", "student_id", "school_code", "programme", "term"):
        out[c] = df[c].astype(str)
    out["given_id_number"] = df["id_number"].astype(str)
    out["amount"] = amount.astype(float)
    out["paid_on"] = paid_on.fillna("").astype(str)
    out = out.join(normalise_ids(df["id_number"]))
    out["name"] = df["name"]
    out = out.join(normalise_names(df["name"]))
    # A mistyped number usually keeps its birth date and sex digits: they let the linkage block on the date.
    raw_id = out["id_raw"].astype(TEXT).fillna("")
    long = raw_id.str.fullmatch(r"\d{17}[\dX]").fillna(False).astype(bool)
    hint = pd.to_datetime(raw_id.str[6:14].where(long), format="%Y%m%d", errors="coerce")
    hint = hint.where((hint.dt.year >= 1990) & (hint.dt.year <= 2100))
    hint_sex = np.where(pd.to_numeric(raw_id.str[16:17], errors="coerce").fillna(0).to_numpy() % 2 == 1,
                        "male", "female")
    out["sex"] = out["id_sex"].fillna(pd.Series(hint_sex, index=out.index).where(hint.notna())).astype(TEXT)
    out["birth_date"] = out["id_birth_date"].fillna(hint.dt.strftime("%Y-%m-%d")).astype(TEXT)
    out["birth_year"] = out["birth_date"].str[:4]
    out = out.drop(columns=["id_birth_date", "id_sex"]).reset_index(drop=True)
    return Payments(out, file, hashlib.sha256(path.read_bytes()).hexdigest())


def read_schools(path: str | Path) -> pd.DataFrame:
    """The optional school list: ``school_code`` (required), ``township_code``, ``school_name``, ``school_type``.
    Raises ``ImportRejected`` when ``school_code`` is missing or repeated."""
    path = Path(path)
    issues: list[ValidationIssue] = []
    raw = read_raw(path, issues)
    if raw is None:
        raise ImportRejected(issues)
    zh = {"学校标识码": "school_code", "乡镇代码": "township_code", "学校名称": "school_name", "办学类型": "school_type"}
    df = raw.rename(columns={c: zh.get(str(c).strip(), str(c).strip()) for c in raw.columns}).astype(str)
    if "school_code" not in df.columns:
        raise ImportRejected([ValidationIssue("E403", path.name, "学校", 1, "school_code", "列 school_code",
                                              "缺少该列")])
    for c in ("township_code", "school_name", "school_type"):
        if c not in df.columns:
            df[c] = ""
    df = df[["school_code", "township_code", "school_name", "school_type"]].apply(lambda s: s.str.strip())
    df.index = pd.RangeIndex(2, 2 + len(df))
    for r in df.index[(df["school_code"] == "").to_numpy() | df["school_code"].duplicated().to_numpy()]:
        issues.append(ValidationIssue("E301", path.name, "学校", int(r), "school_code", "学校标识码唯一且必填",
                                      df.at[r, "school_code"]))
    if issues:
        raise ImportRejected(issues)
    return df.reset_index(drop=True)
