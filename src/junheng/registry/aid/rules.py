"""Student-aid programmes as data: eligibility and amounts by term (``registry/rules/aid.toml``).

The national default ships in ``rules/aid.toml``; a province's table
(``[provinces."13"]``) and any override file with the same schema change only
the keys they give (tables are merged key by key; a list — ``amounts``,
``stages``, ``categories`` — is replaced whole).  Every file is checked on load:
a bad value is a :class:`AidRuleError` whose issues name the file, the dotted
key, what was expected and what was found, in the style of
:mod:`junheng.standards.schema`::

    county.toml: programmes.boarding_subsidy.amounts[0].junior: 应为非负数 / expected a number >= 0, got 'x'

Amounts carry ``source`` and ``confidence`` with the tags of
``shared/reference/standards.md`` (C confirmed, P partly confirmed, U unverified).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from junheng.registry.schoolage import read_rules_toml

STAGES = ("primary", "junior", "senior", "vocational")
"""学段 of a pupil: 小学, 初中, 普通高中, 中职."""
KINDS = ("payment", "waiver")
UNITS = ("year", "term", "day")
CONFIDENCE = ("C", "P", "U")

RULES_FILE = Path(str(resources.files("junheng.registry") / "rules" / "aid.toml"))
"""The shipped national default (and provincial tables, when any is shipped)."""

_TERM = re.compile(r"^(\d{4})-([12])$")


@dataclass(frozen=True, order=True)
class Term:
    """A school term: ``YYYY-1`` the spring term, ``YYYY-2`` the autumn term of year ``YYYY``."""

    year: int
    half: int

    def __str__(self) -> str:
        return f"{self.year}-{self.half}"


def parse_term(text: str) -> Term:
    """``"2026-2"`` → ``Term(2026, 2)``; ``ValueError`` for anything else."""
    m = _TERM.fullmatch(str(text).strip())
    if not m:
        raise ValueError(f"学期应为 YYYY-1（春季）或 YYYY-2（秋季）/ expected a term like 2026-2, got {text!r}")
    return Term(int(m.group(1)), int(m.group(2)))


@dataclass(frozen=True)
class Amount:
    """The amounts in force from ``start`` (until the next row): 元 per pupil in the programme's unit."""

    start: Term
    by_stage: Mapping[str, float]
    tiers: tuple[float, ...]
    source: str
    confidence: str


@dataclass(frozen=True)
class Programme:
    """One aid programme: who is eligible and how much each pupil gets per term."""

    code: str
    label: str
    kind: str
    stages: tuple[str, ...]
    grades: tuple[int, ...]
    categories: tuple[str, ...]  # empty: no difficulty list needed
    boarding: bool
    by_roll_school: bool
    in_force: bool
    unit: str
    days_per_term: int
    amounts: tuple[Amount, ...]
    source: str
    confidence: str

    def amount_row(self, term: Term) -> Amount | None:
        """The amount row in force in ``term`` (the latest that starts at or before it)."""
        rows = [a for a in self.amounts if a.start <= term]
        return max(rows, key=lambda a: a.start) if rows else None

    def per_term(self, value: float, terms_per_year: int) -> float:
        """An amount of the programme's unit as 元 per pupil per term."""
        if self.unit == "year":
            return round(value / terms_per_year, 2)
        if self.unit == "day":
            return round(value * self.days_per_term, 2)
        return float(value)

    def standard(self, stage: str, term: Term, terms_per_year: int) -> float | None:
        """The standard per-term amount for ``stage`` in ``term``; None when the programme has none."""
        row = self.amount_row(term)
        if row is None or stage not in row.by_stage:
            return None
        return self.per_term(row.by_stage[stage], terms_per_year)

    def allowed(self, stage: str, term: Term, terms_per_year: int) -> tuple[float, ...]:
        """The per-term amounts that are correct for ``stage`` in ``term``: the standard and the tiers."""
        row = self.amount_row(term)
        if row is None or stage not in row.by_stage:
            return ()
        return tuple(self.per_term(v, terms_per_year) for v in (row.by_stage[stage], *row.tiers))


