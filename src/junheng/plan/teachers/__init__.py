"""Teachers: redistribution (县管校聘), rotation (交流轮岗), itinerant teaching (走教), training, the plan.

Entitlement and subject demand live in :mod:`junheng.plan.teachers.staffing`; see
``docs/dev/teachers.md`` for the models and ``docs/zh/teachers.md`` for users.
"""

from junheng.plan.teachers.indicators import TeacherIndicators, bachelor_rates, compare, teacher_indicators
from junheng.plan.teachers.itinerant import (
    ItinerantPlan,
    ItinerantRound,
    ItinerantRules,
    Visit,
    plan_itinerant,
)
from junheng.plan.teachers.moves import apply_moves, haversine_km
from junheng.plan.teachers.plan import TeacherPlan, plan_teachers, write_teachers_json, write_teachers_xlsx
from junheng.plan.teachers.redistribute import Redistribution, RedistributionRules, redistribute
from junheng.plan.teachers.rotation import (
    Rotation,
    RotationInfeasible,
    RotationRules,
    eligible_teachers,
    plan_rotation,
    quotas,
)
from junheng.plan.teachers.training import TrainingStatus, training_status

__all__ = [
    "ItinerantPlan",
    "ItinerantRound",
    "ItinerantRules",
    "Redistribution",
    "RedistributionRules",
    "Rotation",
    "RotationInfeasible",
    "RotationRules",
    "TeacherIndicators",
    "TeacherPlan",
    "TrainingStatus",
    "Visit",
    "apply_moves",
    "bachelor_rates",
    "compare",
    "eligible_teachers",
    "haversine_km",
    "plan_itinerant",
    "plan_rotation",
    "plan_teachers",
    "quotas",
    "redistribute",
    "teacher_indicators",
    "training_status",
    "write_teachers_json",
    "write_teachers_xlsx",
]
