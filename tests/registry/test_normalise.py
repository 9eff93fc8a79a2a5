"""Normalisation of IDs, names, sexes and dates (known answers worked by hand)."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from junheng.domain.idnumber import check_char
from junheng.registry.normalise import (
    name_key,
    name_pinyin,
    normalise_ids,
    normalise_names,
    normalise_sex,
    parse_dates,
)


def test_name_key_width_spaces_traditional() -> None:
    assert name_key("張　偉強") == "张伟强"  # traditional + ideographic space
    assert name_key("王 芳") == "王芳"
    assert name_key("ＬＩ") == "li"  # full-width Latin → half width, lower case
    assert name_key("阿卜杜·热合曼") == "阿卜杜热合曼"  # middle dot of minority names
    assert name_key("陳靜怡") == "陈静怡"


def test_pinyin_homophones_agree() -> None:
    # 子豪 / 子浩: different characters, same toneless pinyin
    assert name_pinyin("刘子豪")[0] == name_pinyin("刘子浩")[0] == "liuzihao"
    assert name_pinyin("刘子豪")[1] == "lzh"


def test_normalise_names_frame() -> None:
    out = normalise_names(pd.Series(["張偉強", "", "张伟强"]))
    assert list(out["name_key"].fillna("")) == ["张伟强", "", "张伟强"]
    assert out.loc[0, "pinyin_initials"] == "zwq"


def test_ids_valid_upgraded_invalid_missing() -> None:
    body = "13043120150312001"
    good = body + check_char(body)  # 13043120150312001X
    assert good.endswith("X")
    old_body = "13043119880101001"  # an adult's 15-digit number 130431880101001
    ids = normalise_ids(pd.Series([good, good.lower(), "130431880101001", good[:-1] + "0", "", "12345"]))
    assert list(ids["id_status"]) == ["valid", "valid", "upgraded", "invalid", "missing", "invalid"]
    assert ids.loc[2, "id_number"] == old_body + check_char(old_body)
    assert ids.loc[2, "id_birth_date"] == "1988-01-01"
    assert ids.loc[0, "id_sex"] == "male"  # 17th digit 1 is odd
    assert pd.isna(ids.loc[3, "id_number"])


def test_fifteen_digit_child_takes_century_from_birth_date() -> None:
    body = "13043120140215005"
    full = body + check_char(body)
    short = full[:6] + full[8:17]
    ids = normalise_ids(pd.Series([short]), birth_hint=pd.Series(["2014-02-15"]))
    assert ids.loc[0, "id_number"] == full and ids.loc[0, "id_status"] == "upgraded"
    plain = normalise_ids(pd.Series([short]))  # no hint: "19" by the standard
    assert plain.loc[0, "id_birth_date"] == "1914-02-15"


def test_full_width_digits_in_id() -> None:
    body = "13043120150312001"
    good = body + check_char(body)
    wide = "".join(chr(ord(c) + 0xFEE0) for c in good)
    assert normalise_ids(pd.Series([wide])).loc[0, "id_number"] == good


def test_sex_and_dates() -> None:
    assert list(normalise_sex(pd.Series(["男", "F", "2", "x"])).fillna("?")) == ["male", "female", "female", "?"]
    got = parse_dates(pd.Series(["2015/3/4", "20150304", "2015.03.04", "2015年3月4日", "notadate"]))
    assert list(got.fillna("?")) == ["2015-03-04"] * 4 + ["?"]


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_every_check_character_validates_and_one_digit_change_fails(body: str) -> None:
    full = body + check_char(body)
    ids = normalise_ids(pd.Series([full]))
    dated = ids.loc[0, "id_status"] == "valid"
    # A valid date in positions 7-14 is needed; otherwise the number is invalid whatever its check.
    import datetime as dt
    try:
        d = dt.date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
        real = 1900 <= d.year <= 2100  # the accepted range of birth years
    except ValueError:
        real = False
    assert dated == real
    if real:
        changed = full[:5] + str((int(full[5]) + 1) % 10) + full[6:]
        assert normalise_ids(pd.Series([changed])).loc[0, "id_status"] == "invalid"
