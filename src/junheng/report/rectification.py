"""The rectification list (整改清单): what each school and the county must add, in natural units."""

from __future__ import annotations

from typing import Any

from junheng.assess.results import STAGE_ZH, Assessment


def rectification_rows(a: Assessment) -> list[list[Any]]:
    """Rows ``[对象, 问题, 整改内容, 数量, 单位, 责任单位, 完成时限]``.

    From the resource indicators of failing schools (``must_fix_gap``: the least
    that passes the school rule, standards.md §1.1) and from the schools behind
    county items that are not met.  责任单位 and 完成时限 are left for the county.
    """
    rows: list[list[Any]] = []
    ind = {i["code"]: i for i in a.indicators}
    if not a.units.empty and "school_verdict" in a.units:
        failing = a.units[a.units["school_verdict"] == "fail"].set_index(["unit_code", "stage"])
        v = a.values[a.values["must_fix_gap"] > 0]
        for r in v.to_dict("records"):
            key = (r["unit_code"], r["stage"])
            if key not in failing.index:
                continue
            name = failing.loc[key, "name"]
            meta = ind[r["indicator"]]
            rows.append([f"{name}（{STAGE_ZH.get(r['stage'], '')}）", f"{meta['name']} {r['value']:,.2f}，标准 {r['threshold']:,g}",
                         f"补足{meta['name'].replace('每百名学生拥有', '').replace('生均', '')}", round(float(r["must_fix_gap"]), 2),
                         meta["gap_unit"], "", ""])
    names = {i.code: i.name for i in a.items}
    for d in a.item_details.to_dict("records"):
        gap = d["gap"]
        rows.append([d["name"] or "全县", names.get(d["item"], d["item"]), d["note"],
                     None if gap != gap else round(float(gap), 2), d["gap_unit"], "", ""])
    for it in a.items:
        if it.status == "not_met" and it.n_details == 0:
            rows.append(["全县", it.name, it.note or "未达到要求", None, "", "", ""])
    return rows
