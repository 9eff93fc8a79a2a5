"""From a solved layout to its frames and a Chinese sentence per decision.

Decisions per school (a school may have a primary and a junior section):

* ``build`` — a candidate new school is opened;
* ``close`` / ``merge`` — every section of an existing school is closed; ``merge_into``
  is the open school that receives most of the pupils of the villages this school
  served before (its nearest villages), so the sentence names where the children go;
* ``expand`` — open and places or boarding beds are added;
* ``keep_small`` — open below the minimum size because it is flagged as a necessary
  small school (保留必要的乡村小规模学校);
* ``keep`` — open, no building work.

Teachers needed per open section (standards.md §4.1, staffing-2014.toml): pupils ÷
ratio (1:19 primary, 1:13.5 junior), at least classes × 班师比 for a section under 100
pupils; classes = Σ over grades ⌈pupils per grade ÷ class cap⌉ with the pupils spread
evenly over the grades.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from junheng.domain.labels import label, zh_map

if TYPE_CHECKING:
    from junheng.plan.layout import LayoutResult, SchoolLayout, Solution

GRADE_COUNT = {"primary": 6, "junior": 3}
BANDS = [0, 10, 20, 30, 45, 60, 90, np.inf]
BAND_LABELS = ["≤10", "10–20", "20–30", "30–45", "45–60", "60–90", ">90"]
STAGE_CN = zh_map("stage")  # a view of junheng.domain.labels (imported by plan.layout and plan.scenario)


def _classes(pupils: float, stage: str, cap: int) -> int:
    g = GRADE_COUNT.get(stage, 6)
    if pupils <= 0:
        return 0
    return int(g * math.ceil(pupils / g / cap - 1e-9))


def describe(layout: SchoolLayout, sol: Solution, *, seconds: float) -> LayoutResult:
    from junheng.plan.layout import LayoutResult
    from junheng.plan.layout.pricing import side_arrays

    rules = layout.rules
    c, s, p = layout.clients, layout.sites.reset_index(drop=True), layout.pairs
    open_mask = np.asarray(sol.open_mask, dtype=bool)
    assign = np.asarray(sol.assignment, dtype=np.int64)
    key = pd.Series(np.arange(len(p)), index=pd.MultiIndex.from_arrays([p["client"], p["site"]]))
    pidx = key.reindex(pd.MultiIndex.from_arrays([np.arange(len(c)), assign])).to_numpy()
    pr = p.iloc[pidx].reset_index(drop=True)
    zones = pd.DataFrame({
        "village_code": c["village_code"].to_numpy(), "village_name": c["village_name"].to_numpy(),
        "stage": c["stage"].to_numpy(), "pupils": c["pupils"].to_numpy(),
        "site_id": s["site_id"].to_numpy()[assign], "school_code": s["school_code"].to_numpy()[assign],
        "school_name": s["name"].to_numpy()[assign], "minutes": pr["minutes"].to_numpy(), "km": pr["km"].to_numpy(),
        "boards": pr["boards"].to_numpy(bool), "minutes_before": c["minutes_before"].to_numpy(),
        "lon": c["lon"].to_numpy(), "lat": c["lat"].to_numpy()})
    d = c["pupils"].to_numpy()
    m = len(s)
    load = np.bincount(assign, weights=d, minlength=m)
    boarders = np.bincount(assign[zones["boards"].to_numpy()], weights=d[zones["boards"].to_numpy()], minlength=m)
    ar = side_arrays(layout.sites, layout.rules)
    places = np.where(open_mask, np.maximum(load - ar["cap"], 0.0), 0.0)
    beds = np.where(open_mask, np.maximum(boarders - ar["beds"], 0.0), 0.0)
    classes, teachers = [], []
    for j in range(m):
        st = s.at[j, "stage"]
        sr = rules.stages[st]
        k = _classes(load[j], st, sr.class_cap) if open_mask[j] else 0
        t = load[j] / sr.teachers_ratio
        if load[j] < 100:
            t = max(t, k * sr.teachers_per_class_small)
        classes.append(k)
        teachers.append(float(math.ceil(t - 1e-9)) if open_mask[j] and load[j] > 0 else 0.0)
    sections = s.assign(open=open_mask, pupils=np.round(load, 1), boarders=np.round(boarders, 1),
                        places_added=np.round(places, 1), beds_added=np.round(beds, 1),
                        classes=classes, teachers_needed=teachers,
                        villages=np.bincount(assign, minlength=m))
    # ---- cost breakdown
    per = np.array([rules.stages[st].per_pupil_cost for st in c["stage"]])
    trips = np.where(zones["boards"], rules.boarder_trips_per_year, rules.day_trips_per_year)
    costs = {
        "运行成本（按开办学校）/ running (per open school)": float(s["fixed_cost"].to_numpy()[open_mask].sum()),
        "生均公用经费 / per-pupil funds": float((d * per).sum()),
        "交通 / transport": float((d * rules.transport_per_pupil_km * zones["km"].to_numpy() * trips).sum()),
        "寄宿运行 / boarding running": float((d * np.where(zones["boards"], rules.boarding_per_pupil, 0.0)).sum()),
        "扩建与新建（年化）/ construction, annualised": float((places * ar["place"]).sum()),
        "寄宿床位建设（年化）/ boarding beds, annualised": float((beds * ar["bed_cost"]).sum()),
        "路途负担（加权）/ travel burden (weighted)": float(
            (d * rules.travel_weight_per_minute * zones["minutes"].to_numpy() * trips / rules.day_trips_per_year).sum()),
    }
    # ---- travel distribution before / after
    rows = []
    for st in sorted(zones["stage"].unique()):
        z = zones[zones["stage"] == st]
        for when, col in (("before", "minutes_before"), ("after", "minutes")):
            band = pd.cut(z[col], BANDS, labels=BAND_LABELS, right=True, include_lowest=True)
            g = z.groupby(band, observed=False)["pupils"].sum()
            for lab in BAND_LABELS:
                rows.append({"stage": st, "when": when, "band": lab, "pupils": float(g.get(lab, 0.0))})
    travel = pd.DataFrame(rows)
    decisions = _decisions(layout, sections, zones)
    idle = _idle_assets(layout, decisions)
    status = sol.status
    obj, bound = float(sol.objective), float(sol.bound)
    gap = max(0.0, (obj - bound) / max(abs(obj), 1e-9)) if np.isfinite(bound) else float("inf")
    return LayoutResult(status=status, year=layout.year, decisions=decisions, sections=sections, zones=zones,
                        travel=travel, idle_assets=idle, costs=costs, objective=obj, bound=bound, gap=gap,
                        seconds=seconds, method=str(sol.method), assumptions=layout.assumptions,
                        day_limits={st: float(r.day_limit_min) for st, r in rules.stages.items()})


def _decisions(layout: SchoolLayout, sections: pd.DataFrame, zones: pd.DataFrame) -> pd.DataFrame:
    rules = layout.rules
    c = layout.clients
    out = []
    # the school each village-stage used before = its nearest existing site (minutes_before)
    p = layout.pairs
    s = layout.sites
    existing = s["existing"].to_numpy()[p["site"].to_numpy()]
    pe = p[existing]
    before_site = pe.loc[pe.groupby("client")["minutes"].idxmin(), ["client", "site"]].set_index("client")["site"]
    for code, grp in sections.groupby("school_code", sort=False):
        name = str(grp["name"].iloc[0])
        existing_school = bool(grp["existing"].iloc[0])
        parts: list[str] = []
        decision = "keep"
        merge_into, merge_name = "", ""
        pupils = float(grp["pupils"].sum())
        if not grp["open"].any():
            if not existing_school:
                continue
            decision = "close"
            # where do the children of this school's villages go?
            recv: dict[str, float] = {}
            for j in grp.index:
                cl = before_site.index[before_site.to_numpy() == j]
                for i in cl:
                    z = zones.iloc[int(i)]
                    recv[z["school_code"]] = recv.get(z["school_code"], 0.0) + float(z["pupils"])
            now = float(grp["students_now"].sum())
            if recv:
                merge_into = max(recv, key=lambda k: recv[k])
                merge_name = str(zones.loc[zones["school_code"] == merge_into, "school_name"].iloc[0])
                decision = "merge"
            for j, r in grp.iterrows():
                sr = rules.stages[r["stage"]]
                served = zones[zones["school_code"] == merge_into]
                tmax = float(served["minutes"].max()) if len(served) else float("nan")
                proj = sum(float(zones.iloc[int(i)]["pupils"]) for i in before_site.index[before_site.to_numpy() == j])
                why = (f"{layout.year} 年预计生源约 {proj:.0f} 人，低于独立设置的最小规模 {sr.min_size:g} 人"
                       if proj < sr.min_size else f"{layout.year} 年预计生源约 {proj:.0f} 人，就近并入可节省运行成本")
                if r["must_close"]:
                    why = "按用户设定必须撤并"
                if merge_into:
                    parts.append(f"{STAGE_CN.get(r['stage'], '')}部（现有 {r['students_now']:.0f} 人）{why}；"
                                 f"学生并入 {merge_name}，该校服务范围内单程最长 {tmax:.0f} 分钟"
                                 f"（{sr.day_limit_min:g} 分钟时限内走读，超出者寄宿）")
                else:
                    parts.append(f"{STAGE_CN.get(r['stage'], '')}部（现有 {r['students_now']:.0f} 人）{why}；无生源需要安置")
            del now
        else:
            if not existing_school:
                decision = "build"
            for _, r in grp.iterrows():
                sr = rules.stages[r["stage"]]
                cn = STAGE_CN.get(r["stage"], "")
                if not r["open"]:
                    if r["existing"]:
                        parts.append(f"撤并{cn}部（现有 {r['students_now']:.0f} 人，生源不足 {sr.min_size:g} 人或就近并入更经济），"
                                     "学生转入邻近学校")
                    continue
                served = zones[zones["site_id"] == r["site_id"]]
                tmax = float(served["minutes"].max()) if len(served) else 0.0
                txt = (f"{cn}部预计 {r['pupils']:.0f} 人（现有 {r['students_now']:.0f} 人），服务 {int(r['villages'])} 个村，"
                       f"单程最长 {tmax:.0f} 分钟，{r['classes']} 个班，需教师 {r['teachers_needed']:.0f} 人")
                if r["boarders"] > 0:
                    txt += f"，寄宿生 {r['boarders']:.0f} 人"
                if r["places_added"] > 0.5:
                    cap = float(min(r["capacity"], r["max_size"]))
                    txt += (f"；现有容量 {cap:.0f} 人（现有班数 × 班额 {sr.class_cap}），需新增学位 {r['places_added']:.0f} 个"
                            f"（约 {r['places_added'] * sr.m2_per_place:.0f} m²）")
                    if decision == "keep":
                        decision = "expand"
                if r["beds_added"] > 0.5:
                    txt += f"；新增寄宿床位 {r['beds_added']:.0f} 张（先建后撤）"
                    if decision == "keep":
                        decision = "expand"
                min_size = sr.min_size
                if r["pupils"] < min_size - 1e-9:
                    if r["keep_small"]:
                        txt += f"；低于最小规模 {min_size:g} 人，按“保留必要的小规模学校”保留"
                        if decision == "keep":
                            decision = "keep_small"
                    elif r["keep"]:
                        txt += "；按用户设定保留"
                elif r["keep"]:
                    txt += "；按用户设定保留"
                parts.append(txt)
        verb = {"merge": f"{label('decision', 'merge')}，并入 {merge_name}",
                "keep_small": "保留（必要的小规模学校）"}.get(decision) or label("decision", decision)
        out.append({"school_code": code, "name": name, "decision": decision, "merge_into": merge_into,
                    "merge_into_name": merge_name, "pupils": round(pupils, 1),
                    "students_now": float(grp["students_now"].sum()),
                    "explanation": f"{name}：{verb}。" + "；".join(parts) + "。"})
    del c
    return pd.DataFrame(out)


def _idle_assets(layout: SchoolLayout, decisions: pd.DataFrame) -> pd.DataFrame:
    closed = decisions[decisions["decision"].isin(["close", "merge"])]
    info = layout.school_info
    rows = []
    for _, r in closed.iterrows():
        code = r["school_code"]
        has = code in info.index if len(info) else False
        stype = str(info.at[code, "school_type"]) if has else ""
        area = float(info.at[code, "building_area"]) if has and pd.notna(info.at[code, "building_area"]) else float("nan")
        land = float(info.at[code, "land_area"]) if has and pd.notna(info.at[code, "land_area"]) else float("nan")
        use = ("改办公办幼儿园或附设幼儿园（地段较好、有学前入学需要）" if stype in ("primary", "nine_year")
               else "改造为劳动教育/综合实践基地，或登记造册移交处置" if stype == "junior"
               else "登记造册移交县机关事务服务中心处置")
        rows.append({"school_code": code, "name": r["name"], "school_type": stype, "building_area_m2": area,
                     "land_area_m2": land, "pupils_moved": r["students_now"], "suggested_use": use})
    return pd.DataFrame(rows, columns=["school_code", "name", "school_type", "building_area_m2", "land_area_m2",
                                       "pupils_moved", "suggested_use"])
