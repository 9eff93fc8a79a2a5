"""Cross-field rules, duplicates and references.

Runs on the typed sheets after cell conversion.  Every rule here is one a
county statistician applies to the 教育事业统计 census: parts sum to their
totals (grades, classes, degrees, titles), a part never exceeds its whole,
class-size bands are consistent with the pupils counted, a school reports
only the stages its type has, codes refer to units that exist (in the same
import or already in the database) and sit under the right parent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from junheng.domain import fields as F
from junheng.domain.enums import SchoolType, Stage
from junheng.domain.idnumber import CHECK_CHARS, WEIGHTS
from junheng.io.errors import ValidationIssue
from junheng.io.limits import IssueList, stop_here
from junheng.io.reader import ROW, ParsedSheet, share_equal_values

ID_CHUNK = 100_000  # rows whose ID numbers are checked at a time (bounds the string temporaries)


@dataclass
class KnownKeys:
    """What the database already holds, for reference checks."""

    org_units: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # code -> (level, parent)
    org_ur: dict[str, int | None] = field(default_factory=dict)
    schools: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # code -> (type, parent school)
    teachers: set[str] = field(default_factory=set)
    physical: set[tuple[str, int]] = field(default_factory=set)  # (school, year) in school_year


class _Collector:
    def __init__(self, sheet: ParsedSheet, issues: list[ValidationIssue]) -> None:
        self.sheet = sheet
        self.issues = issues

    def add(self, mask: pd.Series | np.ndarray, code: str, column: str, expected: pd.Series | str,
            found: pd.Series | str, message: str = "") -> None:
        df = self.sheet.frame
        mask = pd.Series(np.asarray(mask, dtype=bool), index=df.index)
        if not mask.any() or stop_here(self.issues):
            return
        exp = expected if isinstance(expected, pd.Series) else pd.Series(expected, index=df.index)
        fnd = found if isinstance(found, pd.Series) else pd.Series(found, index=df.index)
        col = self.sheet.column(column) if column in self.sheet.spec.keys else column
        for i in df.index[mask]:
            if stop_here(self.issues):
                break
            self.issues.append(ValidationIssue(code, self.sheet.file, self.sheet.sheet, int(df.at[i, ROW]), col,
                                               _s(exp[i]), _s(fnd[i]), message))


def _s(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _fmt(values: pd.Series) -> pd.Series:
    """Numbers as display text: integral values without '.0', missing as '空'."""
    return values.map(lambda v: "空" if pd.isna(v) else _s(float(v)) if isinstance(v, int | float) else str(v))


def _n(df: pd.DataFrame, key: str) -> pd.Series:
    return df[key].astype("Float64")


def _sum_rule(c: _Collector, total: str, parts: tuple[str, ...], label: str) -> None:
    """Σ parts == total, checked only on rows that give at least one part."""
    df = c.sheet.frame
    given = df[list(parts)].notna().any(axis=1)
    s = df[list(parts)].astype("Float64").fillna(0).sum(axis=1)
    t = _n(df, total)
    bad = given & t.notna() & (s != t).fillna(False)
    c.add(bad, "E201", total, t, s, f"{label}之和应等于{c.sheet.spec.field(total).zh}")


def _le_rule(c: _Collector, part: str, whole: str, message: str = "") -> None:
    df = c.sheet.frame
    p, w = _n(df, part), _n(df, whole)
    bad = (p > w).fillna(False).astype(bool)
    c.add(bad, "E202", part, "不大于 " + _fmt(w), p,
          message or f"{c.sheet.spec.field(part).zh}不能超过{c.sheet.spec.field(whole).zh}")


def _duplicates(c: _Collector) -> None:
    df = c.sheet.frame
    pk = list(c.sheet.spec.primary_key)
    sub = df[pk]
    complete = sub.notna().all(axis=1)
    dup = sub.duplicated(keep="first") & complete
    if not dup.any():
        return
    first_rows = df[complete].drop_duplicates(subset=pk, keep="first").set_index(pk)[ROW]
    key_names = "、".join(c.sheet.spec.field(k).zh for k in pk)
    for i in df.index[dup]:
        if stop_here(c.issues):
            break
        key = tuple(df.at[i, k] for k in pk)
        first = first_rows.loc[key if len(pk) > 1 else key[0]]
        c.issues.append(ValidationIssue(
            "E301", c.sheet.file, c.sheet.sheet, int(df.at[i, ROW]), c.sheet.column(pk[0]),
            f"{key_names}唯一", " / ".join(_s(k) for k in key), f"与第 {int(first)} 行重复"))


def check_org_units(c: _Collector, known: KnownKeys) -> None:
    df = c.sheet.frame
    levels = df["level"]
    codes = dict(known.org_units)
    for code, level, parent in zip(df["code"], df["level"], df["parent_code"], strict=True):
        if isinstance(code, str):
            codes[code] = (level, parent if isinstance(parent, str) else None)
    need_parent = levels.isin(["township", "village", "county"])
    c.add(need_parent & df["parent_code"].isna(), "E101", "parent_code", "上级区划代码（县、乡镇、村必填）", "空")
    parent_known = df["parent_code"].map(lambda p: isinstance(p, str) and p in codes)
    lower = levels.isin(["township", "village"])
    c.add(lower & df["parent_code"].notna() & ~parent_known.astype(bool), "E302", "parent_code",
          "已有或本次导入的区划代码", df["parent_code"])
    expected_parent_level = {"village": "township", "township": "county", "county": "city", "city": "province"}
    prefix = {"village": 9, "township": 6, "county": 4, "city": 2}
    for i in df.index:
        level, code, parent = df.at[i, "level"], df.at[i, "code"], df.at[i, "parent_code"]
        if not (isinstance(level, str) and isinstance(code, str) and isinstance(parent, str)):
            continue
        plevel = codes.get(parent, (None, None))[0]
        want = expected_parent_level.get(level)
        if plevel is not None and want is not None and plevel != want:
            c.add(df.index == i, "E303", "parent_code", f"上级应为{want}级单位", f"{parent}（{plevel}）")
        n = prefix.get(level)
        if n is not None and code[:n] != parent[:n]:
            c.add(df.index == i, "E303", "code", f"前 {n} 位与上级代码 {parent} 相同", code)
    c.add((levels == "village") & df["ur_code"].isna(), "E101", "ur_code", "村/社区的城乡分类代码（必填）", "空")
    from junheng.domain.enums import UR_CODES

    c.add(df["ur_code"].notna() & ~df["ur_code"].isin(list(UR_CODES)).fillna(False).astype(bool), "E106",
          "ur_code", "111、112、121、122、123、210、220 之一", df["ur_code"])
    _coords(c)


def _coords(c: _Collector) -> None:
    df = c.sheet.frame
    c.add(df["lon"].isna() != df["lat"].isna(), "E207", "lon", "经度、纬度同时填写或同时为空",
          df["lon"].astype(str) + " / " + df["lat"].astype(str))


def check_schools(c: _Collector, known: KnownKeys, org_units: dict[str, tuple[str, str | None]],
                  school_types: dict[str, tuple[str, str | None]]) -> None:
    df = c.sheet.frame
    tship = df["township_code"]
    level_of = {k: v[0] for k, v in org_units.items()}
    t_level = tship.map(lambda x: level_of.get(x) if isinstance(x, str) else None)
    c.add(tship.notna() & t_level.isna(), "E302", "township_code", "已有或本次导入的乡镇代码", tship)
    c.add(tship.notna() & t_level.notna() & (t_level != "township"), "E303", "township_code",
          "乡镇级代码", tship.astype(str) + "（" + t_level.astype(str) + "）")
    vil = df["village_code"]
    v_info = vil.map(lambda x: org_units.get(x) if isinstance(x, str) else None)
    c.add(vil.notna() & v_info.isna(), "E302", "village_code", "已有或本次导入的村/社区代码", vil)
    v_parent = v_info.map(lambda t: t[1] if isinstance(t, tuple) else None)
    c.add(vil.notna() & v_info.notna() & (v_parent != tship).fillna(False).astype(bool), "E303", "village_code",
          "所在乡镇下属的村/社区", vil.astype(str) + " 属于 " + v_parent.astype(str))
    is_tp = df["school_type"] == "teaching_point"
    parent = df["parent_school_code"]
    c.add(is_tp & parent.isna(), "E101", "parent_school_code", "教学点须填写所属学校标识码", "空")
    p_type = parent.map(lambda x: school_types.get(x, (None,))[0] if isinstance(x, str) else None)
    c.add(parent.notna() & p_type.isna(), "E302", "parent_school_code", "已有或本次导入的学校标识码", parent)
    c.add(parent.notna() & (p_type == "teaching_point").fillna(False).astype(bool), "E303",
          "parent_school_code", "所属学校不能是教学点", parent)
    c.add((parent == df["code"]).fillna(False).astype(bool), "E303", "parent_school_code", "其他学校", parent)
    c.add(df["inclusive"].notna() & (df["school_type"] != "kindergarten"), "E204", "inclusive",
          "仅幼儿园填写普惠性", df["inclusive"].astype(str))
    ur_from_village = vil.map(lambda x: known.org_ur.get(x) if isinstance(x, str) else None)
    c.add(df["ur_code"].isna() & ur_from_village.isna() & vil.isna(), "E101", "ur_code",
          "城乡分类代码，或填写所在村/社区代码以便推得", "空")
    _coords(c)


def check_school_years(c: _Collector, school_codes: set[str]) -> None:
    df = c.sheet.frame
    sc = df["school_code"]
    c.add(sc.notna() & ~sc.isin(school_codes), "E302", "school_code", "已有或本次导入的学校标识码", sc)
    _le_rule(c, "teaching_aux_area", "building_area", "教学及辅助用房面积不能超过校舍建筑面积")
    _le_rule(c, "indoor_sports_area", "building_area", "室内体育用房面积不能超过校舍建筑面积")
    for rooms, areas in (("music_rooms", "music_room_areas"), ("art_rooms", "art_room_areas")):
        n_listed = df[areas].map(lambda s: len(str(s).split(";")) if isinstance(s, str) else 0)
        n = _n(df, rooms).fillna(0)
        bad = df[areas].notna() & (n_listed != n)
        c.add(bad, "E206", areas, _fmt(n) + " 间的面积", _fmt(n_listed) + " 个面积")
        bad2 = df[areas].isna() & (n > 0)
        c.add(bad2, "E101", areas, "有专用教室时填写各间面积", "空")


def check_sections(c: _Collector, school_types: dict[str, tuple[str, str | None]],
                   physical: set[tuple[str, int]]) -> None:
    df = c.sheet.frame
    sc = df["school_code"]
    stype = sc.map(lambda x: school_types.get(x, (None,))[0] if isinstance(x, str) else None)
    c.add(sc.notna() & stype.isna(), "E302", "school_code", "已有或本次导入的学校标识码", sc)
    allowed = pd.Series([
        (isinstance(t, str) and isinstance(s, str) and Stage(s) in SchoolType(t).stages)
        for t, s in zip(stype, df["stage"], strict=True)], index=df.index)
    c.add(stype.notna() & df["stage"].notna() & ~allowed, "E204", "stage",
          stype.map(lambda t: "、".join(s.label for s in SchoolType(t).stages) if isinstance(t, str) else ""),
          df["stage"].map(lambda s: Stage(s).label if isinstance(s, str) else ""))
    has_phys = pd.Series([
        (s, int(y)) in physical if isinstance(s, str) and pd.notna(y) else True
        for s, y in zip(sc, df["year"], strict=True)], index=df.index)
    c.add(~has_phys & stype.notna(), "E304", "school_code", "“学校年度数据”中有该校该学年的一行",
          sc.astype(str) + " / " + _fmt(df["year"]))
    # grades beyond the stage's length are empty
    n_grades = df["stage"].map(lambda s: Stage(s).grades if isinstance(s, str) else F.MAX_GRADES)
    for g in range(1, F.MAX_GRADES + 1):
        for key in (f"students_g{g}", f"classes_g{g}"):
            beyond = (n_grades < g) & (_n(df, key).fillna(0) > 0)
            c.add(beyond, "E204", key, "该学段没有此年级（应为空或 0）", _n(df, key))
    _sum_rule(c, "students", F.GRADE_STUDENT_KEYS, "各年级在校生")
    _sum_rule(c, "classes", F.GRADE_CLASS_KEYS, "各年级班数")
    _sum_rule(c, "classes", tuple(b[0] for b in F.CLASS_SIZE_BANDS), "各班额段班数")
    _sum_rule(c, "teachers", F.DEGREE_KEYS, "各学历教师")
    _sum_rule(c, "teachers", F.TITLE_KEYS, "各职称教师")
    students, classes = _n(df, "students"), _n(df, "classes")
    c.add(((students > 0) & (classes == 0)).fillna(False).astype(bool), "E203", "classes",
          "有学生时至少 1 个班", classes)
    c.add((classes > students).fillna(False).astype(bool), "E203", "classes", "班数不超过学生数",
          _fmt(classes) + " 个班 / " + _fmt(students) + " 人")
    _class_bands(c)
    for part in ("boarders", "students_disabled", "students_left_behind", "students_migrant"):
        _le_rule(c, part, "students")
    for part in (*F.BACKBONE_KEYS, "teachers_pe", "teachers_music", "teachers_art", "teachers_it",
                 "teachers_certified", "teachers_age_le45", "teachers_training_done"):
        _le_rule(c, part, "teachers")
    backbone = df[list(F.BACKBONE_KEYS)].astype("Float64").fillna(0).sum(axis=1)
    t = _n(df, "teachers")
    c.add((backbone > t).fillna(False).astype(bool), "E202", "backbone_county", "骨干教师合计不超过专任教师数",
          backbone)
    _le_rule(c, "teachers", "staff", "专任教师数不能超过教职工数")
    _le_rule(c, "teachers_rotated", "teachers_rotation_eligible")
    _le_rule(c, "backbone_rotated", "teachers_rotated")
    _le_rule(c, "principals_age_le45", "principals")


def _class_bands(c: _Collector) -> None:
    """Σ lower·n ≤ students ≤ Σ upper·n over the size bands, and the largest class within its band."""
    df = c.sheet.frame
    keys = [b[0] for b in F.CLASS_SIZE_BANDS]
    given = df[keys].notna().any(axis=1)
    counts = df[keys].astype("Float64").fillna(0)
    mx = _n(df, "max_class_size")
    lo = sum(counts[k] * b[2] for k, b in zip(keys, F.CLASS_SIZE_BANDS, strict=True))
    top = mx.fillna(200).clip(lower=66)
    hi = sum(counts[k] * (b[3] if b[3] is not None else top) for k, b in zip(keys, F.CLASS_SIZE_BANDS, strict=True))
    students = _n(df, "students")
    bad = given & students.notna() & ((students < lo) | (students > hi)).fillna(False)
    c.add(bad.astype(bool), "E203", "students", "介于 " + _fmt(lo) + " 与 " + _fmt(hi) + " 之间",
          students, "在校生数与各班额段班数不符")
    # the largest class lies in the highest non-empty band
    highest = pd.Series(-1, index=df.index)
    for j, k in enumerate(keys):
        highest = highest.where(~(counts[k] > 0).fillna(False).astype(bool), j)
    for i in df.index[given & mx.notna() & (highest >= 0)]:
        _key, label, lo_b, hi_b = F.CLASS_SIZE_BANDS[int(highest[i])]
        m = mx[i]
        if not (lo_b <= m and (hi_b is None or m <= hi_b)):
            c.add(df.index == i, "E203", "max_class_size", f"在最高班额段 {label} 之内", m)
    c.add(((students > mx * _n(df, "classes")) & mx.notna()).fillna(False).astype(bool), "E203", "max_class_size",
          "最大班额 × 班数 ≥ 在校生数", mx)


def check_teachers(c: _Collector, school_codes: set[str]) -> None:
    df = c.sheet.frame
    sc = df["school_code"]
    c.add(sc.notna() & ~sc.isin(school_codes), "E302", "school_code", "已有或本次导入的学校标识码", sc)
    _id_numbers(c, required=False)


def check_training(c: _Collector, teacher_ids: set[str]) -> None:
    df = c.sheet.frame
    t = df["teacher_id"]
    c.add(t.notna() & ~t.isin(teacher_ids), "E302", "teacher_id", "已有或本次导入的教师编号", t)


def _id_numbers(c: _Collector, *, required: bool) -> None:
    """GB 11643-1999 check, 15 → 18 upgrade, birth date and sex cross-checked, vectorised, :data:`ID_CHUNK` rows
    at a time (the checks are row by row; the chunks bound the memory of the string temporaries)."""
    df = c.sheet.frame
    if len(df) <= ID_CHUNK:
        _id_numbers_part(c, required=required)
        return
    filled = [k for k in ("id_number", "birth_date", "sex") if k in df.columns]
    for a in range(0, len(df), ID_CHUNK):
        part = c.sheet.frame.iloc[a:a + ID_CHUNK].copy()
        _id_numbers_part(_Collector(ParsedSheet(c.sheet.spec, c.sheet.file, c.sheet.sheet, part, c.sheet.headers),
                                    c.issues), required=required)
        for key in filled:
            df.iloc[a:a + ID_CHUNK, df.columns.get_loc(key)] = part[key].to_numpy()
    for key in filled[1:]:
        df[key] = share_equal_values(df[key])


def _id_numbers_part(c: _Collector, *, required: bool) -> None:
    df = c.sheet.frame
    raw = df["id_number"].astype("string").str.strip().str.upper().str.replace(" ", "", regex=False)
    present = raw.notna() & (raw != "")
    s = raw.fillna("")
    is15 = s.str.fullmatch(r"\d{15}").astype(bool)
    body = s.where(~is15, s.str[:6] + "19" + s.str[6:])
    first17 = body.str[:17]
    shape_ok = (is15 | s.str.fullmatch(r"\d{17}[\dX]").astype(bool)) & present
    digits = np.zeros((len(df), 17), dtype=np.int64)
    if shape_ok.any():
        arr = np.frombuffer(first17[shape_ok].str.cat().encode("ascii"), dtype=np.uint8).reshape(-1, 17) - 48
        digits[shape_ok.to_numpy()] = arr
    checks = np.asarray(list(CHECK_CHARS))[(digits * np.asarray(WEIGHTS)).sum(axis=1) % 11]
    full = first17 + pd.Series(checks, index=df.index)
    check_ok = is15 | (body.str[17:18] == pd.Series(checks, index=df.index))
    births = pd.to_datetime(body.str[6:14].where(shape_ok), format="%Y%m%d", errors="coerce")
    date_ok = births.notna() & (births.dt.year >= 1900)
    reason = pd.Series("", index=df.index, dtype=object)
    reason[present & ~shape_ok] = "18 位（末位可为 X）或 15 位数字"
    reason[present & shape_ok & ~date_ok] = "出生日期有效的身份证号"
    reason[present & shape_ok & date_ok & ~check_ok] = "校验码为 " + pd.Series(checks, index=df.index)
    bad = reason != ""
    c.add(bad, "E108", "id_number", reason, raw.fillna(""), "按 GB 11643-1999 校验")
    if required:
        c.add(~present, "E101", "id_number", "身份证号（必填）", "空")
    good = present & ~bad
    changed = good & (df["id_number"] != full).fillna(True).astype(bool)
    df.loc[changed, "id_number"] = full[changed]
    bdate = births.dt.date
    if "birth_date" in df.columns:
        given = df["birth_date"]
        mismatch = good & given.notna() & (given != bdate)
        c.add(mismatch, "E205", "birth_date", bdate.astype(str), given.astype(str), "出生日期与身份证号不一致")
        fill = good & given.isna()
        df.loc[fill, "birth_date"] = bdate[fill]
    if "sex" in df.columns:
        sex = np.where(pd.to_numeric(body.str[16:17], errors="coerce").fillna(0) % 2 == 1, "male", "female")
        sex_s = pd.Series(sex, index=df.index)
        mismatch = good & df["sex"].notna() & (df["sex"] != sex_s)
        c.add(mismatch, "E205", "sex", sex_s.map({"male": "男", "female": "女"}),
              df["sex"].map({"male": "男", "female": "女"}), "性别与身份证号第 17 位不一致")
        fill = good & df["sex"].isna()
        df.loc[fill, "sex"] = sex_s[fill]


def check_children(c: _Collector, villages: set[str]) -> None:
    _id_numbers(c, required=True)
    df = c.sheet.frame
    for key in ("household_village_code", "residence_village_code"):
        v = df[key]
        c.add(v.notna() & ~v.isin(villages), "E302", key, "已有或本次导入的村/社区代码", v)


def check_village_refs(c: _Collector, villages: set[str]) -> None:
    v = c.sheet.frame["village_code"]
    c.add(v.notna() & ~v.isin(villages), "E302", "village_code", "已有或本次导入的村/社区代码", v)


def validate(sheets: dict[str, ParsedSheet], known: KnownKeys, *,
             max_issues: int | None = None) -> list[ValidationIssue]:
    """All cross-field, duplicate and reference issues of the parsed sheets (cell issues excluded).

    With ``max_issues`` the rules stop once that many are found: the result is an
    :class:`~junheng.io.limits.IssueList` whose ``stopped`` says so.
    """
    issues = IssueList(max_issues)
    col = {k: _Collector(s, issues) for k, s in sheets.items()}
    for c in col.values():
        _duplicates(c)
    org = dict(known.org_units)
    if "org_unit" in sheets:
        df = sheets["org_unit"].frame
        for code, level, parent, ur in zip(df["code"], df["level"], df["parent_code"], df["ur_code"], strict=True):
            if isinstance(code, str):
                org[code] = (level, parent if isinstance(parent, str) else None)
                known.org_ur[code] = None if pd.isna(ur) else int(ur)
        check_org_units(col["org_unit"], known)
    villages = {k for k, v in org.items() if v[0] == "village"}
    stypes = dict(known.schools)
    if "school" in sheets:
        df = sheets["school"].frame
        for code, t, p in zip(df["code"], df["school_type"], df["parent_school_code"], strict=True):
            if isinstance(code, str):
                stypes[code] = (t, p if isinstance(p, str) else None)
        check_schools(col["school"], known, org, stypes)
    schools = set(stypes)
    physical = set(known.physical)
    if "school_year" in sheets:
        df = sheets["school_year"].frame
        replaced = {int(y) for y in df["year"].dropna()}  # these years' facts are replaced by the file's
        physical = {p for p in physical if p[1] not in replaced}
        physical |= {(s, int(y)) for s, y in zip(df["school_code"], df["year"], strict=True)
                     if isinstance(s, str) and pd.notna(y)}
        check_school_years(col["school_year"], schools)
    if "section_year" in sheets:
        check_sections(col["section_year"], stypes, physical)
    teacher_ids = set(known.teachers)
    if "teacher" in sheets:
        teacher_ids |= {t for t in sheets["teacher"].frame["teacher_id"] if isinstance(t, str)}
        check_teachers(col["teacher"], schools)
    if "teacher_training" in sheets:
        check_training(col["teacher_training"], teacher_ids)
    if "child" in sheets:
        check_children(col["child"], villages)
    for key in ("population", "birth"):
        if key in sheets:
            check_village_refs(col[key], villages)
    return issues
