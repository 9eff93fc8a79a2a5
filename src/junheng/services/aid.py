"""Student aid (学生资助) for the CLI and, later, the web: the payment audit and its outputs.

One orchestration function, :func:`audit_payments`, reads the roll, the
attendance check, the difficulty lists, the payment list and (optionally) the
school list, and runs :func:`junheng.registry.aid.audit` with the programmes of
:func:`aid_rules` (``registry/rules/aid.toml``, the province's table, override
files).  :func:`write_aid_outputs` writes what the officers use:

* ``exceptions.csv`` — one row per wrong payment, its one reason and the evidence;
* ``unpaid_eligible.csv`` — 应助未助: pupils owed a payment with no valid one;
* ``coverage.csv`` — by school, township and the county, per programme;
* ``entitlement.csv`` — every pupil × programme owed (waivers too);
* ``公示名单.xlsx`` — the publicity list of the valid payments, names and IDs masked
  (:mod:`junheng.domain.idnumber`), for the 公告公示 of seed 001;
* ``学生资助管理信息系统导出.xlsx`` — the valid payments in the columns of the national
  system's import template (:data:`NATIONAL_COLUMNS`; the mapping is in ``docs/dev/aid.md``);
* ``summary.json`` — the counts and the rules applied;
* ``资助核查报告.docx`` — the 学生资助资金发放核查报告 (:func:`junheng.report.aid.write_aid_docx`), masked.

:func:`start_aid_audit` runs the same audit as a web job (kind ``aid_audit``, the county's) on uploaded files;
:func:`aid_results` shows it masked and :func:`aid_download` masks its files as the page does.

Every CSV goes through :func:`junheng.domain.textsafe.csv_safe_frame` and every
workbook through :func:`junheng.domain.textsafe.neutralise_workbook`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy import Engine, select

from junheng.domain.idnumber import mask_id_number, mask_name
from junheng.domain.textsafe import csv_safe_frame, neutralise_workbook
from junheng.io.errors import ImportRejected as ImportRejected  # raised by audit_payments on bad input
from junheng.registry.aid import REASONS as REASON_LABELS
from junheng.registry.aid import AidResult, AidRules
from junheng.services import audit
from junheng.services import counties as C
from junheng.services.authz import Actor
from junheng.services.errors import Invalid, NotFound
from junheng.services.jobs import (
    DONE,
    JobContext,
    JobInfo,
    JobRunner,
    Progress,
    add_file,
    get_job,
    list_jobs,
    silent,
)
from junheng.store.auth_models import JobFile

__all__ = ["REASON_LABELS", "AidFiles", "ImportRejected", "aid_rules", "audit_payments", "write_aid_outputs"]

OUTPUTS = ("exceptions.csv", "unpaid_eligible.csv", "coverage.csv", "entitlement.csv", "公示名单.xlsx",
           "学生资助管理信息系统导出.xlsx", "summary.json", "资助核查报告.docx")

STAGE_ZH = {"primary": "小学", "junior": "初中", "senior": "普通高中", "vocational": "中职", "": ""}
SEX_ZH = {"male": "男", "female": "女"}

NATIONAL_COLUMNS = {
    "学校标识码": "school_code", "学校名称": "school_name", "学籍号": "student_id", "姓名": "name",
    "性别": "sex", "出生日期": "birth_date", "身份证件类型": "id_type", "身份证件号": "id_number",
    "学段": "stage", "年级": "grade", "是否寄宿生": "boarder", "家庭经济困难类型": "categories",
    "资助项目": "programme_zh", "资助项目代码": "programme", "资助学期": "term", "资助金额（元）": "amount",
    "发放日期": "paid_on", "发放编号": "payment_id",
}
"""Column of the national 学生资助管理信息系统 import template → column of the valid payments (docs/dev/aid.md)."""


@dataclass(frozen=True)
class AidFiles:
    """The input files of one audit (``difficulty``: one or more lists shaped like ``poverty.csv``)."""

    roll: Path
    attendance: Path
    payments: Path
    difficulty: Sequence[Path] = field(default_factory=tuple)
    schools: Path | None = None


def aid_rules(province: str | None = None, rule_files: Iterable[Path] = ()) -> AidRules:
    """The programmes of :func:`junheng.registry.aid.load_aid_rules`; ``Invalid`` listing every problem."""
    from junheng.registry.aid import AidRuleError, load_aid_rules

    try:
        return load_aid_rules(province, list(rule_files))
    except AidRuleError as e:
        raise Invalid("\n".join(e.issues), "\n".join(e.issues)) from None


def parse_audit_term(text: str) -> str:
    """The term text (``2026-2``) if well formed; ``Invalid`` otherwise."""
    from junheng.registry.aid import parse_term

    try:
        return str(parse_term(text))
    except ValueError as e:  # the engine's message is "中文 / English": one language each
        zh, _, en = str(e).partition("/ ")
        raise Invalid(f"{zh.strip()}，实为 {text}", en or zh) from None


T = TypeVar("T")


def _collect(read: Callable[[], T], issues: list[Any]) -> T | None:
    """``read()``, or None with its issues added to ``issues`` (every file is read, so one run lists all)."""
    try:
        return read()
    except ImportRejected as e:
        issues.extend(e.issues)
        return None


def audit_payments(actor: Actor, files: AidFiles, *, term: str, as_of: dt.date, rules: AidRules,
                   engine: str = "duckdb", threshold: float = 0.9, review_floor: float = 0.5,
                   progress: Progress = silent) -> AidResult:
    """The payment audit of ``term`` (:func:`junheng.registry.aid.audit`) on the files.

    The actor needs ``view_personal`` (the inputs and outputs name children).  Raises ``Invalid`` for a bad
    term, a check date before the term starts or a missing difficulty list, and ``ImportRejected`` listing
    every defect of the files (nothing is audited then).
    """
    from junheng.registry import read_registry
    from junheng.registry.aid import (
        audit,
        parse_term,
        read_aid_roll,
        read_difficulty_lists,
        read_payments,
        read_schools,
    )

    actor.require("view_personal")
    t = parse_term(check_term(term, as_of))
    if not files.difficulty:
        raise Invalid("至少需要一份家庭经济困难学生名单（--difficulty）", "at least one difficulty list is needed")
    progress(0.05, "读取名单 / reading the lists")
    issues: list[Any] = []
    roll = _collect(lambda: read_aid_roll(files.roll), issues)
    attendance = _collect(lambda: read_registry(files.attendance, "attendance"), issues)
    lists = _collect(lambda: read_difficulty_lists(files.difficulty), issues)
    pay = _collect(lambda: read_payments(files.payments, programmes=rules.payment_codes), issues)
    school_file = files.schools
    schools = _collect(lambda: read_schools(school_file), issues) if school_file else None
    if issues or roll is None or attendance is None or lists is None or pay is None:
        raise ImportRejected(issues)
    progress(0.2, f"比对与核查（{engine}）/ linking and auditing")
    result = audit(roll, attendance, lists, pay, term=t, as_of=as_of, rules=rules, schools=schools,
                   engine=engine, threshold=threshold, review_floor=review_floor)
    progress(1.0, "完成 / done")
    return result


def _labelled(result: AidResult, rules: AidRules) -> pd.DataFrame:
    """The valid payments with Chinese stage, sex, boarder and category labels and the school name."""
    cats = {c: k.label for c, k in rules.categories.items()}
    p = result.paid
    return p.assign(
        sex=p["sex"].map(SEX_ZH).fillna(""),
        stage=p["stage"].map(STAGE_ZH).fillna(p["stage"]), boarder=p["boarder"].map({True: "是", False: "否"}),
        categories=p["categories"].map(lambda s: "、".join(cats.get(c, c) for c in str(s).split("|") if c)),
        id_type="居民身份证", grade=p["grade"].astype("string").fillna(""))


def _write_xlsx(df: pd.DataFrame, path: Path, sheet: str, title: str = "") -> None:
    """One sheet; ``title`` (if any) in the first row above the header (a template export has none)."""
    start = 1 if title else 0
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        df.to_excel(xw, sheet_name=sheet, index=False, startrow=start)
        ws = xw.book[sheet]
        if title:
            ws.cell(row=1, column=1, value=title)
        for i, col in enumerate(df.columns, start=1):
            width = max([len(str(col))] + [len(str(v)) for v in df[col].head(200)]) + 2
            ws.column_dimensions[ws.cell(row=start + 1, column=i).column_letter].width = min(width * 1.6, 40)
        neutralise_workbook(xw.book)


def publicity_list(result: AidResult, rules: AidRules) -> pd.DataFrame:
    """The 公示名单: one row per valid payment, name and ID masked (family name; first 6 and last 4 characters)."""
    p = _labelled(result, rules)
    out = pd.DataFrame({
        "序号": range(1, len(p) + 1), "学校": p["school_name"].where(p["school_name"] != "", p["school_code"]),
        "年级": p["grade"], "姓名": p["name"].map(mask_name), "身份证号": p["id_number"].map(mask_id_number),
        "资助项目": p["programme_zh"], "学期": p["term"], "金额（元）": p["amount"],
    })
    return out


def national_export(result: AidResult, rules: AidRules) -> pd.DataFrame:
    """The valid payments in the columns of the national system's template (:data:`NATIONAL_COLUMNS`)."""
    p = _labelled(result, rules)
    return pd.DataFrame({zh: p[col] for zh, col in NATIONAL_COLUMNS.items()})


