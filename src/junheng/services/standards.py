"""Standard packs, plan packs and provincial overrides as the CLI and the web list and check them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from junheng.standards import PackIssue


@dataclass(frozen=True)
class PackInfo:
    """A pack shipped with Junheng: its code, name and source document (an override has neither)."""

    code: str
    name: str
    source: str
    group: str  # standards | plans | overrides


def pack_catalogue(*, overrides: bool = True) -> list[PackInfo]:
    """Every pack shipped with Junheng, by group; ``overrides=False`` leaves out the provincial overrides
    (they are applied to a pack, not chosen instead of one)."""
    from junheng.standards import list_packs, load_pack

    out = []
    for group, codes in list_packs().items():
        for code in codes:
            if group == "overrides":
                if overrides:
                    out.append(PackInfo(code, "", "", group))
                continue
            p = load_pack(code)
            out.append(PackInfo(code, p.name.strip(), p.source.strip(), group))
    return out


def check_pack_file(path: str | Path) -> list[PackIssue]:
    """Every error of a pack, plan or override file (file, key, what was expected); empty when valid."""
    from junheng.standards import check_pack_file as check

    return list(check(Path(path)))


def verdict_label(verdict: str) -> str:
    """The Chinese label of an assessment verdict (达标 / 未达标 / 待认定)."""
    from junheng.assess.results import VERDICT_ZH

    return VERDICT_ZH.get(verdict, verdict)
