"""The label catalogue (junheng.domain.labels): every code in use has a Chinese and an English label."""

from __future__ import annotations

from collections.abc import Iterable
from typing import get_args

import pytest

from junheng.domain import enums as E
from junheng.domain import fields as F
from junheng.domain.labels import VOCABULARIES, english_by_chinese, label, zh_map

ENUM_VOCABULARIES = {"org_level": E.OrgLevel, "stage": E.Stage, "school_type": E.SchoolType,
                     "ownership": E.Ownership, "area": E.AreaCategory, "sex": E.Sex, "coord_system": E.CoordSystem}


def test_every_code_has_zh_and_en() -> None:
    empty = [f"{v.key}.{c}" for v in VOCABULARIES.values() for c, lab in v.labels.items()
             if not lab.zh.strip() or not lab.en.strip()]
    assert not empty
    assert all(v.source for v in VOCABULARIES.values())
    # a Chinese label is never the raw code
    assert not [f"{v.key}.{c}" for v in VOCABULARIES.values() for c, lab in v.labels.items() if lab.zh == c]


@pytest.mark.parametrize("key", sorted(ENUM_VOCABULARIES))
def test_enum_vocabularies_read_the_enum_labels(key: str) -> None:
    cls = ENUM_VOCABULARIES[key]
    v = VOCABULARIES[key]
    assert v.codes == tuple(m.value for m in cls)
    assert zh_map(key) == {m.value: m.label for m in cls}


def test_known_labels() -> None:
    assert label("stage", "junior") == "初中"
    assert label("stage", "junior", "en") == "Junior secondary"
    assert label("school_type", "nine_year") == "九年一贯制"
    assert label("area", "rural", "en") == "Rural"
    assert label("decision", "merge", "en") == "Merge"
    assert label("decision", "keep_small") == "保留（小规模）"
    assert label("births_variant", "central") == "中方案"
    assert label("job_status", "failed") == "失败"
    assert label("verdict", "incomplete") == "待认定"
    assert label("indicator_status", "not_met") == "未达到"
    assert label("role", "planner") == "规划/督导人员"
    assert label("registry_kind", "poverty") == "脱贫户/监测户"
    assert label("field_kind", "bool") == "是/否"
    assert label("subject", "pe") == "体育"
    assert label("training_status", "in_cycle", "en") == "In cycle"


def test_unknown_code_comes_back_unchanged_and_misuse_raises() -> None:
    assert label("stage", "tertiary") == "tertiary"
    with pytest.raises(KeyError):
        label("no_such_vocabulary", "x")
    with pytest.raises(ValueError):
        label("stage", "junior", "fr")


def test_codes_the_engines_emit_are_labelled() -> None:
    from junheng.assess.results import FAIL, INCOMPLETE, PASS
    from junheng.plan.projection import BIRTH_VARIANTS
    from junheng.plan.teachers.indicators import TEACHER_INDICATORS
    from junheng.plan.teachers.staffing import SPECIALIST_SECTION_KEYS
    from junheng.registry.readers import COLUMNS
    from junheng.services.authz import PERMISSIONS
    from junheng.services.jobs import DONE, FAILED, QUEUED, RUNNING

    def missing(key: str, codes: Iterable[str]) -> list[str]:
        return [c for c in codes if c not in VOCABULARIES[key].labels]

    assert not missing("decision", ("keep", "expand", "merge", "close", "build", "keep_small"))  # plan.explain
    assert not missing("job_status", (QUEUED, RUNNING, DONE, FAILED))
    assert not missing("verdict", (PASS, FAIL, INCOMPLETE))
    assert not missing("indicator_status", ("met", "not_met", "unknown", "not_applicable", "ahead", "open"))
    assert not missing("births_variant", BIRTH_VARIANTS)
    assert not missing("registry_kind", COLUMNS)
    assert not missing("role", {r for roles in PERMISSIONS.values() for r in roles})
    assert not missing("field_kind", get_args(F.Kind))
    assert not missing("field_kind", {f.kind for s in F.SHEETS for f in s.fields})
    assert not missing("subject", SPECIALIST_SECTION_KEYS)
    assert not missing("teacher_indicator", TEACHER_INDICATORS)
    assert not missing("indicator_teachers", TEACHER_INDICATORS)
    assert not missing("training_status", ("completed", "overdue", "in_cycle"))
    assert not missing("staffing_basis", ("ratio", "class"))


def test_labels_agree_with_their_official_sources() -> None:
    from junheng.plan.teachers.staffing import load_curriculum
    from junheng.standards import load_pack

    cur = load_curriculum()
    for code, lab in VOCABULARIES["subject"].labels.items():
        sub = cur.subject(code)
        assert lab.zh in (sub.name, *sub.aliases), code
    pack = {i.code: i for i in load_pack("yzjh-2017").indicators}
    for code, lab in VOCABULARIES["teacher_indicator"].labels.items():
        assert (lab.zh, lab.en) == (pack[code].name, pack[code].name_en)


def test_module_constants_are_views_of_the_catalogue() -> None:
    from junheng.assess import results
    from junheng.plan.explain import STAGE_CN
    from junheng.registry.readers import KIND_ZH
    from junheng.services.authz import ROLES
    from junheng.services.jobs import STATUS_ZH

    assert results.STAGE_ZH == STAGE_CN == zh_map("stage")
    assert results.VERDICT_ZH == {"pass": "达标", "fail": "未达标", "incomplete": "待认定"}
    statuses = zh_map("indicator_status")
    assert statuses == results.STATUS_ZH
    assert STATUS_ZH == {"queued": "排队中", "running": "运行中", "done": "已完成", "failed": "失败"}
    kinds = zh_map("registry_kind")
    assert kinds == KIND_ZH
    assert ROLES["viewer"] == ("只读", "Read-only")


def test_web_english_comes_from_the_catalogue() -> None:
    from junheng.web.i18n import EN, UI_EN, translator

    catalogue = english_by_chinese()  # raises if one Chinese label had two English labels
    assert catalogue["撤并"] == "Merge" and catalogue["初中"] == "Junior secondary"
    assert not set(UI_EN) & set(catalogue), "a code label is repeated in web/i18n.py"
    assert all(EN[zh] == en for zh, en in catalogue.items())
    t = translator("en")
    assert t("撤并") == "Merge" and t("学校") == "Schools" and t("未登记的文字") == "未登记的文字"
    assert translator("zh")("撤并") == "撤并"
