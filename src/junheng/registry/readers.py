"""Person registries (户籍, 学籍, 在校, 脱贫/监测户, 低保/特困, 残联, 留守, 已完成义务教育) read from CSV or Excel.

The column names are fixed (English, so that other systems can feed them; the
Chinese names are accepted too).  Reading is all-or-nothing like the school
census import (:mod:`junheng.io`): every structural defect — a missing or
unknown column, an empty required cell, an unreadable date, sex, village code,
grade or attendance flag, a duplicate key — is collected with file, row,
column, expected and found, and ``ImportRejected`` is raised if there is any.
Identity numbers are the exception: a missing or defective number is normal in
these lists and is recorded in ``id_status`` instead (see
:mod:`junheng.registry.normalise`).

Source of the registries and their comparisons: 教基厅函〔2024〕15号 "四查三比对"
(``shared/reference/standards.md`` §4.10).

The optional ``completed`` list (已完成义务教育) carries evidence from outside the
roll that a child of the out-of-school window has completed compulsory
education: ``completion`` 初中毕业 (``graduated``) or 高中阶段 — 普通高中、中职
(``upper_secondary``) — and ``evidence`` (required: 毕业证书编号, 学籍号 or the
document seen), e.g. the 中职 student list or another county's graduates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from junheng.domain.labels import zh_map
from junheng.io.errors import ImportRejected, ValidationIssue
from junheng.registry.normalise import TEXT, normalise_ids, normalise_names, normalise_sex, parse_dates

PERSON = ("id_number", "name", "sex", "birth_date", "village_code")

COLUMNS: dict[str, tuple[str, ...]] = {
    "population": PERSON,
    "roll": ("student_id", "id_number", "name", "sex", "birth_date", "school_code", "grade", "status"),
    "attendance": ("student_id", "school_code", "present"),
    "poverty": (*PERSON, "category"),
    "dibao": (*PERSON, "category"),
    "disability": (*PERSON, "disability_type", "disability_level"),
    "left_behind": (*PERSON, "category"),
    "completed": (*PERSON, "completion", "school_code", "evidence"),
}
"""The fixed columns of each registry (file ``<kind>.csv``)."""

REQUIRED: dict[str, tuple[str, ...]] = {
    "population": ("name", "village_code"),
    "roll": ("student_id", "name", "school_code"),
    "attendance": ("student_id", "present"),
    "poverty": ("name",),
    "dibao": ("name",),
    "disability": ("name",),
    "left_behind": ("name",),
    "completed": ("name", "completion", "evidence"),
}

KIND_ZH = zh_map("registry_kind")
"""Chinese name of each registry (junheng.domain.labels), also its category label in ``priority.csv``."""

ZH_COLUMNS = {"身份证号": "id_number", "姓名": "name", "性别": "sex", "出生日期": "birth_date",
              "村/社区代码": "village_code", "户籍村代码": "village_code", "学籍号": "student_id",
              "学校标识码": "school_code", "学校代码": "school_code", "年级": "grade", "学籍状态": "status",
              "在校": "present", "是否在校": "present", "类别": "category", "残疾类别": "disability_type",
              "残疾等级": "disability_level", "完成情况": "completion", "证明材料": "evidence"}

ROLL_STATUS = {"在读": "enrolled", "在籍": "enrolled", "enrolled": "enrolled", "": "enrolled",
               "休学": "suspended", "suspended": "suspended", "转出": "transferred", "transferred": "transferred",
               "毕业": "graduated", "graduated": "graduated", "辍学": "dropped", "dropped": "dropped",
               "死亡": "died", "died": "died"}
"""学籍状态: 在读 / 休学 / 转出 / 毕业 / 辍学 / 死亡 (an empty status means 在读)."""

COMPLETION_WORDS = {"graduated": "graduated", "初中毕业": "graduated", "毕业": "graduated",
                    "upper_secondary": "upper_secondary", "高中阶段": "upper_secondary", "高中": "upper_secondary",
                    "普通高中": "upper_secondary", "中职": "upper_secondary", "中等职业学校": "upper_secondary"}
"""完成情况 of the ``completed`` list: 初中毕业 → ``graduated``; 高中阶段 / 普通高中 / 中职 → ``upper_secondary``."""

PRESENT_WORDS = {"1": True, "0": False, "是": True, "否": False, "true": True, "false": False, "在校": True,
                 "不在校": False, "y": True, "n": False}


@dataclass(frozen=True)
class Registry:
    """One person registry after validation and normalisation.

    ``frame`` keeps the source row (``row``, the 1-based line or sheet row) and the
    normalised fields: ``id_raw``, ``id_number`` (valid 18-character or NA),
    ``id_status``, ``name``, ``name_key``, ``name_pinyin``, ``pinyin_initials``,
    ``sex``, ``birth_date`` (ISO text; the ID's date when the ID is valid),
    ``birth_year``, ``id_conflict`` (the given date or sex disagrees with a valid
    ID), ``village_code`` and the registry's own columns.
    """

    kind: str
    frame: pd.DataFrame
    file: str = ""
    sha256: str = ""

    def __len__(self) -> int:
        return len(self.frame)


def read_raw(path: Path, issues: list[ValidationIssue]) -> pd.DataFrame | None:
    """The CSV (UTF-8 or GBK) or Excel list at ``path`` as text cells; a missing, undecodable or unreadable file
    is an issue (E401) and ``None``."""
    if not path.exists():
        issues.append(ValidationIssue("E401", path.name, "", None, "", "存在的文件", "文件不存在"))
        return None
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            for enc in ("utf-8-sig", "gb18030"):
                try:
                    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=enc)
                except UnicodeDecodeError:
                    continue
            issues.append(ValidationIssue("E401", path.name, "", None, "", "UTF-8 或 GBK 编码的 CSV", "无法解码"))
            return None
        if suffix in (".xlsx", ".xlsm"):
            df = pd.read_excel(path, sheet_name=0, dtype=str, engine="openpyxl").fillna("")
            return df
    except Exception as exc:  # pandas/openpyxl raise many types for a damaged file
        issues.append(ValidationIssue("E401", path.name, "", None, "", "CSV 或 Excel 文件", type(exc).__name__,
                                      str(exc)[:200]))
        return None
    issues.append(ValidationIssue("E401", path.name, "", None, "", ".csv 或 .xlsx", suffix or "无扩展名"))
    return None


def read_registry(path: str | Path, kind: str) -> Registry:
    """Read, validate and normalise one registry file of ``kind`` (a key of ``COLUMNS``).

    Raises ``ImportRejected`` with every issue found; nothing is returned then.
    """
    path = Path(path)
    issues: list[ValidationIssue] = []
    raw = read_raw(path, issues)
    if raw is None:
        raise ImportRejected(issues)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    reg = registry_from_frame(raw, kind, file=path.name, issues=issues)
    if issues:
        raise ImportRejected(issues)
    return Registry(kind, reg.frame, path.name, sha)


def fixed_columns(raw: pd.DataFrame, columns: Sequence[str], zh: Mapping[str, str], *, file: str, sheet: str,
                  issues: list[ValidationIssue]) -> pd.DataFrame:
    """The cells of ``raw`` under the list's fixed column names (``columns``, or their Chinese headers ``zh``), as
    stripped text.  A header that is none of them is E404 and a repeated one E405, each appended to ``issues``
    (file, sheet, row 1, the header found, what was expected); those columns are left out."""
    rename: dict[str, str] = {}
    for c in raw.columns:
        name = str(c).strip()
        key = name if name in columns else zh.get(name, "")
        if key not in columns:
            issues.append(ValidationIssue("E404", file, sheet, 1, name, "、".join(columns), name,
                                          f"这一列不是{sheet}的固定列名"))
        elif key in rename.values():
            issues.append(ValidationIssue("E405", file, sheet, 1, name, "每列只出现一次", name))
        else:
            rename[c] = key
    df = raw[list(rename)].rename(columns=rename).astype(TEXT).fillna("")
    return df.apply(lambda s: s.str.strip())


def registry_from_frame(raw: pd.DataFrame, kind: str, *, file: str = "", first_row: int = 2,
                        issues: list[ValidationIssue] | None = None) -> Registry:
    """Validate and normalise a frame of text cells with the registry's columns.

    With ``issues`` given, problems are appended to it; otherwise ``ImportRejected``
    is raised when there are any.
    """
    if kind not in COLUMNS:
        raise KeyError(f"unknown registry {kind!r}; one of {sorted(COLUMNS)}")
    own = issues is None
    found: list[ValidationIssue] = [] if issues is None else issues
    sheet = KIND_ZH[kind]
    cols = COLUMNS[kind]
    df = fixed_columns(raw, cols, ZH_COLUMNS, file=file, sheet=sheet, issues=found)
    for c in REQUIRED[kind]:
        if c not in df.columns:
            found.append(ValidationIssue("E403", file, sheet, 1, c, f"必填列 {c}", "缺少该列"))
    if any(i.code in ("E403", "E404", "E405") for i in found):
        if own:
            raise ImportRejected(found)
        return Registry(kind, pd.DataFrame(), file)
    for c in cols:
        if c not in df.columns:
            df[c] = ""
    df.index = pd.RangeIndex(first_row, first_row + len(df))
    blank_row = (df == "").all(axis=1)
    df = df[~blank_row]

    def add(mask: pd.Series, code: str, column: str, expected: str, message: str = "") -> None:
        for r in df.index[mask.to_numpy(dtype=bool)]:
            val = str(df.at[r, column]) if column in df.columns else ""
            found.append(ValidationIssue(code, file, sheet, int(r), column, expected,
                                         val if len(val) <= 40 else val[:37] + "…", message))

    for c in REQUIRED[kind]:
        add(df[c] == "", "E101", c, f"{c}（必填）")
    out = pd.DataFrame({"row": df.index.to_numpy(dtype=np.int64)}, index=df.index)
    if "id_number" in cols:
        given = parse_dates(df["birth_date"])
        ids = normalise_ids(df["id_number"], birth_hint=given)
        out = out.join(ids)
        names = normalise_names(df["name"])
        out["name"] = df["name"].where(df["name"] != "", pd.NA)
        out = out.join(names)
        sex = normalise_sex(df["sex"])
        add((df["sex"] != "") & sex.isna(), "E106", "sex", "男 或 女")
        add((df["birth_date"] != "") & given.isna(), "E107", "birth_date", "日期，如 2018-09-01")
        no_date = (df["birth_date"] == "") & ids["id_birth_date"].isna()
        add(no_date, "E101", "birth_date", "出生日期（身份证号无效时必填）")
        out["id_conflict"] = (ids["id_birth_date"].notna() & given.notna() & (ids["id_birth_date"] != given)) | (
            ids["id_sex"].notna() & sex.notna() & (ids["id_sex"] != sex))
        out["sex"] = ids["id_sex"].fillna(sex).astype(TEXT)
        out["birth_date"] = ids["id_birth_date"].fillna(given).astype(TEXT)
        out["birth_year"] = out["birth_date"].str[:4]
        out = out.drop(columns=["id_birth_date", "id_sex"])
    if "village_code" in cols:
        v = df["village_code"]
        add((v != "") & ~v.str.fullmatch(r"\d{12}").fillna(False).astype(bool), "E105", "village_code",
            "12 位村/社区代码")
        out["village_code"] = v.where(v != "", pd.NA)
    if kind == "roll":
        out["student_id"] = df["student_id"]
        out["school_code"] = df["school_code"]
        grade = pd.to_numeric(df["grade"], errors="coerce")
        add((df["grade"] != "") & ~grade.between(1, 12), "E104", "grade", "年级 1 至 12")
        out["grade"] = grade.astype("Int64")
        status = df["status"].str.lower().map(ROLL_STATUS)
        add(status.isna(), "E106", "status", "在读、休学、转出、毕业、辍学、死亡")
        out["status"] = status
    if kind == "attendance":
        out["student_id"] = df["student_id"]
        out["school_code"] = df["school_code"].where(df["school_code"] != "", pd.NA)
        present = df["present"].str.lower().map(PRESENT_WORDS)
        add((df["present"] != "") & present.isna(), "E109", "present", "1（在校）或 0（不在校）")
        out["present"] = present.astype("boolean")
    if kind == "completed":
        completion = df["completion"].str.lower().map(COMPLETION_WORDS)
        add((df["completion"] != "") & completion.isna(), "E106", "completion", "初中毕业 或 高中阶段（普通高中、中职）")
        out["completion"] = completion
        out["school_code"] = df["school_code"].where(df["school_code"] != "", pd.NA)
        out["evidence"] = df["evidence"]
    if kind in ("roll", "attendance"):
        dup = (df["student_id"] != "") & df["student_id"].duplicated(keep="first")
        add(dup, "E301", "student_id", "学籍号唯一")
    for extra in ("category", "disability_type", "disability_level"):
        if extra in cols:
            out[extra] = df[extra].where(df[extra] != "", pd.NA)
    if kind == "population":
        dup = out["id_number"].notna() & out["id_number"].duplicated(keep="first")
        add(dup, "E301", "id_number", "身份证号唯一（户籍中每人一条）")
    out = out.reset_index(drop=True)
    if own and found:
        raise ImportRejected(found)
    return Registry(kind, out, file)
