"""GB 11643-1999 identity numbers, checked against the standard's own example."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from junheng.domain.idnumber import (
    IdNumberError,
    check_char,
    check_chars_vectorised,
    mask_id_number,
    mask_name,
    parse_id_number,
)

# The example in GB 11643-1999 itself: 11010519491231002X.
# Hand computation of its check character, weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2:
#   1*7 + 1*9 + 0*10 + 1*5 + 0*8 + 5*4 + 1*2 + 9*1 + 4*6 + 9*3 + 1*7 + 2*9 + 3*10 + 1*5 + 0*8 + 0*4 + 2*2
#   = 7 + 9 + 0 + 5 + 0 + 20 + 2 + 9 + 24 + 27 + 7 + 18 + 30 + 5 + 0 + 0 + 4 = 167;  167 mod 11 = 2 → "X"
STANDARD_EXAMPLE = "11010519491231002X"


def test_check_char_of_the_standard_example() -> None:
    assert check_char(STANDARD_EXAMPLE[:17]) == "X"


def test_parse_valid_number() -> None:
    n = parse_id_number(STANDARD_EXAMPLE.lower())  # lower-case x accepted
    assert n.value == STANDARD_EXAMPLE
    assert n.birth_date == dt.date(1949, 12, 31)
    assert n.sex == "female"  # 17th digit 2 is even
    assert not n.upgraded


def test_fifteen_digit_number_is_upgraded() -> None:
    # 15-digit form of the same person: 110105 491231 002 → insert "19", append check character.
    n = parse_id_number("110105491231002")
    assert n.value == STANDARD_EXAMPLE
    assert n.upgraded


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("110105194912310021", "校验码错误：应为 X"),
        ("11010519491331002X", "出生日期"),  # month 13
        ("1101051949123100", "16 位"),
        ("11010519491231002Y", "末位"),
        ("11010549123100A", "只能包含数字"),
    ],
)
def test_defects_are_named(text: str, fragment: str) -> None:
    with pytest.raises(IdNumberError) as exc:
        parse_id_number(text)
    assert fragment in exc.value.reason


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_vectorised_check_agrees_with_scalar(first17: str) -> None:
    arr = np.frombuffer(first17.encode(), dtype=np.uint8).reshape(1, 17) - 48
    assert check_chars_vectorised(arr)[0] == check_char(first17)


def test_masks() -> None:
    assert mask_id_number(STANDARD_EXAMPLE) == "110105********002X"
    assert mask_name("张三丰") == "张**"