@dataclass(frozen=True)
class Category:
    """A difficulty category and the words of a list's ``category`` cell that mean it."""

    code: str
    label: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class AidRules:
    """The programmes and categories after the national default, the province and the overrides."""

    programmes: Mapping[str, Programme]
    categories: Mapping[str, Category]
    terms_per_year: int
    origin: tuple[str, ...]

    @property
    def payment_codes(self) -> tuple[str, ...]:
        """Codes of the programmes paid to pupils (the payment list's ``programme`` values)."""
        return tuple(c for c, p in self.programmes.items() if p.kind == "payment")

    def categorise(self, text: str) -> tuple[str, ...]:
        """Category codes a ``category`` cell names (several may be joined by 、 , ; /)."""
        parts = [p.strip() for p in re.split(r"[、,，;；/|]", str(text)) if p.strip()]
        return tuple(c.code for c in self.categories.values() if any(w in p for p in parts for w in c.words))


class AidRuleError(ValueError):
    """An aid rules file is invalid; ``issues`` lists every problem (file: key: message)."""

    def __init__(self, issues: Iterable[str]):
        self.issues = tuple(issues)
        super().__init__("\n".join(self.issues))


# ---------------------------------------------------------------------------------------------------- loading
_PROGRAMME_KEYS = {"label", "kind", "stages", "grades", "categories", "boarding", "by_roll_school", "in_force",
                   "unit", "days_per_term", "amounts", "source", "confidence"}
_AMOUNT_KEYS = {"from", "tiers", "source", "confidence", *STAGES}
_TOP_KEYS = {"national", "categories", "programmes", "provinces", "name", "source"}


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and v >= 0


