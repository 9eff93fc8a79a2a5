"""Synthetic people: teachers (with training hours) and children (0–17).

Everything here is invented: names are drawn from small lists of common
surnames and given-name characters, identity numbers are built from the
county's address code, a birth date and a random sequence number and carry a
valid GB 11643-1999 check character — they belong to no one.

* Teachers are generated for the latest year only, one per full-time teacher
  of each ``section_year`` row, so that degree, title, backbone level, subject
  (体育/音乐/美术/信息技术), certificate, age ≤ 45 and principal flags add up
  exactly to that row's counts.  Training hours cover the generated years:
  the row's ``teachers_training_done`` teachers get at least 72 hours every
  year (≥ 360 over five years), the others fall short in one or two years;
  the latest year's ``training_hours`` is then the sum of its teachers' hours.
* Children are the latest year's population by village and age, less about
  1 % not on the register, each with a birth date in the right year, a sex
  (53 % boys), household and residence village (a quarter of the county-town
  children keep their 户籍 in a rural village; migrant children's 户籍 is
  outside the county and their ID has a neighbouring county's address code)
  and the flags left-behind (15 % of rural children), disabled (0.7 %),
  low-income (5 % rural, 2.5 % town) and migrant (3 % in the county town).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from junheng.domain import fields as F
from junheng.domain.idnumber import check_chars_vectorised
from junheng.synth.population import Demography
from junheng.synth.sources import CountyProfile

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN_MALE = "伟强磊军勇杰涛斌浩宇轩博文俊凯鹏飞昊晨阳宁辰泽睿航子豪铭旭鑫瑞峰志明建华国栋亮"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞燕玲婷雪琳欣怡萱涵悦佳雨梦瑶璐晨妍诗琪颖慧佳蕾彤菲月晴思"
TIBETAN_NAMES = ("才让", "卓玛", "拉毛", "旦增", "索南", "多杰", "措吉", "扎西", "央金", "久美", "更登", "德吉")
SUBJECTS = {
    "preschool": ("学前教育",),
    "primary": ("语文", "语文", "数学", "数学", "英语", "科学", "道德与法治"),
    "junior": ("语文", "数学", "英语", "物理", "化学", "生物", "历史", "地理", "道德与法治"),
    "senior": ("语文", "数学", "英语", "物理", "化学", "生物", "历史", "地理", "思想政治"),
}
FEMALE_SHARE = {"preschool": 0.97, "primary": 0.72, "junior": 0.58, "senior": 0.50}
DEGREE_LABELS = ("研究生", "本科", "专科", "高中", "高中以下")
TITLE_LABELS = ("高级", "中级", "初级", "未定职级")
BACKBONE_LABELS = ("县级", "市级", "省级")


def names(n: int, female: np.ndarray, rng: np.random.Generator, *, tibetan_share: float = 0.0) -> np.ndarray:
    """``n`` synthetic Chinese names (surname + one or two given-name characters)."""
    sur = np.array(list(SURNAMES))[rng.integers(len(SURNAMES), size=n)]
    male_chars = np.array(list(GIVEN_MALE))
    female_chars = np.array(list(GIVEN_FEMALE))
    first = np.where(female, female_chars[rng.integers(len(female_chars), size=n)],
                     male_chars[rng.integers(len(male_chars), size=n)])
    second = np.where(female, female_chars[rng.integers(len(female_chars), size=n)],
                      male_chars[rng.integers(len(male_chars), size=n)])
    two = rng.random(n) < 0.7
    given = np.where(two, np.char.add(first, second), first)
    out = np.char.add(sur, given).astype(object)
    if tibetan_share:
        tib = rng.random(n) < tibetan_share
        t = np.array(TIBETAN_NAMES)
        out[tib] = np.char.add(t[rng.integers(len(t), size=int(tib.sum()))],
                               t[rng.integers(len(t), size=int(tib.sum()))])
    return out


def id_numbers(address: np.ndarray, birth: np.ndarray, male: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Unique GB 11643-1999 numbers for 6-digit ``address`` codes, ``birth`` dates (datetime64[D]) and sexes."""
    n = len(address)
    dates = np.char.replace(np.datetime_as_string(birth.astype("datetime64[D]")), "-", "")
    prefix = np.char.add(address.astype(str), dates)
    seq = rng.integers(0, 500, size=n) * 2 + male.astype(int)  # odd for men, even for women
    for _ in range(50):
        body = np.char.add(prefix, np.char.zfill(seq.astype(str), 3))
        _, first, _counts = np.unique(body, return_index=True, return_counts=True)
        dup = np.ones(n, dtype=bool)
        dup[first] = False  # the first of each body keeps its number
        if not dup.any():
            break
        seq[dup] = rng.integers(0, 500, size=int(dup.sum())) * 2 + male[dup].astype(int)
    digits = np.frombuffer("".join(body.tolist()).encode("ascii"), dtype=np.uint8).reshape(n, 17) - 48
    return np.char.add(body, check_chars_vectorised(digits)).astype(object)


