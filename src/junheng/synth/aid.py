"""Synthetic student-aid (资助) audit data: a roll, an attendance check, difficulty lists and one term's
payment list with known faults and realistic noise, with the truth (issue 15, "Quality measured").

Everything is built from the demo county (``generate_county(county_code, seed=…, children=True)``) and is
invented: the people are the synthetic children of :mod:`junheng.synth.people`.

* **Roll (学籍).** The children of compulsory-school age on the term's cut-off (6–14 on 31 August, grade =
  age − 5: 小学 1–6, 初中 7–9), each placed at a school of their township that teaches their grade, with
  probability the school's grade size (latest ``section_year``); the 学籍号 is the national form, "G" + the
  ID number.  ``boarder`` is drawn with the school section's boarder share.  The roll's IDs are clean: the
  national 学籍 system verifies them against 公安.
* **Attendance (在校).** Every roll pupil, ``present`` 1 or 0; 1.5 % of the pupils not entitled are absent,
  and, among the entitled, exactly the ``absent`` faults.
* **Difficulty lists** shaped like ``poverty.csv``: ``poverty.csv`` (乡村振兴: 脱贫户 ≈ 6 % of rural children,
  监测户 ≈ 1.5 %) and ``dibao.csv`` (民政/残联: 低保 for the children flagged low-income, 特困 0.3 %,
  孤儿 0.2 %, 残疾 for the children flagged disabled).  Both cover all children 0–17 of those households,
  not only pupils; a few children are on both.  A small share of list records is damaged the way department
  lists are (ID missing, one ID digit changed, traditional characters), never two ways at once.
* **Payments** of ``boarding_subsidy`` (义务教育家庭经济困难寄宿生生活补助; amounts from the national default
  of ``registry/rules/aid.toml``, 1000 / 1250 元 a year for 小学 / 初中, half each term): one correct payment per entitled pupil (a boarder on a
  difficulty list, present on the check), each school paid in one batch, then the faults of ``AidFaults``.
  Every wrong payment has exactly one thing wrong, so its reason is unambiguous:

  - ``not_enrolled``: a ghost — half invented people, half real children of the county not on the roll
    (a borrowed identity);
  - ``not_attending``: an entitled pupil marked absent on the check;
  - ``duplicate``: an entitled pupil paid a second time, later, at the same or another school (the later
    payment is the duplicate; half of them typed with a name or ID variant or without the 学籍号);
  - ``wrong_amount``: an entitled pupil paid the other stage's amount, the whole year's, or a round wrong sum;
  - ``not_eligible``: a pupil on a list who is not a boarder, or a boarder on no list.

  ``unpaid`` entitled pupils get no payment (应助未助).
* **Noise** on correct payments, which an audit must NOT flag: one ID digit changed, two adjacent digits
  swapped, the 15-digit old form, the 学籍号 missing (alone or with a mistyped or 15-digit ID), a name in
  traditional characters or with its middle character dropped, and twins (same birth date, surname, school
  and grade, consecutive ID sequence numbers) both paid.

The same ``seed`` gives identical tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from junheng.domain.idnumber import check_char
from junheng.registry.normalise import name_key
from junheng.synth.county import generate_county
from junheng.synth.people import names as draw_names

REASONS = ("not_enrolled", "not_attending", "duplicate", "wrong_amount", "not_eligible")
"""The audit's reasons, one per wrong payment (issue 15 §1)."""

PAYMENT_NOISE = ("id_digit", "id_swap", "id_15", "no_student_id", "name_traditional", "name_dropped", "twin")
"""Noise on correct payments that an audit must not flag."""

PROGRAMME = "boarding_subsidy"

PAYMENT_COLUMNS = ("payment_id", "id_number", "name", "student_id", "school_code", "programme", "term", "amount",
                   "paid_on")
ROLL_COLUMNS = ("student_id", "id_number", "name", "sex", "birth_date", "school_code", "grade", "status", "boarder")
LIST_COLUMNS = ("id_number", "name", "sex", "birth_date", "village_code", "category")
POVERTY_SHARES = {"脱贫户": 0.06, "监测户": 0.015}  # of rural children
DIBAO_SHARES = {"特困": 0.003, "孤儿": 0.002}  # of all children; 低保 and 残疾 come from the child flags
LIST_NOISE = {"id_missing": 0.03, "id_digit": 0.01, "name_traditional": 0.02}
ABSENT_SHARE = 0.015
SEX_ZH = {"male": "男", "female": "女"}


