"""Import: all-or-nothing on SQLite and PostgreSQL, every error located, round trips stable."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, select, text
from typer.testing import CliRunner

from fixtures import COUNTY, S_NINE, S_POINT, S_PRIMARY, T1, V3, tiny_tables
from junheng.cli import app
from junheng.domain import fields as F
from junheng.io import ImportRejected, export_workbook, import_files, write_workbook
from junheng.store.models import TABLES, ImportBatch
from junheng.store.tables import load_tables


def snapshot(engine: Engine) -> dict[str, list[tuple]]:  # type: ignore[type-arg]
    """Every row of every table, in key order: a logical dump that works on both backends."""
    out = {}
    with engine.connect() as conn:
        for name, table in {**TABLES, "import_batch": ImportBatch.__table__}.items():
            pk = [c for c in table.primary_key.columns]
            out[name] = [tuple(r) for r in conn.execute(select(table).order_by(*pk))]
    return out


def file_hash(url: str) -> str | None:
    if not url.startswith("sqlite"):
        return None
    return hashlib.sha256(Path(url.split("///", 1)[1]).read_bytes()).hexdigest()


@pytest.fixture
def good_xlsx(tmp_path: Path) -> Path:
    return write_workbook(tmp_path / "县数据2025.xlsx", tiny_tables())


def test_good_workbook_imports(engine: Engine, good_xlsx: Path) -> None:
    result = import_files(engine, [good_xlsx], user="tester")
    assert result.counts["school"] == 4
    assert result.counts["section_year"] == 5
    assert result.years == (2025,)
    t = load_tables(engine)
    # ur_code derived from the village: 教学点 in 南庄村 (220)
    assert int(t.school.set_index("code").at[S_POINT, "ur_code"]) == 220
    # ID numbers normalised, birth date and sex filled from the ID
    kid = t.child.set_index("id_number").iloc[0]
    assert str(kid.name)[6:14] == kid["birth_date"].strftime("%Y%m%d")
    with engine.connect() as conn:
        batch = conn.execute(select(ImportBatch)).one()
    assert batch.user == "tester"
    assert batch.sha256 == hashlib.sha256(good_xlsx.read_bytes()).hexdigest()
    assert batch.filename == good_xlsx.name


def _break(path: Path, out: Path) -> Path:
    """The six defects named by the issue, each in a different place."""
    wb = load_workbook(path)
    ws = wb["学段年度数据"]
    header = [c.value for c in ws[1]]
    col = {h: i + 1 for i, h in enumerate(header)}
    ws.cell(row=1, column=col["专任教师数(人)"], value="专任老师")  # wrong header (and a required column lost)
    ws.cell(row=3, column=col["班级数(个)"], value="二十四")  # text in a number cell
    ws.cell(row=4, column=col["1年级在校生(人)"], value=96)  # grades no longer sum to 270
    wsch = wb["学校"]
    wsch.cell(row=5, column=1, value=S_PRIMARY)  # duplicate school ID (row 5 was the teaching point)
    wsy = wb["学校年度数据"]
    hy = {c.value: i + 1 for i, c in enumerate(wsy[1])}
    wsy.cell(row=4, column=hy["体育运动场地面积(m²)"], value=-400)  # negative area
    wc = wb["儿童"]
    good = wc.cell(row=3, column=1).value
    wc.cell(row=3, column=1, value=good[:-1] + ("0" if good[-1] != "0" else "1"))  # bad checksum
    wb.save(out)
    return out


def test_broken_workbook_lists_every_error_and_changes_nothing(db_url: str, engine: Engine, good_xlsx: Path,
                                                                tmp_path: Path) -> None:
    # the database already holds a good import, so "unchanged" is tested on real content
    import_files(engine, [good_xlsx])
    before = snapshot(engine)
    engine.dispose()
    before_bytes = file_hash(db_url)
    bad = _break(good_xlsx, tmp_path / "坏数据.xlsx")
    report = tmp_path / "错误清单.xlsx"
    result = CliRunner().invoke(app, ["import", str(bad), "--db", db_url, "--errors", str(report)])
    assert result.exit_code == 1, result.output
    rep = pd.read_excel(report, dtype=str)
    found = {(r["错误代码"], r["工作表"], r["行号"], r["列"].split(" (")[0]) for _, r in rep.iterrows()}
    expected = {
        ("E404", "学段年度数据", "1", "专任老师"),  # unknown header
        ("E403", "学段年度数据", "1", "专任教师数(人)"),  # required column missing
        ("E102", "学段年度数据", "3", "班级数(个)"),  # text in a number cell
        ("E201", "学段年度数据", "4", "在校生数(人)"),  # grades do not sum (row 4 = 小寨 junior? see below)
        ("E301", "学校", "5", "学校标识码"),  # duplicate school ID
        ("E104", "学校年度数据", "4", "体育运动场地面积(m²)"),  # negative area
        ("E108", "儿童", "3", "身份证号"),  # bad checksum
    }
    missing = expected - found
    assert not missing, f"not reported: {missing}\nall: {sorted(found)}"
    # each error names expected and found
    assert rep["应为"].notna().all() and rep["实为"].notna().all()
    # and nothing was written: same rows, and for SQLite the very same bytes
    assert snapshot(engine) == before
    engine.dispose()
    assert file_hash(db_url) == before_bytes


def test_sections_sorted_as_in_fixture(good_xlsx: Path) -> None:
    """Guards the row numbers used above: row 4 of 学段年度数据 is the nine-year school's junior section."""
    ws = load_workbook(good_xlsx)["学段年度数据"]
    assert (ws.cell(4, 2).value, ws.cell(4, 3).value) == (S_NINE, "初中")


