"""The docs keep up with the code: every registry field and enum value is in the glossary."""

from __future__ import annotations

from pathlib import Path

from junheng.domain import enums as E
from junheng.domain import fields as F

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_glossary_lists_every_field_and_enum_value() -> None:
    text = (DOCS / "glossary.md").read_text(encoding="utf-8")
    missing = [f"{s.key}.{f.key}" for s in F.SHEETS for f in s.fields
               if f"| {f.zh} | `{f.key}` |" not in text]
    for cls in (E.OrgLevel, E.Stage, E.SchoolType, E.Ownership, E.AreaCategory, E.Sex, E.CoordSystem):
        missing += [f"{cls.__name__}.{m.value}" for m in cls if f"{m.label} `{m.value}`" not in text]
    assert not missing, f"add to docs/glossary.md: {missing}"
