"""Org-unit codes (统计用区划代码): 12 digits, 2+2+2+3+3 — province, city, county, township, village.

The one place that knows the code's levels.  The scope an org unit covers is the prefix left after its
trailing zero groups: 130431000000 (鸡泽县) covers every code starting 130431, 130431100000 (a township)
every code starting 130431100.  A 10-digit 学校标识码 is its own scope.
"""

from __future__ import annotations

LEVEL_LENGTHS = (2, 4, 6, 9, 12)
"""Digits of a province, city, county, township and village code (the rest are zeros)."""


def scope_prefix(code: str) -> str:
    """The code prefix an org unit covers: 130431000000 → 130431, 130431100000 → 130431100."""
    code = code.strip()
    if len(code) == 10:  # a school code is its own scope
        return code
    for length in LEVEL_LENGTHS[:-1]:
        if code[length:].strip("0") == "":
            return code[:length]
    return code


def padded(prefix: str) -> str:
    """The 12-digit code of a prefix: 130431 → 130431000000."""
    return prefix.ljust(12, "0")


def ancestors(code: str) -> list[str]:
    """The codes of the org units above ``code`` (province, city, …), each padded to 12 digits."""
    p = scope_prefix(code)
    return [padded(p[:n]) for n in LEVEL_LENGTHS[:-1] if n < len(p)]


def township_of(village_code: str | None) -> str | None:
    """The township a 12-digit village code lies in (130431100201 → 130431100000); ``None`` for anything else."""
    return padded(village_code[:9]) if village_code and len(village_code) == 12 else None
