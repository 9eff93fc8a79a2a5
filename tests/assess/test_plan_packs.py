"""Issue 14 item 2: plan packs for the five seed plans, evaluated on a small county worked by hand.

The county (鸡泽县's codes, synthetic figures) has three townships (鸡泽镇, 小寨镇 and 城关街道, a 街道
that is not a 乡镇) and these schools:

========  ==============  ======  ======  ==================================================
code      type            town    area    pupils (this year)
========  ==============  ======  ======  ==================================================
J1        junior, public  T1      urban   600 junior
J2        junior, public  T2      rural   599 junior
N1        nine_year       T2      rural   60 primary + 120 junior
P1        primary         T1      urban   100 primary
P2        primary         T2      rural   101 primary
TP        teaching point  T2      rural   20 primary (parent N1)
SP        special         T1      urban   9 primary, 2 teachers
K1        kindergarten    T1      urban   60, public
K2        kindergarten    T2      rural   40, private 普惠
K3        kindergarten    T2      rural   20, private
========  ==============  ======  ======  ==================================================

Population aged 3–5: 50 in the urban village, 40 + 30 in the two rural villages (120).
Every expected value below is worked out by hand in the comments.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from junheng.assess import assess
from junheng.assess.engine import evaluate_target
from junheng.assess.results import TargetResult
from junheng.assess.units import build_units
from junheng.cli import app
from junheng.domain.tables import YearTables
from junheng.standards import PackError, TargetValue, apply_override, evidence_from_records, load_pack

PLANS = Path(__file__).parents[2] / "src" / "junheng" / "standards" / "packs" / "plans"
NEW_PACKS = ("jize-2016", "xining-2017", "layout-2026", "city-2021", "laiwu-2023")

COUNTY = "130431000000"
T1, T2, T3 = "130431100000", "130431101000", "130431001000"
V1, V3, V4 = "130431100001", "130431101201", "130431101202"  # urban 111, rural 210, rural 220
J1, J2, N1, P1, P2, TP, SP, K1, K2, K3 = (f"21130431{i:02d}" for i in range(1, 11))
BANDS = ("classes_size_le25", "classes_size_26_30", "classes_size_31_35", "classes_size_36_40", "classes_size_41_45",
         "classes_size_46_50", "classes_size_51_55", "classes_size_56_60", "classes_size_61_65", "classes_size_ge66")


def _section(year: int, code: str, stage: str, students: int, classes: int, **kw: float) -> dict[str, object]:
    bands = {b: 0 for b in BANDS}
    bands.update({k: v for k, v in kw.items() if k in BANDS})
    rest = {k: v for k, v in kw.items() if k not in BANDS}
    return dict(year=year, school_code=code, stage=stage, students=students, classes=classes, teachers=classes * 2,
                teachers_bachelor=classes, teachers_postgrad=0, **bands, **rest)


def county(year: int = 2020) -> YearTables:
    org = pd.DataFrame([
        dict(code=COUNTY, parent_code="130400000000", name="鸡泽县", level="county"),
        dict(code=T1, parent_code=COUNTY, name="鸡泽镇", level="township"),
        dict(code=T2, parent_code=COUNTY, name="小寨镇", level="township"),
        dict(code=T3, parent_code=COUNTY, name="城关街道", level="township"),
        dict(code=V1, parent_code=T1, name="东关社区", level="village", ur_code=111),
        dict(code=V3, parent_code=T2, name="小寨村", level="village", ur_code=210),
        dict(code=V4, parent_code=T2, name="南庄村", level="village", ur_code=220),
    ])
    rows = [(J1, "一中", "junior", "public", None, T1, V1), (J2, "二中", "junior", "public", None, T2, V3),
            (N1, "小寨学校", "nine_year", "public", None, T2, V3), (P1, "实验小学", "primary", "public", None, T1, V1),
            (P2, "南庄小学", "primary", "public", None, T2, V4), (TP, "南庄教学点", "teaching_point", "public", None, T2, V4),
            (SP, "特教学校", "special", "public", None, T1, V1), (K1, "县幼儿园", "kindergarten", "public", None, T1, V1),
            (K2, "小寨普惠园", "kindergarten", "private", True, T2, V3),
            (K3, "南庄民办园", "kindergarten", "private", False, T2, V4)]
    school = pd.DataFrame([dict(code=c, name=n, school_type=t, ownership=o, inclusive=i, township_code=tw,
                                village_code=v, parent_school_code=N1 if c == TP else None)
                           for c, n, t, o, i, tw, v in rows])
    y = year
    sec = [
        # junior: 初三 this year 200 + 190 + 38 = 428; J1 has one class of 56–60 pupils
        _section(y, J1, "junior", 600, 12, students_g3=200, classes_size_56_60=1, classes_size_41_45=11),
        _section(y, J2, "junior", 599, 12, students_g3=190, classes_size_41_45=12),
        _section(y, N1, "junior", 120, 3, students_g3=38, classes_size_36_40=3),
        # primary: 六年级 this year 15 + 16 + 18 + 0 = 49
        _section(y, N1, "primary", 60, 6, students_g6=18, classes_size_le25=6),
        _section(y, P1, "primary", 100, 6, students_g6=15, classes_size_le25=6),
        _section(y, P2, "primary", 101, 6, students_g6=16, classes_size_26_30=2, classes_size_31_35=4),
        _section(y, TP, "primary", 20, 2, students_g6=0, classes_size_le25=2),
        _section(y, SP, "primary", 9, 2, students_g6=0, classes_size_le25=2),
        _section(y, K1, "preschool", 60, 3), _section(y, K2, "preschool", 40, 2), _section(y, K3, "preschool", 20, 1),
        # the cohorts' entry years: 初一 two years before (210 + 200 + 40 = 450), 一年级 five years
        # before (16 + 17 + 17 + 0 = 50) and eight years before (150 + 160 + 140 + 0 = 450)
        *[_section(y - 2, c, "junior", 0, 0, students_g1=g) for c, g in ((J1, 210), (J2, 200), (N1, 40))],
        *[_section(y - 5, c, "primary", 0, 0, students_g1=g) for c, g in ((P1, 16), (P2, 17), (N1, 17), (TP, 0))],
        *[_section(y - 8, c, "primary", 0, 0, students_g1=g) for c, g in ((P1, 150), (P2, 160), (N1, 140), (TP, 0))],
    ]
    sec_df = pd.DataFrame(sec)
    sec_df.loc[sec_df["school_code"] == SP, "teachers"] = 2  # 9 pupils / 2 teachers = 4.5
    # 互联网接入带宽: J1 100, J2 8, N1 10 (the boundary: "10M以上" includes 10), P1 blank, P2 20
    sy = pd.DataFrame([dict(year=y, school_code=c, broadband_mbps=b)
                       for c, b in ((J1, 100), (J2, 8), (N1, 10), (P1, None), (P2, 20))])
    pop = pd.DataFrame([dict(village_code=v, year=y, age=a, population=n)
                        for v, per_age in ((V1, (17, 17, 16)), (V3, (14, 13, 13)), (V4, (10, 10, 10)))
                        for a, n in zip((3, 4, 5), per_age, strict=True)]
                       + [dict(village_code=V1, year=y, age=6, population=99)])  # age 6 is not counted
    return YearTables.from_frames(org_unit=org, school=school, section_year=sec_df, school_year=sy, population=pop)


def _with(t: YearTables, **frames: pd.DataFrame) -> YearTables:
    return YearTables.from_frames(**{**t.frames(), **frames})


def _targets(code: str, t: YearTables, year: int, **kw: object) -> dict[str, TargetResult]:
    a = assess(load_pack(code), t, year=year, **kw)  # type: ignore[arg-type]
    return {r.code: r for r in a.targets if r.year == year}


# --------------------------------------------------------------------------- loading
@pytest.mark.parametrize("code", NEW_PACKS)
def test_each_plan_pack_loads_and_passes_standards_check(code: str) -> None:
    pack = load_pack(code)
    assert pack.kind == "plan" and pack.targets and pack.source
    assert all(t.source for t in pack.targets), "every target quotes its seed sentence"
    res = CliRunner().invoke(app, ["standards", "check", str(PLANS / f"{code}.toml")])
    assert res.exit_code == 0, res.output
    assert "通过校验" in res.output


def test_the_packs_carry_their_document_numbers() -> None:
    assert load_pack("xining-2017").source == "宁政办〔2017〕164号"
    assert "邯教〔2016〕119号" in load_pack("jize-2016").source
    layout = load_pack("layout-2026")
    assert {t.code: t.values[0].value for t in layout.targets if t.metric == "count"} == {
        "junior_schools": 16, "nine_year_schools": 2, "primary_schools": 41, "small_junior_schools": 0,
        "small_primary_schools": 0, "townships_without_public_kindergarten": 0}
    assert all(v.year == 2027 for t in layout.targets for v in t.values)


# --------------------------------------------------------------------------- 鸡泽 (001)
def test_jize_retention_by_cohort() -> None:
    got = _targets("jize-2016", county(2020), 2020)
    # 小学: 六年级 2020 (15 + 16 + 18 + 0 = 49) / 一年级 2015 (16 + 17 + 17 + 0 = 50) = 0.98 < 0.99
    p = got["primary_retention"]
    assert (p.numerator, p.denominator) == (49, 50)
    assert p.actual == pytest.approx(0.98) and p.status == "not_met"
    # 初中: 初三 2020 (200 + 190 + 38 = 428) / 初一 2018 (210 + 200 + 40 = 450) = 0.9511 ≥ 0.95
    j = got["junior_retention"]
    assert j.actual == pytest.approx(428 / 450) and j.status == "met"


def test_jize_universal_preschool_is_a_parameter_until_set() -> None:
    t = county(2020)
    pre = _targets("jize-2016", t, 2020)["preschool_gross_enrolment"]
    # 在园 60 + 40 + 20 = 120 / 3–5 周岁 (17+17+16) + (14+13+13) + (10+10+10) = 120 → 1.0, but no target value
    assert pre.actual == pytest.approx(1.0) and pre.status == "unknown"
    assert "目标值待设定" in pre.note and "jize_preschool_gross_2020" in pre.note and pre.parameter
    pack = apply_override(load_pack("jize-2016"), {"overrides": "jize-2016",
                                                   "parameters": {"jize_preschool_gross_2020": 0.85}})
    got = {r.code: r for r in assess(pack, t, year=2020).targets}
    assert got["preschool_gross_enrolment"].target == 0.85 and got["preschool_gross_enrolment"].status == "met"


def test_a_gross_rate_without_population_is_unknown_and_names_the_data() -> None:
    t = county(2020)
    senior = _targets("jize-2016", t, 2020)["senior_gross_enrolment"]  # no 15–17 population, no senior section
    assert senior.actual is None and senior.status == "unknown"
    assert "15—17 周岁人口数" in senior.note
    no_pop = _with(t, population=t.population.iloc[0:0])
    pre = _targets("xining-2017", no_pop, 2020)["preschool_gross_enrolment"]
    assert pre.actual is None and pre.status == "unknown" and "population" in pre.note


def test_a_blank_entry_grade_makes_retention_unknown() -> None:
    t = county(2020)
    sec = t.section_year.copy()
    sec.loc[(sec["year"] == 2015) & (sec["school_code"] == P2), ["students", "students_g1"]] = [30, pd.NA]
    p = _targets("jize-2016", _with(t, section_year=sec), 2020)["primary_retention"]
    assert p.status == "unknown" and "空白单元格" in p.note and "南庄小学" in p.note
    gone = t.section_year[t.section_year["year"] != 2018]  # no 初一 of the entry year at all
    j = _targets("jize-2016", _with(t, section_year=gone), 2020)["junior_retention"]
    assert j.status == "unknown" and "2018 学年" in j.note


# --------------------------------------------------------------------------- 西宁 (004)
def test_xining_targets_on_the_small_county() -> None:
    ev = evidence_from_records([{"item": "disabled_three_category_enrolment", "value": 0.96, "document": "残联数据"}])
    got = _targets("xining-2017", county(2020), 2020, evidence=ev)
    # 毛入园率 120 / 120 = 1.00 < 1.05
    assert got["preschool_gross_enrolment"].actual == pytest.approx(1.0)
    assert got["preschool_gross_enrolment"].status == "not_met"
    # 农村: K2 40 + K3 20 = 60 in rural kindergartens / rural villages (14+13+13) + (10+10+10) = 70 → 0.857 < 0.97
    rural = got["rural_preschool_gross_enrolment"]
    assert (rural.numerator, rural.denominator) == (60, 70) and rural.status == "not_met"
    # 九年巩固率: 初三 2020 428 / 小学一年级 2012 (150 + 160 + 140 + 0 = 450) = 0.951 < 0.99 (2020 value)
    ret = got["compulsory_retention"]
    assert ret.actual == pytest.approx(428 / 450) and ret.target == 0.99 and ret.status == "not_met"
    # 大班额: 1 class of 56–60 / all compulsory classes 12+12+3 + 6+6+6+2+2 = 49 → 0.0204 ≤ 0.05
    big = got["large_class_share"]
    assert (big.numerator, big.denominator) == (1, 49) and big.status == "met"
    # 特教 9 pupils / 2 teachers = 4.5 ≤ 4.5 (boundary)
    sp = got["special_school_pupil_teacher"]
    assert sp.actual == pytest.approx(4.5) and sp.status == "met"
    # the registry lacks the data: evidence, with the data needed in the note
    dis = got["disabled_three_category_enrolment"]
    assert dis.actual == 0.96 and dis.status == "met" and dis.evidence is not None
    assert "junior_progression" not in got  # a 2019 target, not reported in 2020
    for code in ("teacher_network_space", "computer_room_rate",
                 "class_multimedia_rate", "teaching_point_resource_packs", "resource_rooms",
                 "preschool_teacher_training"):
        assert got[code].status == "unknown" and "需报送" in got[code].note, code
    assert ("compulsory_retention", 2019) not in {(r.code, r.year) for r in
                                                  assess(load_pack("xining-2017"), county(2020), year=2020).targets}


def test_xining_bandwidth_share_with_a_blank_school() -> None:
    t = county(2020)
    # schools J1 100, J2 8, N1 10, P1 blank, P2 20: ≥ 10 → J1, N1, P2 = 3 of 5, P1 undetermined:
    # the share lies in [3/5, 4/5] = [0.6, 0.8] — it may or may not reach 0.80, so unknown
    bw = _targets("xining-2017", t, 2020)["broadband_10m_share"]
    assert bw.status == "unknown" and (bw.numerator, bw.denominator) == (3, 5) and "实验小学" in bw.note
    sy = t.school_year.copy()
    sy.loc[sy["school_code"] == P1, "broadband_mbps"] = 50
    bw = _targets("xining-2017", _with(t, school_year=sy), 2020)["broadband_10m_share"]
    assert bw.actual == pytest.approx(4 / 5) and bw.status == "met"  # 0.8 ≥ 0.80
    sy.loc[sy["school_code"] == N1, "broadband_mbps"] = 9.9  # just under 10M: 3 / 5 = 0.6
    bw = _targets("xining-2017", _with(t, school_year=sy), 2020)["broadband_10m_share"]
    assert bw.actual == pytest.approx(0.6) and bw.status == "not_met"


# --------------------------------------------------------------------------- layout plan (003)
def test_layout_counts_from_the_registry() -> None:
    got = _targets("layout-2026", county(2027), 2027)
    assert got["junior_schools"].actual == 2 and got["junior_schools"].status == "not_met"  # J1, J2 ≠ 16
    assert got["nine_year_schools"].actual == 1  # N1
    assert got["primary_schools"].actual == 2  # P1, P2 (not the teaching point, not N1's 小学部)
    # 不足600人: J2 599 counts, J1 600 does not
    small = got["small_junior_schools"]
    assert small.actual == 1 and small.status == "not_met" and "二中" in small.note and "一中" not in small.note
    # 100人以下 includes 100: P1 100 counts, P2 101 does not
    assert got["small_primary_schools"].actual == 1 and "实验小学" in got["small_primary_schools"].note
    # 30人以下的班: P1 6 (≤25) + P2 2 (26–30) = 8 of 12 primary-school classes
    cls = got["small_primary_classes"]
    assert (cls.numerator, cls.denominator) == (8, 12) and cls.status == "not_met"
    # 鸡泽镇 has 县幼儿园 (public); 小寨镇 only private ones; 城关街道 is not a 乡镇 → 1 township lacks one
    kg = got["townships_without_public_kindergarten"]
    assert kg.actual == 1 and kg.status == "not_met" and "小寨镇" in kg.note and "城关街道" not in kg.note


def test_the_600_pupil_boundary_and_a_later_year() -> None:
    t = county(2025)
    sec = t.section_year.copy()
    sec.loc[(sec["school_code"] == J2) & (sec["year"] == 2025), "students"] = 600
    got = _targets("layout-2026", _with(t, section_year=sec), 2025)
    assert got == {}  # 2027 targets are reported under 2027
    res = {r.code: r for r in assess(load_pack("layout-2026"), _with(t, section_year=sec), year=2025).targets}
    # assessed in 2025 against the 2027 values: 0 junior schools under 600 already → "ahead"
    assert res["small_junior_schools"].actual == 0 and res["small_junior_schools"].status == "ahead"
    assert res["junior_schools"].status == "open"


def test_a_blank_enrolment_leaves_a_count_undetermined() -> None:
    t = county(2027)
    sec = t.section_year.copy()
    sec.loc[(sec["school_code"] == J1) & (sec["year"] == 2027), "students"] = pd.NA
    small = _targets("layout-2026", _with(t, section_year=sec), 2027)["small_junior_schools"]
    # J2 599 counts for sure; J1 unknown: the count is 1 or 2 — above 0 either way → not met, at least 1
    assert small.status == "not_met" and small.actual == 1 and "一中" in small.note


# --------------------------------------------------------------------------- the 2021 city plan (000)
def test_city_xx_targets_are_unknown_until_the_city_sets_them() -> None:
    t = county(2021)
    got = _targets("city-2021", t, 2021)
    inc = got["rural_inclusive_rate_2021"]
    # rural kindergartens: K2 40 (普惠) + K3 20 → 普惠 40 / 60; the target is "xx%", not a number
    assert inc.actual == pytest.approx(40 / 60) and inc.status == "unknown" and math.isnan(inc.target)
    assert "目标值待设定" in inc.note and "city2021_rural_inclusive_2021" in inc.note
    pub = got["rural_public_kindergarten_share_2021"]
    assert pub.actual == 0.0 and pub.status == "unknown"  # no public kindergarten in the rural villages
    assert got["urban_rural_support_coverage_2021"].status == "unknown"
    assert got["publicly_funded_trainees"].target == 400  # the stated values stay values
    pack = apply_override(load_pack("city-2021"), {"overrides": "city-2021",
                                                   "parameters": {"city2021_rural_inclusive_2021": 0.6}})
    res = {r.code: r for r in assess(pack, t, year=2021).targets}
    assert res["rural_inclusive_rate_2021"].target == 0.6 and res["rural_inclusive_rate_2021"].status == "met"
    assert res["rural_public_kindergarten_share_2021"].status == "unknown"


def test_city_five_year_targets_compute_the_actual() -> None:
    got = _targets("city-2021", county(2025), 2025)
    # inclusive coverage, all kindergartens: 公办 60 + 普惠 40 = 100 / 120
    assert got["inclusive_coverage_2025"].actual == pytest.approx(100 / 120)
    assert got["township_public_kindergarten_2025"].actual == 1  # 小寨镇


# --------------------------------------------------------------------------- 莱芜 (002): the 城市/农村 fallback
def test_the_urban_rural_ratio_falls_back_to_town_without_an_urban_school() -> None:
    t = county(2020)
    org = t.org_unit.copy()
    org.loc[org["code"] == V1, "ur_code"] = 121  # the county has no 城区: V1 becomes 镇区
    t = _with(t, org_unit=org)
    target = next(x for x in load_pack("laiwu-2023").targets if x.code == "urban_rural_bachelor_ratio")
    target = replace(target, values=(TargetValue(2020, 1.05),))
    units, _ = build_units(t, year=2020, params=load_pack("laiwu-2023").parameters, stages=None, exclude_special=False)
    r = evaluate_target(target, units, year=2020, evidence={})[0]
    # 2 teachers per class, one per class with a bachelor's degree; the special school 2 teachers, both bachelors:
    # town (J1, P1, SP) (12 + 6 + 2) / (24 + 12 + 2) = 20/38; rural (J2, N1 ×2, P2, TP) 29/58 = 0.5
    # → (20/38) / 0.5 = 1.0526 > 1.05
    assert r.actual == pytest.approx(40 / 38) and r.status == "not_met" and "本县没有城区学校" in r.note
    r = evaluate_target(replace(target, numerator_fallback={}), units, year=2020, evidence={})[0]
    assert r.status == "unknown"


# --------------------------------------------------------------------------- the schema
@pytest.mark.parametrize(("target", "message"), [
    ('metric = "evidence"\nop = ">="\nvalues = [{ year = 2021 }]', "value 或 parameter"),
    ('metric = "cohort_retention"\nnumerator = "students_g3"\ndenominator = "students_g1"\nop = ">="\n'
     'values = [{ year = 2021, value = 0.9 }]', "years_back"),
    ('metric = "count"\ncondition = { expr = "pupils", op = "<", value = 600 }\nop = "<="\n'
     'values = [{ year = 2027, value = 0 }]', "pupils"),
    ('metric = "count"\ncount_of = "villages"\nop = "<="\nvalues = [{ year = 2027, value = 0 }]', "count_of"),
    ('metric = "gross_rate"\nnumerator = "students"\nages = [5, 3]\nop = ">="\nvalues = [{ year = 2027, value = 1 }]',
     "年龄下限"),
])
def test_new_target_keys_are_validated(tmp_path: Path, target: str, message: str) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(f'code = "bad"\nkind = "plan"\nname = "x"\nsource = "x"\n[[target]]\ncode = "t"\nname = "t"\n{target}\n',
                 encoding="utf-8")
    with pytest.raises(PackError) as exc:
        load_pack(f)
    assert message in str(exc.value)


def test_an_override_may_set_only_declared_target_parameters() -> None:
    with pytest.raises(PackError, match="没有这个参数"):
        apply_override(load_pack("city-2021"), {"overrides": "city-2021", "parameters": {"city2021_typo": 0.5}})


def test_the_word_report_shows_an_unset_target_as_to_be_set(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A city plan's "xx" target (a parameter not set yet) reads 待设定 in the 自评报告, never ``nan``."""
    from docx import Document

    from fixtures import tiny_tables
    from junheng.assess import assess
    from junheng.report import write_docx
    from junheng.standards import load_pack

    a = assess(load_pack("city-2021"), tiny_tables(), year=2025)
    unset = [t for t in a.targets if t.parameter and t.status == "unknown"]
    assert unset
    path = write_docx(a, tmp_path / "r.docx", county_name="鸡泽县")
    text = "\n".join(c.text for tb in Document(str(path)).tables for row in tb.rows for c in row.cells)
    assert "待设定（规划另行确定）" in text and unset[0].parameter not in text and "nan" not in text
