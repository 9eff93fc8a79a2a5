"""Limits of one import: rows per sheet, and how many issues a check collects before it stops.

One upload must not exhaust the server (security issue, finding 7): a sheet is
read in chunks and stops at :data:`MAX_ROWS` rows of data with one ``E407``
issue; a check stops once it has :data:`MAX_ISSUES` issues and says so with
one final ``E408`` issue, so the user knows the list is incomplete.  The
defaults mirror ``import_max_rows`` / ``import_max_issues`` of
``junheng.services.settings`` (a test keeps them equal); ``io`` never imports
the services.

:class:`IssueList` is the bounded list every reader and rule appends to: past
its limit it refuses issues and records that the check stopped early.
"""

from __future__ import annotations

from collections.abc import Iterable

from junheng.io.errors import ValidationIssue

MAX_ROWS = 1_000_000  # rows of data per sheet (Settings.import_max_rows)
MAX_ISSUES = 1_000  # issues collected before a check stops (Settings.import_max_issues)
ROW_CAP = "E407"
STOPPED = "E408"


class IssueList(list[ValidationIssue]):
    """A list of issues holding at most ``limit`` (``None``: no limit).

    ``append`` past the limit drops the issue and sets ``stopped``; :func:`stop_here` lets a loop end before it
    builds issues nobody will keep.  ``force`` adds an issue regardless (the one row-cap issue of a sheet).
    """

    def __init__(self, limit: int | None = None, issues: Iterable[ValidationIssue] = ()) -> None:
        super().__init__()
        self.limit = None if limit is None else max(1, int(limit))
        self.stopped = False
        self.extend(issues)

    @property
    def full(self) -> bool:
        return self.limit is not None and len(self) >= self.limit

    @property
    def room(self) -> int | None:
        """How many more issues are kept (``None``: no limit)."""
        return None if self.limit is None else max(0, self.limit - len(self))

    def append(self, issue: ValidationIssue) -> None:
        if self.full:
            self.stopped = True
            return
        super().append(issue)

    def extend(self, issues: Iterable[ValidationIssue]) -> None:
        for issue in issues:
            if self.full:
                self.stopped = True
                return
            super().append(issue)

    def force(self, issue: ValidationIssue) -> None:
        super().append(issue)

    def absorb(self, other: list[ValidationIssue]) -> None:
        """Take every issue of ``other`` (a list bounded by this one's ``room``, plus forced ones) and its
        ``stopped``."""
        super().extend(other)
        self.stopped = self.stopped or bool(getattr(other, "stopped", False))


def stop_here(issues: list[ValidationIssue]) -> bool:
    """True when ``issues`` takes no more (and then records that the check stopped early).

    Call it just before work that would add issues (or that is skipped because none would be kept); a plain
    list never stops.
    """
    if isinstance(issues, IssueList) and issues.full:
        issues.stopped = True
        return True
    return False


def room(issues: list[ValidationIssue]) -> int | None:
    return issues.room if isinstance(issues, IssueList) else None


def row_cap_issue(file: str, sheet: str, row: int, max_rows: int) -> ValidationIssue:
    """The one issue of a sheet that has more than ``max_rows`` rows of data; ``row`` is the first row over."""
    return ValidationIssue(ROW_CAP, file, sheet, row, "", f"不超过 {max_rows} 行", f"超过 {max_rows} 行",
                           f"每张表最多 {max_rows} 行数据，第 {row} 行起未读取也未检查；请拆分为多个文件分批导入")


def stopped_issue(file: str, n_issues: int) -> ValidationIssue:
    """The last issue of a check that stopped after ``n_issues`` issues."""
    return ValidationIssue(STOPPED, file, "", None, "", f"不超过 {n_issues} 处错误",
                           f"已发现 {n_issues} 处错误，检查提前停止",
                           "错误清单不完整：其余数据未检查。请先改正以上错误，再重新检查")
