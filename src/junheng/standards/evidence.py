"""Evidence for items that cannot be computed from the registry (佐证材料).

Most 政府保障程度 and 教育质量 items of 教督〔2017〕6号 (standards.md §1.2–§1.5)
are judged on documents, not data.  The officer records each one in a small
TOML or JSON file::

    [[evidence]]
    item = "gov_01_layout"          # the item (or plan target) code
    status = "met"                  # met | not_met | unknown  (veto items: met = 未发生)
    value = 0.93                    # optional number (survey rate, plan actual …)
    document = "县政府〔2024〕12号"  # document reference
    note = "布局规划已批复"
    by = "张三"                      # who recorded it
    date = "2025-09-20"             # when

JSON is the same records under ``{"evidence": [...]}`` or as a bare list.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from junheng.standards.schema import PackError, PackIssue

STATUSES = ("met", "not_met", "unknown")
_KEYS = {"item", "status", "value", "document", "note", "by", "date"}


@dataclass(frozen=True)
class Evidence:
    """One recorded judgement on an item, with its document, note, author and date."""

    item: str
    status: str = "unknown"
    value: float | None = None
    document: str = ""
    note: str = ""
    by: str = ""
    date: str = ""


def evidence_from_records(records: Iterable[Mapping[str, Any]], *, file: str = "<evidence>") -> dict[str, Evidence]:
    """Validate records and index them by item code; raises :class:`PackError` listing every problem."""
    issues: list[PackIssue] = []
    out: dict[str, Evidence] = {}
    for i, r in enumerate(records):
        key = f"evidence[{i}]"
        if not isinstance(r, Mapping):
            issues.append(PackIssue(file, key, "应为表 / expected a table"))
            continue
        for k in r:
            if k not in _KEYS:
                issues.append(PackIssue(file, f"{key}.{k}", f"未知的键 / unknown key (允许 / allowed: {', '.join(sorted(_KEYS))})"))
        if not r.get("item"):
            issues.append(PackIssue(file, f"{key}.item", "缺少项目代码 / item code missing"))
            continue
        status = r.get("status", "unknown")
        if status not in STATUSES:
            issues.append(PackIssue(file, f"{key}.status", f"取值应为 / must be one of {', '.join(STATUSES)}"))
            continue
        value = r.get("value")
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            issues.append(PackIssue(file, f"{key}.value", "应为数字 / expected a number"))
            continue
        if r["item"] in out:
            issues.append(PackIssue(file, f"{key}.item", f"重复的项目 / duplicate item {r['item']}"))
            continue
        out[r["item"]] = Evidence(
            item=str(r["item"]), status=status, value=None if value is None else float(value),
            document=str(r.get("document", "")), note=str(r.get("note", "")), by=str(r.get("by", "")),
            date=str(r.get("date", "")),
        )
    if issues:
        raise PackError(issues)
    return out


def load_evidence(path: str | Path) -> dict[str, Evidence]:
    """Read an evidence file (``.toml`` or ``.json``) into ``{item code: Evidence}``."""
    p = Path(path)
    try:
        if p.suffix.lower() == ".json":
            data: Any = json.loads(p.read_text(encoding="utf-8"))
        else:
            with p.open("rb") as fh:
                data = tomllib.load(fh)
    except (OSError, ValueError) as exc:
        raise PackError([PackIssue(str(p), "-", f"无法读取佐证文件 / cannot read evidence file: {exc}")]) from exc
    records = data.get("evidence", []) if isinstance(data, Mapping) else data
    if not isinstance(records, list):
        raise PackError([PackIssue(str(p), "evidence", "应为数组 / expected an array")])
    return evidence_from_records(records, file=str(p))
