"""The one official-document template for every Word report (GB/T 9704-2012 党政机关公文格式).

Source: GB/T 9704-2012 as shared/reference/document-format.md summarises it — A4 (210 × 297 mm); margins top 37,
bottom 35, left (binding side) 28, right 26 mm; body 3号 (16 pt) 仿宋 indented two characters, 22 lines a page;
title 2号 (22 pt) 小标宋 centred; headings 一、 in 黑体, （一） in 楷体, 1. and （1） in 仿宋; page numbers
"— 1 —" in 4号 宋体, odd pages right and even pages left, one character in from the edge; the issuing body
(发文机关) above the date (成文日期, Arabic numerals as the 2012 edition writes them: 2025年12月3日), four
characters in from the right; wide tables on a landscape page; numbers in Arabic numerals grouped by three
digits (GB/T 15835-2011) with the unit stated.  Where the GB fonts are absent, the font table names the Noto CJK
faces of Debian's fonts-noto-cjk as their alternates (Noto Serif CJK SC for 仿宋/小标宋/楷体/宋体, Noto Sans
CJK SC for 黑体), and East Asian text is tagged zh-CN so LibreOffice picks a Chinese face.

Stable API (other report writers import these names; report/aid.py too):

* :func:`new_document` — a blank official document (page, margins, styles, page-number footers, fonts);
* :func:`title_block` — the 2号 小标宋 title with optional centred lines under it (依据, 学年 …);
* :func:`issuer_block` — the issuing body above the date at the end; :func:`official_date` writes the date;
  :func:`default_issuer` is a county's 人民政府教育督导委员会办公室;
* :class:`Outline` — numbered headings: ``h1`` 一、, ``h2`` （一）, ``h3`` 1., and ``add(level, text)`` for any
  level 1–4 (（1） is level 4); :func:`heading` adds one already numbered;
* :func:`paragraph`, :func:`table`, :func:`landscape`, :func:`picture`;
* :func:`set_fonts` — Latin and East Asian font, size, bold and black on a style or a run;
* :func:`number`, :func:`count`, :func:`money`, :func:`percent` — figures as an official document writes them;
* :func:`official_text` — a sentence without developer references (file names, § marks, source tags, the
  English half of a bilingual message).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from io import BytesIO
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Mm, Pt, RGBColor
from lxml import etree

FANGSONG, XIAOBIAOSONG, HEITI, KAITI, SONGTI = "仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312", "宋体"
LATIN = "Times New Roman"
SERIF_FALLBACK, SANS_FALLBACK = "Noto Serif CJK SC", "Noto Sans CJK SC"
FALLBACKS = {FANGSONG: SERIF_FALLBACK, XIAOBIAOSONG: SERIF_FALLBACK, KAITI: SERIF_FALLBACK, SONGTI: SERIF_FALLBACK,
             HEITI: SANS_FALLBACK}
BODY_PT, TITLE_PT, PAGE_NO_PT = 16, 22, 14  # 3号, 2号, 4号
TABLE_PT = 10.5  # 五号: tables
TYPE_WIDTH_CM = 15.6  # the type area (版心) is 156 mm wide
RED = RGBColor(0xC0, 0x39, 0x2B)
RED_WORDS = frozenset({"未达标", "未达到", "发生"})
HEADING_FONTS = {1: HEITI, 2: KAITI, 3: FANGSONG, 4: FANGSONG}
PORTRAIT_MARGINS_MM = (37, 35, 28, 26)  # top, bottom, left, right
LANDSCAPE_MARGINS_MM = (28, 26, 35, 37)  # the page turned: the binding side on top


# --------------------------------------------------------------------------- fonts and page

def set_fonts(target: Any, east_asian: str, size: float, *, bold: bool = False) -> None:
    """Times New Roman for Latin text, ``east_asian`` for Chinese, black, ``size`` pt (a style or a run)."""
    target.font.name = LATIN
    target.font.size = Pt(size)
    target.font.bold = bold
    target.font.color.rgb = RGBColor(0, 0, 0)
    rpr = target.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)  # a theme font would win over the named one
    fonts.set(qn("w:eastAsia"), east_asian)


def _page_number(paragraph: Any, align: Any, indent: str) -> None:
    """"— n —" with a PAGE field, 4号 宋体, one character in from the outer edge."""
    paragraph.alignment = align
    setattr(paragraph.paragraph_format, indent, Pt(PAGE_NO_PT))
    paragraph.paragraph_format.first_line_indent = Pt(0)
    for text, field in (("— ", False), ("PAGE", True), (" —", False)):
        run = paragraph.add_run()
        set_fonts(run, SONGTI, PAGE_NO_PT)
        if not field:
            run.text = text
            continue
        for kind, instr in (("begin", None), (None, text), ("end", None)):
            if kind is None:
                el = OxmlElement("w:instrText")
                el.set(qn("xml:space"), "preserve")
                el.text = instr
            else:
                el = OxmlElement("w:fldChar")
                el.set(qn("w:fldCharType"), kind)
            run._r.append(el)


def _margins(sec: Any, mm: tuple[int, int, int, int]) -> None:
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = (Mm(x) for x in mm)


def _doc_defaults(doc: Any) -> None:
    """East Asian text defaults to 仿宋 and is tagged zh-CN (LibreOffice then substitutes a Chinese face)."""
    rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for attr, name in (("w:ascii", LATIN), ("w:hAnsi", LATIN), ("w:eastAsia", FANGSONG), ("w:cs", LATIN)):
        fonts.set(qn(attr), name)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _font_table(doc: Any) -> None:
    """Name each GB font in the font table with its Noto CJK alternate (``w:altName``) and family."""
    part = next(p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    root = parse_xml(part.blob)
    for name, alt in FALLBACKS.items():
        family = "swiss" if alt == SANS_FALLBACK else "roman"
        root.append(parse_xml(f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{alt}"/>'
                              f'<w:charset w:val="86"/><w:family w:val="{family}"/><w:pitch w:val="variable"/>'
                              "</w:font>"))
    part.__dict__["_blob"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def new_document() -> Any:
    """A blank official document: A4 portrait with the standard's margins, 3号 仿宋 body (two-character indent,
    22 lines a page), heading styles 1–4 in 黑体/楷体/仿宋/仿宋, "— n —" page numbers (odd right, even left)."""
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    _margins(sec, PORTRAIT_MARGINS_MM)
    _doc_defaults(doc)
    _font_table(doc)
    normal = doc.styles["Normal"]
    set_fonts(normal, FANGSONG, BODY_PT)
    normal.paragraph_format.first_line_indent = Pt(2 * BODY_PT)
    normal.paragraph_format.line_spacing = Pt(28.9)  # 22 lines in the 225 mm type area
    normal.paragraph_format.space_after = Pt(0)
    for level, font in HEADING_FONTS.items():
        style = doc.styles[f"Heading {level}"]
        set_fonts(style, font, BODY_PT)
        style.paragraph_format.first_line_indent = Pt(2 * BODY_PT)
        style.paragraph_format.space_before = Pt(0)
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(sec.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT, "right_indent")
    _page_number(sec.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT, "left_indent")
    return doc


def landscape(doc: Any, on: bool) -> None:
    """A new section, landscape (``on``) or back to portrait; margins turn with the page."""
    sec = doc.add_section()
    sec.orientation = WD_ORIENT.LANDSCAPE if on else WD_ORIENT.PORTRAIT
    long, short = Mm(297), Mm(210)
    sec.page_width, sec.page_height = (long, short) if on else (short, long)
    _margins(sec, LANDSCAPE_MARGINS_MM if on else PORTRAIT_MARGINS_MM)


# --------------------------------------------------------------------------- blocks

def paragraph(doc: Any, text: str, *, align: Any = None, indent: bool = True, size: float | None = None) -> Any:
    """A body paragraph (3号 仿宋, indented two characters unless ``indent`` is False); the text is cleaned of
    developer references by :func:`official_text`."""
    p = doc.add_paragraph(official_text(text))
    if align is not None:
        p.alignment = align
    if not indent:
        p.paragraph_format.first_line_indent = Pt(0)
    if size is not None:
        for run in p.runs:
            run.font.size = Pt(size)
    return p


def title_block(doc: Any, title: str, *, lines: tuple[str, ...] = ()) -> None:
    """The title in 2号 小标宋, centred, then each of ``lines`` centred in 3号 仿宋 and an empty line."""
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.first_line_indent = Pt(0)
    p.paragraph_format.line_spacing = 1.2
    set_fonts(p.add_run(official_text(title)), XIAOBIAOSONG, TITLE_PT)
    for line in lines:
        paragraph(doc, line, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    paragraph(doc, "")


def official_date(date: dt.date) -> str:
    """成文日期 as GB/T 9704-2012 writes it: Arabic numerals, no leading zeros (2025年12月3日)."""
    return f"{date.year}年{date.month}月{date.day}日"


def default_issuer(county_name: str) -> str:
    """The body that issues a county's self-assessment: ``<县名>人民政府教育督导委员会办公室``."""
    return f"{county_name}人民政府教育督导委员会办公室" if county_name else "人民政府教育督导委员会办公室"