def write_aid_outputs(result: AidResult, rules: AidRules, out: Path, *, issuer: str = "学生资助管理中心",
                      date: dt.date | None = None, org_name: str = "", townships: Mapping[str, str] | None = None,
                      inputs: Sequence[str] = ()) -> list[Path]:
    """Write :data:`OUTPUTS` to ``out`` (created if needed); returns the paths written.  ``issuer``, ``date``
    (default today), ``org_name``, ``townships`` (code → name) and ``inputs`` (file names) go into the report."""
    from junheng.report.aid import write_aid_docx

    out.mkdir(parents=True, exist_ok=True)
    frames = {"exceptions.csv": result.exceptions, "unpaid_eligible.csv": result.unpaid,
              "coverage.csv": result.coverage, "entitlement.csv": result.entitlement}
    for name, df in frames.items():
        csv_safe_frame(df).to_csv(out / name, index=False, encoding="utf-8-sig")
    term = str(result.term)
    _write_xlsx(publicity_list(result, rules), out / "公示名单.xlsx", "公示名单",
                f"{term} 学期学生资助公示名单（姓名、身份证号已脱敏）")
    _write_xlsx(national_export(result, rules), out / "学生资助管理信息系统导出.xlsx", "资助发放")
    (out / "summary.json").write_text(json.dumps(result.summary, ensure_ascii=False, indent=2), encoding="utf-8")
    write_aid_docx(result, rules, out / "资助核查报告.docx", issuer=issuer, date=date or dt.date.today(),
                   org_name=org_name, townships=townships, inputs=inputs)
    return [out / name for name in OUTPUTS]