def test_exception_mid_write_leaves_database_unchanged(db_url: str, engine: Engine, good_xlsx: Path,
                                                       tmp_path: Path) -> None:
    import_files(engine, [good_xlsx])
    before = snapshot(engine)
    engine.dispose()
    before_bytes = file_hash(db_url)
    changed = tiny_tables()
    sy = changed.section_year.copy()
    sy.loc[sy["school_code"] == S_PRIMARY, ["teachers_pe"]] = 6
    t2 = type(changed)(**{**changed.frames(), "section_year": sy})
    path = write_workbook(tmp_path / "第二次.xlsx", t2)
    written: list[str] = []

    def crash(key: str, done: int, total: int) -> None:
        written.append(key)
        if key == "section_year":  # org units, schools and school_year are already written
            raise RuntimeError("injected failure")

    with pytest.raises(RuntimeError, match="injected"):
        import_files(engine, [path], progress=crash)
    assert written[:3] == ["org_unit", "school", "school_year"]
    assert snapshot(engine) == before
    engine.dispose()
    assert file_hash(db_url) == before_bytes


def test_reimport_replaces_the_years_facts(engine: Engine, good_xlsx: Path, tmp_path: Path) -> None:
    import_files(engine, [good_xlsx])
    t = tiny_tables()
    sy = t.section_year[t.section_year["school_code"] != S_POINT]  # the teaching point closed
    syy = t.school_year[t.school_year["school_code"] != S_POINT]
    path = write_workbook(tmp_path / "更正.xlsx", type(t)(**{**t.frames(), "section_year": sy, "school_year": syy}))
    import_files(engine, [path])
    loaded = load_tables(engine, years=[2025])
    assert S_POINT not in set(loaded.section_year["school_code"])
    assert len(loaded.section_year) == 4
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from import_batch")).scalar() == 2


def test_export_import_export_is_byte_stable(db_url: str, engine: Engine, good_xlsx: Path, tmp_path: Path) -> None:
    import_files(engine, [good_xlsx])
    first = export_workbook(engine, tmp_path / "导出1.xlsx", personal=True)
    # import the export into a fresh database of the same backend, export again
    import_files(engine, [first])
    second = export_workbook(engine, tmp_path / "导出2.xlsx", personal=True)
    assert first.read_bytes() == second.read_bytes()
    # and the export holds the data
    assert load_workbook(first)["学校"].max_row == 2 + 4


def test_gcj02_coordinates_converted_on_import(engine: Engine, tmp_path: Path) -> None:
    t = tiny_tables()
    org = t.org_unit.copy()
    row = org["code"] == T1
    org.loc[row, ["lon", "lat", "coord_system"]] = [114.876999, 36.920223, "gcj02"]  # 鸡泽镇 as published
    path = write_workbook(tmp_path / "gcj.xlsx", type(t)(**{**t.frames(), "org_unit": org}))
    import_files(engine, [path])
    got = load_tables(engine).org_unit.set_index("code").loc[T1]
    assert got["lon"] == pytest.approx(114.871324, abs=2e-6)
    assert got["lat"] == pytest.approx(36.919996, abs=2e-6)


def test_children_csv_in_gbk_with_fifteen_digit_ids(engine: Engine, good_xlsx: Path, tmp_path: Path) -> None:
    import_files(engine, [good_xlsx])
    csv = tmp_path / "儿童.csv"
    pd.DataFrame({
        "身份证号": ["110105491231002"],  # 15 digits → upgraded
        "姓名": ["测试丙"],
        "户籍村/社区代码": [V3],
    }).to_csv(csv, index=False, encoding="gbk")
    import_files(engine, [csv])
    kids = load_tables(engine).child.set_index("id_number")
    assert "11010519491231002X" in kids.index
    assert kids.at["11010519491231002X", "sex"] == "female"


def test_unknown_village_in_children_csv_rejected(engine: Engine, good_xlsx: Path, tmp_path: Path) -> None:
    import_files(engine, [good_xlsx])
    csv = tmp_path / "child.csv"
    pd.DataFrame({"id_number": ["11010519491231002X"], "name": ["测试丁"],
                  "household_village_code": [COUNTY[:9] + "999"]}).to_csv(csv, index=False)
    with pytest.raises(ImportRejected) as exc:
        import_files(engine, [csv])
    [issue] = exc.value.issues
    assert (issue.code, issue.sheet, issue.row) == ("E302", "儿童", 2)


def test_template_sheet_catalogue() -> None:
    assert len({s.zh for s in F.SHEETS}) == len(F.SHEETS)


def test_bulk_copy_path_gives_the_same_tables(engine: Engine, good_xlsx: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL switches to COPY for large tables; forced here on small data, it must store the same rows."""
    import junheng.store.tables as store_tables

    import_files(engine, [good_xlsx])
    before = load_tables(engine)
    monkeypatch.setattr(store_tables, "COPY_THRESHOLD", 1)
    import_files(engine, [good_xlsx])
    after = load_tables(engine)
    for key, df in before.frames().items():
        pd.testing.assert_frame_equal(df, after.frames()[key], check_dtype=False, obj=key)
