"""Find a CJK font at run time for charts (matplotlib); Word's fonts are named by :mod:`junheng.report.document`.

Debian's ``fonts-noto-cjk`` or ``fonts-wqy-microhei`` is expected (the
Makefile installs it).  Without one, charts still render but Chinese glyphs
show as boxes; a clear warning says which package to install.
"""

from __future__ import annotations

import functools
import warnings

PREFERRED = (
    "Noto Sans CJK SC", "Noto Serif CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
    "SimHei", "Microsoft YaHei", "PingFang SC", "Noto Sans CJK JP", "Noto Sans CJK TC",
)


class MissingCJKFontWarning(UserWarning):
    """No CJK font was found; Chinese text in charts will not render."""


@functools.cache
def cjk_font() -> str | None:
    """The family name of an installed CJK font known to matplotlib, or None (with a warning)."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    for name in PREFERRED:
        if name in names:
            return name
    # a fresh install may not be in matplotlib's cache yet: rescan once
    for path in font_manager.findSystemFonts():
        low = path.lower()
        if any(k in low for k in ("notosanscjk", "notoserifcjk", "wqy", "sourcehan", "simhei")):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    names = {f.name for f in font_manager.fontManager.ttflist}
    for name in PREFERRED:
        if name in names:
            return name
    warnings.warn(
        "未找到中文字体，图表中的中文将无法显示；请安装 fonts-noto-cjk 或 fonts-wqy-microhei / "
        "no CJK font found: install the Debian package fonts-noto-cjk (or fonts-wqy-microhei)",
        MissingCJKFontWarning, stacklevel=2,
    )
    return None
