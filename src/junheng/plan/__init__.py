"""School-layout planning: the facility-location solver core and instance readers."""

from junheng.plan.facility import (
    CapacitatedFacilityLocation,
    FacilityModel,
    FacilityProblem,
    FacilityResult,
    InfeasibleModelError,
    PMedian,
    SingleSourceCFL,
    SolveStatus,
    UncapacitatedFacilityLocation,
    solve_problem,
)

__all__ = [
    "CapacitatedFacilityLocation",
    "FacilityModel",
    "FacilityProblem",
    "FacilityResult",
    "InfeasibleModelError",
    "PMedian",
    "SingleSourceCFL",
    "SolveStatus",
    "UncapacitatedFacilityLocation",
    "solve_problem",
]

# Teachers: staffing entitlement, subject demand, redistribution, rotation, 走教, training (docs/dev/teachers.md).
from junheng.plan.teachers import (
    TeacherPlan,
    plan_itinerant,
    plan_rotation,
    plan_teachers,
    redistribute,
    training_status,
)
from junheng.plan.teachers.staffing import (
    Curriculum,
    StaffingRules,
    entitlement,
    load_curriculum,
    load_staffing_rules,
    subject_demand,
)

__all__ += ["Curriculum", "StaffingRules", "TeacherPlan", "entitlement", "load_curriculum", "load_staffing_rules",
            "plan_itinerant", "plan_rotation", "plan_teachers", "redistribute", "subject_demand", "training_status"]

# Layout: enrolment projection, the layout model, scenarios (docs/dev/layout.md).
from junheng.plan.layout import (  # noqa: E402
    LayoutInfeasibleError,
    LayoutResult,
    LayoutRules,
    SchoolLayout,
    load_layout_rules,
)
from junheng.plan.projection import EnrolmentProjection, project_enrolment  # noqa: E402
from junheng.plan.scenario import (  # noqa: E402
    Edit,
    Scenario,
    compare,
    evaluate_edits,
    planned_tables,
    scenario_from_result,
)

__all__ += ["Edit", "EnrolmentProjection", "LayoutInfeasibleError", "LayoutResult", "LayoutRules", "Scenario",
            "SchoolLayout", "compare", "evaluate_edits", "load_layout_rules", "planned_tables", "project_enrolment",
            "scenario_from_result"]
