"""The web docs and catalogue keep up: every setting is documented; every UI string has its English entry."""

from __future__ import annotations

import re
from pathlib import Path

from junheng.services.settings import SETTINGS, Settings
from junheng.web.i18n import EN

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_documented_and_a_field() -> None:
    text = (ROOT / "docs" / "dev" / "web.md").read_text(encoding="utf-8")
    fields = set(Settings.__dataclass_fields__)
    for s in SETTINGS:
        assert f"| `{s.name}` |" in text, f"document setting {s.name} in docs/dev/web.md"
        assert s.name in fields


def test_every_template_string_has_english() -> None:
    missing = set()
    for p in (ROOT / "src" / "junheng" / "web" / "templates").glob("*.html"):
        for m in re.finditer(r"""\bt\(\s*["']([^"']+)["']\s*\)""", p.read_text(encoding="utf-8")):
            if m.group(1) not in EN:
                missing.add(m.group(1))
    assert not missing, f"add to junheng/web/i18n.py EN: {sorted(missing)}"
