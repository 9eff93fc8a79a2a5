"""Normalisation of person fields before comparison: identity numbers and names.

Identity numbers follow GB 11643-1999 (see :mod:`junheng.domain.idnumber`): a
15-digit number is upgraded to 18 characters ("19" inserted, check character
appended), an 18-character one must carry the right ISO 7064 MOD 11-2 check
character and a real birth date.  Unlike the school-census import, a defective
number in a department's person list does not reject the file: real registries
hold missing and mistyped numbers, and those records go to probabilistic
linkage instead of the exact join (``id_status`` says which).

Names are compared on a key that removes the differences clerks introduce
without meaning to: full-width forms (NFKC), spaces and the middle dots of
minority names, traditional characters (converted to simplified with OpenCC's
``t2s`` dictionary); the key's pinyin (toneless) is kept so that homophones
typed with a different character still agree.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import numpy as np
import pandas as pd

from junheng.domain.idnumber import CHECK_CHARS, WEIGHTS

TEXT = "string[pyarrow]"  # Arrow-backed text: the .str methods run in C++, not per cell in Python
ID_VALID = "valid"
ID_UPGRADED = "upgraded"  # given as 15 digits, upgraded to 18
ID_INVALID = "invalid"
ID_MISSING = "missing"

_DROP = {ord(c): None for c in " \t\r\n\u3000·•・．.-_"}


@lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    """OpenCC's traditional → simplified character table (``TSCharacters.txt``) for ``str.translate``.

    Names are converted character by character: OpenCC's phrase tables serve running text,
    and a name's characters do not form phrases.
    """
    from pathlib import Path

    import opencc

    table: dict[int, str] = {}
    path = Path(opencc.__file__).with_name("dictionary") / "TSCharacters.txt"
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and len(parts[0]) == 1:
            table[ord(parts[0])] = parts[1]
    return table


@lru_cache(maxsize=65536)
def _char_pinyin(ch: str) -> str:
    from pypinyin import lazy_pinyin

    return lazy_pinyin(ch, errors="default")[0] if ch else ""


def name_key(name: str) -> str:
    """The comparison key of one name: NFKC (full → half width), no spaces or dots, simplified.

    >>> name_key(" 張　偉強 ")
    '张伟强'
    """
    s = unicodedata.normalize("NFKC", str(name)).translate(_DROP)
    return s.translate(_t2s_table()).lower()


def name_pinyin(key: str) -> tuple[str, str]:
    """Toneless pinyin of a name key (``"zhangweiqiang"``) and its initials, character by character."""
    syllables = [_char_pinyin(c) for c in key]
    return "".join(syllables), "".join(s[0] for s in syllables if s)


def names_agree(key_a: str, pinyin_a: str, key_b: str, pinyin_b: str) -> bool:
    """Whether two normalised names can be one person's: the same key (traditional and full-width forms are
    folded by :func:`name_key`), the same toneless pinyin (a homophone typed for a character), or the same surname
    with one character dropped from the other (a 3-character name written with 2).  Two different given names
    of one surname (twins: 张伟 / 张强) do not agree, nor do two surnames.

    >>> names_agree("张伟强", "zhangweiqiang", "张强", "zhangqiang")
    True
    >>> names_agree("张伟", "zhangwei", "张强", "zhangqiang")
    False
    """
    if not key_a or not key_b:
        return False
    if key_a == key_b or (pinyin_a and pinyin_a == pinyin_b):
        return True
    short, long_ = sorted((key_a, key_b), key=len)
    if len(long_) - len(short) != 1 or short[0] != long_[0]:
        return False
    return any(long_[:i] + long_[i + 1:] == short for i in range(1, len(long_)))


def normalise_names(names: pd.Series) -> pd.DataFrame:
    """``name_key``, ``name_pinyin`` and ``pinyin_initials`` for a column of names.

    Each distinct name is converted once, so ten million rows with a few hundred
    thousand distinct names take seconds.
    """
    values = names.astype(TEXT).fillna("")
    # Factorise the Arrow column itself: only the distinct names become Python strings.
    codes, uniques_arr = pd.factorize(values)
    uniques = [str(u) for u in uniques_arr]
    keys = {u: name_key(u) for u in uniques}
    pin = {k: name_pinyin(k) for k in set(keys.values())}
    key_u = np.array([keys[u] for u in uniques], dtype=object)
    py_u = np.array([pin[keys[u]][0] for u in uniques], dtype=object)
    ini_u = np.array([pin[keys[u]][1] for u in uniques], dtype=object)
    empty = key_u[codes] == ""
    out = pd.DataFrame({c: pd.Series(arr[codes], index=names.index).mask(empty).astype(TEXT)
                        for c, arr in (("name_key", key_u), ("name_pinyin", py_u), ("pinyin_initials", ini_u))})
    return out


def clean_id_text(raw: pd.Series) -> pd.Series:
    """Identity numbers as typed, cleaned: NFKC (full-width digits), no spaces, upper-case X."""
    s = raw.astype(TEXT).fillna("")
    if s.str.contains(r"[^\x00-\x7f]", regex=True).any():
        s = s.map(lambda v: unicodedata.normalize("NFKC", v)).astype(TEXT)
    return s.str.replace(r"\s+", "", regex=True).str.upper()


def normalise_ids(raw: pd.Series, birth_hint: pd.Series | None = None) -> pd.DataFrame:
    """GB 11643-1999 check of a column of identity numbers, vectorised.

    Returns ``id_raw`` (cleaned text, empty → NA), ``id_number`` (the 18-character
    number when valid, upgraded from 15 digits where needed, else NA),
    ``id_status`` (valid / upgraded / invalid / missing), and the ``id_birth_date``
    (ISO text) and ``id_sex`` the number encodes (NA unless valid).

    A 15-digit number has a two-digit year, "19" by the standard; where
    ``birth_hint`` (the birth date given in the same record, ISO text) is in the
    2000s with the same two-digit year, the century is taken from it — a child's number
    typed into a 15-digit field loses its century, not its meaning.
    """
    s = clean_id_text(raw)
    n = len(s)
    present = s != ""
    is15 = s.str.fullmatch(r"\d{15}").fillna(False).astype(bool)
    is18 = s.str.fullmatch(r"\d{17}[\dX]").fillna(False).astype(bool)
    century = pd.Series("19", index=s.index, dtype="string")
    if birth_hint is not None:
        hint = birth_hint.astype(TEXT).str.replace("-", "", regex=False)
        same = is15 & (hint.str[:2] == "20") & (hint.str[2:4] == s.str[6:8])
        century = century.mask(same.fillna(False).astype(bool), "20")
    body = s.where(~is15, s.str[:6] + century + s.str[6:])
    shape = (is15 | is18).to_numpy()
    digits = np.zeros((n, 17), dtype=np.uint8)
    if shape.any():
        digits[shape] = _ascii_block(body[shape].str[:17], 17) - 48
    # Weighted sum column by column: an (n, 17) int64 matrix is 1.4 GB at 10 M records.
    total = np.zeros(n, dtype=np.int64)
    for j, w in enumerate(WEIGHTS):
        total += digits[:, j].astype(np.int64) * w
    checks = np.asarray(list(CHECK_CHARS))[total % 11]
    checks_s = pd.Series(checks, index=s.index)
    check_ok = is15 | (body.str[17:18] == checks_s).fillna(False).astype(bool)
    births = pd.to_datetime(body.str[6:14].where(pd.Series(shape, index=s.index)), format="%Y%m%d", errors="coerce")
    date_ok = births.notna() & (births.dt.year >= 1900) & (births.dt.year <= 2100)
    valid = pd.Series(shape, index=s.index) & date_ok & check_ok
    status = np.where(~present, ID_MISSING, np.where(valid, np.where(is15, ID_UPGRADED, ID_VALID), ID_INVALID))
    full = body.str[:17] + checks_s
    sex = np.where(pd.to_numeric(body.str[16:17], errors="coerce").fillna(0).to_numpy() % 2 == 1, "male", "female")
    # Every column Arrow-backed text: a column of Python strings costs ~60 bytes a record.
    iso = body.str[6:10] + "-" + body.str[10:12] + "-" + body.str[12:14]  # = strftime of a valid YYYYMMDD
    return pd.DataFrame({
        "id_raw": s.where(present, pd.NA),
        "id_number": full.where(valid, pd.NA),
        "id_status": pd.Series(status, index=s.index, dtype=TEXT),
        "id_birth_date": iso.where(valid, pd.NA).astype(TEXT),
        "id_sex": pd.Series(sex, index=s.index, dtype=TEXT).where(valid, pd.NA),
    }, index=raw.index)


def _ascii_block(values: pd.Series, width: int) -> np.ndarray:
    """Text values all exactly ``width`` ASCII characters → an (n, width) uint8 array, read from
    the Arrow buffers (no Python string per value)."""
    import pyarrow as pa

    arr = pa.array(values.astype(TEXT).array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.null_count:
        raise ValueError("values must not be null")
    offsets_type = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(arr.buffers()[1], dtype=offsets_type)[arr.offset:arr.offset + len(arr) + 1]
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]]
    if len(data) != width * len(arr):
        raise ValueError(f"values must be {width} ASCII characters each")
    return data.reshape(-1, width)


SEX_WORDS = {"男": "male", "女": "female", "male": "male", "female": "female", "m": "male", "f": "female",
             "1": "male", "2": "female", "男性": "male", "女性": "female"}


def normalise_sex(raw: pd.Series) -> pd.Series:
    """男/女, male/female, M/F, 1/2 (GB/T 2261.1) → ``male``/``female``; anything else NA."""
    s = raw.astype(TEXT).str.strip().str.lower()
    return s.map(SEX_WORDS, na_action="ignore").astype(TEXT)


def parse_dates(raw: pd.Series) -> pd.Series:
    """Dates typed as 2018-03-04, 2018/3/4, 2018.03.04 or 20180304 → ISO text; NA where not a date."""
    s = raw.astype(TEXT).str.strip().str.replace(r"[/.年月]", "-", regex=True).str.replace("日", "", regex=False)
    s = s.str.replace(r"\s.*$", "", regex=True)
    out = pd.to_datetime(s.astype(object), format="%Y-%m-%d", errors="coerce")
    miss = out.isna() & s.notna() & (s != "")
    if miss.any():
        out[miss] = pd.to_datetime(s[miss], format="%Y%m%d", errors="coerce")
    return out.dt.strftime("%Y-%m-%d").astype(TEXT)