def _random_dates(years: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    start = (years - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    end = (years - 1969).astype("datetime64[Y]").astype("datetime64[D]")
    span = (end - start).astype(int)
    return start + (rng.random(len(years)) * span).astype(int).astype("timedelta64[D]")


# --------------------------------------------------------------------------- teachers


def build_teachers(section_year: pd.DataFrame, years: Sequence[int], profile: CountyProfile,
                   rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``(teacher, teacher_training, section_year)``; the latest year's section rows get the
    training hours of their teachers."""
    latest = max(years)
    window = sorted(years)[-5:]
    rows = section_year.index[section_year["year"] == latest]
    per_school: dict[str, int] = {}
    recs: dict[str, list[object]] = {k: [] for k in ("teacher_id", "name_female", "school_code", "stage", "subject",
                                                     "degree", "title", "backbone_level", "certified", "age",
                                                     "is_principal", "done")}
    for i in rows:
        row = section_year.loc[i]
        t = int(row["teachers"])
        stage = str(row["stage"])
        code = str(row["school_code"])
        start = per_school.get(code, 0)
        per_school[code] = start + t
        recs["teacher_id"].extend(f"{code}{start + k + 1:04d}" for k in range(t))
        recs["school_code"].extend([code] * t)
        recs["stage"].extend([stage] * t)
        recs["name_female"].extend((rng.random(t) < FEMALE_SHARE[stage]).tolist())
        recs["degree"].extend(rng.permutation(np.repeat(DEGREE_LABELS, [int(row[k]) for k in F.DEGREE_KEYS])).tolist())
        recs["title"].extend(rng.permutation(np.repeat(TITLE_LABELS, [int(row[k]) for k in F.TITLE_KEYS])).tolist())
        bb = [int(row[k]) for k in F.BACKBONE_KEYS]
        recs["backbone_level"].extend(rng.permutation(
            np.array([*np.repeat(BACKBONE_LABELS, bb), *([None] * (t - sum(bb)))], dtype=object)).tolist())
        special = [int(row[k]) for k in ("teachers_pe", "teachers_music", "teachers_art", "teachers_it")]
        pool = SUBJECTS[stage]
        others = [pool[j] for j in rng.integers(len(pool), size=t - sum(special))]
        recs["subject"].extend(rng.permutation(np.array(
            [*np.repeat(("体育", "音乐", "美术", "信息技术"), special), *others], dtype=object)).tolist())
        cert = np.zeros(t, dtype=bool)
        cert[: int(row["teachers_certified"])] = True
        recs["certified"].extend(rng.permutation(cert).tolist())
        young = int(row["teachers_age_le45"])
        ages = np.concatenate([rng.integers(22, 46, size=young), rng.integers(46, 60, size=t - young)])
        principal = np.zeros(t, dtype=bool)
        p_young = int(row["principals_age_le45"])
        principal[:p_young] = True
        principal[young: young + int(row["principals"]) - p_young] = True
        order = rng.permutation(t)
        recs["age"].extend(ages[order].tolist())
        recs["is_principal"].extend(principal[order].tolist())
        done = np.zeros(t, dtype=bool)
        done[: int(row["teachers_training_done"])] = True
        recs["done"].extend(rng.permutation(done).tolist())
    n = len(recs["teacher_id"])
    female = np.asarray(recs["name_female"], dtype=bool)
    age = np.asarray(recs["age"], dtype=int)
    birth = _random_dates(latest - age, rng)
    local = rng.random(n) < 0.8
    address = np.where(local, profile.code, np.array(profile.neighbour_codes)[rng.integers(len(profile.neighbour_codes), size=n)])
    career_start = latest - age + rng.integers(21, 25, size=n)
    since = np.maximum(career_start, latest - rng.geometric(0.12, size=n) + 1)
    teacher = pd.DataFrame({
        "teacher_id": recs["teacher_id"],
        "id_number": id_numbers(address, birth, ~female, rng),
        "name": names(n, female, rng, tibetan_share=0.1 if profile.mountainous else 0.0),
        "sex": np.where(female, "female", "male"),
        "birth_date": pd.to_datetime(birth).date,
        "school_code": recs["school_code"], "stage": recs["stage"], "subject": recs["subject"],
        "degree": recs["degree"], "title": recs["title"], "backbone_level": recs["backbone_level"],
        "certified": recs["certified"], "school_since": np.minimum(since, latest),
        "is_principal": recs["is_principal"],
    })
    done = np.asarray(recs["done"], dtype=bool)
    w = len(window)
    extra = rng.choice(np.array([0, 0, 0, 0, 6, 12, 24]), size=(n, w))
    hours = 72 + extra
    short_years = rng.integers(1, 3, size=n)
    for j in range(w):
        short = (~done) & (rng.random(n) < short_years / w)
        hours[short, j] = rng.integers(12, 61, size=int(short.sum()))
    # a teacher outside the done set must really fall short of 72 a year on average
    never_short = (~done) & (hours.sum(axis=1) >= 72 * w)
    hours[never_short] = np.minimum(hours[never_short], 72)
    hours[never_short, -1] = rng.integers(12, 61, size=int(never_short.sum()))
    training = pd.DataFrame({
        "teacher_id": np.repeat(teacher["teacher_id"].to_numpy(), w),
        "year": np.tile(np.asarray(window), n),
        "hours": hours.ravel().astype(float),
    })
    latest_hours = pd.Series(hours[:, -1], index=teacher["teacher_id"])
    key = teacher["school_code"] + "|" + teacher["stage"]
    sums = latest_hours.groupby(key.to_numpy()).sum()
    sec = section_year.copy()
    sec_key = sec["school_code"].astype(str) + "|" + sec["stage"].astype(str)
    at_latest = sec["year"] == latest
    sec.loc[at_latest, "training_hours"] = sec_key[at_latest].map(sums).fillna(0.0).astype(float)
    return teacher, training, sec


# --------------------------------------------------------------------------- children


def build_children(dem: Demography, profile: CountyProfile, rng: np.random.Generator) -> pd.DataFrame:
    """Individual children of the latest year (see the module docstring)."""
    year = dem.years[-1]
    pop = dem.ages(year)  # (V, 18)
    registered = rng.binomial(pop, 0.99)
    v_idx, age = np.nonzero(registered)
    counts = registered[v_idx, age]
    v = np.repeat(v_idx, counts)
    age = np.repeat(age, counts)
    n = len(v)
    vil = dem.villages
    codes = vil["code"].to_numpy().astype(object)
    town = vil["town"].to_numpy(bool)[v]
    male = rng.random(n) < 0.53
    birth = _random_dates(year - age, rng)
    migrant = town & (rng.random(n) < 0.03)
    address = np.where(migrant, np.array(profile.neighbour_codes)[rng.integers(len(profile.neighbour_codes), size=n)],
                       profile.code)
    rural_v = np.flatnonzero(~vil["town"].to_numpy(bool))
    w = vil["size"].to_numpy(float)[rural_v]
    origin = rural_v[rng.choice(len(rural_v), size=n, p=w / w.sum())] if len(rural_v) else v
    moved_in = town & ~migrant & (rng.random(n) < 0.25)
    household = np.where(moved_in, codes[origin], codes[v]).astype(object)
    household[migrant] = None
    return pd.DataFrame({
        "id_number": id_numbers(address, birth, male, rng),
        "name": names(n, ~male, rng, tibetan_share=0.15 if profile.mountainous else 0.0),
        "sex": np.where(male, "male", "female"),
        "birth_date": pd.to_datetime(birth).date,
        "household_village_code": household,
        "residence_village_code": codes[v],
        "left_behind": ~town & (rng.random(n) < 0.15),
        "disabled": rng.random(n) < 0.007,
        "low_income": rng.random(n) < np.where(town, 0.025, 0.05),
        "migrant": migrant,
    })

