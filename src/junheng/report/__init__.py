"""Reports: the assessment as JSON (stable schema), Excel workbook and Word self-assessment report."""

from junheng.report.charts import cv_chart, school_pass_chart
from junheng.report.data import SCHEMA, assessment_to_dict, write_json
from junheng.report.excel import write_xlsx
from junheng.report.fonts import cjk_font
from junheng.report.word import write_docx

__all__ = ["SCHEMA", "assessment_to_dict", "cjk_font", "cv_chart", "school_pass_chart", "write_docx", "write_json",
           "write_xlsx"]
