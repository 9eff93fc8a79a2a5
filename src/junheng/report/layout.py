"""Layout plan outputs: Excel workbook, self-contained HTML map (inline SVG), PNG map, Word report (the official
template of :mod:`junheng.report.document`, with the map).

The layout engine returns a :class:`junheng.plan.layout.LayoutResult` and stays free of presentation;
these writers present it (fonts from :mod:`junheng.report.fonts`, formula-safe cells)."""

from __future__ import annotations

import datetime as dt
import html
import math
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from docx.enum.text import WD_ALIGN_PARAGRAPH

from junheng.domain.labels import zh_map
from junheng.domain.textsafe import neutralise_workbook
from junheng.plan.layout import LayoutResult
from junheng.report.document import (
    TABLE_PT,
    Outline,
    count,
    issuer_block,
    money,
    new_document,
    number,
    official_date,
    paragraph,
    percent,
    picture,
    table,
    title_block,
)

COLOURS = {"keep": "#2e7d32", "expand": "#1565c0", "merge": "#c62828", "close": "#6d4c41", "build": "#6a1b9a",
           "keep_small": "#f9a825"}
DECISION_CN = zh_map("decision")


def _school_points(result: LayoutResult, layout_sites: pd.DataFrame) -> pd.DataFrame:
    pts = layout_sites.groupby("school_code")[["lon", "lat"]].first()
    return result.decisions.join(pts, on="school_code")


def write_xlsx(result: LayoutResult, path: str | Path, *, sites: pd.DataFrame) -> None:
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        pd.DataFrame([result.summary()]).T.rename(columns={0: "值 / value"}).to_excel(xw, sheet_name="概要")
        result.decisions.rename(columns={"school_code": "学校标识码", "name": "学校", "decision": "决定",
                                         "merge_into_name": "并入学校", "pupils": "规划年学生",
                                         "students_now": "基年学生", "explanation": "说明"}).to_excel(
            xw, sheet_name="学校决定", index=False)
        result.sections.to_excel(xw, sheet_name="学段", index=False)
        result.zones.to_excel(xw, sheet_name="学区划分", index=False)
        result.travel.pivot_table(index=["stage", "band"], columns="when", values="pupils",
                                  observed=False).to_excel(xw, sheet_name="路途时间分布")
        result.idle_assets.to_excel(xw, sheet_name="闲置资产", index=False)
        pd.Series(result.costs, name="元/年").to_excel(xw, sheet_name="成本")
        pd.Series(result.assumptions, name="假设").to_excel(xw, sheet_name="假设", index=False)
        neutralise_workbook(xw.book)  # school names come from users: never a live formula