class _Checker:
    """Collects the issues of one file's document (partial: an override may give any subset of keys)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.issues: list[str] = []

    def bad(self, key: str, zh: str, en: str, value: Any) -> None:
        self.issues.append(f"{self.file}: {key}: {zh} / {en}, got {value!r}")

    def choice(self, key: str, v: Any, options: Iterable[str]) -> None:
        opts = tuple(options)
        if v not in opts:
            self.bad(key, f"应为 {'、'.join(opts)} 之一", f"expected one of {', '.join(opts)}", v)

    def text(self, key: str, v: Any) -> None:
        if not isinstance(v, str):
            self.bad(key, "应为文本", "expected text", v)

    def flag(self, key: str, v: Any) -> None:
        if not isinstance(v, bool):
            self.bad(key, "应为 true 或 false", "expected true or false", v)

    def list_of(self, key: str, v: Any, options: Iterable[str] | None = None) -> None:
        if not isinstance(v, list):
            self.bad(key, "应为列表", "expected a list", v)
            return
        opts = tuple(options) if options is not None else None
        for i, x in enumerate(v):
            if opts is None:
                self.text(f"{key}[{i}]", x)
            else:
                self.choice(f"{key}[{i}]", x, opts)

    def unknown(self, key: str, table: Mapping[str, Any], allowed: set[str]) -> None:
        for k in table:
            if k not in allowed:
                self.bad(f"{key}.{k}" if key else k, "未知的键", f"unknown key (allowed: {', '.join(sorted(allowed))})",
                         table[k])

    def category(self, key: str, t: Any) -> None:
        if not isinstance(t, Mapping):
            self.bad(key, "应为表", "expected a table", t)
            return
        self.unknown(key, t, {"label", "words"})
        if "label" in t:
            self.text(f"{key}.label", t["label"])
        if "words" in t:
            self.list_of(f"{key}.words", t["words"])

    def amount(self, key: str, a: Any) -> None:
        if not isinstance(a, Mapping):
            self.bad(key, "应为表", "expected a table", a)
            return
        self.unknown(key, a, _AMOUNT_KEYS)
        if "from" not in a:
            self.bad(f"{key}.from", "缺少起始学期", "the first term is missing", None)
        else:
            try:
                parse_term(a["from"])
            except ValueError:
                self.bad(f"{key}.from", "应为学期，如 2026-2", "expected a term like 2026-2", a["from"])
        for s in STAGES:
            if s in a and not _number(a[s]):
                self.bad(f"{key}.{s}", "应为非负数", "expected a number >= 0", a[s])
        if not any(s in a for s in STAGES):
            self.bad(key, "至少给出一个学段的金额", f"expected an amount for one of {', '.join(STAGES)}", dict(a))
        if "tiers" in a and (not isinstance(a["tiers"], list) or not all(_number(x) for x in a["tiers"])):
            self.bad(f"{key}.tiers", "应为非负数的列表", "expected a list of numbers >= 0", a["tiers"])
        for k in ("source",):
            if k in a:
                self.text(f"{key}.{k}", a[k])
        if "confidence" in a:
            self.choice(f"{key}.confidence", a["confidence"], CONFIDENCE)

    def programme(self, key: str, t: Any) -> None:
        if not isinstance(t, Mapping):
            self.bad(key, "应为表", "expected a table", t)
            return
        self.unknown(key, t, _PROGRAMME_KEYS)
        checks = {"label": self.text, "source": self.text, "boarding": self.flag, "by_roll_school": self.flag,
                  "in_force": self.flag}
        for k, fn in checks.items():
            if k in t:
                fn(f"{key}.{k}", t[k])
        if "kind" in t:
            self.choice(f"{key}.kind", t["kind"], KINDS)
        if "unit" in t:
            self.choice(f"{key}.unit", t["unit"], UNITS)
        if "confidence" in t:
            self.choice(f"{key}.confidence", t["confidence"], CONFIDENCE)
        if "stages" in t:
            self.list_of(f"{key}.stages", t["stages"], STAGES)
        if "categories" in t:
            self.list_of(f"{key}.categories", t["categories"])
        if "grades" in t and (not isinstance(t["grades"], list)
                              or not all(isinstance(g, int) and not isinstance(g, bool) and 1 <= g <= 12
                                         for g in t["grades"])):
            self.bad(f"{key}.grades", "应为 1 至 12 的整数列表", "expected a list of grades 1 … 12", t["grades"])
        if "days_per_term" in t and not (isinstance(t["days_per_term"], int) and 0 < t["days_per_term"] <= 200):
            self.bad(f"{key}.days_per_term", "应为 1 至 200 的整数", "expected a whole number 1 … 200",
                     t["days_per_term"])
        if "amounts" in t:
            if not isinstance(t["amounts"], list):
                self.bad(f"{key}.amounts", "应为表的数组 [[…amounts]]", "expected an array of tables", t["amounts"])
            else:
                for i, a in enumerate(t["amounts"]):
                    self.amount(f"{key}.amounts[{i}]", a)

    def document(self, doc: Mapping[str, Any], prefix: str = "") -> None:
        """Check a rules document (``prefix`` names where it sits in the file, e.g. ``provinces.13.``)."""
        self.unknown(prefix.rstrip("."), doc, _TOP_KEYS if not prefix else _TOP_KEYS - {"provinces"})
        national = doc.get("national", {})
        if not isinstance(national, Mapping):
            self.bad(f"{prefix}national", "应为表", "expected a table", national)
        else:
            self.unknown(f"{prefix}national", national, {"name", "source", "terms_per_year"})
            tpy = national.get("terms_per_year", 2)
            if tpy not in (1, 2, 3, 4) or isinstance(tpy, bool):
                self.bad(f"{prefix}national.terms_per_year", "应为 1 至 4 的整数", "expected 1 … 4", tpy)
        for section, fn in (("categories", self.category), ("programmes", self.programme)):
            tables = doc.get(section, {})
            if not isinstance(tables, Mapping):
                self.bad(f"{prefix}{section}", "应为表", "expected a table", tables)
                continue
            for code, t in tables.items():
                fn(f"{prefix}{section}.{code}", t)


def _merge(base: dict[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``patch`` merged in, tables key by key, any other value (lists too) replaced."""
    out = dict(base)
    for k, v in patch.items():
        out[k] = _merge(out[k], v) if isinstance(v, Mapping) and isinstance(out.get(k), Mapping) else v
    return out


