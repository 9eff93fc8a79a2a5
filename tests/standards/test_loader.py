"""junheng.standards: shipped packs load and validate; broken files are reported with file and key."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from junheng.cli import app
from junheng.standards import (
    DEFAULT_PARAMETERS,
    PackError,
    SchoolRule,
    apply_override,
    check_pack_file,
    list_packs,
    load_evidence,
    load_pack,
)
from junheng.standards.schema import ParametersDoc, validate_document

PACKS = Path(__file__).parents[2] / "src" / "junheng" / "standards" / "packs"


def test_shipped_packs_are_listed_and_valid() -> None:
    packs = list_packs()
    assert {"yzjh-2017", "jbjh-2012", "xqph-2020"} <= set(packs["standards"])
    assert {"laiwu-2023", "city-2021"} <= set(packs["plans"]) and "hebei" in packs["overrides"]
    for f in PACKS.rglob("*.toml"):
        assert check_pack_file(f) == [], f


def test_yzjh_content_follows_standards_md() -> None:
    p = load_pack("yzjh-2017")
    assert len(p.indicators) == 7
    assert sum(i.part == "government" for i in p.items) == 15
    assert sum(i.part == "quality" for i in p.items) == 9
    thr = {i.code: (i.threshold.get("primary"), i.threshold.get("junior")) for i in p.indicators}
    assert thr == {
        "qualified_teachers_per_100": (4.2, 5.3), "backbone_teachers_per_100": (1.0, 1.0),
        "pe_art_teachers_per_100": (0.9, 0.9), "teaching_area_per_student": (4.5, 5.8),
        "sports_area_per_student": (7.5, 10.2), "equipment_value_per_student": (2000, 2500),
        "multimedia_rooms_per_100": (2.3, 2.4),
    }
    assert {i.cv_limit.get("primary") for i in p.indicators} == {0.50}
    assert {i.cv_limit.get("junior") for i in p.indicators} == {0.45}
    assert (p.school_rule.min_pass, p.school_rule.floor) == (6, 0.85)  # type: ignore[union-attr]
    assert p.cv_rule is not None and p.cv_rule.mode == "each"
    assert p.parameters["split_weights"]["junior"] == 1.1


def test_override_names_its_pack_and_changes_values(tmp_path: Path) -> None:
    p = load_pack("yzjh-2017", overrides=["hebei"])
    assert p.parameters["teaching_point_min_students"] == 50 and p.overrides == ("hebei",)
    f = tmp_path / "strict.toml"
    f.write_text('overrides = "yzjh-2017"\n[indicator.sports_area_per_student]\nthreshold = { primary = 8.0 }\n'
                 '[parameters]\nno_such = 1\n', encoding="utf-8")
    issues = check_pack_file(f)
    assert [i.key for i in issues] == ["parameters.no_such"] and all(i.file == str(f) for i in issues)
    f.write_text('overrides = "jbjh-2012"\n', encoding="utf-8")
    with pytest.raises(PackError) as exc:
        load_pack("yzjh-2017", overrides=[f])
    assert exc.value.issues[0].key == "overrides"


def test_errors_name_file_and_key_in_chinese(tmp_path: Path) -> None:
    f = tmp_path / "bad.toml"
    f.write_text('''code = "bad"
kind = "compulsory"
name = "坏包"
source = "测试"
colour = "red"
[[part]]
code = "resources"
name = "资源配置"
[[indicator]]
code = "x"
part = "resources"
name = "某指标"
numerator = "teachers + no_such_field"
denominator = "students"
threshold = { middle = 1.0 }
[[item]]
code = "y"
part = "nowhere"
name = "某项"
rule = "magic"
''', encoding="utf-8")
    issues = {i.key: i.message for i in check_pack_file(f)}
    assert "未知的键" in issues["colour"]
    assert "no_such_field" in issues["indicator[0](x).numerator"]
    assert "未知学段" in issues["indicator[0](x).threshold.middle"]
    assert "未声明的部分" in issues["item[0](y).part"]
    assert "未知规则" in issues["item[0](y).rule"]
    f.write_text("code = [", encoding="utf-8")
    assert "TOML" in check_pack_file(f)[0].message


def test_evidence_file(tmp_path: Path) -> None:
    f = tmp_path / "ev.toml"
    f.write_text('[[evidence]]\nitem = "gov_01_layout"\nstatus = "met"\ndocument = "规划批复"\nby = "张三"\n'
                 'date = "2025-09-20"\n', encoding="utf-8")
    ev = load_evidence(f)
    assert ev["gov_01_layout"].document == "规划批复" and ev["gov_01_layout"].by == "张三"
    f.write_text('[[evidence]]\nitem = "x"\nstatus = "maybe"\n', encoding="utf-8")
    with pytest.raises(PackError) as exc:
        load_evidence(f)
    assert exc.value.issues[0].key == "evidence[0].status"


def test_cli_standards_check(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["standards", "check", str(PACKS / "yzjh-2017.toml")])
    assert res.exit_code == 0, res.output
    bad = tmp_path / "bad.toml"
    bad.write_text('code = "b"\nname = "b"\nsource = "s"\nkind = "nope"\n', encoding="utf-8")
    res = runner.invoke(app, ["standards", "check", str(bad)])
    assert res.exit_code == 1
    assert "kind" in res.output and "bad.toml" in res.output


# --------------------------------------------------------------------------- the schema (issue 12)
MINIMAL_PACK = '''code = "mini"
kind = "compulsory"
name = "小包"
source = "测试"
[[part]]
code = "resources"
name = "资源配置"
[[indicator]]
code = "books_per_student"
part = "resources"
name = "生均图书册数"
numerator = "books"
denominator = "students"
threshold = { primary = 30, junior = 40 }
cv_limit = { primary = 0.5, junior = 0.45 }
[school_rule]
min_pass = 1
floor = 0.85
'''


def _override(tmp_path: Path, body: str, name: str = "ov.toml") -> Path:
    f = tmp_path / name
    f.write_text('overrides = "yzjh-2017"\n' + body, encoding="utf-8")
    return f


def test_override_floor_below_zero_is_a_pack_error_naming_file_key_and_expected(tmp_path: Path) -> None:
    f = _override(tmp_path, "[school_rule]\nfloor = -3\n")
    with pytest.raises(PackError) as exc:
        load_pack("yzjh-2017", overrides=[f])
    (issue,) = exc.value.issues
    assert (issue.file, issue.key) == (str(f), "school_rule.floor")
    assert issue.message == "应为 [0, 1] 内的数值 / expected a number in [0, 1], got -3"
    assert check_pack_file(f) == [issue]
    assert f"{f}: school_rule.floor: 应为 [0, 1]" in str(exc.value)


def test_a_word_where_a_number_is_expected_names_the_key(tmp_path: Path) -> None:
    f = _override(tmp_path, '[school_rule]\nmin_pass = "eighty"\n'
                            '[indicator.sports_area_per_student]\nthreshold = { primary = "eighty" }\n')
    with pytest.raises(PackError) as exc:
        load_pack("yzjh-2017", overrides=[f])
    got = {i.key: i.message for i in exc.value.issues}
    assert got == {
        "indicator.sports_area_per_student.threshold.primary": "应为 ≥ 0 的数值 / expected a number ≥ 0, got 'eighty'",
        "school_rule.min_pass": "应为 ≥ 1 的整数 / expected an integer ≥ 1, got 'eighty'",
    }
    pack = tmp_path / "pack.toml"
    pack.write_text(MINIMAL_PACK.replace("floor = 0.85", 'floor = "eighty"'), encoding="utf-8")
    with pytest.raises(PackError) as exc:
        load_pack(pack)
    assert [(i.file, i.key) for i in exc.value.issues] == [(str(pack), "school_rule.floor")]
    assert "'eighty'" in exc.value.issues[0].message


def test_unknown_keys_are_errors_naming_the_key(tmp_path: Path) -> None:
    f = _override(tmp_path, 'colour = "red"\n[school_rule]\nsize = 2\n[indicator.sports_area_per_student]\nweight = 1\n'
                            '[item.no_such_item]\nthreshold = 1\n')
    issues = {i.key: i.message for i in check_pack_file(f)}
    assert set(issues) == {"colour", "school_rule.size", "indicator.sports_area_per_student.weight", "item.no_such_item"}
    assert issues["school_rule.size"] == "未知的键 / unknown key (允许 / allowed: floor, min_pass, source)"
    assert "没有这一项" in issues["item.no_such_item"]
    pack = tmp_path / "pack.toml"
    pack.write_text(MINIMAL_PACK.replace("[school_rule]", "[school_rule]\nceiling = 1"), encoding="utf-8")
    assert [(i.key, i.message.split(" (")[0]) for i in check_pack_file(pack)] == [
        ("school_rule.ceiling", "未知的键 / unknown key")]


def test_an_override_is_validated_again_after_merging(tmp_path: Path) -> None:
    f = _override(tmp_path, '[school_rule]\nmin_pass = 9\n[cv_rule]\nmode = "mean"\n'
                            '[indicator.sports_area_per_student]\nnumerator = "no_such_field"\n')
    issues = {i.key: i.message for i in check_pack_file(f)}
    assert issues == {
        "school_rule.min_pass": "大于指标数 / larger than the number of indicators",
        "cv_rule.limit": "mean 模式需要综合差异系数限值 / mode mean needs a limit",
        "indicator.sports_area_per_student.numerator": "表达式中有未知字段 / unknown names in expression: no_such_field",
    }


def test_override_values_merge_by_stage_and_by_key() -> None:
    base = load_pack("yzjh-2017")
    p = apply_override(base, {"indicator": {"sports_area_per_student": {"threshold": {"primary": 8}}},
                              "item": {"gov_11_rotation": {"params": {"extra": 1}}},
                              "school_rule": {"floor": 0.8, "source": "省细则"}})
    thr = p.indicator("sports_area_per_student").threshold
    assert (thr.get("primary"), thr.get("junior")) == (8.0, 10.2)
    assert dict(p.item("gov_11_rotation").params) == {"backbone_share": 0.20, "extra": 1}
    assert p.school_rule == SchoolRule(6, 0.8, "省细则") and p.overrides == ("override",)
    assert base.school_rule is not None and base.school_rule.floor == 0.85


def test_every_shipped_pack_survives_an_empty_override_unchanged() -> None:
    """The loader rebuilds a pack from its document to merge an override: nothing may be lost on the way."""
    for group in ("standards", "plans"):
        for code in list_packs()[group]:
            pack = load_pack(code)
            assert apply_override(pack, {}) == replace(pack, overrides=("override",)), code


def test_default_parameters_satisfy_their_own_schema() -> None:
    assert validate_document(ParametersDoc, DEFAULT_PARAMETERS) == (ParametersDoc(), [])
    assert DEFAULT_PARAMETERS["base_funding"][1] == {"from": 2016, "region": "east", "primary": 650.0, "junior": 850.0}


def test_cli_check_lists_schema_errors_with_file_and_key(tmp_path: Path) -> None:
    ov = _override(tmp_path, "[school_rule]\nfloor = -3\n", name="floor.toml")
    pack = tmp_path / "eighty.toml"
    pack.write_text(MINIMAL_PACK.replace("threshold = { primary = 30", 'threshold = { primary = "eighty"'),
                    encoding="utf-8")
    res = CliRunner().invoke(app, ["standards", "check", str(ov), str(pack)], env={"COLUMNS": "300"})
    assert res.exit_code == 1
    assert f"{ov}: school_rule.floor: 应为 [0, 1] 内的数值 / expected a number in [0, 1], got -3" in res.output
    assert f"{pack}: indicator[0](books_per_student).threshold.primary: 应为 ≥ 0 的数值" in res.output
    assert "'eighty'" in res.output
