"""Layout plan outputs: Excel workbook, self-contained HTML map (inline SVG), PNG map, Word report.

The layout engine returns a :class:`junheng.plan.layout.LayoutResult` and stays free of presentation;
these writers present it (fonts from :mod:`junheng.report.fonts`, formula-safe cells)."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd

from junheng.domain.labels import zh_map
from junheng.domain.textsafe import neutralise_workbook
from junheng.plan.layout import LayoutResult

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


def write_docx(result: LayoutResult, path: str | Path, *, title: str = "学校布局调整方案",
               png: str | Path | None = None) -> None:
    from docx import Document
    from docx.shared import Cm

    doc = Document()
    doc.add_heading(title, level=0)
    s = result.summary()
    doc.add_paragraph(
        f"规划年份 {result.year}。求解状态 {result.status}（目标值 {result.objective:,.0f} 元/年，下界 {result.bound:,.0f}，"
        f"间隙 {result.gap:.4%}，用时 {result.seconds:.1f} 秒，方法 {result.method}）。规划后小学 {s['primary_schools']} 所、"
        f"初中 {s['junior_schools']} 所；寄宿生 小学 {s['primary_boarders']:.0f} 人、初中 {s['junior_boarders']:.0f} 人；"
        f"需教师 小学 {s['primary_teachers']:.0f} 人、初中 {s['junior_teachers']:.0f} 人。")
    if png:
        doc.add_picture(str(png), width=Cm(16))
    doc.add_heading("一、学校布局决定", level=1)
    t = doc.add_table(rows=1, cols=3)
    t.style = "Table Grid"
    for c, h in zip(t.rows[0].cells, ("学校", "决定", "说明"), strict=True):
        c.text = h
    for _, r in result.decisions.iterrows():
        cells = t.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = str(r["name"]), DECISION_CN.get(r["decision"], ""), str(
            r["explanation"])
    doc.add_heading("二、成本构成（元/年）", level=1)
    for k, v in result.costs.items():
        doc.add_paragraph(f"{k}：{v:,.0f}", style="List Bullet")
    doc.add_heading("三、闲置资产清单", level=1)
    for _, r in result.idle_assets.iterrows():
        doc.add_paragraph(f"{r['name']}：建筑面积 {r['building_area_m2']:,.0f} m²，占地 {r['land_area_m2']:,.0f} m²；"
                          f"建议 {r['suggested_use']}", style="List Bullet")
    doc.add_heading("四、撤并程序", level=1)
    doc.add_paragraph("规划论证 → 征求意见 → 风险评估 → 集体决策 → 公开公示（先建后撤，分期分批实施）。")
    doc.add_heading("五、假设", level=1)
    for a in result.assumptions:
        doc.add_paragraph(a, style="List Bullet")
    doc.save(str(path))
