"""The "四查三比对" comparisons and the ledgers they produce.

教基厅函〔2024〕15号 (``shared/reference/standards.md`` §4.10): check the household
register (户籍), the student register (学籍), the children actually in school (在校)
and the poverty-relief households' children (脱贫户), then compare

* 户籍 vs 学籍 → school-age children with no student record: 失学 (``out_of_school``);
* 学籍 vs 在校 → enrolled but not in school on the check date: 疑似辍学
  (``suspected_dropouts``);
* either ledger vs 脱贫户/监测户, 低保/特困, 残联, 留守 → the priority children
  (``priority``; the notice's priority groups include 残疾 and 留守).

School age comes from :mod:`junheng.registry.schoolage`: the out-of-school ledger
counts children of ``rule.min_age`` … ``rule.max_age`` 周岁 (default 6 … 15, [U]) who
have not completed compulsory education.  Completion is taken only on evidence
(``rule.completion_evidence``): a graduation record (roll status 毕业 at grade
``rule.years`` or above), a 学籍 at upper secondary (roll grade above ``rule.years``),
or a row of the optional completed list (``completed``, read with
``read_registry(path, "completed")``: 初中毕业 / 高中阶段 from outside the roll).  A
毕业 record below the last compulsory grade (小学毕业, no later record) is not
completion: the child stays listed.  A legitimate exception
recorded with evidence — deferred entry for health (缓学), home teaching for a
severe disability (送教上门), schooling outside the county with proof, emigration,
death — removes the child from the ledgers.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from junheng.domain.textsafe import csv_safe_frame, csv_unquote_frame
from junheng.io.errors import ImportRejected, ValidationIssue
from junheng.registry.linkage import LinkageRun, link
from junheng.registry.normalise import clean_id_text
from junheng.registry.readers import KIND_ZH, Registry
from junheng.registry.schoolage import SchoolAgeRule, default_rule, in_window

EXCEPTION_KINDS = {
    "deferred_health": "因身体原因缓学",
    "home_teaching": "送教上门",
    "outside_county": "县外就读（有证明）",
    "emigrated": "出国（境）",
    "died": "死亡",
}
"""Legitimate reasons a school-age child is not on the roll or not in school."""

CURRENT_RECORD = ("enrolled", "suspended", "dropped")
"""Roll statuses of a current record: the child is off the out-of-school ledger whatever the grade
(a 毕业 record removes the child only as evidence of completion, see ``check``)."""

REASONS = {
    "none": "无学籍",
    "review": "疑似匹配学籍，待人工核对",
    "transferred": "学籍已转出，去向待核实",
    "died": "学籍显示死亡，待核实",
    "graduated": "学籍显示毕业，但无完成义务教育的证据，待核实",
    "completion_review": "疑似已完成义务教育，待人工核对",
}

OUT_OF_SCHOOL_COLUMNS = ["id_number", "name", "birth_date", "village_code", "reason"]
DROPOUT_COLUMNS = ["student_id", "id_number", "name", "school_code", "grade"]
PRIORITY_COLUMNS = ["ledger", "id_number", "name", "student_id", "school_code", "village_code", "categories"]
LINK_COLUMNS = ["population_row", "roll_row", "match_probability", "method"]


@dataclass(frozen=True)
class CheckResult:
    """The ledgers of one check and what produced them.

    The ledger frames carry exactly the published columns (see ``write_outputs``);
    ``out_of_school_rows`` and ``dropout_rows`` give their source rows, for tests
    and for opening cases.
    """

    out_of_school: pd.DataFrame
    suspected_dropouts: pd.DataFrame
    priority: pd.DataFrame
    links: pd.DataFrame
    review: pd.DataFrame
    summary: dict[str, Any]
    settings: dict[str, Any] = field(default_factory=dict)
    out_of_school_rows: tuple[int, ...] = ()
    dropout_rows: tuple[int, ...] = ()
    aux_links: dict[str, pd.DataFrame] = field(default_factory=dict)


def read_exceptions(path: str | Path) -> pd.DataFrame:
    """Legitimate exceptions: ``id_number`` or ``student_id``, ``kind`` (a key or Chinese label of
    ``EXCEPTION_KINDS``), ``evidence`` (required), ``recorded_by``, ``recorded_on``.

    All-or-nothing: raises ``ImportRejected`` listing every defective row.
    """
    path = Path(path)
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return exceptions_from_frame(df, file=path.name)


def exceptions_from_frame(df: pd.DataFrame, *, file: str = "") -> pd.DataFrame:
    issues: list[ValidationIssue] = []
    for c in ("kind", "evidence"):
        if c not in df.columns:
            issues.append(ValidationIssue("E403", file, "例外", 1, c, f"必填列 {c}", "缺少该列"))
    if issues:
        raise ImportRejected(issues)
    df = df.astype("string").fillna("")
    for c in ("id_number", "student_id", "recorded_by", "recorded_on"):
        if c not in df.columns:
            df[c] = ""
    by_label = {v: k for k, v in EXCEPTION_KINDS.items()}
    kind = df["kind"].str.strip().map(lambda k: k if k in EXCEPTION_KINDS else by_label.get(k))
    for i in range(len(df)):
        row = i + 2
        if kind.iloc[i] is None:
            issues.append(ValidationIssue("E106", file, "例外", row, "kind", "、".join(EXCEPTION_KINDS.values()),
                                          str(df["kind"].iloc[i])))
        if not str(df["evidence"].iloc[i]).strip():
            issues.append(ValidationIssue("E101", file, "例外", row, "evidence", "证明材料（必填）", "空",
                                          "例外须有证明材料"))
        if not str(df["id_number"].iloc[i]).strip() and not str(df["student_id"].iloc[i]).strip():
            issues.append(ValidationIssue("E101", file, "例外", row, "id_number", "身份证号或学籍号", "空"))
    if issues:
        raise ImportRejected(issues)
    out = df.assign(kind=kind)
    out["id_number"] = clean_id_text(out["id_number"])
    return out.reset_index(drop=True)


def _links_frame(run: LinkageRun) -> pd.DataFrame:
    return run.links.rename(columns={"left_row": "population_row", "right_row": "roll_row"})[LINK_COLUMNS]


def check(population: Registry, roll: Registry, attendance: Registry, *, as_of: dt.date,
          poverty: Registry | None = None, dibao: Registry | None = None, disability: Registry | None = None,
          left_behind: Registry | None = None, exceptions: pd.DataFrame | None = None,
          completed: Registry | None = None, rule: SchoolAgeRule | None = None, engine: str = "duckdb",
          threshold: float = 0.9, review_floor: float = 0.5, decisions: pd.DataFrame | None = None,
          spark: Any = None) -> CheckResult:
    """Run the three comparisons and return the ledgers (nothing is written).

    ``rule`` defaults to the shipped national rule (``rules/schoolage.toml``; a province's
    comes from :func:`junheng.registry.schoolage.load_school_age_rule`).  ``completed`` is the
    optional list of children who completed compulsory education outside the roll.
    """
    rule = rule or default_rule()
    pop, rl, att = population.frame, roll.frame, attendance.frame
    run = link(population, roll, engine=engine, threshold=threshold, review_floor=review_floor,
               decisions=decisions, spark=spark)
    links = _links_frame(run)

    # ---- 户籍 vs 学籍: children of the window with no student record and no evidence of completion
    school_age = in_window(pop["birth_date"], as_of, rule).to_numpy()
    status_by_roll = pd.Series(rl["status"].to_numpy(), index=rl["row"].to_numpy())
    grade_by_roll = pd.Series(rl["grade"].to_numpy(dtype=float, na_value=np.nan), index=rl["row"].to_numpy())
    linked = links.assign(status=status_by_roll.reindex(links["roll_row"]).to_numpy(),
                          grade=grade_by_roll.reindex(links["roll_row"]).to_numpy())
    evidence = set(rule.completion_evidence)
    # Completion on the roll: 毕业 at the last compulsory grade or above; any record above it (upper secondary).
    graduated_roll = ((linked["status"] == "graduated") & (linked["grade"] >= rule.years)).to_numpy()
    upper_roll = (linked["grade"] > rule.years).to_numpy()
    # Row numbers as int64 arrays (a set of millions of Python ints costs ~100 bytes each).
    lpop = linked["population_row"].to_numpy(np.int64)
    done_graduated = lpop[graduated_roll] if "graduated" in evidence else lpop[:0]
    done_upper = lpop[upper_roll] if "upper_secondary" in evidence else lpop[:0]
    completed_links = 0
    completion_review = lpop[:0]
    if completed is not None and len(completed):
        crun = link(population, completed, engine=engine, threshold=threshold, review_floor=review_floor,
                    spark=spark)
        completed_links = len(crun.links)
        kind_by_row = pd.Series(completed.frame["completion"].to_numpy(), index=completed.frame["row"].to_numpy())
        ckind = kind_by_row.reindex(crun.links["right_row"]).to_numpy()
        cpop = crun.links["left_row"].to_numpy(np.int64)
        if "graduated" in evidence:
            done_graduated = np.concatenate([done_graduated, cpop[ckind == "graduated"]])
        if "upper_secondary" in evidence:
            done_upper = np.concatenate([done_upper, cpop[ckind == "upper_secondary"]])
        creview = crun.review
        ok_kind = kind_by_row.reindex(creview["right_row"]).isin(list(evidence)).to_numpy()
        completion_review = creview["left_row"].to_numpy(np.int64)[ok_kind]
    done = np.union1d(done_graduated, done_upper)
    holds = linked.loc[linked["status"].isin(CURRENT_RECORD), "population_row"].to_numpy(np.int64)
    in_review = run.review["left_row"].to_numpy(np.int64)
    transferred = linked.loc[linked["status"] == "transferred", "population_row"].to_numpy(np.int64)
    died = linked.loc[linked["status"] == "died", "population_row"].to_numpy(np.int64)
    graduated_only = linked.loc[linked["status"] == "graduated", "population_row"].to_numpy(np.int64)
    rows = pop["row"].to_numpy()
    reason = np.full(len(pop), REASONS["none"], dtype=object)
    reason[np.isin(rows, transferred)] = REASONS["transferred"]
    reason[np.isin(rows, died)] = REASONS["died"]
    reason[np.isin(rows, graduated_only)] = REASONS["graduated"]
    reason[np.isin(rows, completion_review)] = REASONS["completion_review"]
    reason[np.isin(rows, in_review)] = REASONS["review"]
    is_done = np.isin(rows, done)
    oos_mask = school_age & ~np.isin(rows, holds) & ~is_done

    # ---- 学籍 vs 在校: enrolled but not present on the check date (or recorded as dropped)
    present = pd.Series(att["present"].to_numpy(), index=att["student_id"].to_numpy())
    present = present[~present.index.duplicated()]
    here = rl["student_id"].map(present).astype("boolean").fillna(False).to_numpy(dtype=bool)
    drop_mask = ((rl["status"] == "enrolled").to_numpy() & ~here) | (rl["status"] == "dropped").to_numpy()
    if "upper_secondary" in evidence:  # a 学籍 above the last compulsory grade: compulsory education completed
        drop_mask &= ~(rl["grade"] > rule.years).fillna(False).to_numpy(dtype=bool)

    # ---- legitimate exceptions
    excepted_pop: set[int] = set()
    excepted_roll: set[int] = set()
    pop_by_roll = links.groupby("roll_row")["population_row"].first()
    if exceptions is not None and len(exceptions):
        ids = set(exceptions["id_number"].replace("", np.nan).dropna())
        sids = set(exceptions["student_id"].replace("", np.nan).dropna())
        pid = pop["id_number"].fillna(pop["id_raw"])
        excepted_pop |= set(pop.loc[pid.isin(ids), "row"])
        rid = rl["id_number"].fillna(rl["id_raw"])
        excepted_roll |= set(rl.loc[rid.isin(ids) | rl["student_id"].isin(sids), "row"])
        excepted_pop |= set(links.loc[links["roll_row"].isin(excepted_roll), "population_row"])
        excepted_roll |= set(links.loc[links["population_row"].isin(excepted_pop), "roll_row"])
    oos_mask &= ~np.isin(rows, list(excepted_pop))
    rrows = rl["row"].to_numpy()
    drop_mask &= ~np.isin(rrows, list(excepted_roll))
    drop_pop = pop_by_roll.reindex(rrows).to_numpy()
    drop_mask &= ~np.isin(drop_pop, list(excepted_pop))

    oos = pop[oos_mask]
    out_of_school = pd.DataFrame({
        "id_number": oos["id_number"].fillna(oos["id_raw"]).to_numpy(), "name": oos["name"].to_numpy(),
        "birth_date": oos["birth_date"].to_numpy(), "village_code": oos["village_code"].to_numpy(),
        "reason": reason[oos_mask]})
    dr = rl[drop_mask]
    dropouts = pd.DataFrame({
        "student_id": dr["student_id"].to_numpy(), "id_number": dr["id_number"].fillna(dr["id_raw"]).to_numpy(),
        "name": dr["name"].to_numpy(), "school_code": dr["school_code"].to_numpy(), "grade": dr["grade"].to_numpy()})

    # ---- priority: either ledger ∩ the assistance registries
    aux = {"poverty": poverty, "dibao": dibao, "disability": disability, "left_behind": left_behind}
    aux_links: dict[str, pd.DataFrame] = {}
    cats_by_pop: dict[int, list[str]] = {}
    cats_by_id: dict[str, list[str]] = {}
    for kind, reg in aux.items():
        if reg is None or not len(reg):
            continue
        arun = link(population, reg, engine=engine, threshold=threshold, review_floor=review_floor, spark=spark)
        aux_links[kind] = arun.links
        label = _category_labels(kind, reg)
        for prow, arow in zip(arun.links["left_row"], arun.links["right_row"], strict=True):
            cats_by_pop.setdefault(int(prow), []).append(label[int(arow)])
        for idn, arow in zip(reg.frame["id_number"], reg.frame["row"], strict=True):
            if isinstance(idn, str):
                cats_by_id.setdefault(idn, []).append(label[int(arow)])
    prio_rows = []
    village_of = pd.Series(pop["village_code"].to_numpy(), index=pop["row"].to_numpy())
    for r in oos.itertuples(index=False):
        cats = cats_by_pop.get(int(r.row), [])
        if cats:
            prio_rows.append(("out_of_school", r.id_number if isinstance(r.id_number, str) else r.id_raw, r.name,
                              None, None, r.village_code, ";".join(sorted(set(cats)))))
    for r, prow in zip(dr.itertuples(index=False), drop_pop[drop_mask], strict=True):
        cats = list(cats_by_pop.get(int(prow), [])) if not pd.isna(prow) else []
        if not cats and isinstance(r.id_number, str):
            cats = cats_by_id.get(r.id_number, [])
        if cats:
            village = village_of.get(int(prow)) if not pd.isna(prow) else None
            prio_rows.append(("suspected_dropout", r.id_number if isinstance(r.id_number, str) else r.id_raw,
                              r.name, r.student_id, r.school_code, village, ";".join(sorted(set(cats)))))
    priority = pd.DataFrame(prio_rows, columns=PRIORITY_COLUMNS)

    review = run.review.rename(columns={"left_row": "population_row", "right_row": "roll_row",
                                        "left_key": "population_key", "right_key": "roll_key"})
    summary = {
        "as_of": as_of.isoformat(),
        "cutoff": rule.cutoff(as_of).isoformat(),
        "school_age_rule": rule.describe(),
        "engine": engine,
        "threshold": threshold,
        "review_floor": review_floor,
        "population": len(pop),
        "school_age": int(school_age.sum()),
        "roll": len(rl),
        "attendance": len(att),
        "links": {m: int((links["method"] == m).sum()) for m in ("id", "probabilistic", "clerical")},
        "candidate_pairs": run.candidate_pairs,
        "review": len(review),
        "out_of_school": len(out_of_school),
        "suspected_dropouts": len(dropouts),
        "priority": len(priority),
        "excepted": {"population": len(excepted_pop), "roll": len(excepted_roll)},
        "completed": {"graduated": int((school_age & np.isin(rows, done_graduated)).sum()),
                      "upper_secondary": int((school_age & np.isin(rows, done_upper)).sum()),
                      "children": int((school_age & is_done).sum())},
        "completed_links": completed_links,
        "id_status": {k: {s: int(v) for s, v in reg.frame["id_status"].value_counts().items()}
                      for k, reg in {"population": population, "roll": roll, **aux, "completed": completed}.items()
                      if reg is not None and len(reg)},
        "id_conflicts": {k: int(reg.frame["id_conflict"].sum())
                         for k, reg in {"population": population, "roll": roll, **aux, "completed": completed}.items()
                         if reg is not None and len(reg)},
        "aux_links": {k: len(v) for k, v in aux_links.items()},
    }
    return CheckResult(out_of_school, dropouts, priority, links, review, summary, run.settings,
                       tuple(int(x) for x in rows[oos_mask]), tuple(int(x) for x in rrows[drop_mask]), aux_links)


def _category_labels(kind: str, reg: Registry) -> dict[int, str]:
    f = reg.frame
    base = KIND_ZH[kind]
    detail = pd.Series("", index=f.index, dtype=object)
    if "category" in f.columns:
        detail = f["category"].fillna("").astype(str)
    if kind == "disability":
        detail = (f["disability_type"].fillna("").astype(str) + f["disability_level"].fillna("").astype(str))
    labels = [base + (f"（{d}）" if d else "") for d in detail]
    return dict(zip(f["row"].astype(int), labels, strict=True))


def review_sheet(result: CheckResult, population: Registry, roll: Registry) -> pd.DataFrame:
    """The clerical-review queue with what a clerk needs to decide, and empty decision columns."""
    pop = population.frame.set_index("row")
    rl = roll.frame.set_index("row")
    r = result.review
    return pd.DataFrame({
        "population_row": r["population_row"], "roll_row": r["roll_row"],
        "match_probability": r["match_probability"],
        "population_key": r["population_key"], "roll_key": r["roll_key"],
        "population_name": pop["name"].reindex(r["population_row"]).to_numpy(),
        "roll_name": rl["name"].reindex(r["roll_row"]).to_numpy(),
        "population_birth_date": pop["birth_date"].reindex(r["population_row"]).to_numpy(),
        "roll_birth_date": rl["birth_date"].reindex(r["roll_row"]).to_numpy(),
        "decision": "", "decided_by": "", "decided_on": "",
    })


def read_decisions(path: str | Path) -> pd.DataFrame:
    """A filled-in review sheet: rows whose ``decision`` is accept/reject (接受/拒绝) with ``decided_by``."""
    path = Path(path)
    # review.csv was written with formula-like text quoted (csv_safe_frame): undo that
    df = csv_unquote_frame(pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig"))
    issues: list[ValidationIssue] = []
    for c in ("population_key", "roll_key", "decision", "decided_by"):
        if c not in df.columns:
            issues.append(ValidationIssue("E403", path.name, "人工核对", 1, c, f"必填列 {c}", "缺少该列"))
    if issues:
        raise ImportRejected(issues)
    words = {"accept": "accept", "接受": "accept", "是": "accept", "reject": "reject", "拒绝": "reject", "否": "reject"}
    dec = df["decision"].str.strip().str.lower().map(words)
    for i in np.flatnonzero((df["decision"].str.strip() != "").to_numpy() & dec.isna().to_numpy()):
        issues.append(ValidationIssue("E106", path.name, "人工核对", int(i) + 2, "decision", "accept 或 reject",
                                      str(df["decision"].iloc[i])))
    for i in np.flatnonzero(dec.notna().to_numpy() & (df["decided_by"].str.strip() == "").to_numpy()):
        issues.append(ValidationIssue("E101", path.name, "人工核对", int(i) + 2, "decided_by", "核对人（必填）", "空"))
    if issues:
        raise ImportRejected(issues)
    out = df.assign(decision=dec)[dec.notna()]
    return out.rename(columns={"population_key": "left_key", "roll_key": "right_key"}).reset_index(drop=True)


def write_outputs(result: CheckResult, out_dir: str | Path, *, population: Registry | None = None,
                  roll: Registry | None = None) -> list[Path]:
    """Write the ledgers, ``links.csv``, ``review.csv``, ``summary.json`` and the model settings.

    Names and other text come from the registries: a formula-like field gets a leading ``'``
    (:func:`junheng.domain.textsafe.csv_safe`); read a ledger back with ``csv_unquote_frame``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in (("out_of_school.csv", result.out_of_school[OUT_OF_SCHOOL_COLUMNS]),
                        ("suspected_dropouts.csv", result.suspected_dropouts[DROPOUT_COLUMNS]),
                        ("priority.csv", result.priority[PRIORITY_COLUMNS]),
                        ("links.csv", result.links[LINK_COLUMNS])):
        csv_safe_frame(frame).to_csv(out / name, index=False, encoding="utf-8-sig")
        written.append(out / name)
    review = (review_sheet(result, population, roll) if population is not None and roll is not None
              else result.review)
    csv_safe_frame(review).to_csv(out / "review.csv", index=False, encoding="utf-8-sig")
    (out / "summary.json").write_text(json.dumps(result.summary, ensure_ascii=False, indent=2), encoding="utf-8")
    (out / "linkage_model.json").write_text(json.dumps(result.settings, ensure_ascii=False, indent=2),
                                            encoding="utf-8")
    written += [out / "review.csv", out / "summary.json", out / "linkage_model.json"]
    return written
