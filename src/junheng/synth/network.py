"""The school network of the demo county and where each village's children go to school.

Placement follows how a Chinese county is actually organised (the pattern in
the seed plans and in the 教育事业统计 of counties like 鸡泽):

* the county town (its 城区/镇区 villages) holds the large public primaries,
  two or more junior schools, a 完全中学, the 高级中学, the vocational centre,
  the special-education school, public and private kindergartens and the
  private schools;
* every township seat has a 中心小学 and a junior school, or one 九年一贯制
  school in their place, and a public central kindergarten;
* the larger villages have village primaries (with attached pre-school
  classes); small villages far from a primary have a 教学点 for grades 1–3
  (1–4 in a mountain county) attached to the township's central school;
  a mountain county also has village 九年一贯制 schools in its remote parts;
* some large villages have a private kindergarten.

The number of schools of each kind is sized from the county's children in the
latest year (town primaries of about 1,750 pupils, town junior schools of about
1,400, high schools of about 3,200) and from the number of villages in each
township (about one village primary per 3.5 villages, one per 3 in a mountain
county).

Attendance (who goes where) is a row-stochastic matrix per stage, grade and
year over the schools plus "elsewhere" (outside the county, or not in school):
county-town children go to their nearest town schools; rural children mostly
to the nearest school of their township, with a share to the county town that
rises each year (进城上学), a small share to private schools and to the
special school.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from junheng.domain.enums import Ownership, SchoolType, Stage
from junheng.synth.geography import LocalProjection
from junheng.synth.population import Demography
from junheng.synth.sources import CountyProfile

# Role → (school type, ownership, stages taught).  The role is internal: it says
# what part a school plays in the county's network.
ROLES: dict[str, tuple[SchoolType, Ownership, tuple[Stage, ...]]] = {
    "town_primary": (SchoolType.PRIMARY, Ownership.PUBLIC, (Stage.PRIMARY,)),
    "private_primary": (SchoolType.PRIMARY, Ownership.PRIVATE, (Stage.PRIMARY,)),
    "central_primary": (SchoolType.PRIMARY, Ownership.PUBLIC, (Stage.PRESCHOOL, Stage.PRIMARY)),
    "village_primary": (SchoolType.PRIMARY, Ownership.PUBLIC, (Stage.PRESCHOOL, Stage.PRIMARY)),
    "teaching_point": (SchoolType.TEACHING_POINT, Ownership.PUBLIC, (Stage.PRIMARY,)),
    "town_junior": (SchoolType.JUNIOR, Ownership.PUBLIC, (Stage.JUNIOR,)),
    "township_junior": (SchoolType.JUNIOR, Ownership.PUBLIC, (Stage.JUNIOR,)),
    "seat_nine_year": (SchoolType.NINE_YEAR, Ownership.PUBLIC, (Stage.PRESCHOOL, Stage.PRIMARY, Stage.JUNIOR)),
    "village_nine_year": (SchoolType.NINE_YEAR, Ownership.PUBLIC, (Stage.PRESCHOOL, Stage.PRIMARY, Stage.JUNIOR)),
    "private_nine_year": (SchoolType.NINE_YEAR, Ownership.PRIVATE, (Stage.PRIMARY, Stage.JUNIOR)),
    "complete_secondary": (SchoolType.COMPLETE_SECONDARY, Ownership.PUBLIC, (Stage.JUNIOR, Stage.SENIOR)),
    "senior": (SchoolType.SENIOR, Ownership.PUBLIC, (Stage.SENIOR,)),
    "vocational": (SchoolType.VOCATIONAL, Ownership.PUBLIC, (Stage.SENIOR,)),
    "special": (SchoolType.SPECIAL, Ownership.PUBLIC, (Stage.PRIMARY, Stage.JUNIOR)),
    "kg_town_public": (SchoolType.KINDERGARTEN, Ownership.PUBLIC, (Stage.PRESCHOOL,)),
    "kg_central": (SchoolType.KINDERGARTEN, Ownership.PUBLIC, (Stage.PRESCHOOL,)),
    "kg_private_inclusive": (SchoolType.KINDERGARTEN, Ownership.PRIVATE, (Stage.PRESCHOOL,)),
    "kg_private": (SchoolType.KINDERGARTEN, Ownership.PRIVATE, (Stage.PRESCHOOL,)),
}

STAGE_AGES: dict[Stage, tuple[int, ...]] = {
    # grade g of a stage in school year Y ↔ children aged (at the end of Y)
    Stage.PRESCHOOL: (3, 4, 5),
    Stage.PRIMARY: (6, 7, 8, 9, 10, 11),
    Stage.JUNIOR: (12, 13, 14),
    Stage.SENIOR: (15, 16, 17),
}

_CN_ORDINALS = "一二三四五六七八九十"
_PRIVATE_KG_BRANDS = ("阳光", "小天使", "金太阳", "童心", "育英", "启明星", "蓝天", "博雅", "新星", "七彩",
                      "贝贝", "快乐宝贝", "小博士", "春蕾", "爱心", "智慧树")


@dataclass(frozen=True)
class Network:
    """The county's schools (catalogue columns plus ``role`` and ``vidx``, the host village row)."""

    schools: pd.DataFrame
    tp_max_grade: int  # highest grade a teaching point teaches


