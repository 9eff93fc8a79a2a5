"""Validation errors: where (file, sheet, row, column), what was expected, what was found.

Every error carries a stable code (``E1xx`` cell errors, ``E2xx`` row/cross-field
rules, ``E3xx`` references and duplicates, ``E4xx`` file and sheet structure, ``E5xx`` the importer's scope) and
a Chinese message; ``write_error_report`` gives the Excel error report the user
downloads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ERROR_CODES: dict[str, str] = {
    "E101": "必填项为空",
    "E102": "应为数字",
    "E103": "应为整数",
    "E104": "超出允许范围",
    "E105": "代码格式错误",
    "E106": "不在可选值之内",
    "E107": "日期格式错误",
    "E108": "身份证号无效",
    "E109": "应为“是”或“否”",
    "E110": "面积列表格式错误",
    "E201": "各分项之和与合计不一致",
    "E202": "分项超过合计",
    "E203": "班额与学生数不一致",
    "E204": "学段与办学类型不符",
    "E205": "身份证号与出生日期/性别不一致",
    "E206": "专用教室间数与面积列表不一致",
    "E207": "经纬度须同时填写",
    "E208": "面积关系不合理",
    "E301": "重复记录",
    "E302": "引用的代码不存在",
    "E303": "上下级关系不一致",
    "E304": "缺少对应的学校年度数据",
    "E401": "无法读取文件",
    "E402": "未知工作表",
    "E403": "缺少必填列",
    "E404": "无法识别的列",
    "E405": "重复的列",
    "E406": "同一张表出现在多个文件中",
    "E407": "数据行数超过上限",
    "E408": "错误过多，检查提前停止",
    "E501": "超出您的管辖范围",
    "E502": "年度数据按县整体替换，需要全县权限",
}


@dataclass(frozen=True)
class ValidationIssue:
    code: str
    file: str
    sheet: str
    row: int | None  # 1-based row in the sheet / CSV line number; None for sheet-level errors
    column: str  # Chinese header (and column letter for Excel)
    expected: str
    found: str
    message: str = ""

    @property
    def title(self) -> str:
        return ERROR_CODES.get(self.code, self.code)

    def __str__(self) -> str:
        where = f"{self.file} / {self.sheet}" + (f" / 第 {self.row} 行" if self.row else "")
        col = f" / {self.column}" if self.column else ""
        return f"[{self.code}] {where}{col}: {self.title}，应为 {self.expected}，实为 {self.found}" + (
            f"（{self.message}）" if self.message else "")


REPORT_COLUMNS = {
    "code": "错误代码", "title": "错误类型", "file": "文件", "sheet": "工作表", "row": "行号",
    "column": "列", "expected": "应为", "found": "实为", "message": "说明",
}


class ImportRejected(Exception):
    """Raised when a file has errors; nothing was written."""

    def __init__(self, issues: list[ValidationIssue]) -> None:
        super().__init__(f"{len(issues)} 处错误，未导入任何数据 / {len(issues)} errors, nothing imported")
        self.issues = issues


def write_error_report(issues: list[ValidationIssue], path: str | Path) -> Path:
    """Write the issues as an Excel error report (one row per error, Chinese headers)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    from junheng.domain.textsafe import neutralise_workbook

    path = Path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = "错误清单"
    ws.append(list(REPORT_COLUMNS.values()))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F8CBAD")
    for i in issues:
        ws.append([i.code, i.title, i.file, i.sheet, i.row, i.column, i.expected, i.found, i.message])
    for col, width in zip("ABCDEFGHI", (9, 22, 24, 14, 8, 24, 28, 24, 40), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    neutralise_workbook(wb)  # "found" echoes the user's cell: never a live formula
    wb.save(path)
    return path
