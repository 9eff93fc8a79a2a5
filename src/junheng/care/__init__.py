"""Case programmes for children: 控辍保学 一人一案 (state machine, store-backed service, 四个一 reports).

The workflow is pure (:mod:`junheng.care.workflow`); :class:`CaseService` keeps
cases in the store with an append-only history and optimistic locking.
"""

from junheng.care.reports import case_report, period_of_month, period_of_quarter, write_report
from junheng.care.service import CaseRecord, CaseService, ConcurrentEdit
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
    "PLACEMENTS",
    "RESPONSIBLE_ROLES",
    "STATE_LABELS",
    "Case",
    "CaseRecord",
    "CaseRules",
    "CaseService",
    "CaseState",
    "ConcurrentEdit",
    "Event",
    "IllegalTransition",
    "add_months",
    "apply",
    "case_report",
    "open_case",
    "period_of_month",
    "period_of_quarter",
    "replay",
    "write_report",
]
