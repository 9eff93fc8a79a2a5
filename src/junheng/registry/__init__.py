"""Person registries and record linkage for 控辍保学 ("四查三比对").

The only package that imports Splink.  Read the departments' lists
(``read_registry``), link them (``link``: exact on a valid ID, then
Fellegi–Sunter on name, pinyin, birth date, sex, ID text and village), and run
the comparisons that give the ledgers (``check`` → ``CheckResult``,
``write_outputs``).  See ``docs/dev/linkage.md``.
"""

from junheng.registry.check import (
    EXCEPTION_KINDS,
    CheckResult,
    check,
    exceptions_from_frame,
    read_decisions,
    read_exceptions,
    review_sheet,
    write_outputs,
)
from junheng.registry.linkage import (
    DUCKDB_MEMORY_LIMIT,
    ENGINES,
    MODEL,
    LinkageRun,
    duckdb_connection,
    link,
    one_to_one,
    spark_session,
)
from junheng.registry.normalise import name_key, name_pinyin, normalise_ids, normalise_names
from junheng.registry.readers import COLUMNS, Registry, read_registry, registry_from_frame
from junheng.registry.schoolage import (
    COMPLETION_EVIDENCE,
    RuleError,
    SchoolAgeRule,
    age_at,
    default_rule,
    expected_grade,
    in_window,
    load_school_age_rule,
    stage_of_grade,
)

__all__ = [
    "COLUMNS",
    "COMPLETION_EVIDENCE",
    "DUCKDB_MEMORY_LIMIT",
    "ENGINES",
    "EXCEPTION_KINDS",
    "MODEL",
    "CheckResult",
    "LinkageRun",
    "Registry",
    "RuleError",
    "SchoolAgeRule",
    "age_at",
    "check",
    "default_rule",
    "duckdb_connection",
    "exceptions_from_frame",
    "expected_grade",
    "in_window",
    "link",
    "load_school_age_rule",
    "name_key",
    "name_pinyin",
    "normalise_ids",
    "normalise_names",
    "one_to_one",
    "read_decisions",
    "read_exceptions",
    "read_registry",
    "registry_from_frame",
    "review_sheet",
    "spark_session",
    "stage_of_grade",
    "write_outputs",
]