@dataclass(frozen=True)
class AidFaults:
    """How many payments of each fault and of each noise to inject (counts, not rates)."""

    ghost_invented: int = 20
    ghost_borrowed: int = 20
    absent: int = 40
    duplicate_same_school: int = 20
    duplicate_other_school: int = 20
    wrong_amount: int = 40
    not_boarder: int = 20
    not_on_list: int = 20
    unpaid: int = 40
    id_digit: int = 25
    id_swap: int = 20
    id_15: int = 15
    no_student_id: int = 40
    id_digit_no_student_id: int = 10
    id_15_no_student_id: int = 10
    name_traditional: int = 25
    name_dropped: int = 15
    twins: int = 12  # pairs

    @classmethod
    def for_pupils(cls, pupils: int) -> AidFaults:
        """The default counts, scaled to a roll of ``pupils`` (the defaults fit the whole demo county, about
        30,000 pupils), at least 2 of each."""
        f = min(1.0, pupils / 30_000)
        return cls(**{k.name: max(2, round(getattr(cls(), k.name) * f)) for k in fields(cls)})

    def reason_counts(self) -> dict[str, int]:
        """The number of wrong payments by reason these counts give."""
        return {"not_enrolled": self.ghost_invented + self.ghost_borrowed, "not_attending": self.absent,
                "duplicate": self.duplicate_same_school + self.duplicate_other_school,
                "wrong_amount": self.wrong_amount, "not_eligible": self.not_boarder + self.not_on_list}

    def noise_counts(self) -> dict[str, int]:
        """The number of correct payments by noise label (twins: two payments a pair)."""
        return {"id_digit": self.id_digit, "id_swap": self.id_swap, "id_15": self.id_15,
                "no_student_id": self.no_student_id, "id_digit+no_student_id": self.id_digit_no_student_id,
                "id_15+no_student_id": self.id_15_no_student_id, "name_traditional": self.name_traditional,
                "name_dropped": self.name_dropped, "twin": 2 * self.twins}


@dataclass(frozen=True)
class AidCase:
    """The audit's inputs and the truth.

    ``truth`` has one row per payment: ``payment_id``, ``reason`` (empty when the payment is correct),
    ``fault`` (the injected fault, e.g. ``duplicate_other_school``), ``noise`` (the noise label of a correct
    payment, or empty), ``variant`` (how a duplicate copy was typed: ``name_traditional``, ``no_student_id``,
    ``id_digit`` or empty), ``list_noise`` (damage of the pupil's difficulty-list record, or empty) and the pupil's true
    ``student_id`` (empty for an invented ghost).  ``unpaid`` lists the entitled pupils left unpaid
    (``student_id, id_number, programme``).
    """

    roll: pd.DataFrame
    attendance: pd.DataFrame
    difficulty: dict[str, pd.DataFrame]  # file stem → list
    payments: pd.DataFrame
    truth: pd.DataFrame
    unpaid: pd.DataFrame
    term: str
    as_of: dt.date
    faults: AidFaults

    def write(self, folder: Path) -> dict[str, Path]:
        """Write ``roll.csv``, ``attendance.csv``, each difficulty list, ``payments.csv`` (the audit's inputs),
        and ``truth.csv``, ``unpaid_truth.csv`` into ``folder``; returns name → path."""
        folder.mkdir(parents=True, exist_ok=True)
        frames = {"roll": self.roll, "attendance": self.attendance, **self.difficulty, "payments": self.payments,
                  "truth": self.truth, "unpaid_truth": self.unpaid}
        out = {}
        for name, df in frames.items():
            path = folder / f"{name}.csv"
            df.to_csv(path, index=False, encoding="utf-8")
            out[name] = path
        return out