def write_png(result: LayoutResult, path: str | Path, *, sites: pd.DataFrame, stage: str = "primary",
              title: str = "") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from junheng.report.fonts import cjk_font

    font = cjk_font()
    if font:
        plt.rcParams["font.sans-serif"] = [font]
        plt.rcParams["axes.unicode_minus"] = False
    fig, axes = plt.subplots(1, 2, figsize=(16, 8))
    pts = _school_points(result, sites)
    for ax, st in zip(axes, ("primary", "junior"), strict=True):
        z = result.zones[result.zones["stage"] == st]
        sp = sites[sites["stage"] == st].drop_duplicates("school_code").set_index("school_code")
        for _, r in z.iterrows():
            if r["school_code"] in sp.index:
                s = sp.loc[r["school_code"]]
                ax.plot([r["lon"], s["lon"]], [r["lat"], s["lat"]], color="#bbbbbb", lw=0.6,
                        ls="--" if r["boards"] else "-", zorder=1)
        size = np.clip(z["pupils"].to_numpy(), 2, None)
        ax.scatter(z["lon"], z["lat"], s=size / 4 + 4, c="#90a4ae", zorder=2, label="村（按学生数）")
        here = pts[pts["school_code"].isin(sp.index)]
        for dec, g in here.groupby("decision"):
            ax.scatter(g["lon"], g["lat"], s=90, c=COLOURS.get(dec, "k"), marker="s", edgecolors="white",
                       zorder=3, label=DECISION_CN.get(dec, dec))
        for _, r in here[here["decision"].isin(["keep", "expand", "build", "keep_small"])].iterrows():
            ax.annotate(str(r["name"]).replace("鸡泽县", ""), (r["lon"], r["lat"]), fontsize=7,
                        xytext=(3, 3), textcoords="offset points")
        ax.set_title(f"{'小学' if st == 'primary' else '初中'} {result.year} 年布局（线 = 学区，虚线 = 寄宿）")
        ax.set_aspect(1 / np.cos(np.radians(float(np.nanmean(z["lat"])))))
        ax.legend(loc="lower left", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_html_map(result: LayoutResult, path: str | Path, *, sites: pd.DataFrame, title: str = "") -> None:
    """A self-contained page: one inline SVG per stage (villages, zones, schools by decision); no CDN, no tiles."""
    pts = _school_points(result, sites)
    z = result.zones
    lon0, lon1 = float(np.nanmin(z["lon"])), float(np.nanmax(z["lon"]))
    lat0, lat1 = float(np.nanmin(z["lat"])), float(np.nanmax(z["lat"]))
    kx = np.cos(np.radians((lat0 + lat1) / 2))
    w = 640.0
    h = w * (lat1 - lat0) / max((lon1 - lon0) * kx, 1e-9)
    pad = 20.0

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return (pad + (lon - lon0) / max(lon1 - lon0, 1e-9) * w, pad + (lat1 - lat) / max(lat1 - lat0, 1e-9) * h)

    parts = [f"<!doctype html><html lang='zh'><head><meta charset='utf-8'><title>{html.escape(title or '学校布局')}"
             "</title><style>body{font-family:sans-serif;margin:1em}svg{border:1px solid #ccc;margin:4px}"
             "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:3px 6px}</style>"
             f"</head><body><h1>{html.escape(title or '学校布局调整方案')}</h1>"]
    parts.append("<p>" + " ".join(f"<span style='color:{c}'>■</span> {DECISION_CN[k]}" for k, c in COLOURS.items())
                 + " <span style='color:#90a4ae'>●</span> 村 · 实线 = 走读学区，虚线 = 寄宿</p>")
    for st, cn in (("primary", "小学"), ("junior", "初中")):
        zz = z[z["stage"] == st]
        sp = sites[sites["stage"] == st].drop_duplicates("school_code").set_index("school_code")
        svg = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{w + 2 * pad:.0f}' height='{h + 2 * pad:.0f}'>"
               f"<text x='8' y='16' font-size='14'>{cn} {result.year}</text>"]
        for _, r in zz.iterrows():
            if r["school_code"] in sp.index:
                x1, y1 = xy(r["lon"], r["lat"])
                x2, y2 = xy(sp.at[r["school_code"], "lon"], sp.at[r["school_code"], "lat"])
                dash = " stroke-dasharray='4 3'" if r["boards"] else ""
                svg.append(f"<line x1='{x1:.1f}' y1='{y1:.1f}' x2='{x2:.1f}' y2='{y2:.1f}' stroke='#bbb'{dash}/>")
        for _, r in zz.iterrows():
            x1, y1 = xy(r["lon"], r["lat"])
            rad = 2 + np.sqrt(max(float(r["pupils"]), 0.0)) / 4
            svg.append(f"<circle cx='{x1:.1f}' cy='{y1:.1f}' r='{rad:.1f}' fill='#90a4ae'><title>"
                       f"{html.escape(str(r['village_name']))}：{r['pupils']:.0f} 人 → {html.escape(str(r['school_name']))}"
                       f"，{r['minutes']:.0f} 分钟（原 {r['minutes_before']:.0f}）</title></circle>")
        for _, r in pts[pts["school_code"].isin(sp.index)].iterrows():
            x1, y1 = xy(r["lon"], r["lat"])
            svg.append(f"<rect x='{x1 - 5:.1f}' y='{y1 - 5:.1f}' width='10' height='10' "
                       f"fill='{COLOURS.get(r['decision'], '#000')}' stroke='white'><title>"
                       f"{html.escape(str(r['explanation']))}</title></rect>")
        svg.append("</svg>")
        parts.append("".join(svg))
    parts.append("<h2>学校决定 / decisions</h2><table><tr><th>学校</th><th>决定</th><th>说明</th></tr>")
    for _, r in result.decisions.iterrows():
        parts.append(f"<tr><td>{html.escape(str(r['name']))}</td><td style='color:{COLOURS.get(r['decision'])}'>"
                     f"{DECISION_CN.get(r['decision'], r['decision'])}</td><td>{html.escape(str(r['explanation']))}"
                     "</td></tr>")
    parts.append("</table></body></html>")
    Path(path).write_text("".join(parts), encoding="utf-8")