def base_name(name: str, county_name: str) -> str:
    """A village's short name: 南街村委会 → 南街, 鸡泽县文化路北社区居委会 → 文化路北."""
    s = name.replace(county_name, "")
    return re.sub(r"(社区居民委员会|社区居委会|居民委员会|村民委员会|村委会|居委会|委员会)$", "", s) or s


def build_network(dem: Demography, seats: pd.DataFrame, profile: CountyProfile, proj: LocalProjection,
                  rng: np.random.Generator) -> Network:
    """Place the schools (see the module docstring)."""
    vil = dem.villages.reset_index(drop=True)
    vx, vy = proj.to_km(vil["lon"].to_numpy(), vil["lat"].to_numpy())
    latest = dem.ages(dem.years[-1])  # (V, 18)
    town = vil["town"].to_numpy(bool)
    rows: list[dict[str, object]] = []
    used_names: set[str] = set()
    short = profile.short_name

    def add(role: str, vidx: int, name: str, **extra: object) -> int:
        stype, owner, _stages = ROLES[role]
        final = name
        k = 2
        while final in used_names:
            final = name.replace("学校", f"第{_CN_ORDINALS[k - 1]}学校") if name.endswith("学校") \
                else f"{name[:-2]}第{_CN_ORDINALS[k - 1]}{name[-2:]}" if len(name) > 2 else f"{name}{k}"
            k += 1
        used_names.add(final)
        rows.append({"role": role, "vidx": vidx, "name": final, "school_type": stype.value,
                     "ownership": owner.value, "township_code": vil.loc[vidx, "parent_code"],
                     "village_code": vil.loc[vidx, "code"], "ur_code": vil.loc[vidx, "ur_code"], **extra})
        return len(rows) - 1

    def vname(i: int) -> str:
        return base_name(str(vil.loc[i, "name"]), profile.name)

    # ---------------------------------------------------------------- county town
    town_idx = np.flatnonzero(town)
    prim_age = latest[:, 6:12].sum(axis=1)
    jun_age = latest[:, 12:15].sum(axis=1)
    sen_age = latest[:, 15:18].sum(axis=1)
    pre_age = latest[:, 3:6].sum(axis=1)
    demand_p = 0.85 * prim_age[town].sum() + 0.2 * prim_age[~town].sum()
    demand_j = 0.85 * jun_age[town].sum() + 0.33 * jun_age[~town].sum()
    n_town_primary = int(np.clip(round(demand_p / 1750), 2, 10))
    n_town_junior = int(np.clip(round(demand_j / 1400) - 1, 1, 6))
    n_senior = max(1, round(0.52 * 0.65 * sen_age.sum() / 3200))
    n_town_kg = int(np.clip(round(0.4 * pre_age[town].sum() / 420), 1, 5))
    n_town_kg_private = int(np.clip(round(0.5 * pre_age[town].sum() / 220), 2, 12))
    hosts = _spread_hosts(town_idx, vil["size"].to_numpy(float), vx, vy, rng,
                          n_town_primary + n_town_junior + 4, min_km=0.45)
    h = iter(np.concatenate([hosts, rng.choice(town_idx, 40)]))
    for i in range(n_town_primary):
        name = f"{short}县第{_CN_ORDINALS[i]}实验小学" if i < 2 else f"{short}县{vname(hosts[i])}小学"
        add("town_primary", int(next(h)), name)
    for i in range(n_town_junior):
        name = f"{short}县实验中学" if i == 0 else f"{short}县{vname(hosts[n_town_primary + i])}中学"
        add("town_junior", int(next(h)), name)
    add("complete_secondary", int(next(h)), f"{short}县第二中学")
    for i in range(n_senior):
        add("senior", int(next(h)), f"{short}县第{_CN_ORDINALS[0 if i == 0 else i + 2]}中学")
    add("vocational", int(next(h)), f"{short}县职业技术教育中心")
    add("special", int(next(h)), f"{short}县特殊教育学校")
    add("private_nine_year", int(next(h)), f"{short}县博文学校")
    if not profile.mountainous:
        add("private_primary", int(next(h)), f"{short}县育才小学")
    kg_names = [f"{short}县实验幼儿园", f"{short}县第二实验幼儿园", f"{short}县机关幼儿园",
                f"{short}县第三实验幼儿园", f"{short}县城关幼儿园"]
    for i in range(n_town_kg):
        add("kg_town_public", int(rng.choice(town_idx)), kg_names[i])
    brands = list(rng.permutation(_PRIVATE_KG_BRANDS))
    for i in range(n_town_kg_private):
        role = "kg_private_inclusive" if i < round(0.6 * n_town_kg_private) else "kg_private"
        add(role, int(rng.choice(town_idx)), f"{short}县{brands[i % len(brands)]}幼儿园",
            inclusive=role == "kg_private_inclusive")

    # ---------------------------------------------------------------- townships
    rural_towns = [str(c) for c in seats["code"] if str(c) not in profile.county_town_townships]
    n_nine = round((0.3 if profile.mountainous else 0.2) * len(rural_towns))
    nine_towns = set(rng.choice(rural_towns, n_nine, replace=False).tolist()) if n_nine else set()
    tp_per_village = 1 / 8 if profile.mountainous else 1 / 14
    villages_per_primary = 4.0 if profile.mountainous else 3.5
    for tcode in rural_towns:
        tname = str(seats.loc[seats["code"] == tcode, "name"].iloc[0])
        members = np.flatnonzero(vil["parent_code"].to_numpy() == tcode)
        if len(members) < 2:
            continue  # e.g. an industrial park with one community: its children go to the neighbours
        ur = vil.loc[members, "ur_code"].fillna(220).astype(int).to_numpy()
        seat_v = int(members[np.argmin(np.where(ur < 220, ur, 999) * 1e6 - vil.loc[members, "size"].to_numpy())])
        has_junior = jun_age[members].sum() >= 150
        if tcode in nine_towns and has_junior:
            central = add("seat_nine_year", seat_v, f"{tname}九年制学校")
        else:
            central = add("central_primary", seat_v, f"{tname}中心小学")
            if has_junior:
                add("township_junior", seat_v, f"{tname}中学", boarding_hint=True)
        add("kg_central", seat_v, f"{tname}中心幼儿园", inclusive=True)
        others = members[members != seat_v]
        n_vp = round(len(others) / villages_per_primary)
        vp_hosts = _spread_hosts(others, vil["size"].to_numpy(float) ** 1.5, vx, vy, rng, n_vp, min_km=1.2,
                                 avoid=[seat_v])
        sx, sy = vx[seat_v], vy[seat_v]
        far = vp_hosts[np.argsort(-np.hypot(vx[vp_hosts] - sx, vy[vp_hosts] - sy))] if len(vp_hosts) else vp_hosts
        n_v9 = 1 if (profile.mountainous and len(members) >= 25 and len(far)) else 0
        for k, v in enumerate(far):
            if k < n_v9:
                add("village_nine_year", int(v), f"{vname(int(v))}学校")
            else:
                add("village_primary", int(v), f"{vname(int(v))}小学")
        rest = np.setdiff1d(others, vp_hosts)
        n_tp = round(len(others) * tp_per_village)
        if len(rest) and n_tp:
            prim_hosts = np.concatenate([[seat_v], vp_hosts]).astype(int)
            d = np.min(np.hypot(vx[rest][:, None] - vx[prim_hosts][None, :],
                                vy[rest][:, None] - vy[prim_hosts][None, :]), axis=1)
            small = vil.loc[rest, "size"].to_numpy(float)
            score = d * rng.uniform(0.7, 1.3, len(rest)) / np.sqrt(small / small.mean())
            for v in rest[np.argsort(-score)[:n_tp]]:
                add("teaching_point", int(v), f"{vname(int(v))}教学点", parent=central)
        # private kindergartens in the largest villages
        n_kg = round(len(others) / 12)
        for v in _spread_hosts(others, vil["size"].to_numpy(float) ** 2, vx, vy, rng, n_kg, min_km=1.0):
            inclusive = bool(rng.random() < 0.7)
            add("kg_private_inclusive" if inclusive else "kg_private", int(v),
                f"{vname(int(v))}{brands[int(rng.integers(len(brands)))]}幼儿园", inclusive=inclusive)

    schools = pd.DataFrame(rows)
    schools = _finish(schools, vil, proj, profile, rng)
    return Network(schools=schools, tp_max_grade=4 if profile.mountainous else 3)


