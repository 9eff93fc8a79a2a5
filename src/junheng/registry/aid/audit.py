"""Student-aid entitlement and the payment audit (学生资助 应助尽助 and 资金发放核查).

Sources: seed 000 ("实现家庭经济困难学生资助全覆盖，原则上统一按学籍地实施 … 确保资金管理规范"),
seed 001 ("对重大事项实行公告公示制度，强化审计监督，坚决查处挪用、截留和贪污"), seed 004
("应助尽助"); the programmes and amounts are data (``registry/rules/aid.toml``,
:mod:`junheng.registry.aid.rules`).  See ``docs/dev/aid.md``.

**Stage** (学段) of a pupil, in this order: the roll's ``stage`` column when given;
else the grade — 1 … ``primary_years`` 小学 (``primary``), up to ``years`` 初中
(``junior``) with the school-age rule's 6-3 system (``rules/schoolage.toml``:
义务教育法 第二条 nine years), 10 … 12 高中阶段 — ``vocational`` (中职) when the school
list gives the school's type as 中职, else ``senior`` (普通高中).

**Entitlement** (应助): pupils of the roll in 在读 status and present on the check
(a pupil not in school would be paid against the rules, so is not owed either),
linked to the difficulty lists with the registries' linkage
(:func:`junheng.registry.link`: exact on a valid ID, then Fellegi–Sunter, so a
mistyped ID or a name variant still links), × each programme in force whose
stages, grades, boarding and categories they meet, with the standard per-term amount.

**Payment → pupil**, in tiers (``linked_by``):

1. ``student_id`` — the payment's 学籍号 is on the roll and the record agrees
   (same name key or pinyin, the same valid ID, or ID text at most two characters off),
   and the two valid IDs, if both are valid, do not differ;
2. ``id`` — the same valid ID (a 15-digit number upgraded to 18 first);
3. ``name_school`` — the same name key at the same school, one such pupil on the roll,
   no conflicting valid ID;
4. ``probabilistic`` — the registries' Splink model on name, pinyin, ID text, birth
   date and sex from the ID, with the school in place of the village; repeated on
   the payments still unlinked (a link is one-to-one, and a pupil paid twice has
   two payments), until a round links nothing.

**Reasons**, one per wrong payment, first that applies (:data:`PRECEDENCE`):

1. ``not_enrolled`` — no pupil on the roll (a ghost), or the record is 转出/毕业/死亡;
2. ``not_attending`` — on the roll but 休学/辍学, or not present on the check;
3. ``duplicate`` — the pupil's second and later payments for the programme and term,
   at any school; the one that stands is the payment of the roll's school (按学籍地),
   then the earliest ``paid_on``, then the lowest ``payment_id``;
4. ``not_eligible`` — the programme is not in force (e.g. 营养改善计划 outside a pilot
   county), the stage or grade is not covered, the programme needs a boarder and the
   pupil is not one, or it needs a difficulty category and the pupil is on no list with one;
5. ``wrong_amount`` — not the standard (or a tier) for the pupil's stage and the term.

``not_eligible`` is checked before ``wrong_amount``: an amount can only be wrong for a
pupil who is owed something.  A pupil paid once by a school other than the roll's is
not flagged (a transfer during the term): ``roll_school_code`` shows it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from junheng.domain.idnumber import check_char
from junheng.io.errors import ImportRejected, ValidationIssue
from junheng.registry.aid.inputs import VOCATIONAL_TYPES, Payments
from junheng.registry.aid.rules import AidRules, Term
from junheng.registry.linkage import link
from junheng.registry.normalise import names_agree
from junheng.registry.readers import Registry
from junheng.registry.schoolage import SchoolAgeRule, default_rule

REASONS = {
    "not_enrolled": "查无在读学籍（疑似虚报冒领）",
    "not_attending": "有学籍但核查时不在校",
    "duplicate": "同一学生同一项目同一学期重复发放",
    "not_eligible": "不符合该项目资助条件",
    "wrong_amount": "发放金额与资助标准不符",
}
"""Reason code → Chinese label, in order of precedence."""
PRECEDENCE = tuple(REASONS)

NOT_CURRENT = ("transferred", "graduated", "died")
"""Roll statuses whose pupil is no longer on the roll: a payment to them is ``not_enrolled``."""
NOT_IN_SCHOOL = ("suspended", "dropped")

EXCEPTION_COLUMNS = ["payment_id", "reason", "reason_zh", "programme", "term", "school_code", "amount",
                     "expected_amount", "student_id", "linked_by", "match_probability", "roll_school_code",
                     "roll_status", "present", "stage", "grade", "boarder", "categories", "duplicate_of",
                     "payment_student_id", "id_number", "name", "detail"]
UNPAID_COLUMNS = ["student_id", "id_number", "programme", "programme_zh", "name", "school_code", "township_code",
                  "grade", "stage", "boarder", "categories", "expected_amount"]
COVERAGE_COLUMNS = ["level", "township_code", "school_code", "programme", "entitled", "paid", "paid_correctly",
                    "unpaid", "coverage_rate", "expected_total", "paid_correctly_total"]
ENTITLEMENT_COLUMNS = ["student_id", "id_number", "name", "school_code", "township_code", "grade", "stage",
                       "boarder", "categories", "programme", "programme_zh", "kind", "expected_amount"]
PAID_COLUMNS = ["payment_id", "student_id", "id_number", "name", "sex", "birth_date", "school_code",
                "school_name", "township_code", "grade", "stage", "boarder", "categories", "programme", "programme_zh", "term",
                "amount", "paid_on"]
TOLERANCE = 0.005


@dataclass(frozen=True)
class AidResult:
    """One term's audit: ``exceptions`` (one row per wrong payment), ``unpaid`` (应助未助), ``coverage``,
    ``entitlement`` (every pupil × programme owed) and ``paid`` (the valid payments: the 公示 list and the
    national export are made from it); ``summary`` counts them."""

    term: Term
    as_of: dt.date
    exceptions: pd.DataFrame
    unpaid: pd.DataFrame
    coverage: pd.DataFrame
    entitlement: pd.DataFrame
    paid: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------- pupils
def pupil_stage(roll: pd.DataFrame, school_types: pd.Series, rule: SchoolAgeRule) -> pd.Series:
    """学段 of each roll record (see the module docstring); empty where neither stage nor grade is known."""
    g = roll["grade"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    vocational = roll["school_code"].map(school_types).isin(list(VOCATIONAL_TYPES)).to_numpy()
    upper = np.where(vocational, "vocational", "senior")
    by_grade = np.where(g <= rule.primary_years, "primary", np.where(g <= rule.years, "junior", upper)).astype(object)
    by_grade[np.isnan(g)] = ""
    given = roll["stage_given"].to_numpy(dtype=object) if "stage_given" in roll else np.full(len(roll), "")
    return pd.Series(np.where(given != "", given, by_grade), index=roll.index, dtype=object)


def difficulty_categories(lists: Sequence[Registry], roll: Registry, rules: AidRules, *, engine: str,
                          threshold: float, review_floor: float, spark: Any = None) -> tuple[pd.Series, dict[str, int]]:
    """Category codes of each roll row (``row`` → ``"dibao|orphan"``) from the lists linked to the roll, and the
    links per list.  A ``category`` cell that names no category of the rules rejects its list."""
    issues: list[ValidationIssue] = []
    per_row: dict[int, set[str]] = {}
    counts: dict[str, int] = {}
    for reg in lists:
        f = reg.frame
        codes = [rules.categorise(str(c)) if pd.notna(c) else () for c in f["category"]]
        words = "、".join(w for c in rules.categories.values() for w in c.words)
        for r, c, cs in zip(f["row"], f["category"], codes, strict=True):
            if not cs:
                issues.append(ValidationIssue("E106", reg.file, "家庭经济困难名单", int(r), "category",
                                              f"含以下词之一：{words}", "" if pd.isna(c) else str(c)))
        if issues:
            continue
        run = link(reg, roll, engine=engine, threshold=threshold, review_floor=review_floor, spark=spark)
        code_by_row = dict(zip(f["row"].astype(int), codes, strict=True))
        links = _names_checked(run.links, f, roll.frame)
        for lrow, rrow in zip(links["left_row"], links["right_row"], strict=True):
            per_row.setdefault(int(rrow), set()).update(code_by_row[int(lrow)])
        counts[reg.file or f"list{len(counts) + 1}"] = len(links)
    if issues:
        raise ImportRejected(issues)
    order = list(rules.categories)
    return pd.Series({r: "|".join(c for c in order if c in cs) for r, cs in per_row.items()}, dtype=object), counts


def _pupils(roll: Registry, attendance: Registry, categories: pd.Series, schools: pd.DataFrame | None,
            rule: SchoolAgeRule) -> pd.DataFrame:
    """The roll with stage, presence, categories and township, indexed by roll row."""
    rl = roll.frame.set_index(roll.frame["row"].astype(np.int64), drop=False)
    att = attendance.frame
    present = pd.Series(att["present"].to_numpy(), index=att["student_id"].to_numpy())
    present = present[~present.index.duplicated()]
    types = pd.Series(dtype=object) if schools is None else schools.set_index("school_code")["school_type"]
    towns = pd.Series(dtype=object) if schools is None else schools.set_index("school_code")["township_code"]
    names = pd.Series(dtype=object) if schools is None else schools.set_index("school_code")["school_name"]
    town = rl["school_code"].map(towns).replace("", np.nan)
    return pd.DataFrame({
        "row": rl["row"].astype(np.int64), "student_id": rl["student_id"].astype(str),
        "id_number": rl["id_number"].fillna(rl["id_raw"]).fillna("").astype(str),
        "id_valid": rl["id_number"].astype(object), "name": rl["name"].astype(str),
        "name_key": rl["name_key"].astype(object), "name_pinyin": rl["name_pinyin"].astype(object),
        "sex": rl["sex"].astype(object), "birth_date": rl["birth_date"].astype(object),
        "school_code": rl["school_code"].astype(str),
        "township_code": town.fillna(rl["school_code"]).astype(str),
        "school_name": rl["school_code"].map(names).fillna("").astype(str),
        "grade": rl["grade"], "stage": pupil_stage(rl, types, rule), "status": rl["status"].astype(str),
        "boarder": rl["boarder"].astype(bool) if "boarder" in rl else False,
        "present": rl["student_id"].map(present).astype("boolean").fillna(False).astype(bool),
        "categories": rl["row"].astype(np.int64).map(categories).fillna("").astype(str),
    }, index=rl.index)


# ---------------------------------------------------------------------------------------------------- eligibility
def eligibility(pupils: pd.DataFrame, rules: AidRules, code: str, term: Term) -> pd.Series:
    """Why each pupil is not eligible for programme ``code`` in ``term`` (Chinese), "" where eligible."""
    p = rules.programmes[code]
    why = pd.Series("", index=pupils.index, dtype=object)

    def mark(mask: Any, text: str) -> None:
        m = np.asarray(mask, dtype=bool) & (why == "").to_numpy()
        why[m] = text

    mark(np.full(len(pupils), not p.in_force), "本县未实施该项目（如非营养改善计划试点县）")
    row = p.amount_row(term)
    mark(np.full(len(pupils), p.kind == "payment" and row is None), f"{term} 学期无该项目标准")
    mark(~pupils["stage"].isin(list(p.stages)), f"学段不在该项目范围（{'、'.join(p.stages)}）")
    if p.grades:
        mark(~pupils["grade"].isin(list(p.grades)).fillna(False).to_numpy(dtype=bool),
             f"年级不在该项目范围（{'、'.join(map(str, p.grades))}）")
    if p.boarding:
        mark(~pupils["boarder"].to_numpy(dtype=bool), "非寄宿生")
    if p.categories:
        cats = pupils["categories"].str.split("|")
        has = cats.map(lambda cs: any(c in p.categories for c in cs)).to_numpy(dtype=bool)
        mark(~has, "不在家庭经济困难名单（或类别不符）")
    return why


def _standard(pupils: pd.DataFrame, rules: AidRules, code: str, term: Term) -> pd.Series:
    p = rules.programmes[code]
    by_stage = {s: p.standard(s, term, rules.terms_per_year) for s in ("primary", "junior", "senior", "vocational")}
    return pupils["stage"].map(by_stage).astype(float)


def entitlement(pupils: pd.DataFrame, rules: AidRules, term: Term) -> pd.DataFrame:
    """Every (pupil, programme) owed in ``term``: pupils 在读 and present, eligible, with the standard."""
    current = pupils[(pupils["status"] == "enrolled") & pupils["present"]]
    parts = []
    for code, p in rules.programmes.items():
        ok = current[eligibility(current, rules, code, term) == ""]
        parts.append(ok.assign(programme=code, programme_zh=p.label, kind=p.kind,
                               expected_amount=_standard(ok, rules, code, term) if p.kind == "payment" else np.nan))
    out = pd.concat(parts) if parts else pd.DataFrame(columns=[*ENTITLEMENT_COLUMNS, "row"])
    return out.sort_values(["school_code", "student_id", "programme"], kind="mergesort")


# ---------------------------------------------------------------------------------------------------- linkage
def _names_checked(links: pd.DataFrame, left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    """The links whose two names can be one child's (:func:`junheng.registry.normalise.names_agree`), and every
    link by ID.  A money decision does not rest on a probabilistic link between two different names: a child
    with the same birth date and sex but another surname is another child (a ghost pupil stays a ghost, and a
    list record is not given to a pupil of another name)."""
    if links.empty:
        return links
    lf = left.set_index("row")[["name_key", "name_pinyin"]]
    rf = right.set_index("row")[["name_key", "name_pinyin"]]
    a = lf.reindex(links["left_row"].to_numpy())
    b = rf.reindex(links["right_row"].to_numpy())
    keep = [m == "id" or names_agree(str(ka), str(pa), str(kb), str(pb)) for m, ka, pa, kb, pb in zip(
        links["method"], a["name_key"].fillna(""), a["name_pinyin"].fillna(""), b["name_key"].fillna(""),
        b["name_pinyin"].fillna(""), strict=True)]
    return links[np.asarray(keep, dtype=bool)]


def _near(a: str, b: str) -> bool:
    """Same length and at most two characters differ (a substitution or a transposition)."""
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) <= 2


def _century_20(raw: pd.Series) -> pd.Series:
    """15-digit numbers upgraded with the century "20" (NA for anything else)."""
    text = raw.astype(object).where(raw.notna(), "")
    bodies = [t[:6] + "20" + t[6:] if len(t) == 15 and t.isdigit() else "" for t in text]
    return pd.Series([b + check_char(b) if b else None for b in bodies], index=raw.index, dtype=object)


def link_payments(pupils: pd.DataFrame, roll: Registry, payments: Payments, *, engine: str, threshold: float,
                  review_floor: float, spark: Any = None, max_rounds: int = 4) -> pd.DataFrame:
    """For each payment (by position): ``roll_row`` (NA when unlinked), ``linked_by``, ``match_probability`` and
    ``candidate`` (the 学籍号 of a pair awaiting review, for an unlinked payment)."""
    pf = payments.frame
    n = len(pf)
    roll_row = np.full(n, -1, dtype=np.int64)
    how = np.full(n, "", dtype=object)
    prob = np.full(n, np.nan)
    candidate = np.full(n, "", dtype=object)

    # 1. student_id with an agreeing record
    by_sid = pupils.drop_duplicates("student_id").set_index("student_id")
    hit = pf["student_id"].isin(by_sid.index).to_numpy() & (pf["student_id"] != "").to_numpy()
    for i in np.flatnonzero(hit):
        r = by_sid.loc[pf.at[i, "student_id"]]
        pid, rid = pf.at[i, "id_number"], r["id_valid"]
        both = pd.notna(pid) and pd.notna(rid)
        if both and pid != rid:
            continue
        raw = "" if pd.isna(pf.at[i, "id_raw"]) else str(pf.at[i, "id_raw"])
        agrees = (both or pf.at[i, "name_key"] == r["name_key"] or pf.at[i, "name_pinyin"] == r["name_pinyin"]
                  or (raw != "" and _near(raw, r["id_number"])))
        if agrees:
            roll_row[i], how[i], prob[i] = r["row"], "student_id", 1.0
    # 2. the same valid ID; a 15-digit number is tried with the century "19" (GB 11643) and "20" (a child's
    # number typed into a 15-digit field: a payment has no birth date to tell the century from)
    by_id = pupils[pupils["id_valid"].notna()].drop_duplicates("id_valid").set_index("id_valid")["row"]
    for ids in (pf["id_number"], _century_20(pf["id_raw"])):
        todo = (roll_row < 0) & ids.isin(by_id.index).fillna(False).to_numpy(dtype=bool)
        roll_row[todo] = by_id.reindex(ids[todo]).to_numpy(dtype=np.int64)
        how[todo], prob[todo] = "id", 1.0
    # 3. the same name at the same school, one such pupil, no conflicting valid ID
    key = pupils["name_key"].astype(str) + "|" + pupils["school_code"]
    unique = key[~key.duplicated(keep=False)]
    row_of_key = pd.Series(pupils.loc[unique.index, "row"].to_numpy(), index=unique.to_numpy())
    pkey = pf["name_key"].astype(str) + "|" + pf["school_code"]
    todo = (roll_row < 0) & pkey.isin(row_of_key.index).to_numpy()
    for i in np.flatnonzero(todo):
        r = int(row_of_key[pkey.iat[i]])
        rid, pid = pupils.at[r, "id_valid"], pf.at[i, "id_number"]
        if pd.notna(rid) and pd.notna(pid) and rid != pid:
            continue
        roll_row[i], how[i], prob[i] = np.int64(r), "name_school", 1.0
    # 4. Fellegi–Sunter, in rounds (one-to-one within a round)
    side = Registry("roll", roll.frame.assign(village_code=roll.frame["school_code"]), roll.file)
    for _ in range(max_rounds):
        rest = np.flatnonzero(roll_row < 0)
        if not len(rest):
            break
        sub = pf.iloc[rest].assign(village_code=pf["school_code"].iloc[rest])
        run = link(side, Registry("payments", sub, payments.file), engine=engine, threshold=threshold,
                   review_floor=review_floor, spark=spark)
        pos_of_row = pd.Series(np.arange(n), index=pf["row"].to_numpy())
        accepted = _names_checked(run.links, side.frame, sub)
        for rr, pr, mp in zip(accepted["left_row"], accepted["right_row"], accepted["match_probability"],
                              strict=True):
            j = int(pos_of_row[int(pr)])
            roll_row[j], how[j], prob[j] = np.int64(rr), "probabilistic", float(mp)
        for rr, pr in zip(run.review["left_row"], run.review["right_row"], strict=True):
            j = int(pos_of_row[int(pr)])
            if not candidate[j]:
                candidate[j] = str(pupils.at[int(rr), "student_id"])
        if accepted.empty:
            break
    linked_rows = pd.array(roll_row, dtype="Int64")
    linked_rows[roll_row < 0] = pd.NA
    return pd.DataFrame({"roll_row": linked_rows,
                         "linked_by": how, "match_probability": prob, "candidate": candidate})


# ---------------------------------------------------------------------------------------------------- audit
def _reasons(pay: pd.DataFrame, rules: AidRules, term: Term) -> pd.DataFrame:
    """``reason``, ``detail``, ``duplicate_of`` and ``expected_amount`` of each linked-and-joined payment."""
    reason = pd.Series("", index=pay.index, dtype=object)
    detail = pd.Series("", index=pay.index, dtype=object)
    linked = pay["roll_row"].notna()
    ghost = ~linked | pay["roll_status"].isin(list(NOT_CURRENT))
    reason[ghost] = "not_enrolled"
    detail[~linked] = np.where(pay.loc[~linked, "candidate"] != "",
                               "学籍中无此人；疑似 " + pay.loc[~linked, "candidate"] + "，待人工核对", "学籍中无此人")
    detail[linked & ghost] = "学籍状态：" + pay.loc[linked & ghost, "roll_status"]
    away = (reason == "") & (pay["roll_status"].isin(list(NOT_IN_SCHOOL)) | ~pay["present"].astype(bool))
    reason[away] = "not_attending"
    detail[away] = np.where(pay.loc[away, "roll_status"].isin(list(NOT_IN_SCHOOL)),
                            "学籍状态：" + pay.loc[away, "roll_status"], "核查时不在校")

    # duplicates among the payments still standing: the roll school's (按学籍地) first, then the earliest
    live = pay[reason == ""].copy()
    by_roll = live["programme"].map({c: p.by_roll_school for c, p in rules.programmes.items()}).astype(bool)
    live["_other_school"] = ~(by_roll & (live["school_code"] == live["roll_school_code"]))
    live["_late"] = live["paid_on"].replace("", "9999-99-99")
    live = live.sort_values(["roll_row", "programme", "term", "_other_school", "_late", "payment_id", "row"],
                            kind="mergesort")
    grp = live.groupby(["roll_row", "programme", "term"], sort=False)
    first = grp["payment_id"].transform("first")
    dup_idx = live.index[(grp.cumcount() > 0).to_numpy()]
    reason[dup_idx] = "duplicate"
    duplicate_of = pd.Series("", index=pay.index, dtype=object)
    duplicate_of[dup_idx] = first[dup_idx]
    detail[dup_idx] = "与 " + first[dup_idx] + " 重复"

    expected = pd.Series(np.nan, index=pay.index)
    for code, p in rules.programmes.items():
        m = (pay["programme"] == code) & linked
        if not m.any():
            continue
        sub = pay[m]
        why = eligibility(sub, rules, code, term)
        expected[m] = _standard(sub, rules, code, term)
        open_ = (reason[m] == "").to_numpy()
        ne = sub.index[open_ & (why != "").to_numpy()]
        reason[ne] = "not_eligible"
        detail[ne] = why[ne]
        allowed = {s: p.allowed(s, term, rules.terms_per_year) for s in ("primary", "junior", "senior", "vocational")}
        amount_ok = np.array([any(abs(a - v) <= TOLERANCE for v in allowed.get(s, ()))
                              for a, s in zip(sub["amount"], sub["stage"], strict=True)], dtype=bool)
        wa = sub.index[open_ & (why == "").to_numpy() & ~amount_ok]
        reason[wa] = "wrong_amount"
        detail[wa] = [f"应为 {'、'.join(f'{v:g}' for v in allowed.get(s, ()))} 元" for s in sub.loc[wa, "stage"]]
    return pd.DataFrame({"reason": reason, "detail": detail, "duplicate_of": duplicate_of,
                         "expected_amount": expected})


def _coverage(ent: pd.DataFrame, valid: pd.DataFrame, linked: pd.DataFrame) -> pd.DataFrame:
    """Entitled, paid (any payment linked), paid correctly (a valid payment), unpaid (not paid at all: the
    应助未助 list), coverage rate (paid correctly ÷ entitled): by school, township and the county, per programme."""
    e = ent[ent["kind"] == "payment"][["row", "school_code", "township_code", "programme", "expected_amount"]].copy()
    paid_keys = set(zip(linked["roll_row"].astype(int), linked["programme"], strict=True))
    valid_amount = valid.groupby([valid["roll_row"].astype(int), valid["programme"]])["amount"].sum()
    keys = list(zip(e["row"].astype(int), e["programme"], strict=True))
    e["paid"] = [k in paid_keys for k in keys]
    e["paid_correctly"] = [k in valid_amount.index for k in keys]
    e["paid_amount"] = [float(valid_amount.get(k, 0.0)) for k in keys]
    rows = []
    for level, by in (("school", ["township_code", "school_code"]), ("township", ["township_code"]),
                      ("county", [])):
        g = e.groupby([*by, "programme"], sort=True) if len(e) else None
        if g is None:
            continue
        agg = g.agg(entitled=("row", "size"), paid=("paid", "sum"), paid_correctly=("paid_correctly", "sum"),
                    expected_total=("expected_amount", "sum"), paid_correctly_total=("paid_amount", "sum"))
        agg = agg.reset_index()
        agg["level"] = level
        for c in ("township_code", "school_code"):
            if c not in agg:
                agg[c] = ""
        rows.append(agg)
    if not rows:
        return pd.DataFrame(columns=COVERAGE_COLUMNS)
    out = pd.concat(rows, ignore_index=True)
    out["unpaid"] = out["entitled"] - out["paid"]
    out["coverage_rate"] = (out["paid_correctly"] / out["entitled"]).round(4)
    for c in ("entitled", "paid", "paid_correctly", "unpaid"):
        out[c] = out[c].astype(int)
    return out[COVERAGE_COLUMNS]


def audit(roll: Registry, attendance: Registry, difficulty: Sequence[Registry], payments: Payments, *,
          term: Term, as_of: dt.date, rules: AidRules, schools: pd.DataFrame | None = None,
          rule: SchoolAgeRule | None = None, engine: str = "duckdb", threshold: float = 0.9,
          review_floor: float = 0.5, spark: Any = None) -> AidResult:
    """Entitlement, the payment audit, 应助未助 and coverage for ``term`` (nothing is written).

    ``roll`` comes from :func:`junheng.registry.aid.read_aid_roll` (``boarder``, ``stage``), ``difficulty`` from
    :func:`read_difficulty_lists`, ``payments`` from :func:`read_payments`; payments of other terms are left
    out and counted (``summary["other_term"]``).
    """
    rule = rule or default_rule()
    cats, list_links = difficulty_categories(difficulty, roll, rules, engine=engine, threshold=threshold,
                                             review_floor=review_floor, spark=spark)
    pupils = _pupils(roll, attendance, cats, schools, rule)
    ent = entitlement(pupils, rules, term)

    all_pay = payments.frame
    in_term = (all_pay["term"] == str(term)).to_numpy()
    pay_only = Payments(all_pay[in_term].reset_index(drop=True), payments.file, payments.sha256)
    links = link_payments(pupils, roll, pay_only, engine=engine, threshold=threshold, review_floor=review_floor,
                          spark=spark)
    pay = pd.concat([pay_only.frame.reset_index(drop=True), links], axis=1)
    pr = pupils.reindex(pay["roll_row"].astype(float).to_numpy())
    for src, dst in (("student_id", "roll_student_id"), ("school_code", "roll_school_code"),
                     ("status", "roll_status"), ("present", "present"), ("stage", "stage"), ("grade", "grade"),
                     ("boarder", "boarder"), ("categories", "categories"), ("township_code", "township_code"),
                     ("school_name", "school_name"),
                     ("id_number", "roll_id_number"), ("name", "roll_name"), ("sex", "roll_sex"),
                     ("birth_date", "roll_birth_date")):
        pay[dst] = pr[src].to_numpy()
    for c in ("present", "boarder"):
        pay[c] = pay[c].astype("boolean").fillna(False).astype(bool)
    for c in ("stage", "categories", "roll_status", "roll_school_code", "roll_student_id"):
        pay[c] = pay[c].fillna("").astype(str)
    pay = pay.join(_reasons(pay, rules, term))

    labels = {c: p.label for c, p in rules.programmes.items()}
    bad = pay[pay["reason"] != ""].copy()
    bad["reason_zh"] = bad["reason"].map(REASONS)
    bad["payment_student_id"] = bad["student_id"]
    bad["student_id"] = bad["roll_student_id"]
    bad["id_number"] = bad["given_id_number"]
    bad["grade"] = bad["grade"].astype("Int64")
    exceptions = bad.sort_values("row", kind="mergesort")[EXCEPTION_COLUMNS].reset_index(drop=True)

    valid = pay[pay["reason"] == ""]
    linked = pay[pay["roll_row"].notna()]
    ent_pay = ent[ent["kind"] == "payment"]
    # 应助未助: entitled and not paid at all.  A pupil paid the wrong amount was paid: that payment is in
    # ``exceptions`` (wrong_amount), not here.
    paid_keys = set(zip(linked["roll_row"].astype(int), linked["programme"], strict=True))
    keys = list(zip(ent_pay["row"].astype(int), ent_pay["programme"], strict=True))
    owed = ent_pay[[k not in paid_keys for k in keys]].copy()
    owed["grade"] = owed["grade"].astype("Int64")
    unpaid = owed[UNPAID_COLUMNS].reset_index(drop=True)

    paid = valid.assign(student_id=valid["roll_student_id"], id_number=valid["roll_id_number"],
                        name=valid["roll_name"], sex=valid["roll_sex"], birth_date=valid["roll_birth_date"],
                        programme_zh=valid["programme"].map(labels), grade=valid["grade"].astype("Int64"))
    coverage = _coverage(ent, valid, linked)
    entitlement_out = ent.assign(grade=ent["grade"].astype("Int64"))[ENTITLEMENT_COLUMNS].reset_index(drop=True)
    summary: dict[str, Any] = {
        "term": str(term), "as_of": as_of.isoformat(), "rules": list(rules.origin),
        "pupils": len(pupils), "enrolled_present": int(((pupils["status"] == "enrolled")
                                                             & pupils["present"]).sum()),
        "payments": len(pay), "other_term": int((~in_term).sum()),
        "valid_payments": len(valid), "exceptions": {r: int((exceptions["reason"] == r).sum()) for r in REASONS},
        "linked_by": {k: int(v) for k, v in pay["linked_by"].replace("", "unlinked").value_counts().items()},
        "difficulty_links": list_links,
        "entitled": {c: int((ent["programme"] == c).sum()) for c in rules.programmes},
        "unpaid": {c: int((unpaid["programme"] == c).sum()) for c in rules.payment_codes},
        "amount_paid": round(float(pay["amount"].sum()), 2),
        "amount_in_exceptions": round(float(bad["amount"].sum()), 2),
    }
    return AidResult(term, as_of, exceptions, unpaid, coverage, entitlement_out,
                     paid[PAID_COLUMNS].reset_index(drop=True), summary)
