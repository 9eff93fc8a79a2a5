"""junheng.standards: shipped packs load and validate; broken files are reported with file and key."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from junheng.cli import app
from junheng.standards import PackError, check_pack_file, list_packs, load_evidence, load_pack

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
