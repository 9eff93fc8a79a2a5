"""Case programmes for children — 控辍保学 一人一案 first: programme files, the state machine, 四个一 reports.

A programme (:mod:`junheng.care.programme`, ``programmes/<code>.toml``) declares
its states, actions, fields, roles and deadlines; the workflow
(:mod:`junheng.care.workflow`) interprets it.  This package is pure: the case
store is :mod:`junheng.store.cases`, roles, scope, masking and audit are
:mod:`junheng.services.care`.
"""

from junheng.care.programme import (
    KONGCHUO,
    Action,
    ActionField,
    Choice,
    Deadline,
    Label,
    Programme,
    ProgrammeError,
    State,
    load_programme,
    shipped_programme,
)
from junheng.care.reports import case_report, period_of_month, period_of_quarter, write_report
from junheng.care.workflow import (
    PLACEMENTS,
    RESPONSIBLE_ROLES,
    STATE_LABELS,
    Case,
    CaseRules,
    CaseState,
    Event,
    IllegalTransition,
    add_months,
    apply,
    open_case,
    replay,
)

__all__ = [
    "KONGCHUO",
    "PLACEMENTS",
    "RESPONSIBLE_ROLES",
    "STATE_LABELS",
    "Action",
    "ActionField",
    "Case",
    "CaseRules",
    "CaseState",
    "Choice",
    "Deadline",
    "Event",
    "IllegalTransition",
    "Label",
    "Programme",
    "ProgrammeError",
    "State",
    "add_months",
    "apply",
    "case_report",
    "load_programme",
    "open_case",
    "period_of_month",
    "period_of_quarter",
    "replay",
    "shipped_programme",
    "write_report",
]
