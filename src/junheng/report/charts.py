"""Charts for the self-assessment report (matplotlib, Agg, CJK font from :mod:`junheng.report.fonts`)."""

from __future__ import annotations

from io import BytesIO

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from junheng.assess.results import STAGE_ZH, Assessment
from junheng.report.fonts import cjk_font


def _setup() -> None:
    font = cjk_font()
    if font:
        plt.rcParams["font.sans-serif"] = [font, "DejaVu Sans"]
        plt.rcParams["font.family"] = "sans-serif"
    plt.rcParams["axes.unicode_minus"] = False


def _png(fig: plt.Figure) -> bytes:
    buf = BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def cv_chart(a: Assessment, stage: str) -> bytes | None:
    """Horizontal bars of the stage's CVs with the limit marked (standards.md §1.1 / §2.1); PNG bytes."""
    cvs = [c for c in a.cvs if c.stage == stage]
    if not cvs:
        return None
    _setup()
    fig, ax = plt.subplots(figsize=(6.4, 0.45 * len(cvs) + 1.2))
    names = [c.name for c in cvs][::-1]
    vals = [c.cv for c in cvs][::-1]
    colors = ["#c0392b" if c.passed is False else "#2e86c1" for c in cvs][::-1]
    ax.barh(names, vals, color=colors)
    limits = {c.limit for c in cvs if c.limit is not None}
    for lim in limits:
        ax.axvline(lim, color="#c0392b", linestyle="--", linewidth=1)
        ax.text(lim, -0.9, f" 限值 {lim:.2f}", color="#c0392b", fontsize=8, va="bottom")
    for y, v in enumerate(vals):
        ax.text(v, y, f" {v:.3f}", va="center", fontsize=8)
    ax.set_xlabel("差异系数")
    ax.set_title(f"{STAGE_ZH.get(stage, stage)}校际差异系数")
    ax.set_xlim(0, max([*vals, *limits, 0.1]) * 1.25)
    ax.set_ylim(-1.0, len(cvs) - 0.4)
    ax.tick_params(axis="y", labelsize=8)
    return _png(fig)


def school_pass_chart(a: Assessment) -> bytes | None:
    """Stacked bars per stage: schools passing all 7, passing by the 6-of-7 rule, failing, incomplete."""
    if a.units.empty:
        return None
    _setup()
    stages = [s for s in ("primary", "junior") if (a.units["stage"] == s).any()]
    cats = [("all", "全部达标", "#27ae60"), ("min_pass_floor", "6项达标且余项≥85%", "#f1c40f")]
    fig, ax = plt.subplots(figsize=(6.4, 2.6))
    left = [0.0] * len(stages)
    labels = [STAGE_ZH[s] for s in stages]
    for key, label, color in cats:
        n = [int(((a.units["stage"] == s) & (a.units["pass_rule"] == key)).sum()) for s in stages]
        ax.barh(labels, n, left=left, color=color, label=label)
        left = [x + y for x, y in zip(left, n, strict=True)]
    for verdict, label, color in (("fail", "未达标", "#c0392b"), ("incomplete", "数据不全", "#95a5a6")):
        n = [int(((a.units["stage"] == s) & (a.units["school_verdict"] == verdict)).sum()) for s in stages]
        ax.barh(labels, n, left=left, color=color, label=label)
        left = [x + y for x, y in zip(left, n, strict=True)]
    ax.set_xlabel("学校(学段)数")
    ax.set_title("学校资源配置达标情况")
    ax.legend(fontsize=8, loc="lower right")
    return _png(fig)
