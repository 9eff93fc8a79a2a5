"""Excel/CSV templates, import (validate → stage → commit) and export."""

from junheng.io.errors import ImportRejected, ValidationIssue, write_error_report
from junheng.io.export import export_workbook
from junheng.io.importer import ImportResult, check_files, import_files, import_tables, read_workbook
from junheng.io.template import write_workbook

__all__ = [
    "ImportRejected",
    "ImportResult",
    "ValidationIssue",
    "check_files",
    "export_workbook",
    "import_files",
    "import_tables",
    "read_workbook",
    "write_error_report",
    "write_workbook",
]
