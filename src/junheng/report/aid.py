"""The 学生资助资金发放核查报告 (the payment-audit report of issue 15) in Word, and the masked rows it and the web
page show.

Seed 001 asks for "对重大事项实行公告公示制度，强化审计监督，坚决查处挪用、截留和贪污"; the report is what the
资助中心 files after :func:`junheng.registry.aid.audit`: 一、核查概况 (payments checked, exceptions by reason with
amounts, 应助未助); 二、问题发放明细 (one row per wrong payment, landscape); 三、应助未助名单; 四、资助覆盖情况 (by
township and programme); 五、核查规则与依据 (the programmes, amounts and sources of the rules files, the order of
the reasons); then the issuing body and the date.  The layout is the one official-document template
(:mod:`junheng.report.document`, GB/T 9704-2012: A4, margins 37/35/28/26 mm, 3号 仿宋 body, 黑体/楷体 headings,
"— n —" page numbers, the issuing body above the date).

Children's names are masked to the family name and ID numbers and 学籍号 to their first 6 and last 4 characters
(:mod:`junheng.domain.idnumber`) everywhere in the report, also inside the evidence text.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from junheng.domain.idnumber import mask_id_number, mask_name, mask_student_id
from junheng.domain.labels import zh_map
from junheng.registry.aid import REASONS, AidResult, AidRules
from junheng.report.document import (
    TABLE_PT,
    Outline,
    issuer_block,
    landscape,
    new_document,
    official_date,
    paragraph,
    table,
    title_block,
)

ROLL_STATUS_ZH = zh_map("roll_status")
STAGE_ZH = zh_map("stage") | {"vocational": "中职", "senior": "普通高中"}
_ID_TEXT = re.compile(r"G?\d{17}[\dXx]|\d{15}")
"""An ID number (or a 学籍号 of G + ID number) inside free text."""


def yuan(v: Any) -> str:
    """An amount in 元 without needless decimals ("500", "1150.5"); "—" when missing."""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return "—"
    if math.isnan(x):
        return "—"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def _text(v: Any) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA else str(v)


def evidence_text(text: Any) -> str:
    """The ``detail`` of an exception in Chinese (学籍状态 codes as 在读/转出 …), ID numbers in it masked."""
    s = _text(text)
    for code, zh in ROLL_STATUS_ZH.items():
        s = s.replace(f"学籍状态：{code}", f"学籍状态：{zh}")
    return _ID_TEXT.sub(lambda m: mask_student_id(m.group(0)), s)


def _who(r: Mapping[str, Any]) -> dict[str, str]:
    name, idn, sid = _text(r.get("name")), _text(r.get("id_number")), _text(r.get("student_id"))
    return {"name": mask_name(name), "id_number": mask_id_number(idn), "student_id": mask_student_id(sid)}


def exception_rows(df: pd.DataFrame, rules: AidRules) -> list[dict[str, str]]:
    """The exceptions (``exceptions.csv`` columns) as display rows: reason and programme in Chinese, names, IDs
    and 学籍号 masked."""
    out = []
    for r in df.to_dict("records"):
        prog = rules.programmes.get(_text(r.get("programme")))
        out.append({"payment_id": _text(r.get("payment_id")), "reason": _text(r.get("reason")),
                    "reason_zh": REASONS.get(_text(r.get("reason")), _text(r.get("reason"))),
                    "programme_zh": prog.label if prog else _text(r.get("programme")),
                    "school_code": _text(r.get("school_code")), "amount": yuan(r.get("amount")),
                    "expected_amount": yuan(r.get("expected_amount")),
                    "duplicate_of": _text(r.get("duplicate_of")),
                    "detail": evidence_text(r.get("detail")), **_who(r)})
    return out


def unpaid_rows(df: pd.DataFrame, rules: AidRules) -> list[dict[str, str]]:
    """应助未助 (``unpaid_eligible.csv`` columns) as display rows, masked."""
    out = []
    for r in df.to_dict("records"):
        prog = rules.programmes.get(_text(r.get("programme")))
        grade = _text(r.get("grade"))
        out.append({"programme_zh": prog.label if prog else _text(r.get("programme")),
                    "school_code": _text(r.get("school_code")),
                    "grade": grade.removesuffix(".0"), "stage_zh": STAGE_ZH.get(_text(r.get("stage")), ""),
                    "expected_amount": yuan(r.get("expected_amount")), **_who(r)})
    return out


def coverage_rows(df: pd.DataFrame, rules: AidRules, townships: Mapping[str, str], *,
                  level: str) -> list[dict[str, str]]:
    """Coverage rows of one ``level`` (school, township, county) with the programme and township in Chinese."""
    out = []
    for r in df[df["level"].astype(str) == level].to_dict("records"):
        prog = rules.programmes.get(_text(r.get("programme")))
        tw = _text(r.get("township_code"))
        rate = pd.to_numeric(pd.Series([r.get("coverage_rate")]), errors="coerce").iloc[0]
        out.append({"township": townships.get(tw, tw), "school_code": _text(r.get("school_code")),
                    "programme_zh": prog.label if prog else _text(r.get("programme")),
                    **{k: str(int(float(r[k]))) for k in ("entitled", "paid", "paid_correctly", "unpaid")},
                    "coverage_rate": "—" if pd.isna(rate) else f"{float(rate) * 100:.1f}%",
                    "expected_total": yuan(r.get("expected_total"))})
    return out


def reason_totals(df: pd.DataFrame) -> list[dict[str, str]]:
    """Per reason (in precedence order): the label, the number of payments and their amount."""
    amounts = pd.to_numeric(df["amount"], errors="coerce") if len(df) else pd.Series(dtype=float)
    return [{"reason": code, "reason_zh": zh, "count": str(int((df["reason"] == code).sum())),
             "amount": yuan(float(amounts[df["reason"] == code].sum()) if len(df) else 0.0)}
            for code, zh in REASONS.items()]


def term_text(term: str) -> str:
    """``2026-2`` → ``2026年秋季学期``."""
    year, half = term.split("-")
    return f"{year}年{'春季' if half == '1' else '秋季'}学期"


def _rule_lines(rules: AidRules, result: AidResult) -> list[str]:
    lines = [f"资助标准文件：{'；'.join(Path(o).name for o in rules.origin)}。"]
    for p in rules.programmes.values():
        if p.kind != "payment":
            continue
        row = p.amount_row(result.term)
        if not p.in_force:
            amounts = "本县未实施"
        elif row is None:
            amounts = "本学期无标准"
        else:
            amounts = "，".join(f"{STAGE_ZH.get(s, s)}每生每学期{yuan(p.per_term(v, rules.terms_per_year))}元"
                               for s, v in row.by_stage.items())
        lines.append(f"{p.label}：{amounts}（依据：{row.source if row else p.source}）。")
    lines.append("问题发放每条只认定一个原因，依次判断：" + "；".join(
        f"{i}. {zh}" for i, zh in enumerate(REASONS.values(), start=1)) + "。")
    lines.append("发放记录与学籍比对：学籍号、身份证号（15位老号码升位后）、同校同名，再以概率模型（姓名、拼音、身份证号、"
                 "出生日期）匹配；身份证号录错一两位或未填学籍号但学生在学籍中的，不认定为查无学籍。"
                 "应助名单由学籍与家庭经济困难学生名单比对得出，同一学生同一项目同一学期保留学籍所在学校的一笔（按学籍地）。")
    return lines


def write_aid_docx(result: AidResult, rules: AidRules, path: str | Path, *, issuer: str, date: dt.date,
                   org_name: str = "", townships: Mapping[str, str] | None = None,
                   inputs: Sequence[str] = ()) -> Path:
    """The 学生资助资金发放核查报告 of ``result`` (see the module docstring); ``townships``: code → name for the
    coverage table, ``inputs``: the names of the files audited (listed under 五)."""
    tw = dict(townships or {})
    s = result.summary
    term = term_text(str(result.term))
    doc = new_document()
    title_block(doc, f"{org_name}{term}学生资助资金发放核查报告")
    h = Outline(doc)

    ex, un = result.exceptions, result.unpaid
    unpaid_amount = float(pd.to_numeric(un["expected_amount"], errors="coerce").sum()) if len(un) else 0.0
    h.h1("核查概况")
    paragraph(doc, f"按照“对重大事项实行公告公示制度，强化审计监督”的要求，{official_date(result.as_of)}对{term}"
                   f"资助资金发放名单逐笔核查。共核查发放记录{s['payments']}笔、金额{yuan(s['amount_paid'])}元"
                   f"（另有其他学期记录{s['other_term']}笔，未纳入本次核查），其中核查无误{s['valid_payments']}笔，"
                   f"问题发放{len(ex)}笔、金额{yuan(s['amount_in_exceptions'])}元；应助未助{len(un)}人次、"
                   f"应发金额{yuan(unpaid_amount)}元。")
    table(doc, ["问题类型", "笔数", "金额（元）"], [[r["reason_zh"], r["count"], r["amount"]] for r in reason_totals(ex)])

    landscape(doc, True)
    h.h1("问题发放明细")
    if len(ex):
        table(doc, ["发放编号", "学校标识码", "资助项目", "发放金额", "应发金额", "问题类型", "姓名", "身份证号",
                    "学籍号", "核查说明"],
              [[r["payment_id"], r["school_code"], r["programme_zh"], r["amount"], r["expected_amount"],
                r["reason_zh"], r["name"], r["id_number"], r["student_id"], r["detail"]]
               for r in exception_rows(ex, rules)], size=9)
    else:
        paragraph(doc, "本学期未发现问题发放。")
    h.h1("应助未助名单")
    if len(un):
        table(doc, ["资助项目", "学校标识码", "学段", "年级", "姓名", "身份证号", "学籍号", "应发金额（元）"],
              [[r["programme_zh"], r["school_code"], r["stage_zh"], r["grade"], r["name"], r["id_number"],
                r["student_id"], r["expected_amount"]] for r in unpaid_rows(un, rules)], size=9)
    else:
        paragraph(doc, "符合条件的学生本学期均已发放。")
    paragraph(doc, "注：姓名只显示姓，身份证号、学籍号只显示前6位和后4位；完整名单只供资助中心核查使用，不得公开。",
              indent=False, size=TABLE_PT)
    landscape(doc, False)

    h.h1("资助覆盖情况")
    paragraph(doc, "覆盖率为正确发放人数占应助人数的比例（按学籍地统计）。")
    cov = coverage_rows(result.coverage, rules, tw, level="township") + [
        {**r, "township": "全县合计"} for r in coverage_rows(result.coverage, rules, tw, level="county")]
    table(doc, ["乡镇", "资助项目", "应助", "已发", "正确发放", "未发", "覆盖率"],
          [[r["township"], r["programme_zh"], r["entitled"], r["paid"], r["paid_correctly"], r["unpaid"],
            r["coverage_rate"]] for r in cov])

    h.h1("核查规则与依据")
    for line in _rule_lines(rules, result):
        paragraph(doc, line)
    if inputs:
        paragraph(doc, f"核查数据：{'、'.join(inputs)}。")
    issuer_block(doc, issuer, date)
    out = Path(path)
    doc.save(str(out))
    return out