# ---------------------------------------------------------------------------------------------------- web job
AID_KIND = "aid_audit"
CSV, XLSX = "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MEDIA = {".csv": CSV, ".xlsx": XLSX, ".docx": DOCX, ".json": "application/json"}
PERSONAL_CSVS = frozenset({"exceptions.csv", "unpaid_eligible.csv", "entitlement.csv"})
"""Outputs naming children in full: downloaded masked as the page shows them (:func:`aid_download`)."""
UNMASKED_EXPORT = "学生资助管理信息系统导出.xlsx"
"""The national-template export carries full ID numbers (it is uploaded to the national system): it is
downloaded like an uploaded original, by roles with ``download_originals`` only."""


@dataclass(frozen=True)
class AidUpload:
    """The uploaded files of a web audit (CSV bytes; ``difficulty``: one or more lists)."""

    roll: bytes
    attendance: bytes
    payments: bytes
    difficulty: Sequence[bytes]
    schools: bytes = b""


def _require_aid(actor: Actor) -> None:
    actor.require("import_data")  # whole-county registries of children: the people who import them


def check_term(term: str, as_of: dt.date) -> str:
    """The term text if well formed and ``as_of`` is not before the term starts; ``Invalid`` otherwise."""
    from junheng.registry.aid import parse_term

    t = parse_term(parse_audit_term(term))
    start = dt.date(t.year, 2 if t.half == 1 else 8, 1)
    if as_of < start:
        raise Invalid(f"核查日期 {as_of} 早于 {t} 学期开始（{start}）",
                      f"the check date {as_of} is before term {t} starts ({start})")
    return str(t)