def term_cutoff(term: str) -> dt.date:
    """The school-age cut-off (31 August) of the school year a term ``YYYY-1`` (spring) or ``YYYY-2``
    (autumn) belongs to."""
    year, half = term.split("-")
    if half not in ("1", "2") or not year.isdigit():
        raise ValueError(f"term must be YYYY-1 or YYYY-2, got {term!r}")
    return dt.date(int(year) - (half == "1"), 8, 31)


def term_amounts(term: str, programme: str = PROGRAMME) -> dict[str, tuple[float, ...]]:
    """The correct amounts a term by compulsory stage, the standard first, from the national default of
    ``registry/rules/aid.toml`` (:func:`junheng.registry.aid.rules.load_aid_rules`)."""
    from junheng.registry.aid.rules import load_aid_rules, parse_term

    rules = load_aid_rules()
    prog = rules.programmes[programme]
    out = {st: prog.allowed(st, parse_term(term), rules.terms_per_year) for st in ("primary", "junior")}
    missing = [st for st, v in out.items() if not v]
    if missing:
        raise ValueError(f"{programme} has no amount for {', '.join(missing)} in {term}")
    return out


def build_aid_case(county_code: str = "130431", *, seed: int = 7, pupils: int | None = None,
                   faults: AidFaults | None = None, term: str = "2026-2", as_of: dt.date = dt.date(2026, 11, 30),
                   amounts: Mapping[str, tuple[float, ...]] | None = None) -> AidCase:
    """Build the audit case (see the module docstring).  ``pupils`` samples the roll down to that many
    pupils (default: every compulsory-age child of the county); ``faults`` defaults to
    ``AidFaults.for_pupils(pupils)``; ``amounts`` (stage → the correct amounts a term, the standard first)
    defaults to :func:`term_amounts`.  Raises ``ValueError`` when the roll has too few entitled pupils for
    the faults asked."""
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), int(county_code), 15]))
    tables = generate_county(county_code, seed=seed, teachers=False)
    children = _children(tables.child, term_cutoff(term))
    sy = tables.section_year
    sections = sy[sy["year"] == max(tables.years)]
    roll_idx = _roll_children(children, pupils, rng)
    faults = faults or AidFaults.for_pupils(len(roll_idx))
    pupil = _place(children.loc[roll_idx].reset_index(drop=True).assign(child=roll_idx), sections, tables.school,
                   rng)
    lists = _lists(children, rng)
    builder = _Builder(rng=rng, children=children, roll=pupil, lists=lists, faults=faults, term=term, as_of=as_of,
                       amounts=dict(amounts or term_amounts(term)), schools=tables.school)
    return builder.build()


# --------------------------------------------------------------------------- people


def _children(child: pd.DataFrame, cutoff: dt.date) -> pd.DataFrame:
    """The county's children with age on ``cutoff``, grade, stage, township and rural flag."""
    ch = child.reset_index(drop=True).copy()
    bd = pd.to_datetime(ch["birth_date"])
    later = (bd.dt.month > cutoff.month) | ((bd.dt.month == cutoff.month) & (bd.dt.day > cutoff.day))
    ch["age"] = cutoff.year - bd.dt.year - later.astype(int)
    ch["grade"] = ch["age"] - 5
    ch["stage"] = np.where(ch["grade"].between(1, 6), "primary", np.where(ch["grade"].between(7, 9), "junior", ""))
    ch["township_code"] = ch["residence_village_code"].astype(str).str[:9] + "000"
    ch["birth_date"] = bd.dt.strftime("%Y-%m-%d")
    return ch


def _roll_children(children: pd.DataFrame, pupils: int | None, rng: np.random.Generator) -> np.ndarray:
    idx = np.flatnonzero(children["stage"].to_numpy() != "")
    if pupils is not None and pupils < len(idx):
        idx = np.sort(rng.choice(idx, size=pupils, replace=False))
    return idx


