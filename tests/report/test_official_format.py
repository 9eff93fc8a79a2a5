"""The official document template (GB/T 9704-2012): the 自评报告, the layout report and the PDF, read back.

Facts checked are those of shared/reference/document-format.md: A4 210 × 297 mm, margins 37/35/28/26 mm, a PAGE
field in the footers, 仿宋/黑体/楷体/小标宋 named as East Asian fonts with Noto CJK alternates, the issuing body
and date, headings 一、（一）, numbers grouped by three digits, and no developer references.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from typer.testing import CliRunner

from junheng.assess import assess
from junheng.report import write_docx
from junheng.report.document import (
    count,
    default_issuer,
    money,
    number,
    official_date,
    official_text,
    percent,
)
from junheng.standards import load_pack
from junheng.synth import generate_county

DATE = dt.date(2025, 12, 3)
FORBIDDEN = (".md", "§", "standards.md", "mip(", "HiGHS", "[U]", "[P]", "_GB2312 ")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    a = assess(load_pack("yzjh-2017"), generate_county("130431", seed=7), year=2025)
    return write_docx(a, tmp_path_factory.mktemp("official") / "自评报告.docx", county_name="鸡泽县", date=DATE)


def _texts(doc) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]


def _east_asian(style) -> str | None:  # type: ignore[no-untyped-def]
    fonts = style.element.rPr.find(qn("w:rFonts"))
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


def test_page_is_a4_with_the_standards_margins(report: Path) -> None:
    sec = Document(str(report)).sections[0]
    assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (210, 297)
    assert [round(x.mm) for x in (sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin)] == \
        [37, 35, 28, 26]


def test_footers_carry_a_page_field_between_dashes(report: Path) -> None:
    doc = Document(str(report))
    sec = doc.sections[0]
    for footer, align in ((sec.footer, "right"), (sec.even_page_footer, "left")):
        p = footer.paragraphs[0]
        assert "PAGE" in "".join(e.text or "" for e in p._p.iter(qn("w:instrText")))
        assert [f.get(qn("w:fldCharType")) for f in p._p.iter(qn("w:fldChar"))] == ["begin", "end"]
        assert p.text == "—  —" and p.alignment is not None and p.alignment.name.lower() == align
    assert doc.settings.odd_and_even_pages_header_footer


def test_fonts_are_named_with_their_noto_alternates(report: Path) -> None:
    doc = Document(str(report))
    assert _east_asian(doc.styles["Normal"]) == "仿宋_GB2312"
    assert doc.styles["Normal"].font.size.pt == 16
    assert _east_asian(doc.styles["Heading 1"]) == "黑体"
    assert _east_asian(doc.styles["Heading 2"]) == "楷体_GB2312"
    assert _east_asian(doc.styles["Heading 3"]) == "仿宋_GB2312"
    title = doc.paragraphs[0].runs[0]
    assert title.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "方正小标宋简体"
    assert title.font.size.pt == 22
    table = next(p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml").blob.decode()
    for name, alt in (("仿宋_GB2312", "Noto Serif CJK SC"), ("方正小标宋简体", "Noto Serif CJK SC"),
                      ("黑体", "Noto Sans CJK SC"), ("楷体_GB2312", "Noto Serif CJK SC")):
        assert re.search(f'w:name="{name}"><w:altName w:val="{alt}"/>', table), name
    assert "Times New Roman" not in (_east_asian(doc.styles["Normal"]) or "")


def test_cover_and_end_carry_the_issuing_body_and_date(report: Path) -> None:
    paras = [p.text for p in Document(str(report)).paragraphs]
    assert paras[0] == "鸡泽县义务教育优质均衡发展督导评估自评报告"
    assert paras[1:3] == ["鸡泽县人民政府教育督导委员会办公室", "2025年12月3日"]
    assert paras[3].startswith("依据：教督〔2017〕6号")
    assert paras[-2:] == ["鸡泽县人民政府教育督导委员会办公室", "2025年12月3日"]


def test_headings_are_numbered_one_two_three(report: Path) -> None:
    doc = Document(str(report))
    h1 = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    h2 = [p.text for p in doc.paragraphs if p.style.name == "Heading 2"]
    h3 = [p.text for p in doc.paragraphs if p.style.name == "Heading 3"]
    assert h1[:2] == ["一、基本情况与总体结论", "二、资源配置"] and "四、政府保障程度" in h1
    assert [h[:2] for h in h1[:-1]] == [f"{n}、" for n in "一二三四五六七八"]
    assert h1[-2:] == ["八、整改清单", "附：计算口径"]
    assert h2 == ["（一）学校达标情况", "（二）校际差异系数", "（三）各项指标分校情况", "（四）未达标学校及差距"]
    assert h3[0].startswith("1. ") and h3[6].startswith("7. ") and len(h3) == 7


def test_no_developer_reference_anywhere(report: Path) -> None:
    doc = Document(str(report))
    text = "\n".join(_texts(doc))
    for bad in FORBIDDEN:
        assert bad not in text, bad
    assert not re.search(r"\b[a-z]+_[a-z0-9_]+\b", text)  # no program names
    assert not re.search(r" / [a-z]{3,}", text)  # no English half of a bilingual message
    xml = doc.element.xml
    assert "standards.md" not in xml and "§" not in xml


def test_numbers_are_grouped_by_three_digits(report: Path) -> None:
    doc = Document(str(report))
    ind = [t for t in doc.tables if [c.text for c in t.rows[0].cells][:3] == ["学校", "学段", "分子"]]
    assert len(ind) == 7
    numerators = [r.cells[2].text for t in ind for r in t.rows[1:]]
    assert all(re.fullmatch(r"\d{1,3}(,\d{3})*(\.\d\d)?", n) for n in numerators if n)
    assert any("," in n for n in numerators)
    assert not any(re.fullmatch(r"\d+\.00", n) for n in numerators)  # a whole number has no ".00"
    assert not re.search(r"\d{5,}\.\d", "\n".join(_texts(doc)))  # 350645.00 never appears


def test_issuer_passed_in_wins(tmp_path: Path) -> None:
    from fixtures import tiny_tables

    a = assess(load_pack("yzjh-2017"), tiny_tables(), year=2025)
    path = write_docx(a, tmp_path / "r.docx", county_name="鸡泽县", issuer="鸡泽县教育局", date=dt.date(2026, 1, 9))
    paras = [p.text for p in Document(str(path)).paragraphs]
    assert paras[1:3] == ["鸡泽县教育局", "2026年1月9日"] and paras[-2:] == ["鸡泽县教育局", "2026年1月9日"]


def test_formatters_by_hand() -> None:
    assert number(350645.0, trim=True) == "350,645"
    assert number(1215115.891) == "1,215,115.89"
    assert number(2.5) == "2.50" and number(float("nan")) == "" and number(float("inf")) == "∞"
    assert count(12683.4) == "12,683" and count(None) == ""
    assert money(350645) == "35.06 万元" and money(8350.4) == "8,350 元"
    assert percent(0.953) == "95.3%" and percent(0.85, 0) == "85%"
    assert official_date(DATE) == "2025年12月3日"
    assert default_issuer("湟中县") == "湟中县人民政府教育督导委员会办公室"


def test_official_text_drops_developer_references() -> None:
    assert official_text("差异系数 = S / 全县生均值（教督〔2017〕6号；standards.md §2.1）。") == \
        "差异系数 = S / 全县生均值（教督〔2017〕6号）。"
    assert official_text("未提供佐证材料 / no evidence recorded") == "未提供佐证材料"
    assert official_text("权重 split_weights.preschool 取 0（默认，[U]）") == "权重取 0（默认）"
    assert official_text("结论不同 / the verdict depends on the share: 资源配置：未达标") == "结论不同：资源配置：未达标"
    assert official_text("教督〔2012〕3号 (standards.md §2.2)") == "教督〔2012〕3号"
    assert official_text("小学:初中 = 1 : 1") == "小学:初中 = 1 : 1"


def test_the_layout_report_carries_its_map_and_plain_words(tmp_path: Path) -> None:
    from fixtures import tiny_tables
    from junheng.plan.layout import SchoolLayout, load_layout_rules
    from junheng.report.layout import write_docx as layout_docx

    rules = load_layout_rules(overrides={"stage": {"primary": {"min_size": 0}, "junior": {"min_size": 0}}})
    layout = SchoolLayout.from_tables(tiny_tables(), year=2027, rules=rules)
    result = layout.solve(time_limit_s=20)
    path = tmp_path / "布局.docx"
    layout_docx(result, path, title="鸡泽县学校布局调整方案", sites=layout.sites, issuer="鸡泽县教育局", date=DATE)
    doc = Document(str(path))
    assert len(doc.inline_shapes) == 1  # the map, drawn from the sites
    assert round(doc.sections[0].page_width.mm) == 210 and round(doc.sections[0].top_margin.mm) == 37
    text = "\n".join(_texts(doc))
    for bad in (*FORBIDDEN, "optimal", "time_limit", "heuristic", "status"):
        assert bad not in text, bad
    assert "精确求解" in text and "已求得最优方案" in text  # a tiny model: HiGHS proves it
    assert [p.text for p in doc.paragraphs][-2:] == ["鸡泽县教育局", "2025年12月3日"]
    assert next(p.text for p in doc.paragraphs if p.style.name == "Heading 1") == "一、方案概要"


def test_pdf_is_none_without_libreoffice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from junheng.report import pdf

    monkeypatch.setattr(pdf.shutil, "which", lambda _name: None)
    assert pdf.to_pdf(tmp_path / "x.docx") is None


def test_pdf_calls_soffice_headless(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stand-in ``soffice`` on PATH records its arguments and writes the PDF where LibreOffice would."""
    from junheng.report.pdf import to_pdf

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "soffice"
    fake.write_text('#!/bin/sh\necho "$@" > "$(dirname "$0")/args"\nwhile [ "$1" != "--outdir" ]; do shift; done\n'
                    'out="$2"; shift 2\nname=$(basename "$1" .docx)\nprintf "%%PDF-1.4" > "$out/$name.pdf"\n',
                    encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    src = tmp_path / "自评报告.docx"
    src.write_bytes(b"docx")
    out = to_pdf(src, tmp_path / "out" / "r.pdf")
    assert out == tmp_path / "out" / "r.pdf" and out.read_bytes() == b"%PDF-1.4"
    args = (bin_dir / "args").read_text(encoding="utf-8").split()
    assert "--headless" in args and args[args.index("--convert-to") + 1] == "pdf"
    assert args[0].startswith("-env:UserInstallation=file://")


def test_cli_says_when_libreoffice_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from junheng.cli import app
    from junheng.io.template import write_workbook
    from junheng.report import pdf

    monkeypatch.setattr(pdf.shutil, "which", lambda _name: None)
    wb = tmp_path / "data.xlsx"
    write_workbook(wb, generate_county("130431", seed=7, children=False, teachers=False, years=(2023, 2025)),
                   personal=False)
    res = CliRunner().invoke(app, ["assess", "--year", "2025", "--data", str(wb), "--pdf", str(tmp_path / "r.pdf")])
    assert res.exit_code == 0, res.output
    assert "未安装 LibreOffice" in res.output and not (tmp_path / "r.pdf").exists()