def _build(doc: Mapping[str, Any], where: str, origin: tuple[str, ...]) -> AidRules:
    """The frozen rules of the merged document; completeness and cross-references are checked here."""
    chk = _Checker(where)
    cats = {code: Category(code, str(t.get("label", code)), tuple(t.get("words", ())))
            for code, t in doc.get("categories", {}).items()}
    programmes: dict[str, Programme] = {}
    for code, t in doc.get("programmes", {}).items():
        key = f"programmes.{code}"
        for k in ("label", "kind", "stages"):
            if k not in t:
                chk.bad(f"{key}.{k}", "缺少该键", "the key is missing", None)
        for i, c in enumerate(t.get("categories", [])):
            if c not in cats:
                chk.bad(f"{key}.categories[{i}]", f"应为已定义的类别 {'、'.join(cats)}",
                        f"expected a category defined under [categories] ({', '.join(cats)})", c)
        if t.get("kind") == "payment" and not t.get("amounts"):
            chk.bad(f"{key}.amounts", "发放类项目须有金额", "a payment programme needs amounts", t.get("amounts"))
        if t.get("unit", "year") == "day" and "days_per_term" not in t:
            chk.bad(f"{key}.days_per_term", "按天计的项目须给出每学期天数", "a per-day programme needs days_per_term",
                    None)
        amounts = tuple(Amount(parse_term(a["from"]), {s: float(a[s]) for s in STAGES if s in a},
                               tuple(float(x) for x in a.get("tiers", ())), str(a.get("source", "")),
                               str(a.get("confidence", "U"))) for a in t.get("amounts", []))
        if len({a.start for a in amounts}) != len(amounts):
            chk.bad(f"{key}.amounts", "起始学期重复", "two rows start in the same term", [str(a.start) for a in amounts])
        programmes[code] = Programme(
            code=code, label=str(t.get("label", code)), kind=str(t.get("kind", "payment")),
            stages=tuple(t.get("stages", ())), grades=tuple(t.get("grades", ())),
            categories=tuple(t.get("categories", ())), boarding=bool(t.get("boarding", False)),
            by_roll_school=bool(t.get("by_roll_school", True)), in_force=bool(t.get("in_force", True)),
            unit=str(t.get("unit", "year")), days_per_term=int(t.get("days_per_term", 0)), amounts=amounts,
            source=str(t.get("source", "")), confidence=str(t.get("confidence", "U")))
    if chk.issues:
        raise AidRuleError(chk.issues)
    tpy = int(doc.get("national", {}).get("terms_per_year", 2))
    return AidRules(programmes, cats, tpy, origin)


def _province_key(province: str) -> str:
    code = str(province).strip()
    if len(code) < 2 or not code[:2].isdigit():
        raise AidRuleError([f"province: 应为省级区划代码前两位，如 13 / expected a province code such as 13, "
                            f"got {province!r}"])
    return code[:2]


def load_aid_rules(province: str | None = None, overrides: Iterable[str | Path] = (), *,
                   rules_file: str | Path | None = None) -> AidRules:
    """The national default, then the province's table (``[provinces."13"]``) if the rules file has one, then
    each override file in order.  Raises :class:`AidRuleError` listing every invalid key or value."""
    path = Path(rules_file) if rules_file is not None else RULES_FILE
    raw = read_rules_toml(path, AidRuleError)
    chk = _Checker(path.name)
    chk.document(raw)
    provinces = raw.pop("provinces", {}) or {}
    doc = raw
    origin = [str(raw.get("national", {}).get("name", path.name))]
    if province is not None:
        key = _province_key(province)
        table = provinces.get(key) if isinstance(provinces, Mapping) else None
        if isinstance(table, Mapping):
            chk.document(table, prefix=f"provinces.{key}.")
            doc = _merge(doc, table)
            origin.append(f"{path.name} [provinces.{key}]")
    issues = list(chk.issues)
    for ov in overrides:
        p = Path(ov)
        ov_doc = read_rules_toml(p, AidRuleError)
        ov_chk = _Checker(p.name)
        ov_chk.document(ov_doc)
        ov_doc.pop("provinces", None)
        issues.extend(ov_chk.issues)
        doc = _merge(doc, ov_doc)
        origin.append(p.name)
    if issues:
        raise AidRuleError(issues)
    return _build(doc, " + ".join(origin), tuple(origin))
