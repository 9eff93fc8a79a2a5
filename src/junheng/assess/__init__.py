"""Assessment: units of analysis, equity statistics and the indicator engine.

``assess(pack, tables, *, year)`` evaluates a standard pack (junheng.standards)
against the registry tables and returns a frozen :class:`Assessment`.
"""

from junheng.assess.engine import assess, evaluate_indicators
from junheng.assess.equity import CvTerms, Theil, cv, cv_terms, gini, max_min_ratio, theil, weighted_mean
from junheng.assess.results import (
    Assessment,
    CompositeCv,
    CvResult,
    ItemResult,
    PartVerdict,
    TargetResult,
)
from junheng.assess.rules import RULE_FUNCTIONS, RuleContext
from junheng.assess.units import build_units, section_frame, split_shared_resources, split_shares

__all__ = [
    "RULE_FUNCTIONS",
    "Assessment",
    "CompositeCv",
    "CvResult",
    "CvTerms",
    "ItemResult",
    "PartVerdict",
    "RuleContext",
    "TargetResult",
    "Theil",
    "assess",
    "build_units",
    "cv",
    "cv_terms",
    "evaluate_indicators",
    "gini",
    "max_min_ratio",
    "section_frame",
    "split_shared_resources",
    "split_shares",
    "theil",
    "weighted_mean",
]
