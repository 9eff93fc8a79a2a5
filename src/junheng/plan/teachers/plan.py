"""The county's teacher plan for one school year, and its workbook (Chinese sheets) and JSON.

:func:`plan_teachers` chains the steps on ``YearTables`` (pure, no I/O):

1. entitlement and subject demand (:mod:`junheng.plan.teachers.staffing`);
2. redistribution of surplus teachers to shortages (:mod:`.redistribute`);
3. rotation on the tables after the transfers (:mod:`.rotation`);
4. 走教 rounds for what is still uncovered (:mod:`.itinerant`);
5. training completion (:mod:`.training`);
6. the teacher indicators and the urban/rural bachelor ratio before, after the
   transfers and after the rotation (:mod:`.indicators`, through ``junheng.assess``).

The plan is a scenario: ``plan.tables_after`` is what the assessment re-runs on.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from junheng.domain.labels import zh_map
from junheng.domain.tables import YearTables
from junheng.domain.textsafe import neutralise_workbook
from junheng.plan.teachers.indicators import (
    TeacherIndicators,
    bachelor_ratio_limit,
    compare,
    teacher_indicators,
)
from junheng.plan.teachers.itinerant import ItinerantPlan, ItinerantRules, plan_itinerant
from junheng.plan.teachers.moves import apply_moves
from junheng.plan.teachers.redistribute import Redistribution, RedistributionRules, redistribute
from junheng.plan.teachers.rotation import Rotation, RotationInfeasible, RotationRules, plan_rotation
from junheng.plan.teachers.staffing import (
    Curriculum,
    StaffingRules,
    entitlement,
    load_curriculum,
    load_staffing_rules,
)
from junheng.plan.teachers.training import TrainingStatus, training_status


@dataclass(frozen=True)
class TeacherPlan:
    """Everything ``junheng plan teachers`` reports."""

    year: int
    staffing_rules: StaffingRules
    curriculum: Curriculum
    entitlement: pd.DataFrame
    redistribution: Redistribution
    rotation: Rotation | None
    rotation_problem: tuple[str, ...]
    itinerant: ItinerantPlan
    training: TrainingStatus
    before: TeacherIndicators
    after_transfers: TeacherIndicators
    after: TeacherIndicators
    tables_after: YearTables

    def comparison(self) -> pd.DataFrame:
        """Teacher indicators before and after the whole plan (transfers and rotation)."""
        return compare(self.before, self.after)

    def to_dict(self) -> dict[str, Any]:
        ent = self.entitlement
        rot = self.rotation.to_dict() if self.rotation else {"infeasible": True, "reasons": list(self.rotation_problem)}
        return {
            "year": self.year,
            "rules": {"staffing": self.staffing_rules.code, "staffing_source": self.staffing_rules.source,
                      "curriculum": self.curriculum.code, "curriculum_source": self.curriculum.source},
            "entitlement": {"staff_entitled": int(ent["staff_entitled"].sum()), "staff": float(ent["staff"].sum()),
                            "teachers_entitled": int(ent["teachers_entitled"].sum()),
                            "teachers": float(ent["teachers"].sum()),
                            "sections_understaffed": int((ent["teacher_gap"] > 0).sum()),
                            "sections": records(ent)},
            "subject_demand": records(self.redistribution.demand_before),
            "redistribution": {**self.redistribution.to_dict(), "list": records(self.redistribution.moves)},
            "rotation": {**rot, "list": records(self.rotation.moves) if self.rotation else [],
                         "principals_due": records(self.rotation.principals_due) if self.rotation else []},
            "itinerant": {"teachers": self.itinerant.teachers, "seconds": round(self.itinerant.seconds, 3),
                          "rounds": [r.to_dict() for r in self.itinerant.rounds],
                          "unserved": records(self.itinerant.unserved)},
            "training": {**self.training.to_dict(), "overdue_list": records(self.training.overdue_list())},
            "indicators": {"comparison": records(self.comparison()),
                           "bachelor_ratio": {"before": _num(self.before.bachelor_ratio),
                                              "after_transfers": _num(self.after_transfers.bachelor_ratio),
                                              "after": _num(self.after.bachelor_ratio), "limit": bachelor_ratio_limit(),
                                              "basis": self.before.bachelor_basis,
                                              "source": "莱芜政办字〔2023〕12号"}},
        }


def _num(v: Any) -> Any:
    if isinstance(v, float | np.floating):
        return None if math.isnan(float(v)) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    if v is pd.NA or v is None:
        return None
    return v


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``df`` as JSON-ready dicts (numbers as Python numbers, missing as ``None``)."""
    return [{str(k): _num(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def plan_teachers(tables: YearTables, *, year: int, staffing_rules: StaffingRules | None = None,
                  curriculum: Curriculum | None = None, redistribution_rules: RedistributionRules | None = None,
                  rotation_rules: RotationRules | None = None, itinerant_rules: ItinerantRules | None = None,
                  immovable: tuple[str, ...] = ()) -> TeacherPlan:
    """The whole teacher plan for ``year`` (module docstring); rotation problems are reported, not raised."""
    rules = staffing_rules or load_staffing_rules()
    cur = curriculum or load_curriculum()
    ent = entitlement(tables, year=year, rules=rules)
    before = teacher_indicators(tables, year=year)
    red = redistribute(tables, year=year, curriculum=cur, rules=redistribution_rules, immovable=immovable)
    t1 = apply_moves(tables, red.moves, year=year)
    mid = teacher_indicators(t1, year=year)
    rotation: Rotation | None = None
    problem: tuple[str, ...] = ()
    t2 = t1
    try:
        rotation = plan_rotation(t1, year=year, rules=rotation_rules, indicators=mid, curriculum=cur)
        moves = rotation.moves.assign(subject=rotation.moves["subject"].map(cur.subject_key))
        t2 = apply_moves(t1, moves, year=year)
    except RotationInfeasible as exc:
        problem = exc.reasons
    after = teacher_indicators(t2, year=year) if rotation is not None else mid
    itin = plan_itinerant(t1, red.demand_after, rules=itinerant_rules)
    train = training_status(tables, year=year)
    return TeacherPlan(year, rules, cur, ent, red, rotation, problem, itin, train, before, mid, after, t2)


# --------------------------------------------------------------------------- outputs
ZH = {
    "school_code": "学校标识码", "name": "学校名称", "school_type": "办学类型", "stage": "学段", "area": "城乡",
    "township_code": "乡镇代码", "students": "在校生", "classes": "班级数", "boarders": "寄宿生", "ratio": "生师比标准(1:x)",
    "staff_by_ratio": "按生师比教职工", "teachers_by_ratio": "按生师比专任教师", "class_based": "按班师比核定",
    "teachers_by_class": "按班师比教师", "boarding_extra": "寄宿核增", "staff_entitled": "核定教职工编制",
    "teachers_entitled": "核定专任教师", "basis": "核定依据", "staff": "现有教职工", "teachers": "现有专任教师",
    "staff_gap": "教职工缺编(+)/超编(-)", "teacher_gap": "专任教师缺(+)/超(-)",
    "subject": "学科", "subject_name": "学科名称", "periods": "周课时需求", "load": "教师周课时", "needed": "需教师(折合)",
    "required": "需教师(整数)", "have": "现有教师", "surplus": "富余", "shortage": "缺额", "uncovered_periods": "未覆盖周课时",
    "specialist": "专项学科", "source": "数据来源", "teacher_id": "教师编号", "from_school": "调出学校标识码",
    "from_name": "调出学校", "to_school": "调入学校标识码", "to_name": "调入学校", "km": "直线距离(公里)",
    "years_at_school": "本校任教年限", "backbone_level": "骨干级别", "qualified": "高于规定学历", "pe_art": "体育艺术教师",
    "reason": "理由", "round": "走教线路", "base_code": "驻点学校标识码", "base_name": "驻点学校", "day": "星期",
    "school_name": "学校", "travel_min": "往返用时(分钟)", "total": "五年合计学时", "years_on_record": "有记录年数",
    "required_hours": "应完成学时", "shortfall": "差额学时", "status": "状态", "indicator": "指标", "units": "评估单位数",
    "failing_before": "调整前未达标单位", "failing_after": "调整后未达标单位", "gap_before": "调整前缺口(人)",
    "gap_after": "调整后缺口(人)", "cv_before": "调整前差异系数", "cv_after": "调整后差异系数", "cv_limit": "差异系数上限",
    "completed": "已完成", "overdue": "逾期未完成", "completion_rate": "完成率",
}
VALUE_ZH = {code: zh for vocabulary in ("stage", "area", "staffing_basis", "teacher_source", "training_status",
                                        "teacher_indicator") for code, zh in zh_map(vocabulary).items()}
"""Cell values shown in Chinese in the workbook (junheng.domain.labels)."""
SCHOOL_TYPE_ZH = zh_map("school_type")


def _zh(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object:
            names = SCHOOL_TYPE_ZH if c == "school_type" else VALUE_ZH  # 高中 (stage) vs 高级中学 (school type)
            out[c] = out[c].map(lambda v, names=names: names.get(v, v) if isinstance(v, str) else v)
    return out.rename(columns={**ZH, "required": ZH["required"]})


def write_teachers_xlsx(plan: TeacherPlan, path: str | Path) -> Path:
    """The plan as a workbook with Chinese sheet names and headers."""
    path = Path(path)
    d = plan.to_dict()
    red, rot, itin, tr = d["redistribution"], d["rotation"], d["itinerant"], d["training"]
    summary = [
        ("学年", plan.year),
        ("编制标准", f"{plan.staffing_rules.name}（{plan.staffing_rules.source}）"),
        ("课程方案", f"{plan.curriculum.name}（{plan.curriculum.source}）"),
        ("核定教职工编制（小学、初中、高中）", d["entitlement"]["staff_entitled"]),
        ("现有教职工", d["entitlement"]["staff"]),
        ("学科缺额合计（调配前，人）", red["shortage_before"]),
        ("学科缺额合计（调配后，人）", red["shortage_after"]),
        ("调配人数", red["moves"]),
        ("调配直线距离合计（公里）", red["total_km"]),
        ("符合交流条件教师", rot.get("eligible", "")),
        ("交流配额（≥10%）", rot.get("quota", "")),
        ("骨干教师配额（≥交流人数20%）", rot.get("backbone_quota", "")),
        ("本年交流", rot.get("rotated", "")),
        ("其中骨干教师", rot.get("backbone_rotated", "")),
        ("交流不可行原因", "；".join(rot.get("reasons", []))),
        ("走教教师（线路）数", itin["teachers"]),
        ("五年360学时培训完成率", tr["completion_rate"]),
        ("城乡本科及以上学历比例之比（调整前）", d["indicators"]["bachelor_ratio"]["before"]),
        ("城乡本科及以上学历比例之比（调整后）", d["indicators"]["bachelor_ratio"]["after"]),
        ("城乡本科学历比例之比上限", d["indicators"]["bachelor_ratio"]["limit"]),
        ("城乡比较口径", "城区 vs 乡村" if plan.before.bachelor_basis == "urban" else "城镇（城区+镇区） vs 乡村（本县无城区学校）"),
        ("距离口径", "学校坐标间直线距离（WGS-84），非道路距离"),
    ]
    train = plan.training.teachers.rename(columns={"required": "required_hours"})
    sheets: list[tuple[str, pd.DataFrame]] = [
        ("说明", pd.DataFrame(summary, columns=["项目", "数值"])),
        ("编制核定", _zh(plan.entitlement)),
        ("学科需求与缺额", _zh(plan.redistribution.demand_before)),
        ("调配方案", _zh(plan.redistribution.moves)),
        ("交流轮岗", _zh(plan.rotation.moves) if plan.rotation else pd.DataFrame({"不可行原因": list(plan.rotation_problem)})),
        ("须交流校长", _zh(plan.rotation.principals_due) if plan.rotation else pd.DataFrame()),
        ("走教安排", _zh(plan.itinerant.schedule())),
        ("走教未覆盖", _zh(plan.itinerant.unserved)),
        ("培训完成情况", _zh(train)),
        ("培训逾期名单", _zh(plan.training.overdue_list().rename(columns={"required": "required_hours"}))),
        ("指标对比", _zh(plan.comparison())),
    ]
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for name, df in sheets:
            df.to_excel(xw, sheet_name=name, index=False)
            ws = xw.sheets[name]
            for col in ws.columns:
                width = max(len(str(c.value)) if c.value is not None else 0 for c in col[:50])
                ws.column_dimensions[col[0].column_letter].width = min(max(10, width * 1.6), 50)
        neutralise_workbook(xw.book)  # school and teacher names come from users: never a live formula
    return path


def write_teachers_json(plan: TeacherPlan, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(json.dumps(plan.to_dict(), ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    return path