def _spread_hosts(candidates: np.ndarray, weight: np.ndarray, vx: np.ndarray, vy: np.ndarray,
                  rng: np.random.Generator, n: int, *, min_km: float, avoid: Sequence[int] = ()) -> np.ndarray:
    """Up to ``n`` villages drawn by weight, at least ``min_km`` apart (relaxed if there are too few)."""
    if n <= 0 or len(candidates) == 0:
        return np.array([], dtype=int)
    # Gumbel top-k: a weighted draw without replacement, in order
    key = np.log(np.maximum(weight[candidates], 1e-9)) + rng.gumbel(size=len(candidates))
    order = candidates[np.argsort(-key)]
    chosen: list[int] = []
    sep = min_km
    while len(chosen) < min(n, len(candidates)):
        for v in order:
            if len(chosen) >= n:
                break
            if v in chosen:
                continue
            ref = list(chosen) + list(avoid)
            if not ref or np.min(np.hypot(vx[ref] - vx[v], vy[ref] - vy[v])) >= sep:
                chosen.append(int(v))
        sep *= 0.6
        if sep < 0.01:
            break
    return np.asarray(chosen, dtype=int)


def _finish(schools: pd.DataFrame, vil: pd.DataFrame, proj: LocalProjection, profile: CountyProfile,
            rng: np.random.Generator) -> pd.DataFrame:
    """Codes, parent codes and coordinates (host village point + up to ~300 m)."""
    n = len(schools)
    province = profile.province_code[:2]
    codes = np.array([f"21{province}{c:06d}" for c in rng.choice(1_000_000, n, replace=False)])
    schools["code"] = codes
    if "parent" not in schools:
        schools["parent"] = np.nan
    schools["parent_school_code"] = [codes[int(p)] if pd.notna(p) else pd.NA for p in schools["parent"]]
    x, y = proj.to_km(vil.loc[schools["vidx"], "lon"].to_numpy(), vil.loc[schools["vidx"], "lat"].to_numpy())
    r = 0.3 * np.sqrt(rng.uniform(size=n))
    t = rng.uniform(0, 2 * np.pi, n)
    lon, lat = proj.to_deg(x + r * np.cos(t), y + r * np.sin(t))
    schools["lon"] = np.round(lon, 6)
    schools["lat"] = np.round(lat, 6)
    schools["coord_system"] = "wgs84"
    if "inclusive" not in schools:
        schools["inclusive"] = pd.NA
    kg = schools["school_type"] == SchoolType.KINDERGARTEN.value
    private_inclusive = schools["inclusive"].map(lambda v: v is True).to_numpy(bool)
    public_kg = schools["role"].isin(["kg_town_public", "kg_central"]).to_numpy(bool)
    schools["inclusive"] = pd.array([bool(a or b) if k else pd.NA for a, b, k in
                                     zip(private_inclusive, public_kg, kg, strict=True)], dtype="boolean")
    return schools.drop(columns=["parent", "boarding_hint"], errors="ignore")


