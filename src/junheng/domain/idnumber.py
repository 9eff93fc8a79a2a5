"""Resident identity numbers (公民身份号码), GB 11643-1999.

An 18-character number is 6 digits of address code, 8 of birth date
(YYYYMMDD), 3 of sequence (odd for men, even for women) and one check
character computed by ISO 7064 MOD 11-2: the weighted sum of the first 17
digits with weights 2^(17-i) mod 11 is taken mod 11 and mapped through
``10X98765432``.  A 15-digit number (pre-1999) has a 2-digit year, which is
"19" + YY, and no check character; upgrading inserts "19" and appends the
check character.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"


class IdNumberError(ValueError):
    """An identity number that cannot be accepted; ``reason`` says why in Chinese."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_char(first17: str) -> str:
    """The GB 11643-1999 check character of the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


@dataclass(frozen=True)
class IdNumber:
    value: str  # always 18 characters
    birth_date: dt.date
    sex: str  # "male" | "female"
    upgraded: bool  # True when given as 15 digits


def parse_id_number(text: str) -> IdNumber:
    """Validate an identity number, upgrading a 15-digit one to 18 characters.

    Raises ``IdNumberError`` with a Chinese reason on any defect: length,
    characters, birth date, or check character.
    """
    s = str(text).strip().upper().replace(" ", "")
    upgraded = False
    if len(s) == 15:
        if not s.isdigit():
            raise IdNumberError("15 位身份证号只能包含数字")
        body = s[:6] + "19" + s[6:]
        s = body + check_char(body)
        upgraded = True
    elif len(s) != 18:
        raise IdNumberError(f"身份证号应为 18 位（或 15 位），实为 {len(s)} 位")
    if not s[:17].isdigit() or not (s[17].isdigit() or s[17] == "X"):
        raise IdNumberError("身份证号前 17 位应为数字，末位为数字或 X")
    try:
        birth = dt.date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        raise IdNumberError(f"身份证号中的出生日期 {s[6:14]} 无效") from None
    if birth.year < 1900:
        raise IdNumberError(f"身份证号中的出生日期 {s[6:14]} 无效")
    expected = check_char(s[:17])
    if s[17] != expected:
        raise IdNumberError(f"身份证号校验码错误：应为 {expected}，实为 {s[17]}")
    sex = "male" if int(s[16]) % 2 == 1 else "female"
    return IdNumber(s, birth, sex, upgraded)


def check_chars_vectorised(first17: np.ndarray) -> np.ndarray:
    """Check characters for an (n, 17) uint8 array of digits; returns an array of str."""
    total = (first17.astype(np.int64) * np.asarray(WEIGHTS, dtype=np.int64)).sum(axis=1) % 11
    chars: np.ndarray = np.asarray(list(CHECK_CHARS))[total]
    return chars


def mask_id_number(value: str | None) -> str:
    """Mask an identity number for display: first 6 and last 4 characters kept."""
    if not value:
        return ""
    s = str(value)
    if len(s) <= 10:
        return "*" * len(s)
    return s[:6] + "*" * (len(s) - 10) + s[-4:]


def mask_student_id(value: str | None) -> str:
    """Mask a 学籍号 for display when it carries an ID number (the national form is G + the 18-character ID
    number, which would give a masked ID away): then as :func:`mask_id_number`; a short local number is kept."""
    if not value:
        return ""
    s = str(value)
    return mask_id_number(s) if len(s) >= 15 else s


def mask_name(value: str | None) -> str:
    """Mask a personal name for display: the family name kept (张**)."""
    if not value:
        return ""
    s = str(value)
    return s[0] + "*" * (len(s) - 1) if len(s) > 1 else "*"
