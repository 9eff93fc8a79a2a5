"""Standard packs and plan targets as versioned TOML data, with their loader and validator.

See ``docs/dev/assessment.md`` for the pack format, ``docs/dev/standards.md`` for the schema
(:mod:`junheng.standards.schema`) and its errors, and reference/standards.md for the rules.
"""

from junheng.standards.evidence import Evidence, evidence_from_records, load_evidence
from junheng.standards.expr import Expression, ExpressionError
from junheng.standards.loader import (
    DEFAULT_PARAMETERS,
    PackError,
    PackIssue,
    apply_override,
    check_pack_file,
    list_packs,
    load_pack,
)
from junheng.standards.model import (
    RULES,
    ByStage,
    CvRule,
    Indicator,
    Item,
    Pack,
    Part,
    SchoolRule,
    Target,
    TargetValue,
)

__all__ = [
    "DEFAULT_PARAMETERS",
    "RULES",
    "ByStage",
    "CvRule",
    "Evidence",
    "Expression",
    "ExpressionError",
    "Indicator",
    "Item",
    "Pack",
    "PackError",
    "PackIssue",
    "Part",
    "SchoolRule",
    "Target",
    "TargetValue",
    "apply_override",
    "check_pack_file",
    "evidence_from_records",
    "list_packs",
    "load_evidence",
    "load_pack",
]