# --------------------------------------------------------------------------- attendance


def attendance(net: Network, dem: Demography, proj: LocalProjection, profile: CountyProfile,
               stage: Stage, grade: int, year: int) -> np.ndarray:
    """(villages, schools + 1) probabilities that a child of the stage's ``grade`` in ``year`` attends
    each school (last column: elsewhere).  Rows sum to one."""
    sch = net.schools
    vil = dem.villages
    n_v, n_s = len(vil), len(sch)
    t = year - dem.years[0]
    roles = sch["role"].to_numpy()
    vx, vy = proj.to_km(vil["lon"].to_numpy(), vil["lat"].to_numpy())
    sx, sy = proj.to_km(sch["lon"].to_numpy(), sch["lat"].to_numpy())
    dist = np.hypot(vx[:, None] - sx[None, :], vy[:, None] - sy[None, :])
    town = vil["town"].to_numpy(bool)
    same_town = vil["parent_code"].to_numpy()[:, None] == sch["township_code"].to_numpy()[None, :]
    host = sch["vidx"].to_numpy()
    p = np.zeros((n_v, n_s + 1))

    def role_mask(*names: str) -> np.ndarray:
        return np.isin(roles, names)

    def nearest_share(rows: np.ndarray, cols: np.ndarray, shares: Sequence[float], amount: np.ndarray) -> None:
        """Give ``amount`` of each row to its nearest columns in ``shares`` proportions."""
        if not cols.any():
            p[rows, -1] += amount
            return
        idx = np.flatnonzero(cols)
        order = np.argsort(dist[np.ix_(rows, idx)], axis=1)
        sh = np.asarray(shares[: len(idx)], dtype=float)
        sh = sh / sh.sum()
        for k, s in enumerate(sh):
            np.add.at(p, (rows, idx[order[:, k]]), amount * s)

    def spread(rows: np.ndarray, cols: np.ndarray, amount: np.ndarray, weights: np.ndarray | None = None) -> None:
        if not cols.any():
            p[rows, -1] += amount
            return
        w = np.ones(n_s) if weights is None else weights
        w = np.where(cols, w, 0.0)
        p[rows, :n_s] += amount[:, None] * (w / w.sum())[None, :]

    rows_t = np.flatnonzero(town)
    rows_r = np.flatnonzero(~town)
    ones_t = np.ones(len(rows_t))
    ones_r = np.ones(len(rows_r))
    popularity = np.where(sch["name"].str.contains("实验"), 1.6, 1.0)

    if stage is Stage.PRIMARY:
        special, private, out = 0.002, 0.08, 0.02
        priv = role_mask("private_primary", "private_nine_year")
        spread(rows_t, role_mask("special"), ones_t * special)
        spread(rows_t, priv, ones_t * private)
        p[rows_t, -1] += out
        nearest_share(rows_t, role_mask("town_primary"), (0.5, 0.3, 0.2), ones_t * (1 - special - private - out))
        to_town = (0.12 if profile.mountainous else 0.16) + 0.015 * t
        priv_r, out_r = 0.02, 0.03
        spread(rows_r, role_mask("special"), ones_r * special)
        spread(rows_r, priv, ones_r * priv_r)
        spread(rows_r, role_mask("town_primary"), ones_r * to_town, popularity)
        p[rows_r, -1] += out_r
        local = 1 - special - priv_r - to_town - out_r
        serving = role_mask("central_primary", "village_primary", "seat_nine_year", "village_nine_year")
        central = role_mask("central_primary", "seat_nine_year")
        tp = role_mask("teaching_point") & (grade <= net.tp_max_grade)
        for v, amount in zip(rows_r, np.full(len(rows_r), local), strict=True):
            own = np.flatnonzero((host == v) & (serving | tp))
            in_town = serving & same_town[v]
            if not in_town.any():
                in_town = serving & ~role_mask("town_primary")
            cands = np.flatnonzero(in_town)
            near = cands[np.argmin(dist[v, cands])]
            cen = np.flatnonzero(central & same_town[v])
            if own.size and roles[own[0]] == "teaching_point":
                p[v, own[0]] += 0.75 * amount
                p[v, near] += 0.25 * amount
            elif own.size:
                p[v, own[0]] += amount
            else:
                pull = 0.2 if cen.size and cen[0] != near else 0.0
                p[v, near] += (1 - pull) * amount
                if pull:
                    p[v, cen[0]] += pull * amount
    elif stage is Stage.JUNIOR:
        special, private, out = 0.002, 0.08, 0.03
        town_j = role_mask("town_junior", "complete_secondary")
        spread(rows_t, role_mask("special"), ones_t * special)
        spread(rows_t, role_mask("private_nine_year"), ones_t * private)
        p[rows_t, -1] += out
        nearest_share(rows_t, town_j, (0.6, 0.25, 0.15), ones_t * (1 - special - private - out))
        to_town = (0.22 if profile.mountainous else 0.3) + 0.02 * t
        priv_r, out_r = 0.04, 0.04
        spread(rows_r, role_mask("special"), ones_r * special)
        spread(rows_r, role_mask("private_nine_year"), ones_r * priv_r)
        spread(rows_r, town_j, ones_r * to_town, popularity)
        p[rows_r, -1] += out_r
        local = 1 - special - priv_r - to_town - out_r
        serving = role_mask("township_junior", "seat_nine_year", "village_nine_year")
        for v in rows_r:
            cands = np.flatnonzero(serving & same_town[v])
            if not cands.size:
                cands = np.flatnonzero(serving)
            p[v, cands[np.argmin(dist[v, cands])]] += local
    elif stage is Stage.SENIOR:
        general, vocational = 0.52, 0.22
        seniors = role_mask("senior", "complete_secondary")
        weights = np.where(roles == "senior", 1.9, 1.0)
        spread(np.arange(n_v), seniors, np.full(n_v, general), weights)
        spread(np.arange(n_v), role_mask("vocational"), np.full(n_v, vocational))
        p[:, -1] += 1 - general - vocational
    else:  # pre-school: 学前三年毛入园率 rising
        enrol = min(0.97, 0.86 + 0.015 * t)
        p[:, -1] += 1 - enrol
        nearest_share(rows_t, role_mask("kg_town_public"), (0.6, 0.4), ones_t * 0.42 * enrol)
        spread(rows_t, role_mask("kg_private_inclusive") & town_cols(sch, vil), ones_t * 0.36 * enrol)
        spread(rows_t, role_mask("kg_private") & town_cols(sch, vil), ones_t * 0.22 * enrol)
        to_town = 0.08
        spread(rows_r, role_mask("kg_town_public"), ones_r * to_town * enrol)
        kg_private = role_mask("kg_private_inclusive", "kg_private")
        attached = role_mask("village_primary", "village_nine_year")
        central_kg = role_mask("kg_central")
        for v in rows_r:
            amount = (1 - to_town) * enrol
            opts: list[tuple[int, float]] = []
            own_kg = np.flatnonzero(kg_private & (host == v))
            own_att = np.flatnonzero(attached & (host == v))
            if own_kg.size:
                opts.append((int(own_kg[0]), 0.5))
            if own_att.size:
                opts.append((int(own_att[0]), 0.4))
            cen = np.flatnonzero(central_kg & same_town[v])
            if not cen.size:
                cen = np.flatnonzero(central_kg)
            opts.append((int(cen[np.argmin(dist[v, cen])]), 1.0 if not opts else 0.3))
            if len(opts) == 1:
                near_kg = np.flatnonzero(kg_private & same_town[v])
                if near_kg.size:
                    opts.append((int(near_kg[np.argmin(dist[v, near_kg])]), 0.4))
            total = sum(w for _, w in opts)
            for s, w in opts:
                p[v, s] += amount * w / total
    p[:, -1] = np.clip(1 - p[:, :n_s].sum(axis=1), 0, 1)
    return p