def start_aid_audit(engine: Engine, runner: JobRunner, actor: Actor, upload: AidUpload, *, term: str,
                    as_of: dt.date, max_bytes: int = 50 * 2**20) -> int:
    """Queue :func:`audit_payments` on uploaded files as a job of the actor's county (kind ``aid_audit``)."""
    _require_aid(actor)
    actor.require("view_personal")
    missing = [k for k in ("roll", "attendance", "payments") if not getattr(upload, k)]
    if missing or not [d for d in upload.difficulty if d]:
        what = "、".join(missing + ([] if [d for d in upload.difficulty if d] else ["difficulty"]))
        raise Invalid(f"缺少名单：{what}", f"missing file(s): {what}")
    blobs = [upload.roll, upload.attendance, upload.payments, upload.schools, *upload.difficulty]
    if any(len(b) > max_bytes for b in blobs):
        raise Invalid("文件过大", "file too large")
    term = check_term(term, as_of)
    county = C.resolve_county(engine, actor, None, whole=True)
    lists = [d for d in upload.difficulty if d]
    job_id = runner.create(actor, AID_KIND, org_code=county,
                           params={"term": term, "as_of": as_of.isoformat(), "difficulty": len(lists)})
    named = [("roll.csv", upload.roll), ("attendance.csv", upload.attendance), ("payments.csv", upload.payments),
             *[(f"difficulty_{i}.csv", d) for i, d in enumerate(lists, start=1)],
             *([("schools.csv", upload.schools)] if upload.schools else [])]
    for name, content in named:
        add_file(engine, job_id, name, content, CSV, role="input")
    issuer = f"{C.county_name(engine, county)}学生资助管理中心"
    townships = {t.code: t.name for t in C.townships(engine, Actor.system(), county)}
    runner.submit(job_id, lambda ctx: _run_audit(ctx, actor, term=term, as_of=as_of, issuer=issuer,
                                                 org_name=C.county_name(engine, county), townships=townships))
    return job_id


def _run_audit(ctx: JobContext, actor: Actor, *, term: str, as_of: dt.date, issuer: str, org_name: str,
               townships: Mapping[str, str]) -> dict[str, Any]:
    import tempfile

    with ctx.engine.connect() as conn:
        inputs = {r.name: bytes(r.content) for r in conn.execute(select(JobFile.name, JobFile.content).where(
            JobFile.job_id == ctx.job_id, JobFile.role == "input"))}
    rules = aid_rules()
    with tempfile.TemporaryDirectory() as tmp:
        for name, content in inputs.items():
            (Path(tmp) / name).write_bytes(content)
        lists = tuple(sorted((Path(tmp) / n for n in inputs if n.startswith("difficulty_")), key=lambda p: p.name))
        files = AidFiles(roll=Path(tmp) / "roll.csv", attendance=Path(tmp) / "attendance.csv",
                         payments=Path(tmp) / "payments.csv", difficulty=lists,
                         schools=Path(tmp) / "schools.csv" if "schools.csv" in inputs else None)
        try:
            result = audit_payments(actor, files, term=term, as_of=as_of, rules=rules, progress=ctx.progress)
        except ImportRejected as e:
            issues = [str(i) for i in e.issues]
            return {"ok": False, "issues": issues[:200],
                    "message": f"名单有 {len(issues)} 处错误，未核查 / {len(issues)} problem(s) in the files"}
        out = Path(tmp) / "out"
        ctx.progress(0.9, "写出结果 / writing the outputs")
        write_aid_outputs(result, rules, out, issuer=issuer, date=dt.date.today(), org_name=org_name,
                          townships=townships, inputs=sorted(inputs))
        ids = {name: ctx.add_file(name, (out / name).read_bytes(), MEDIA[Path(name).suffix]) for name in OUTPUTS}
    s = result.summary
    n_ex = sum(s["exceptions"].values())
    n_un = sum(s["unpaid"].values())
    return {"ok": True, "term": term, "as_of": as_of.isoformat(), "summary": s, "files": ids,
            "message": f"核查发放记录 {s['payments']} 笔，问题发放 {n_ex} 笔，应助未助 {n_un} 人次"}