def issuer_block(doc: Any, issuer: str, date: dt.date) -> None:
    """After an empty line, the issuing body above the date, right-aligned four characters in from the edge."""
    paragraph(doc, "")
    for text in (issuer, official_date(date)):
        p = paragraph(doc, text, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
        p.paragraph_format.right_indent = Pt(4 * BODY_PT)


def heading(doc: Any, text: str, level: int) -> Any:
    """A heading of ``level`` 1–4 whose text is already numbered (一、 / （一） / 1. / （1））."""
    return doc.add_heading(official_text(text), level=level)


def chinese_number(n: int) -> str:
    """一 … 九十九 for heading numbers (一、 and （一））."""
    digits = "零一二三四五六七八九"
    if not 1 <= n <= 99:
        return str(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return digits[ones]
    return ("" if tens == 1 else digits[tens]) + "十" + ("" if ones == 0 else digits[ones])


class Outline:
    """Numbered headings 一、（一）1.（1）: each call numbers the next heading of its level and restarts the
    levels under it."""

    def __init__(self, doc: Any) -> None:
        self.doc = doc
        self.counts = [0, 0, 0, 0]

    def add(self, level: int, text: str) -> Any:
        """The next heading of ``level`` 1–4, numbered 一、 / （一） / 1. / （1）."""
        self.counts[level - 1] += 1
        for k in range(level, 4):
            self.counts[k] = 0
        n = self.counts[level - 1]
        label = {1: f"{chinese_number(n)}、", 2: f"（{chinese_number(n)}）", 3: f"{n}. ", 4: f"（{n}）"}[level]
        return heading(self.doc, label + text, level)

    def h1(self, text: str) -> Any:
        """一、…"""
        return self.add(1, text)

    def h2(self, text: str) -> Any:
        """（一）…"""
        return self.add(2, text)

    def h3(self, text: str) -> Any:
        """1. …"""
        return self.add(3, text)


def table(doc: Any, header: list[str], rows: list[list[Any]], *, size: float = TABLE_PT,
          widths: list[float] | None = None, red: frozenset[str] = RED_WORDS) -> Any:
    """A grid table, centred: the head in 黑体, cells in 仿宋 at ``size`` pt, single-spaced and centred; a cell
    whose whole text is in ``red`` (未达标 …) is red; ``widths`` in cm, scaled down to the 15.6 cm type area.  Cells are cleaned by :func:`official_text`."""
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    if widths:
        t.autofit = False
        scale = min(1.0, TYPE_WIDTH_CM / sum(widths))  # never wider than the type area
        widths = [w * scale for w in widths]
    for c, h in zip(t.rows[0].cells, header, strict=True):
        c.text = official_text(h)
    for r in rows:
        for c, v in zip(t.add_row().cells, r, strict=True):
            c.text = "" if v is None else official_text(str(v))
    for k, row in enumerate(t.rows):
        for j, c in enumerate(row.cells):
            if widths:
                c.width = Cm(widths[j])
            for p in c.paragraphs:
                p.paragraph_format.first_line_indent = Pt(0)
                p.paragraph_format.line_spacing = 1.0
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                for run in p.runs:
                    set_fonts(run, HEITI if k == 0 else FANGSONG, size)
                    if k and run.text in red:
                        run.font.color.rgb = RED
    return t


def picture(doc: Any, image: bytes | str | Path, *, width_cm: float = 15) -> Any:
    """A chart or map (PNG bytes or a file), centred in its own paragraph, ``width_cm`` wide."""
    p = paragraph(doc, "", align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    source = BytesIO(image) if isinstance(image, bytes) else str(image)
    p.add_run().add_picture(source, width=Cm(width_cm))
    return p


# --------------------------------------------------------------------------- figures

def _finite(x: Any) -> float | None:
    try:
        xf = float(x)
    except (TypeError, ValueError):
        return None
    return xf if math.isfinite(xf) else None


def number(x: Any, decimals: int = 2, *, trim: bool = False) -> str:
    """A measure grouped by three digits: ``1,215,115.89``; ``trim`` drops the decimals of a whole number
    (``350,645``).  None and NaN are empty, infinity is ∞, text passes through."""
    if isinstance(x, str):
        return x
    xf = _finite(x)
    if xf is None:
        return "∞" if x is not None and _is_inf(x) else ""
    if trim and abs(xf - round(xf)) < 1e-9:
        return f"{round(xf):,}"
    return f"{xf:,.{decimals}f}"


def _is_inf(x: Any) -> bool:
    try:
        return math.isinf(float(x))
    except (TypeError, ValueError):
        return False


def count(x: Any) -> str:
    """A count (schools, pupils, teachers) as a whole number grouped by three digits: ``12,683``."""
    xf = _finite(x)
    return "" if xf is None else f"{round(xf):,}"


def money(yuan: Any) -> str:
    """An amount of money with its unit: ``35.06 万元`` from 100,000 元 up, else ``8,350 元``."""
    xf = _finite(yuan)
    if xf is None:
        return ""
    if abs(xf) >= 100_000:
        return f"{xf / 10_000:,.2f} 万元"
    return f"{xf:,.0f} 元"


def percent(ratio: Any, decimals: int = 1) -> str:
    """A ratio as a percent, as the standards state rates (95%, 85.0%): ``decimals`` places."""
    xf = _finite(ratio)
    return "" if xf is None else f"{xf * 100:.{decimals}f}%"


# --------------------------------------------------------------------------- text

_SOURCE_TAG = re.compile(r"\s*\[[A-Z](?::[^\]]*)?\]")
_DOC_REF = re.compile(r"[；;，,]?\s*[\w./-]*\.md(?:\s*§\s*[\d.]+(?:\s*[/、]\s*§?\s*[\d.]+)*)?")
_SECTION = re.compile(r"\s*§\s*[\d.]+")
_EMPTY_PARENS = re.compile(r"\s*(?:（[\s，；、]*）|\([\s,;]*\))")
_CJK = "\u3400-\u9fff"
_ENGLISH_HALF = re.compile(rf"\s+/\s+[A-Za-z].*?(?::\s*(?=[{_CJK}])|(?=：|\s\([{_CJK}]|$))")
_IDENTIFIER = re.compile(r"\s*\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?:\.[a-z0-9_]+)?\b\s*")
_DANGLING = re.compile(r"[（(]\s*[，,；;、]\s*")


def official_text(text: str) -> str:
    """``text`` without developer references: the English half of a "中文 / English" message, program names
    (snake_case), source tags ([P], [U: …]), documentation file names and § marks, and the parentheses they
    leave empty."""
    if not text:
        return text
    out = _ENGLISH_HALF.sub(lambda m: "：" if m.group(0).rstrip().endswith(":") else "", text)
    out = _IDENTIFIER.sub("", out)
    out = _SOURCE_TAG.sub("", out)
    out = _DOC_REF.sub("", out)
    out = _SECTION.sub("", out)
    out = _DANGLING.sub(lambda m: m.group(0)[0], out)
    out = re.sub(r"[，,；;、]\s*([）)])", r"\1", out)
    out = _EMPTY_PARENS.sub("", out)
    return out