def _place(pupil: pd.DataFrame, sections: pd.DataFrame, schools: pd.DataFrame,
           rng: np.random.Generator) -> pd.DataFrame:
    """Give each pupil a school of their township that teaches their grade (weighted by the grade's size)
    and a boarder flag drawn with the section's boarder share."""
    town_of = schools.set_index("code")["township_code"].astype(str)
    sec = sections[sections["stage"].isin(["primary", "junior"])].copy()
    sec["township_code"] = sec["school_code"].map(town_of)
    sec["boarder_share"] = (sec["boarders"] / sec["students"].where(sec["students"] > 0)).fillna(0.0)
    school = np.empty(len(pupil), dtype=object)
    share = np.zeros(len(pupil))
    for (stage, grade, town), rows in pupil.groupby(["stage", "grade", "township_code"]).groups.items():
        g = int(grade) if stage == "primary" else int(grade) - 6
        cand = sec[(sec["stage"] == stage) & (sec[f"students_g{g}"] > 0)]
        local = cand[cand["township_code"] == town]
        cand = local if len(local) else cand
        w = cand[f"students_g{g}"].to_numpy(float)
        pick = rng.choice(len(cand), size=len(rows), p=w / w.sum())
        pos = pupil.index.get_indexer(rows)
        school[pos] = cand["school_code"].to_numpy()[pick]
        share[pos] = cand["boarder_share"].to_numpy()[pick]
    out = pupil.copy()
    out["school_code"] = school
    out["boarder"] = rng.random(len(out)) < share
    out["student_id"] = "G" + out["id_number"].astype(str)
    return out


