"""The assessment as plain data: the stable JSON schema ``junheng.assessment/1``.

``docs/assessment-json.md`` documents every field; the web app and other tools
read this.  Numbers are full precision (rounding is for display only,
standards.md §2.1); NaN and infinity become ``null``.  Adding fields is a
compatible change; renaming or removing one needs ``junheng.assessment/2``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from junheng.assess.results import STATUS_ZH, VERDICT_ZH, Assessment
from junheng.standards.evidence import Evidence

SCHEMA = "junheng.assessment/1"
UNIT_FIELDS = ("unit_code", "stage", "name", "school_type", "ownership", "area", "township_code", "n_sites",
               "students", "n_indicators", "n_pass", "school_verdict", "pass_rule")
VALUE_FIELDS = ("numerator", "denominator", "value", "threshold", "floor", "ratio", "passed", "gap", "gap_floor",
                "must_fix_gap")


def _num(x: Any) -> Any:
    if x is None or x is pd.NA:
        return None
    if isinstance(x, bool):
        return x
    try:
        f = float(x)
    except (TypeError, ValueError):
        return x
    if math.isnan(f) or math.isinf(f):
        return None
    return int(f) if float(f).is_integer() and isinstance(x, int) else f


def _clean(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if isinstance(x, str):
        return x
    if x is None or x is pd.NA:
        return None
    if hasattr(x, "item") and not isinstance(x, str):  # numpy scalars
        x = x.item()
    if isinstance(x, float | int):
        return _num(x)
    try:
        if pd.isna(x):
            return None
    except (TypeError, ValueError):
        pass
    return x


def _evidence(ev: Evidence | None) -> dict[str, Any] | None:
    if ev is None:
        return None
    return {"status": ev.status, "value": ev.value, "document": ev.document, "note": ev.note, "by": ev.by,
            "date": ev.date}


def assessment_to_dict(a: Assessment, *, top_contributors: int = 5) -> dict[str, Any]:
    """The assessment as JSON-ready data (schema ``junheng.assessment/1``)."""
    units = []
    if not a.units.empty:
        vals = a.values.set_index(["unit_code", "stage"])
        by_unit = {k: g for k, g in vals.groupby(level=[0, 1], sort=False)}
        for row in a.units.to_dict("records"):
            u = {k: row.get(k) for k in UNIT_FIELDS}
            u["sites"] = str(row.get("sites", row["unit_code"])).split(";")
            u["verdict_zh"] = VERDICT_ZH.get(str(row.get("school_verdict")), "")
            g = by_unit.get((row["unit_code"], row["stage"]))
            u["values"] = [] if g is None else [
                {"indicator": r["indicator"], **{k: r[k] for k in VALUE_FIELDS}} for r in g.to_dict("records")
            ]
            units.append(u)
    cvs = []
    for c in a.cvs:
        t = a.cv_terms[(a.cv_terms["stage"] == c.stage) & (a.cv_terms["indicator"] == c.indicator)]
        top = t.nlargest(top_contributors, "variance_share")
        cvs.append({**c.__dict__, "top_contributors": top[["unit_code", "value", "students", "variance_share",
                                                              "cv_without"]].to_dict("records")})
    items = []
    for it in a.items:
        d = {k: v for k, v in it.__dict__.items() if k not in ("evidence", "extra")}
        d["status_zh"] = STATUS_ZH.get(it.status, it.status)
        d["evidence"] = _evidence(it.evidence)
        d["extra"] = dict(it.extra)
        det = a.item_details[a.item_details["item"] == it.code]
        d["details"] = det.drop(columns=["item"]).to_dict("records")
        items.append(d)
    targets = []
    for t in a.targets:
        d = {k: v for k, v in t.__dict__.items() if k != "evidence"}
        d["status_zh"] = STATUS_ZH.get(t.status, t.status)
        d["evidence"] = _evidence(t.evidence)
        targets.append(d)
    out = {
        "schema": SCHEMA,
        "pack": {"code": a.pack_code, "name": a.pack_name, "source": a.pack_source, "kind": a.kind,
                 "overrides": list(a.overrides), "parameters": dict(a.parameters)},
        "year": a.year,
        "verdict": a.verdict,
        "verdict_zh": VERDICT_ZH[a.verdict],
        "reasons": list(a.reasons),
        "parts": [{**p.__dict__, "verdict_zh": VERDICT_ZH[p.verdict]} for p in a.parts],
        "indicators": [dict(i) for i in a.indicators],
        "units": units,
        "cvs": cvs,
        "composite_cvs": [c.__dict__ for c in a.composite_cvs],
        "items": items,
        "targets": targets,
        "notes": list(a.notes),
    }
    cleaned: dict[str, Any] = _clean(out)
    return cleaned


def write_json(a: Assessment, path: str | Path) -> Path:
    """Write :func:`assessment_to_dict` as UTF-8 JSON (Chinese kept readable)."""
    p = Path(path)
    p.write_text(json.dumps(assessment_to_dict(a), ensure_ascii=False, indent=1), encoding="utf-8")
    return p