def method_text(result: LayoutResult) -> str:
    """How the plan was found, in words for an officer: 精确求解 or 启发式, whether it is proved optimal, and how
    far from the best possible plan it can at most be (the relative gap between the cost and its lower bound)."""
    exact = result.method.startswith("mip")
    how = ("精确求解（混合整数规划，在所有可行的布局组合中求成本最低者）" if exact
           else "启发式求解（先算出成本的理论下界，再逐步改进方案）")
    gap = result.gap
    if result.status == "optimal":
        state = "已求得最优方案" + (f"，与理论最低成本的差距在 {percent(gap, 2)} 以内" if gap > 5e-5 else "")
    elif math.isfinite(gap):
        state = f"在规定时间内未能证明最优，本方案的年成本最多比理论最低成本高 {percent(gap, 2)}"
    else:
        state = "在规定时间内未能证明最优，尚无法估计与最优方案的差距"
    return f"求解方法：{how}；{state}；计算用时 {number(result.seconds, 1)} 秒。"


def write_docx(result: LayoutResult, path: str | Path, *, title: str = "学校布局调整方案",
               png: str | Path | None = None, sites: pd.DataFrame | None = None, issuer: str = "",
               date: dt.date | None = None) -> None:
    """The 布局调整方案 on the official template (:mod:`junheng.report.document`) with its map: ``png``, or,
    without one, the map drawn by :func:`write_png` from ``sites`` into a temporary file."""
    doc = new_document()
    title_block(doc, title)
    s = result.summary()
    out = Outline(doc)
    out.h1("方案概要")
    paragraph(doc, f"规划年份 {result.year} 年。规划后小学 {count(s['primary_schools'])} 所、初中 "
                   f"{count(s['junior_schools'])} 所；寄宿生小学 {count(s['primary_boarders'])} 人、初中 "
                   f"{count(s['junior_boarders'])} 人；需教师小学 {count(s['primary_teachers'])} 人、初中 "
                   f"{count(s['junior_teachers'])} 人；年总成本 {money(result.objective)}。")
    paragraph(doc, method_text(result))
    with tempfile.TemporaryDirectory() as tmp:
        if png is None and sites is not None:
            png = Path(tmp) / "map.png"
            write_png(result, png, sites=sites, title=title)
        if png is not None:
            picture(doc, png, width_cm=15.6)
            paragraph(doc, "图：学校布局与学区（方块为学校，圆点为村，线为学区，虚线为寄宿）", indent=False,
                      align=WD_ALIGN_PARAGRAPH.CENTER, size=TABLE_PT)
    out.h1("学校布局决定")
    table(doc, ["学校", "决定", "说明"],
          [[str(r["name"]), DECISION_CN.get(r["decision"], ""), str(r["explanation"])]
           for _, r in result.decisions.iterrows()], widths=[3.6, 1.8, 10.2])
    out.h1("成本构成")
    table(doc, ["项目", "金额（每年）"], [[k, money(v)] for k, v in result.costs.items()], widths=[8.0, 6.0])
    out.h1("闲置资产清单")
    idle = result.idle_assets
    if idle.empty:
        paragraph(doc, "无。")
    for _, r in idle.iterrows():
        paragraph(doc, f"{r['name']}：建筑面积 {number(r['building_area_m2'], 0)} 平方米，占地 "
                       f"{number(r['land_area_m2'], 0)} 平方米；建议{r['suggested_use']}。")
    out.h1("撤并程序")
    paragraph(doc, "规划论证 → 征求意见 → 风险评估 → 集体决策 → 公开公示（先建后撤，分期分批实施）。")
    out.h1("假设")
    for k, a in enumerate(result.assumptions, 1):
        paragraph(doc, f"{k}. {a}")
    if issuer:
        issuer_block(doc, issuer, date or dt.date.today())
    else:
        paragraph(doc, official_date(date or dt.date.today()), align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    doc.save(str(path))