def _lists(children: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Difficulty-list membership of every child: ``list`` (poverty / dibao), ``category``; a child may
    have a row on each list."""
    n = len(children)
    rural = children["household_village_code"].notna() & ~children["residence_village_code"].astype(str).str[
        6:9].eq("100")
    u = rng.random(n)
    pov = np.full(n, "", dtype=object)
    pov[rural.to_numpy() & (u < POVERTY_SHARES["脱贫户"])] = "脱贫户"
    mon = rural.to_numpy() & (u >= POVERTY_SHARES["脱贫户"]) & (u < sum(POVERTY_SHARES.values()))
    pov[mon] = "监测户"
    dib = np.full(n, "", dtype=object)
    dib[children["low_income"].to_numpy(bool)] = "低保"
    v = rng.random(n)
    dib[v < DIBAO_SHARES["特困"]] = "特困"
    dib[(v >= DIBAO_SHARES["特困"]) & (v < sum(DIBAO_SHARES.values()))] = "孤儿"
    dib[children["disabled"].to_numpy(bool) & (dib == "")] = "残疾"
    rows = [pd.DataFrame({"child": np.flatnonzero(pov != ""), "list": "poverty", "category": pov[pov != ""]}),
            pd.DataFrame({"child": np.flatnonzero(dib != ""), "list": "dibao", "category": dib[dib != ""]})]
    return pd.concat(rows, ignore_index=True)


# --------------------------------------------------------------------------- noise


def mistype_digit(id_number: str, rng: np.random.Generator) -> str:
    """One of the first 17 digits changed to another digit."""
    k = int(rng.integers(0, 17))
    return id_number[:k] + str((int(id_number[k]) + 1 + int(rng.integers(0, 9))) % 10) + id_number[k + 1:]


def swap_digits(id_number: str, rng: np.random.Generator) -> str:
    """Two adjacent, different characters of the date, sequence or check part swapped."""
    ks = [k for k in range(6, 17) if id_number[k] != id_number[k + 1]]
    k = ks[int(rng.integers(len(ks)))]
    return id_number[:k] + id_number[k + 1] + id_number[k] + id_number[k + 2:]


def old_form(id_number: str) -> str:
    """The 15-digit pre-1999 form: century and check character dropped."""
    return id_number[:6] + id_number[8:17]


@lru_cache(maxsize=1)
def _s2t() -> Any:
    from opencc import OpenCC

    return OpenCC("s2t")


def traditional(name: str) -> str:
    """The name in traditional characters (OpenCC ``s2t``), or the name itself when none differs."""
    return str(_s2t().convert(name))


def dropped_middle(name: str) -> str:
    """A three-character name with its middle character dropped (张伟强 → 张强)."""
    return name[0] + name[2:] if len(name) == 3 else name


# --------------------------------------------------------------------------- the case


@dataclass
class _Builder:
    rng: np.random.Generator
    children: pd.DataFrame
    roll: pd.DataFrame
    lists: pd.DataFrame
    faults: AidFaults
    term: str
    as_of: dt.date
    amounts: dict[str, tuple[float, ...]]
    schools: pd.DataFrame

    def build(self) -> AidCase:
        self._twins()
        self._choose()
        payments = self._payments()
        payments = payments.sort_values(["paid_on", "school_code", "order"], kind="stable").reset_index(drop=True)
        year, half = self.term.split("-")
        payments["payment_id"] = [f"ZZ{year}{half}{k + 1:06d}" for k in range(len(payments))]
        truth = payments[["payment_id", "reason", "fault", "noise", "variant", "list_noise",
                          "true_student_id"]].rename(
            columns={"true_student_id": "student_id"})
        pay = payments[list(PAYMENT_COLUMNS)].copy()
        pay["paid_on"] = pay["paid_on"].map(lambda d: d.isoformat())
        pay["amount"] = pay["amount"].map(lambda a: f"{float(a):g}")
        roll = self.roll
        roll_out = pd.DataFrame(columns=list(ROLL_COLUMNS), data={
            "student_id": roll["student_id"], "id_number": roll["id_number"], "name": roll["name"],
            "sex": roll["sex"].map(SEX_ZH), "birth_date": roll["birth_date"], "school_code": roll["school_code"],
            "grade": roll["grade"].astype(int).astype(str), "status": "在读",
            "boarder": roll["boarder"].astype(int).astype(str)})
        attendance = pd.DataFrame({"student_id": roll["student_id"], "school_code": roll["school_code"],
                                   "present": np.where(self.absent_mask, "0", "1")})
        unpaid = pd.DataFrame({"student_id": roll.loc[self.sel["unpaid"], "student_id"].to_numpy(),
                               "id_number": roll.loc[self.sel["unpaid"], "id_number"].to_numpy(),
                               "programme": PROGRAMME}).sort_values("student_id", ignore_index=True)
        return AidCase(roll=roll_out.reset_index(drop=True), attendance=attendance.reset_index(drop=True),
                       difficulty=self._list_frames(), payments=pay, truth=truth.reset_index(drop=True),
                       unpaid=unpaid, term=self.term, as_of=self.as_of, faults=self.faults)

    # ---- twins: a sibling born the same day, on the same lists, in the same school and grade
    def _twins(self) -> None:
        roll, rng = self.roll, self.rng
        roll["on_list"] = roll["child"].isin(set(self.lists["child"]))
        entitled = np.flatnonzero((roll["boarder"] & roll["on_list"]).to_numpy())
        if len(entitled) < self.faults.twins:
            raise ValueError("too few entitled pupils for the twins asked")
        firsts = rng.choice(entitled, size=self.faults.twins, replace=False)
        taken = set(roll["id_number"]) | set(self.children["id_number"])
        rows: list[dict[str, object]] = []
        self.twin_of: dict[int, int] = {}
        for i in firsts:
            a = roll.loc[i]
            male = bool(rng.random() < 0.5)
            idn = _twin_id(str(a["id_number"]), male, taken, rng)
            taken.add(idn)
            given = draw_names(1, np.array([not male]), rng)[0][1:]
            name = a["name"][0] + given
            while name_key(name) == name_key(a["name"]):
                name = a["name"][0] + draw_names(1, np.array([not male]), rng)[0][1:]
            twin = a.copy()
            twin["id_number"], twin["name"], twin["sex"] = idn, name, "male" if male else "female"
            twin["student_id"] = "G" + idn
            twin["child"] = -1 - len(rows)  # not in 户籍: the list rows are added below
            rows.append(twin)
        twins = pd.DataFrame(rows)
        self.roll = pd.concat([roll, twins], ignore_index=True)
        n0 = len(roll)
        for k, i in enumerate(firsts):
            self.twin_of[int(i)] = n0 + k
        # the twin's list rows copy the first twin's (same household, same category)
        extra = []
        for k, i in enumerate(firsts):
            for r in self.lists[self.lists["child"] == roll.loc[i, "child"]].itertuples(index=False):
                extra.append({"child": -1 - k, "list": r.list, "category": r.category})
        self.lists = pd.concat([self.lists, pd.DataFrame(extra)], ignore_index=True)

    def _person(self, child: int) -> pd.Series:
        """A child of 户籍 (``child`` ≥ 0) or a twin (``child`` < 0, from the roll)."""
        if child >= 0:
            return self.children.loc[child]
        row = self.roll[self.roll["child"] == child].iloc[0]
        return row

    def _list_frames(self) -> dict[str, pd.DataFrame]:
        rng = self.rng
        out = {}
        for stem in ("poverty", "dibao"):
            rows = self.lists[self.lists["list"] == stem]
            recs = []
            for r in rows.itertuples(index=False):
                p = self._person(int(r.child))
                village = p["household_village_code"] if isinstance(p.get("household_village_code"), str) else p[
                    "residence_village_code"]
                rec = {"id_number": p["id_number"], "name": p["name"], "sex": SEX_ZH[p["sex"]],
                       "birth_date": p["birth_date"], "village_code": village, "category": r.category}
                noise = self.list_noise_of.get((stem, int(r.child)), "")
                if noise == "id_missing":
                    rec["id_number"] = ""
                elif noise == "id_digit":
                    rec["id_number"] = mistype_digit(rec["id_number"], rng)
                elif noise == "name_traditional":
                    rec["name"] = traditional(rec["name"])
                recs.append(rec)
            df = pd.DataFrame(recs, columns=list(LIST_COLUMNS))
            out[stem] = df.iloc[rng.permutation(len(df))].reset_index(drop=True)
        return out

    # ---- which pupils carry which fault or noise
    def _choose(self) -> None:
        roll, rng, f = self.roll, self.rng, self.faults
        twins = set(self.twin_of) | set(self.twin_of.values())
        # damage of list records (never a twin's: twins differ by given name only)
        self.list_noise_of: dict[tuple[str, int], str] = {}
        twin_children = set(roll.loc[list(twins), "child"])
        u = rng.random(len(self.lists))
        cut = np.cumsum(list(LIST_NOISE.values()))
        for j, r in enumerate(self.lists.itertuples(index=False)):
            if int(r.child) in twin_children or u[j] >= cut[-1]:
                continue
            kind = list(LIST_NOISE)[int(np.searchsorted(cut, u[j], side="right"))]
            self.list_noise_of[(str(r.list), int(r.child))] = kind
        boarder = roll["boarder"].to_numpy(bool)
        on_list = roll["on_list"].to_numpy(bool)
        entitled = np.flatnonzero(boarder & on_list)
        free = [int(i) for i in rng.permutation(entitled) if int(i) not in twins]
        three = [i for i in free if len(roll.loc[i, "name"]) == 3]
        sel: dict[str, list[int]] = {}

        def take(key: str, n: int, pool: list[int] | None = None) -> None:
            src = free if pool is None else [i for i in pool if i in set(free)]
            if len(src) < n:
                raise ValueError(f"too few entitled pupils for {n} {key}: enlarge the roll or ask fewer faults")
            sel[key] = src[:n]
            for i in src[:n]:
                free.remove(i)

        trad = [i for i in free if name_key(traditional(roll.loc[i, "name"])) == name_key(roll.loc[i, "name"])
                and traditional(roll.loc[i, "name"]) != roll.loc[i, "name"]]
        take("name_traditional", f.name_traditional, trad)
        take("name_dropped", f.name_dropped, three)
        for key in ("absent", "unpaid", "wrong_amount", "duplicate_same_school", "duplicate_other_school",
                    "id_digit", "id_swap", "id_15", "no_student_id", "id_digit_no_student_id",
                    "id_15_no_student_id"):
            take(key, getattr(f, key))
        not_boarder = [int(i) for i in rng.permutation(np.flatnonzero(~boarder & on_list))]
        not_listed = [int(i) for i in rng.permutation(np.flatnonzero(boarder & ~on_list))]
        for key, pool in (("not_boarder", not_boarder), ("not_on_list", not_listed)):
            n = getattr(f, key)
            if len(pool) < n:
                raise ValueError(f"too few pupils for {n} {key}")
            sel[key] = pool[:n]
        self.sel = sel
        absent = np.zeros(len(roll), dtype=bool)
        absent[sel["absent"]] = True
        not_entitled = np.flatnonzero(~(boarder & on_list))
        chosen = set(sel["not_boarder"]) | set(sel["not_on_list"])
        others = np.array([i for i in not_entitled if int(i) not in chosen], dtype=int)
        absent[others[rng.random(len(others)) < ABSENT_SHARE]] = True
        self.absent_mask = absent
        self.entitled = entitled

    # ---- the payment list
    def _payments(self) -> pd.DataFrame:
        roll, rng, sel = self.roll, self.rng, self.sel
        year = int(self.term.split("-")[0])
        first = dt.date(year, 9, 15) if self.term.endswith("-2") else dt.date(year, 3, 15)
        batch = {c: first + dt.timedelta(days=int(rng.integers(0, 50))) for c in sorted(set(roll["school_code"]))}
        label = {i: k for k, ids in sel.items() for i in ids}
        fault_of = {"absent": "not_attending", "wrong_amount": "wrong_amount", "not_boarder": "not_eligible",
                    "not_on_list": "not_eligible"}
        rows = []
        paid = [int(i) for i in self.entitled if label.get(int(i)) != "unpaid"]
        paid += sel["not_boarder"] + sel["not_on_list"]
        for i in paid:
            p = roll.loc[i]
            key = label.get(i, "")
            amount = self.amounts[p["stage"]][0]
            noise = "twin" if i in self.twin_of or i in self.twin_of.values() else ""
            row = self._row(p, paid_on=batch[p["school_code"]], amount=amount)
            if key == "wrong_amount":
                row["amount"] = self._wrong_amount(p["stage"])
            elif key in ("id_digit", "id_swap", "id_15", "no_student_id", "id_digit_no_student_id",
                         "id_15_no_student_id", "name_traditional", "name_dropped"):
                row.update(self._noisy(p, key))
                noise = key.replace("_no_student_id", "+no_student_id") if key != "no_student_id" else key
            if noise == "twin" and i in self.twin_of.values() and rng.random() < 0.5:
                row["student_id"] = ""
            row.update(reason=fault_of.get(key, ""), fault=key if key in fault_of else "", noise=noise, variant="")
            rows.append(row)
        for i in sel["duplicate_same_school"] + sel["duplicate_other_school"]:
            p = roll.loc[i]
            other = i in set(sel["duplicate_other_school"])
            school = self._other_school(p) if other else p["school_code"]
            later = batch[p["school_code"]] + dt.timedelta(days=int(rng.integers(7, 30)))
            row = self._row(p, paid_on=min(later, self.as_of), amount=self.amounts[p["stage"]][0], school=school)
            variant = ("", "name_traditional", "no_student_id", "id_digit")[int(rng.integers(0, 4))]
            if variant == "name_traditional" and traditional(p["name"]) == p["name"]:
                variant = "no_student_id"
            if variant:
                row.update(self._noisy(p, variant))
            row.update(reason="duplicate", fault="duplicate_other_school" if other else "duplicate_same_school",
                       noise="", variant=variant)
            rows.append(row)
        rows += self._ghosts(batch)
        df = pd.DataFrame(rows)
        df["programme"], df["term"] = PROGRAMME, self.term
        df["order"] = rng.permutation(len(df))
        return df

    def _row(self, p: pd.Series, *, paid_on: dt.date, amount: float, school: str | None = None) -> dict[str, object]:
        child = int(p["child"])
        lists = self.lists[self.lists["child"] == child]["list"]
        list_noise = "+".join(sorted(self.list_noise_of.get((str(s), child), "") for s in lists)).strip("+")
        return {"id_number": p["id_number"], "name": p["name"], "student_id": p["student_id"],
                "school_code": school or p["school_code"], "amount": amount, "paid_on": paid_on,
                "list_noise": list_noise, "true_student_id": p["student_id"]}

    def _noisy(self, p: pd.Series, key: str) -> dict[str, object]:
        idn, rng = str(p["id_number"]), self.rng
        out: dict[str, object] = {}
        if key.startswith("id_digit"):
            out["id_number"] = mistype_digit(idn, rng)
        elif key == "id_swap":
            out["id_number"] = swap_digits(idn, rng)
        elif key.startswith("id_15"):
            out["id_number"] = old_form(idn)
        elif key == "name_traditional":
            out["name"] = traditional(p["name"])
        elif key == "name_dropped":
            out["name"] = dropped_middle(p["name"])
        if key.endswith("no_student_id"):
            out["student_id"] = ""
        return out

    def _wrong_amount(self, stage: str) -> float:
        other = "junior" if stage == "primary" else "primary"
        right = self.amounts[stage][0]
        choices = [self.amounts[other][0], 2 * right, round(right * 0.8 / 50) * 50, right + 100]
        wrong = [c for c in choices if min(abs(c - a) for a in self.amounts[stage]) > 0.5]
        return float(wrong[int(self.rng.integers(len(wrong)))])

    def _other_school(self, p: pd.Series) -> str:
        same_stage = self.roll.loc[self.roll["stage"] == p["stage"], "school_code"].unique()
        cand = sorted(c for c in same_stage if c != p["school_code"])
        return str(cand[int(self.rng.integers(len(cand)))])

    def _ghosts(self, batch: dict[str, dt.date]) -> list[dict[str, object]]:
        """Invented pupils and borrowed identities of children not on the roll, paid at boarding schools."""
        rng, roll, f = self.rng, self.roll, self.faults
        boarding = roll[roll["boarder"]].groupby(["school_code", "stage"]).size().reset_index()[
            ["school_code", "stage"]]
        names_at = {(s, name_key(n)) for s, n in zip(roll["school_code"], roll["name"], strict=True)}
        near = _near_set(roll["id_number"])
        on_roll = set(roll["child"])
        out: list[dict[str, object]] = []
        ages = self.children["age"].to_numpy()
        borrowed = [int(i) for i in rng.permutation(np.flatnonzero((ages >= 6) & (ages <= 16)))
                    if int(i) not in on_roll]
        used: set[str] = set()
        while len(out) < f.ghost_invented + f.ghost_borrowed:
            b = boarding.iloc[int(rng.integers(len(boarding)))]
            school, stage = str(b["school_code"]), str(b["stage"])
            if len(out) < f.ghost_invented:
                age = int(rng.integers(6, 12)) if stage == "primary" else int(rng.integers(12, 15))
                birth = dt.date(self.as_of.year - age - 1, 9, 1) + dt.timedelta(days=int(rng.integers(0, 365)))
                male = bool(rng.random() < 0.5)
                body = f"{self.children['id_number'].iloc[0][:6]}{birth:%Y%m%d}{int(rng.integers(0, 500)) * 2 + male:03d}"
                idn = body + check_char(body)
                name = str(draw_names(1, np.array([not male]), rng)[0])
                fault = "ghost_invented"
            else:
                c = self.children.loc[borrowed.pop()]
                idn, name, fault = str(c["id_number"]), str(c["name"]), "ghost_borrowed"
            if idn in used or _near_keys(idn) & near or (school, name_key(name)) in names_at:
                continue
            used.add(idn)
            sid = "G" + idn if rng.random() < 0.5 else ""
            out.append({"id_number": idn, "name": name, "student_id": sid, "school_code": school,
                        "amount": self.amounts[stage][0], "paid_on": batch[school], "list_noise": "",
                        "true_student_id": "", "reason": "not_enrolled", "fault": fault, "noise": "",
                        "variant": ""})
        return out


def _twin_id(first: str, male: bool, taken: set[str], rng: np.random.Generator) -> str:
    """A twin's ID: the first twin's address and birth date, the nearest free sequence number of the right
    parity (odd for boys) — twins are registered together."""
    seq = int(first[14:17])
    for step in (1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6):
        s = seq + step
        if 0 <= s <= 999 and s % 2 == int(male):
            body = f"{first[:14]}{s:03d}"
            idn = body + check_char(body)
            if idn not in taken:
                return idn
    raise ValueError(f"no free sequence number near {first}")


def _near_keys(idn: str) -> set[str]:
    """Keys shared by IDs one substitution apart (the 17 digits with one position blanked), and the
    15-digit form."""
    body = idn[:17]
    return {body[:k] + "_" + body[k + 1:] for k in range(17)} | {old_form(idn)}


def _near_set(ids: pd.Series) -> set[str]:
    out: set[str] = set()
    for idn in ids.astype(str):
        out |= _near_keys(idn)
    return out