def aid_jobs(engine: Engine, actor: Actor) -> list[JobInfo]:
    """The newest aid audits the actor may see."""
    _require_aid(actor)
    return list_jobs(engine, actor, kinds=(AID_KIND,), limit=20)


def aid_job(engine: Engine, actor: Actor, job_id: int) -> JobInfo:
    """One aid audit the actor may see (its kind's permission and the county in scope)."""
    _require_aid(actor)
    return get_job(engine, actor, job_id, kinds=(AID_KIND,))


def _output(engine: Engine, job_id: int, name: str) -> bytes:
    with engine.connect() as conn:
        content = conn.execute(select(JobFile.content).where(
            JobFile.job_id == job_id, JobFile.name == name, JobFile.role == "output")).scalar()
    if content is None:
        raise NotFound(f"该核查没有 {name}", f"this audit has no {name}")
    return bytes(content)


def _frame(content: bytes) -> pd.DataFrame:
    import io

    from junheng.domain.textsafe import csv_unquote_frame

    return csv_unquote_frame(pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False,
                                         encoding="utf-8-sig"))


def aid_results(engine: Engine, actor: Actor, job_id: int) -> dict[str, Any]:
    """A finished audit as its page shows it: the summary, the exceptions by reason, the exceptions, 应助未助,
    coverage by township and school, and the 公示名单 — names, IDs and 学籍号 masked (an audit row is no one's
    case, so masked for everyone, as the ledgers are); programmes and reasons in Chinese.  The view is audited."""
    import io

    from junheng.report import aid as R

    job = aid_job(engine, actor, job_id)
    if job.status != DONE or not job.result.get("ok"):
        raise Invalid("核查尚未完成", "the audit has not finished")
    rules = aid_rules()
    ex = _frame(_output(engine, job_id, "exceptions.csv"))
    un = _frame(_output(engine, job_id, "unpaid_eligible.csv"))
    cov = _frame(_output(engine, job_id, "coverage.csv"))
    townships = {t.code: t.name for t in C.townships(engine, Actor.system(), job.org_code)}
    pub = pd.read_excel(io.BytesIO(_output(engine, job_id, "公示名单.xlsx")), header=1, dtype=str).fillna("")
    out = {"summary": job.result["summary"], "reasons": R.reason_totals(ex),
           "exceptions": R.exception_rows(ex, rules), "unpaid": R.unpaid_rows(un, rules),
           "unpaid_amount": R.yuan(float(pd.to_numeric(un["expected_amount"], errors="coerce").sum())),
           "coverage": {level: R.coverage_rows(cov, rules, townships, level=level)
                        for level in ("county", "township", "school")},
           "publicity": {"columns": list(pub.columns), "rows": pub.to_dict("records")},
           "term_zh": R.term_text(str(job.result["term"]))}
    audit.record_now(engine, actor, "aid.results.view", f"job {job_id}", org=job.org_code, masked=True,
                     rows={"exceptions": len(out["exceptions"]), "unpaid": len(out["unpaid"])})
    return out


def aid_download(actor: Actor, name: str, content: bytes) -> tuple[bytes, bool, bool]:
    """An output file of an aid audit as ``actor`` may download it; returns (content, masked, original).

    :data:`PERSONAL_CSVS` are masked as the ledger CSVs are (:func:`junheng.services.care.mask_personal`), the
    national export (:data:`UNMASKED_EXPORT`) needs ``download_originals``; the rest (coverage, the masked 公示
    list, the report, the summary) name no child in full.
    """
    from junheng.report.aid import evidence_text
    from junheng.services.care import mask_personal, mask_student_number
    from junheng.services.errors import Forbidden

    if name == UNMASKED_EXPORT:
        if not actor.can("download_originals"):
            raise Forbidden("该导出含完整身份证号，您的角色不能下载", "your role may not download the full export")
        return content, False, True
    if name not in PERSONAL_CSVS:
        return content, False, False
    df = _frame(content)
    rows = []
    for r in df.to_dict("records"):
        m = mask_personal(r)
        if "payment_student_id" in m:
            m["payment_student_id"] = mask_student_number(str(r["payment_student_id"]))
        if "detail" in m:
            m["detail"] = evidence_text(r["detail"])
        rows.append(m)
    return csv_safe_frame(pd.DataFrame(rows, columns=df.columns)).to_csv(index=False).encode("utf-8-sig"), True, False
