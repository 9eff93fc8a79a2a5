"""Student aid (学生资助): programmes as data, entitlement, the payment audit and coverage.

``rules.py`` loads ``registry/rules/aid.toml`` (national default, provincial tables, override files);
``inputs.py`` reads the roll with ``boarder``/``stage``, the difficulty lists, the payment list and the school
list; ``audit.py`` links payments to the roll with the registries' linkage and gives each wrong payment one
reason.  See ``docs/dev/aid.md``.
"""

from junheng.registry.aid.audit import (
    COVERAGE_COLUMNS,
    ENTITLEMENT_COLUMNS,
    EXCEPTION_COLUMNS,
    PRECEDENCE,
    REASONS,
    UNPAID_COLUMNS,
    AidResult,
    audit,
)
from junheng.registry.aid.inputs import (
    PAYMENT_COLUMNS,
    Payments,
    read_aid_roll,
    read_difficulty_lists,
    read_payments,
    read_schools,
)
from junheng.registry.aid.rules import AidRuleError, AidRules, Programme, Term, load_aid_rules, parse_term

__all__ = [
    "COVERAGE_COLUMNS",
    "ENTITLEMENT_COLUMNS",
    "EXCEPTION_COLUMNS",
    "PAYMENT_COLUMNS",
    "PRECEDENCE",
    "REASONS",
    "UNPAID_COLUMNS",
    "AidResult",
    "AidRuleError",
    "AidRules",
    "Payments",
    "Programme",
    "Term",
    "audit",
    "load_aid_rules",
    "parse_term",
    "read_aid_roll",
    "read_difficulty_lists",
    "read_payments",
    "read_schools",
]
