"""Issue 17: every verdict honest — no pass without data, blank ≠ zero, the whole 2012 method, the rule gaps.

Every expected value is worked by hand from the official definition on the hand county of
``tests/assess/data`` (see data/README.md and expected_units.csv) or on ``tests/fixtures.tiny_tables``:

* 教督〔2017〕6号 (standards.md §1): eligibility (基本均衡 ≥ 3 years earlier), 资源配置 §1.1, item 三(4)
  培训经费 ≥ 5 % 公用经费, item 二(11) rotation over every compulsory school;
* 教督〔2012〕3号 (standards.md §2.2, §2.4): composite = mean of the 8 CVs, 表Ⅱ without 教学点 and
  non-county schools, and the four parts (省定 basic standard, CVs, government score ≥ 85, satisfaction ≥ 85 %);
* 普及普惠 2020 (standards.md §3): every 乡镇 has a public kindergarten;
* §2.1 CV = sqrt(Σ (P_i/P)(X_i − X̄)²) / X̄ with X̄ = ΣR/ΣP.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hand_county import hand_tables

from fixtures import S_KG, T1, tiny_tables
from junheng.assess import assess
from junheng.domain.tables import YearTables
from junheng.standards import evidence_from_records, list_packs, load_pack

A, B, C, D, E, F_, G = (f"100000000{i}" for i in range(1, 8))  # 甲 乙 丙 丁 戊教学点 己中学 庚特教


def _with(t: YearTables, **frames: pd.DataFrame) -> YearTables:
    return YearTables(**{**t.frames(), **frames})


def _set(t: YearTables, table: str, mask_fn, **values) -> YearTables:  # type: ignore[no-untyped-def]
    df = getattr(t, table).copy()
    m = mask_fn(df)
    for k, v in values.items():
        if v is None:
            df[k] = df[k].astype(object) if df[k].dtype == bool else df[k]
            df.loc[m, k] = pd.NA
        else:
            df.loc[m, k] = v
    return _with(t, **{table: df})


def _sec(code: str, stage: str = "primary", year: int = 2025):  # type: ignore[no-untyped-def]
    return lambda df: (df["school_code"] == code) & (df["stage"] == stage) & (df["year"] == year)


def _sy(code: str, year: int = 2025):  # type: ignore[no-untyped-def]
    return lambda df: (df["school_code"] == code) & (df["year"] == year)


def _all_packs() -> list[str]:
    p = list_packs()
    return p["standards"] + p["plans"]


# --------------------------------------------------------------------------- 1. no pass without data
@pytest.mark.parametrize("code", _all_packs())
def test_an_empty_registry_never_passes(code: str) -> None:
    a = assess(load_pack(code), YearTables.empty(), year=2025)
    assert a.verdict != "pass"
    assert all(p.verdict != "pass" for p in a.parts), [(p.code, p.verdict) for p in a.parts]


@pytest.mark.parametrize("code", ["yzjh-2017", "jbjh-2012"])
def test_a_county_without_compulsory_pupils_never_passes(code: str) -> None:
    t = tiny_tables()
    sec = t.section_year.copy()
    sec.loc[sec["stage"].isin(["primary", "junior"]), "students"] = 0
    a = assess(load_pack(code), _with(t, section_year=sec), year=2025)
    assert a.verdict != "pass"
    res = a.part("resources")
    assert res.verdict == "incomplete"
    assert any("没有在校生" in r for r in res.reasons)
    assert any("资源配置无法评价" in n for n in a.notes)
    assert a.units.empty and not a.cvs


def test_a_stage_without_units_is_not_passed() -> None:
    """Only a primary school: the 初中 of the pack has no unit, so the CV part cannot pass."""
    t = hand_tables()
    sec = t.section_year[t.section_year["stage"] != "junior"]
    a = assess(load_pack("jbjh-2012"), _with(t, section_year=sec), year=2025)
    assert a.part("resources").verdict == "incomplete"
    assert any("初中没有参评学校" in r for r in a.part("resources").reasons)


# --------------------------------------------------------------------------- 2. undefined CV
def test_an_undefined_2012_cv_makes_the_composite_incomplete() -> None:
    """computers = 0 in every school: X̄ = 0, CV = S / X̄ undefined; the composite is not a mean of 7."""
    t = _set(hand_tables(), "school_year", lambda df: df["year"] == 2025, computers=0)
    a = assess(load_pack("jbjh-2012"), t, year=2025)
    c = a.cv("primary", "computers_per_100")
    assert math.isnan(c.cv) and "均值为 0" in c.note
    for stage in ("primary", "junior"):
        comp = next(x for x in a.composite_cvs if x.stage == stage)
        assert comp.passed is None and comp.n_indicators == 7 and "每百名学生拥有计算机台数" in comp.note
    res = a.part("resources")
    assert res.verdict == "incomplete"
    assert any("计算机" in r and "不作认定" in r for r in res.reasons)
    assert any("综合差异系数不作认定" in r for r in res.reasons)


def test_the_2017_pack_uses_the_same_path() -> None:
    t = _set(hand_tables(), "school_year", lambda df: df["year"] == 2025, multimedia_classrooms=0)
    a = assess(load_pack("yzjh-2017"), t, year=2025)
    c = a.cv("primary", "multimedia_rooms_per_100")
    assert c.passed is None and math.isnan(c.cv)
    assert any("网络多媒体教室" in r and "均值为 0" in r for r in a.part("resources").reasons)


# --------------------------------------------------------------------------- 3. blank ≠ zero
def test_a_blank_teacher_cell_is_not_zero() -> None:
    """乙小学 (200 pupils): PE 1 + music 1 + art 0 = 2 → 1.0 per 100 ≥ 0.9.  With PE blank:

    * as 0 it would read 1 / 200 × 100 = 0.5 < 0.765 (85 % of 0.9): with multimedia already below (2.0 < 2.3)
      that is 2 failures → fail;
    * blank is unknown: 5 met, multimedia above the floor, 1 unknown → could be 6 of 7 → incomplete.
    """
    t = _set(hand_tables(), "section_year", _sec(B), teachers_pe=None)
    a = assess(load_pack("yzjh-2017"), t, year=2025)
    u = a.units.set_index(["unit_code", "stage"]).loc[(B, "primary")]
    assert u["school_verdict"] == "incomplete"
    v = a.values[(a.values["unit_code"] == B) & (a.values["indicator"] == "pe_art_teachers_per_100")].iloc[0]
    assert math.isnan(v["value"]) and v["blank_fields"] == "teachers_pe"
    assert any("乙小学(1000000002)" in n and "体育专任教师 teachers_pe" in n and "不按 0" in n for n in a.notes)
    c = a.cv("primary", "pe_art_teachers_per_100")
    assert c.n_missing == 1 and c.passed is None and "乙小学(1000000002)" in c.note
    assert any("乙小学(1000000002)" in r for r in a.part("resources").reasons)
    # a province that says blank means 0 gets the old reading, still named in the notes
    z = assess(load_pack("yzjh-2017"), t, year=2025,
               overrides=[{"overrides": "yzjh-2017", "parameters": {"missing_values": "zero"}}])
    vz = z.values[(z.values["unit_code"] == B) & (z.values["indicator"] == "pe_art_teachers_per_100")].iloc[0]
    assert vz["value"] == pytest.approx(0.5)
    assert z.units.set_index(["unit_code", "stage"]).loc[(B, "primary"), "school_verdict"] == "fail"
    assert any("按 0 计算" in n and "teachers_pe" in n for n in z.notes)


def test_a_blank_that_the_expression_multiplies_by_zero_does_not_matter() -> None:
    """甲小学 indoor_sports_area blank: 教学及辅助用房 = aux − 0 × indoor is known (2500 / 540 = 4.63, the merged
    unit with 戊教学点); 体育运动场馆 = ground + indoor is unknown."""
    t = _set(hand_tables(), "school_year", _sy(A), indoor_sports_area=None)
    a = assess(load_pack("yzjh-2017"), t, year=2025)
    v = a.values[a.values["unit_code"] == A].set_index("indicator")
    assert v.loc["teaching_area_per_student", "value"] == pytest.approx(2500 / 540)
    assert v.loc["teaching_area_per_student", "blank_fields"] == ""
    assert math.isnan(v.loc["sports_area_per_student", "value"])
    assert v.loc["sports_area_per_student", "blank_fields"] == "indoor_sports_area"
    assert any("室内体育用房面积 indoor_sports_area" in n and "甲小学(1000000001" in n for n in a.notes)


def test_blank_counts_in_county_items_are_named() -> None:
    t = _set(hand_tables(), "section_year", _sec(B), teachers_certified=None)
    it = assess(load_pack("yzjh-2017"), t, year=2025).item("gov_12_certified_teachers")
    assert it.status == "unknown"  # every reported school is at 100 %: 乙小学 could be short
    assert "乙小学(1000000002)" in it.note and "teachers_certified" in it.note


def test_a_school_without_a_section_row_is_named() -> None:
    """丙小学 reported its buildings (school_year) but no section row: named, and 资源配置 cannot pass."""
    t = hand_tables()
    t = _with(t, section_year=t.section_year[~_sec(C)(t.section_year)])
    a = assess(load_pack("yzjh-2017"), t, year=2025)
    assert C not in set(a.units["unit_code"])
    assert any("section_year" in n and "丙小学(1000000003)" in n for n in a.notes)
    assert any("丙小学(1000000003)" in r for r in a.part("resources").reasons)


def test_a_school_without_a_school_year_row_leaves_its_cvs_undecided() -> None:
    """乙小学 without school_year: its 4 shared-resource values are unknown, so those 4 primary CVs are computed on
    3 of 4 units for information only; the 3 teacher CVs are complete."""
    t = hand_tables()
    t = _with(t, school_year=t.school_year[~_sy(B)(t.school_year)])
    a = assess(load_pack("yzjh-2017"), t, year=2025)
    shared = {"teaching_area_per_student", "sports_area_per_student", "equipment_value_per_student",
              "multimedia_rooms_per_100"}
    for c in a.cvs:
        if c.stage == "primary" and c.indicator in shared:
            assert (c.n_missing, c.n_units, c.passed) == (1, 3, None) and "乙小学(1000000002)" in c.note
        elif c.stage == "primary":
            assert c.n_missing == 0 and c.passed is True
    assert a.units.set_index(["unit_code", "stage"]).loc[(B, "primary"), "school_verdict"] == "incomplete"
    assert any("school_year" in n and "乙小学(1000000002)" in n for n in a.notes)


def test_a_merged_teaching_point_without_school_year_is_named_not_zero() -> None:
    """戊教学点 (merged into 甲小学) has no school_year row: 甲's unit resources are unknown, not 甲's alone."""
    t = hand_tables()
    t = _with(t, school_year=t.school_year[~_sy(E)(t.school_year)])
    a = assess(load_pack("yzjh-2017"), t, year=2025)
    v = a.values[a.values["unit_code"] == A].set_index("indicator")
    assert math.isnan(v.loc["equipment_value_per_student", "value"])
    assert v.loc["qualified_teachers_per_100", "value"] == pytest.approx(5.0)  # 27 / 540 × 100
    assert any("school_year" in n and "戊教学点(1000000005)" in n for n in a.notes)


# --------------------------------------------------------------------------- 5. left out without saying so
def test_the_special_school_left_out_is_named() -> None:
    a = assess(load_pack("yzjh-2017"), hand_tables(), year=2025)
    assert any("特殊教育学校" in n and "庚特殊教育学校(1000000007)" in n for n in a.notes)


def test_a_stage_with_one_school_says_its_cv_is_trivially_zero() -> None:
    t = hand_tables()
    keep = lambda df, col: df[df[col] != F_]  # noqa: E731  drop 己中学 altogether
    t = _with(t, school=keep(t.school, "code"), school_year=keep(t.school_year, "school_code"),
              section_year=keep(t.section_year, "school_code"))
    a = assess(load_pack("yzjh-2017"), t, year=2025)
    junior = [c for c in a.cvs if c.stage == "junior"]
    assert junior and all(c.cv == 0 and c.n_units == 1 and "只有 1 所学校" in c.note for c in junior)
    assert any(n.startswith("初中只有 1 所参评学校") and "按定义为 0" in n for n in a.notes)


def test_rotation_counts_the_special_school() -> None:
    """Hand: eligible 10+0+3+2+10+5+10 = 40, rotated 4, backbone 1.  庚特教 adds 10 / 2 / 1:
    6 / 50 = 12 % ≥ 10 %, backbone 2 / 6 = 33 % ≥ 20 %."""
    t = _set(hand_tables(), "section_year", _sec(G), teachers_rotation_eligible=10, teachers_rotated=2,
             backbone_rotated=1)
    it = assess(load_pack("yzjh-2017"), t, year=2025).item("gov_11_rotation")
    assert (it.numerator, it.denominator) == (6, 50) and it.value == pytest.approx(0.12)
    assert it.extra["backbone_share"] == pytest.approx(2 / 6) and it.status == "met"


@pytest.mark.parametrize(("recognised", "status"), [(2021, "met"), (2022, "met"), (2023, "not_met"), (None, "unknown")])
def test_the_basic_balance_precondition(recognised: int | None, status: str) -> None:
    """教督〔2017〕6号: 基本均衡 recognised ≥ 3 years before; 2025 − 2022 = 3 meets it, 2025 − 2023 = 2 does not."""
    ev = evidence_from_records([] if recognised is None else
                               [{"item": "pre_basic_balance", "value": recognised, "document": "国家认定文件"}])
    a = assess(load_pack("yzjh-2017"), hand_tables(), year=2025, evidence=ev)
    it = a.item("pre_basic_balance")
    assert it.status == status
    if recognised is None:
        assert "认定的年份" in it.note and a.part("eligibility").verdict == "incomplete"
    else:
        assert it.value == 2025 - recognised
        assert a.part("eligibility").verdict == ("pass" if status == "met" else "fail")


def test_every_township_needs_a_public_kindergarten() -> None:
    """tiny county: 鸡泽镇 (T1) has no kindergarten, 小寨镇 has 小寨镇中心幼儿园 (public, 180 pupils): 1 of 2."""
    t = tiny_tables()
    a = assess(load_pack("xqph-2020"), t, year=2025)
    it = a.item("township_public_kindergarten")
    assert it.status == "not_met" and (it.numerator, it.denominator) == (1, 2)
    det = a.item_details[a.item_details["item"] == "township_public_kindergarten"]
    assert det["name"].tolist() == ["鸡泽镇"]
    school = t.school.copy()
    school.loc[school["code"] == S_KG, "township_code"] = T1  # the kindergarten moves to 鸡泽镇 …
    assert assess(load_pack("xqph-2020"), _with(t, school=school), year=2025).item(
        "township_public_kindergarten").value == 1  # … so 小寨镇 lacks one
    kg2 = school[school["code"] == S_KG].assign(code="2113043105", name="小寨镇第二幼儿园", township_code=t.school.loc[
        t.school["code"] == S_KG, "township_code"].iloc[0])
    school = pd.concat([school, kg2], ignore_index=True)
    sec = t.section_year
    sec = pd.concat([sec, sec[sec["school_code"] == S_KG].assign(school_code="2113043105")], ignore_index=True)
    t2 = _with(t, school=school, section_year=sec)
    assert assess(load_pack("xqph-2020"), t2, year=2025).item("township_public_kindergarten").status == "met"


# hand: training funds per school against 5 % of public funds (school_year.csv public_funds)
TRAINING = {A: 20_000, E: 3_000, B: 7_000, C: 5_000, D: 35_000, F_: 25_000, G: 2_200}


def _with_training(**changes: float | None) -> YearTables:
    t = hand_tables()
    sy = t.school_year.copy()
    for code, v in {**TRAINING, **changes}.items():
        sy.loc[(sy["school_code"] == code) & (sy["year"] == 2025), "training_funds"] = v
    return _with(t, school_year=sy)


def test_training_budget_is_computed_from_the_registry() -> None:
    """5 % of public funds: 甲 400000 → 20000 (exactly, met), 戊 60000 → 3000, 乙 150000 → 7500 > 7000 (short 500),
    丙 100000 → 5000, 丁 700000 → 35000, 己 500000 → 25000, 庚 44000 → 2200: one school short."""
    a = assess(load_pack("yzjh-2017"), _with_training(), year=2025)
    it = a.item("quality_04_training_budget")
    assert it.status == "not_met" and it.value == 1 and "共 7 所" in it.note
    assert (it.numerator, it.denominator) == (97_200, 1_954_000)  # Σ training, Σ public funds of the 7
    det = a.item_details[a.item_details["item"] == "quality_04_training_budget"].set_index("school_code")
    assert list(det.index) == [B] and det.loc[B, "gap"] == pytest.approx(500)
    ok = assess(load_pack("yzjh-2017"), _with_training(**{B: 7_500}), year=2025).item("quality_04_training_budget")
    assert ok.status == "met"
    blank = assess(load_pack("yzjh-2017"), _with_training(**{B: 7_500, C: None}), year=2025)
    it = blank.item("quality_04_training_budget")
    assert it.status == "unknown" and "丙小学(1000000003)" in it.note
    assert assess(load_pack("yzjh-2017"), hand_tables(), year=2025).item("quality_04_training_budget").status == \
        "unknown"  # the hand county has no training funds at all


# --------------------------------------------------------------------------- 4. the 2012 method's four parts
FOUR_PARTS_EVIDENCE = [
    {"item": "basic_standard_all_schools", "status": "met", "document": "省级督导评估结论"},
    {"item": "government_score", "value": 90, "document": "县级人民政府推进工作评估表"},
    {"item": "public_satisfaction", "value": 0.9, "document": "满意度调查报告"},
]


def test_2012_leaves_out_teaching_points_and_non_county_schools() -> None:
    """表Ⅱ without 小学教学点 and 直属 schools.  Computers per primary pupil (2012 §2.2, hand):

    * 甲 60 / 500, 乙 20 / 200, 丙 10 / 100, 丁 93 × 600/930 = 60 / 600: X̄ = 150 / 1400,
      Σ (P_i/P)(X_i − X̄)² = 0.0000918367…, CV = sqrt(0.008) = 0.0894427 (戊教学点 left out: 甲 has 500, not 540);
    * 乙 listed as not run by the county: X̄ = 130 / 1200, CV = 0.0910166.
    """
    a = assess(load_pack("jbjh-2012"), hand_tables(), year=2025)
    u = a.units.set_index(["unit_code", "stage"])
    assert u.loc[(A, "primary"), "students"] == 500 and E not in set(a.units["unit_code"])
    assert a.cv("primary", "computers_per_100").cv == pytest.approx(math.sqrt(0.008), rel=1e-9)
    assert any("教学点不参加计算" in n and "戊教学点(1000000005)" in n for n in a.notes)
    b = assess(load_pack("jbjh-2012"), hand_tables(), year=2025,
               overrides=[{"overrides": "jbjh-2012", "parameters": {"excluded_schools": [B]}}])
    assert B not in set(b.units["unit_code"])
    assert b.cv("primary", "computers_per_100").cv == pytest.approx(0.0910166, rel=1e-6)
    assert any("非县属学校" in n and "乙小学(1000000002)" in n for n in b.notes)


def test_2012_needs_all_four_parts() -> None:
    pack = load_pack("jbjh-2012")
    assert [p.code for p in pack.parts] == ["basic_standard", "resources", "government", "satisfaction"]
    a = assess(pack, hand_tables(), year=2025)
    assert a.part("resources").verdict == "pass" and a.verdict == "incomplete"  # CVs alone are not a pass
    assert {p.code: p.verdict for p in a.parts if p.code != "resources"} == {
        "basic_standard": "incomplete", "government": "incomplete", "satisfaction": "incomplete"}
    full = assess(pack, hand_tables(), year=2025, evidence=evidence_from_records(FOUR_PARTS_EVIDENCE))
    assert full.verdict == "pass"
    low = [dict(r, value=84) if r["item"] == "government_score" else r for r in FOUR_PARTS_EVIDENCE]
    b = assess(pack, hand_tables(), year=2025, evidence=evidence_from_records(low))
    assert b.part("government").verdict == "fail" and b.verdict == "fail"
    unhappy = [dict(r, value=0.84) if r["item"] == "public_satisfaction" else r for r in FOUR_PARTS_EVIDENCE]
    assert assess(pack, hand_tables(), year=2025, evidence=evidence_from_records(unhappy)).verdict == "fail"


def test_the_demo_county_does_not_pass_2012_on_cvs_alone() -> None:
    from junheng.synth import generate_county

    a = assess(load_pack("jbjh-2012"), generate_county("130431", seed=7, children=False), year=2025)
    assert a.part("resources").verdict == "pass" and a.verdict == "incomplete"


# --------------------------------------------------------------------------- 7. the pre-school share
def _with_preschool_class() -> YearTables:
    t = hand_tables()
    row = {"year": 2025, "school_code": B, "stage": "preschool", "students": 100, "classes": 3, "teachers": 5}
    return _with(t, section_year=pd.concat([t.section_year, pd.DataFrame([row])], ignore_index=True).pipe(
        lambda df: YearTables.from_frames(section_year=df).section_year))


def test_the_preschool_share_under_both_values() -> None:
    """乙小学 gets 100 学前班 pupils.  Weight 0 (default): primary keeps all, values as before → pass (6 of 7).
    Weight 1: primary share 200 / 300; 教学及辅助用房 1000 × 2/3 / 200 = 3.33 (74 % of 4.5), 场馆 5.33, 设备 1400,
    多媒体 1.33 per 100 → 4 below the threshold → fail."""
    t = _with_preschool_class()
    a = assess(load_pack("yzjh-2017"), t, year=2025)
    assert a.units.set_index(["unit_code", "stage"]).loc[(B, "primary"), "school_verdict"] == "pass"
    note = next(n for n in a.notes if "学前班" in n)
    assert "取 0" in note and "取 1" in note and "乙小学(1000000002) 小学 达标→未达标" in note
    b = assess(load_pack("yzjh-2017"), t, year=2025, overrides=[{"overrides": "yzjh-2017", "parameters": {
        "split_weights": {"preschool": 1.0, "primary": 1.0, "junior": 1.1, "senior": 1.32},
        "preschool_weight_alternative": 0.0}}])
    v = b.values[(b.values["unit_code"] == B)].set_index("indicator")
    assert v.loc["teaching_area_per_student", "value"] == pytest.approx(1000 * 2 / 3 / 200)
    assert v.loc["equipment_value_per_student", "value"] == pytest.approx(1400)
    assert b.units.set_index(["unit_code", "stage"]).loc[(B, "primary"), "school_verdict"] == "fail"
    assert any("乙小学(1000000002) 小学 未达标→达标" in n for n in b.notes)


def test_the_preschool_share_note_when_it_changes_nothing() -> None:
    a = assess(load_pack("jbjh-2012"), _with_preschool_class(), year=2025)
    assert any("学前班" in n for n in a.notes)
