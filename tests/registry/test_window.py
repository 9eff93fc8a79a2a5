"""The school-age window of the out-of-school ledger and the completed-education exclusion
(issue 17 item 6), on the hand-made registries of tests/registry/data_window (README gives the answers)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from junheng.io.errors import ImportRejected
from junheng.registry import (
    RuleError,
    SchoolAgeRule,
    check,
    in_window,
    load_school_age_rule,
    read_registry,
    registry_from_frame,
)
from junheng.registry.check import REASONS

DATA = Path(__file__).parent / "data_window"
AS_OF = dt.date(2026, 9, 1)


@pytest.fixture(scope="module")
def regs() -> dict:
    return {k: read_registry(DATA / f"{k}.csv", k) for k in ("population", "roll", "attendance", "completed")}


def _run(regs: dict, rule: SchoolAgeRule | None = None):  # type: ignore[no-untyped-def]
    return check(regs["population"], regs["roll"], regs["attendance"], completed=regs["completed"], as_of=AS_OF,
                 rule=rule)


def test_shipped_default_is_6_to_15_with_completion_evidence() -> None:
    rule = load_school_age_rule()
    assert rule == SchoolAgeRule()  # the dataclass defaults mirror rules/schoolage.toml [national]
    assert (rule.min_age, rule.max_age) == (6, 15) and (rule.cutoff_month, rule.cutoff_day) == (8, 31)
    assert rule.completion_evidence == ("graduated", "upper_secondary")
    assert rule.origin == ("全国默认",)


def test_window_counts_age_on_the_cutoff_day() -> None:
    births = pd.Series(["2020-08-31", "2020-09-01", "2011-08-31", "2010-09-01", "2010-08-31", None])
    # ages on 2026-08-31: 6, 5, 15, 15 (16 the next day), 16, unknown
    assert list(in_window(births, AS_OF)) == [True, False, True, True, False, False]
    assert list(in_window(births, AS_OF, SchoolAgeRule(max_age=14))) == [True, False, False, False, False, False]


def test_never_enrolled_15_year_old_listed_completed_ones_not(regs: dict) -> None:
    res = _run(regs)
    oos = res.out_of_school.set_index("name")["reason"]
    # 李明远 (15, never enrolled) and 韩梦 (15 on the cut-off) are listed; 高婷's only record is 小学毕业.
    assert list(oos.index) == ["李明远", "高婷", "韩梦"]
    assert oos["李明远"] == oos["韩梦"] == REASONS["none"]
    assert oos["高婷"] == REASONS["graduated"]
    # 何雨桐 (grade 9 毕业), 马俊杰 (grade 10), 罗浩然 (中职, list), 宋佳怡 (初中毕业, list, no ID): excluded.
    assert not {"何雨桐", "马俊杰", "罗浩然", "宋佳怡", "田宇", "曹阳"} & set(oos.index)
    # 马俊杰's upper-secondary 学籍 is absent today but is no compulsory-education dropout; 曹阳 (grade 8) is.
    assert list(res.suspected_dropouts["student_id"]) == ["G2004"]
    s = res.summary
    assert s["school_age"] == 8  # every row but 田宇 (16)
    assert s["completed"] == {"graduated": 2, "upper_secondary": 2, "children": 4}
    assert s["completed_links"] == 2  # 罗浩然 exact ID, 宋佳怡 probabilistic
    assert s["school_age_rule"]["window"] == [6, 15]


def test_province_overrides_window_and_evidence(regs: dict, tmp_path: Path) -> None:
    # A province keeping the old window 6 … 14: all these children (15 and 16) fall outside it.
    narrow = load_school_age_rule("130431", [{"name": "某省", "max_age": 14}])
    assert narrow.origin == ("全国默认", "某省")
    res = _run(regs, narrow)
    assert res.out_of_school.empty and res.summary["school_age"] == 0
    assert list(res.suspected_dropouts["student_id"]) == ["G2004"]  # the dropout ledger has no age window
    # A province accepting only graduation records: 罗浩然 (中职 list) is listed, 马俊杰's absence from
    # grade 10 is a suspected dropout; graduates still excluded.
    f = tmp_path / "province.toml"
    f.write_text('name = "只认毕业"\ncompletion_evidence = ["graduated"]\n', encoding="utf-8")
    res = _run(regs, load_school_age_rule(overrides=[f]))
    assert list(res.out_of_school["name"]) == ["李明远", "高婷", "罗浩然", "韩梦"]
    assert list(res.suspected_dropouts["student_id"]) == ["G2002", "G2004"]
    assert res.summary["completed"] == {"graduated": 2, "upper_secondary": 0, "children": 2}


def test_provincial_table_in_the_rules_file(tmp_path: Path) -> None:
    f = tmp_path / "schoolage.toml"
    f.write_text('[national]\nname = "全国"\n\n[provinces."13"]\nname = "河北（示例）"\ncutoff = "12-31"\n'
                 'max_age = 16\n', encoding="utf-8")
    hebei = load_school_age_rule("130431", rules_file=f)
    assert (hebei.cutoff_month, hebei.cutoff_day, hebei.max_age) == (12, 31, 16)
    assert hebei.origin == ("全国", "河北（示例）")
    assert load_school_age_rule("32", rules_file=f).max_age == 15  # no table for 江苏: national default


def test_invalid_rule_lists_every_problem() -> None:
    with pytest.raises(RuleError) as exc:
        load_school_age_rule(overrides=[{"name": "坏", "max_age": "15", "cutoff": "08-32", "colour": 1,
                                         "completion_evidence": ["diploma"]}])
    text = "\n".join(exc.value.issues)
    assert len(exc.value.issues) == 4
    for key in ("max_age", "cutoff", "colour", "completion_evidence"):
        assert f"坏: {key}:" in text
    with pytest.raises(RuleError):
        load_school_age_rule(overrides=[{"min_age": 16}])  # min_age > max_age


def test_completed_list_errors_name_row_column_expected_found() -> None:
    raw = pd.DataFrame({"id_number": ["", "130431201102021053"], "name": ["宋佳怡", "罗浩然"],
                        "birth_date": ["2011-04-04", ""], "completion": ["留学", "中职"], "evidence": ["证书", ""]})
    with pytest.raises(ImportRejected) as exc:
        registry_from_frame(raw, "completed", file="completed.csv")
    got = {(i.file, i.row, i.column, i.found) for i in exc.value.issues}
    assert got == {("completed.csv", 2, "completion", "留学"), ("completed.csv", 3, "evidence", "")}
    ok = registry_from_frame(raw.assign(completion=["初中毕业", "中职"], evidence=["证书", "学籍号"]), "completed")
    assert list(ok.frame["completion"]) == ["graduated", "upper_secondary"]
