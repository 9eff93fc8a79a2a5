"""Standard packs, plan packs and provincial overrides as the CLI and the web list and check them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from junheng.domain.orgcode import scope_prefix

if TYPE_CHECKING:
    from junheng.standards import PackIssue


@dataclass(frozen=True)
class PackInfo:
    """A pack shipped with Junheng: its code, name and source document (an override has neither).

    ``orgs`` are the org units a plan pack's targets name (empty: any county — a national standard, or a plan
    whose targets name no org unit)."""

    code: str
    name: str
    source: str
    group: str  # standards | plans | overrides
    orgs: tuple[str, ...] = ()

    def applies_to(self, county: str) -> bool:
        """Whether the pack is about ``county`` (12 digits): it names no org unit, or one inside the county or
        above it (a city plan's targets apply to its counties)."""
        c = scope_prefix(county)
        return not self.orgs or any(c.startswith(p) or p.startswith(c) for p in map(scope_prefix, self.orgs))


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
            orgs = tuple(sorted({v.org for t in p.targets for v in t.values if v.org}))
            out.append(PackInfo(code, p.name.strip(), p.source.strip(), group, orgs))
    return out


@lru_cache(maxsize=1)
def standard_codes() -> frozenset[str]:
    """The codes of the national standard packs (not plan packs): the runs that give a county its verdicts."""
    return frozenset(p.code for p in pack_catalogue(overrides=False) if p.group == "standards")


def check_pack_file(path: str | Path) -> list[PackIssue]:
    """Every error of a pack, plan or override file (file, key, what was expected); empty when valid."""
    from junheng.standards import check_pack_file as check

    return list(check(Path(path)))


def verdict_label(verdict: str) -> str:
    """The Chinese label of an assessment verdict (达标 / 未达标 / 待认定)."""
    from junheng.assess.results import VERDICT_ZH

    return VERDICT_ZH.get(verdict, verdict)