def town_cols(sch: pd.DataFrame, vil: pd.DataFrame) -> np.ndarray:
    """Schools located in a county-town village."""
    return vil["town"].to_numpy(bool)[sch["vidx"].to_numpy()]


def enrol(net: Network, dem: Demography, proj: LocalProjection, profile: CountyProfile,
          rng: np.random.Generator) -> dict[tuple[int, Stage], np.ndarray]:
    """Students by school and stage: ``{(school row, stage): (years, grades) int array}``."""
    n_s = len(net.schools)
    out: dict[tuple[int, Stage], np.ndarray] = {}
    stages = [ROLES[r][2] for r in net.schools["role"]]
    for stage, ages in STAGE_AGES.items():
        counts = np.zeros((n_s, len(dem.years), len(ages)), dtype=np.int64)
        for k, year in enumerate(dem.years):
            children = dem.ages(year)
            memo: dict[bool, np.ndarray] = {}
            for g, age in enumerate(ages, 1):
                # only teaching points make the grade matter (they teach the lower grades)
                low = stage is Stage.PRIMARY and g <= net.tp_max_grade
                if low not in memo:
                    memo[low] = attendance(net, dem, proj, profile, stage, g, year)
                p = memo[low]
                drawn = rng.multinomial(children[:, age], p)
                counts[:, k, g - 1] = drawn[:, :n_s].sum(axis=0)
        for s in range(n_s):
            if stage in stages[s] and counts[s].sum() > 0:
                out[(s, stage)] = counts[s]
    return out
