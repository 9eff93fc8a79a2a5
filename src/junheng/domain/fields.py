"""The field catalogue: every column of every registry table, described once.

The Excel template (headers, the 说明 sheet, cell validation), the importer's
type and range checks, the database columns of the yearly fact tables and the
glossary are all generated from these specs, so they cannot drift apart.

A ``Field`` names its identifier (English, the database column), its Chinese
header, its English name, unit, kind and limits.  A ``SheetSpec`` groups the
fields of one workbook sheet / one database table, with its key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from junheng.domain.enums import CoordSystem, OrgLevel, Ownership, SchoolType, Sex, Stage

Kind = Literal["int", "float", "str", "bool", "date", "code", "enum", "list"]


@dataclass(frozen=True)
class Field:
    key: str
    zh: str
    en: str
    kind: Kind = "int"
    unit: str = ""
    required: bool = False
    minimum: float | None = 0
    maximum: float | None = None
    digits: int | None = None  # exact length for kind == "code"
    choices: tuple[str, ...] = ()  # Chinese labels for kind == "enum"
    enum: type | None = None
    help: str = ""

    @property
    def header(self) -> str:
        """The Chinese column header written in the template, with its unit."""
        return f"{self.zh}({self.unit})" if self.unit else self.zh


@dataclass(frozen=True)
class SheetSpec:
    key: str  # table name
    zh: str  # sheet name
    en: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    help: str = ""
    personal: bool = False  # holds personal data (names, ID numbers)
    extra: dict[str, str] = field(default_factory=dict)

    def field(self, key: str) -> Field:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    @property
    def keys(self) -> list[str]:
        return [f.key for f in self.fields]


def _enum(key: str, zh: str, en: str, enum: type, *, required: bool = False, help: str = "") -> Field:
    return Field(
        key, zh, en, kind="enum", required=required, minimum=None, enum=enum,
        choices=tuple(enum.labels()), help=help,  # type: ignore[attr-defined]
    )


def _count(key: str, zh: str, en: str, unit: str = "人", *, required: bool = False, help: str = "",
           maximum: float | None = None) -> Field:
    return Field(key, zh, en, kind="int", unit=unit, required=required, help=help, maximum=maximum)


def _amount(key: str, zh: str, en: str, unit: str, *, required: bool = False, help: str = "") -> Field:
    return Field(key, zh, en, kind="float", unit=unit, required=required, help=help)


YEAR = Field("year", "学年", "school year", kind="int", required=True, minimum=1990, maximum=2100,
             help="学年的起始年份，如 2025 表示 2025—2026 学年（秋季学期开学时的统计口径）。")

# --------------------------------------------------------------------------- org units
ORG_UNITS = SheetSpec(
    "org_unit", "行政区划", "administrative divisions",
    (
        Field("code", "区划代码", "statistical code", kind="code", digits=12, required=True,
              help="国家统计局 12 位统计用区划代码。"),
        Field("parent_code", "上级区划代码", "parent code", kind="code", digits=12,
              help="上级单位的 12 位代码；省级可空。"),
        Field("name", "名称", "name", kind="str", required=True, minimum=None),
        _enum("level", "层级", "level", OrgLevel, required=True),
        Field("ur_code", "城乡分类代码", "urban-rural code", kind="int", minimum=111, maximum=220,
              help="111 主城区, 112 城乡结合区, 121 镇中心区, 122 镇乡结合区, 123 特殊区域, 210 乡中心区, 220 村庄。村级必填。"),
        Field("lon", "经度", "longitude", kind="float", unit="°", minimum=73, maximum=136),
        Field("lat", "纬度", "latitude", kind="float", unit="°", minimum=3, maximum=54),
        _enum("coord_system", "坐标系", "coordinate system", CoordSystem,
              help="WGS-84 或 GCJ-02（高德/腾讯地图坐标），导入时 GCJ-02 自动转换为 WGS-84 存储；空表示 WGS-84。"),
    ),
    primary_key=("code",),
    help="省—市—县—乡镇—村 五级区划。",
)

# --------------------------------------------------------------------------- schools
SCHOOLS = SheetSpec(
    "school", "学校", "schools",
    (
        Field("code", "学校标识码", "school ID", kind="code", digits=10, required=True,
              help="教育部 10 位学校标识码；教学点可用其自编 10 位代码。"),
        Field("name", "学校名称", "school name", kind="str", required=True, minimum=None),
        _enum("school_type", "办学类型", "school type", SchoolType, required=True),
        _enum("ownership", "举办者", "ownership", Ownership, required=True),
        Field("inclusive", "普惠性", "inclusive (普惠)", kind="bool",
              help="仅幼儿园填写：公办园和认定的普惠性民办园填“是”。"),
        Field("boarding", "寄宿制", "boarding", kind="bool", help="是否寄宿制学校。"),
        Field("township_code", "所在乡镇代码", "township code", kind="code", digits=12, required=True),
        Field("village_code", "所在村/社区代码", "village code", kind="code", digits=12),
        Field("parent_school_code", "所属学校标识码", "parent school ID", kind="code", digits=10,
              help="教学点填写其所属中心校/完小的学校标识码。"),
        Field("ur_code", "城乡分类代码", "urban-rural code", kind="int", minimum=111, maximum=220,
              help="空则取所在村/社区的城乡分类代码。"),
        Field("lon", "经度", "longitude", kind="float", unit="°", minimum=73, maximum=136),
        Field("lat", "纬度", "latitude", kind="float", unit="°", minimum=3, maximum=54),
        _enum("coord_system", "坐标系", "coordinate system", CoordSystem),
    ),
    primary_key=("code",),
    help="学校基本信息，每校一行。",
)

# --------------------------------------------------------------------------- school-year (physical)
SCHOOL_YEARS = SheetSpec(
    "school_year", "学校年度数据", "yearly school facts (shared physical resources)",
    (
        YEAR,
        Field("school_code", "学校标识码", "school ID", kind="code", digits=10, required=True),
        _amount("land_area", "占地面积", "land area", "m²"),
        _amount("building_area", "校舍建筑面积", "building floor area", "m²", required=True),
        _amount("teaching_aux_area", "教学及辅助用房面积", "teaching and auxiliary rooms area", "m²", required=True),
        _amount("indoor_sports_area", "室内体育用房面积", "indoor sports area", "m²",
                help="含在教学及辅助用房面积之内的风雨操场、体育馆等。"),
        _amount("sports_ground_area", "体育运动场地面积", "outdoor sports ground area", "m²", required=True),
        _amount("equipment_value", "教学仪器设备资产值", "teaching equipment value", "元", required=True),
        _count("computers", "教学用计算机", "computers for teaching", "台"),
        _count("multimedia_classrooms", "网络多媒体教室", "networked multimedia classrooms", "间", required=True),
        _count("books", "图书", "books", "册"),
        _amount("broadband_mbps", "互联网接入带宽", "internet bandwidth", "Mbps"),
        _count("music_rooms", "音乐专用教室", "music rooms", "间"),
        Field("music_room_areas", "音乐专用教室各间面积", "area of each music room", kind="list", unit="m²",
              help="各间面积以分号分隔，如 96;102。间数须与音乐专用教室数一致。"),
        _count("art_rooms", "美术专用教室", "art rooms", "间"),
        Field("art_room_areas", "美术专用教室各间面积", "area of each art room", kind="list", unit="m²",
              help="各间面积以分号分隔，如 90;90。间数须与美术专用教室数一致。"),
        _count("boarding_beds", "寄宿床位", "boarding beds", "张"),
        _amount("public_funds", "公用经费", "public operating funds", "元",
                help="本学年实际拨付的公用经费总额。"),
        _amount("training_funds", "教师培训经费", "teacher training funds", "元"),
    ),
    primary_key=("school_code", "year"),
    help="每校每学年一行：校舍、场地、设备等一贯制学校各学段共享的资源。",
)

# --------------------------------------------------------------------------- section-year
CLASS_SIZE_BANDS: tuple[tuple[str, str, int, int | None], ...] = (
    ("classes_size_le25", "25人及以下", 1, 25),
    ("classes_size_26_30", "26-30人", 26, 30),
    ("classes_size_31_35", "31-35人", 31, 35),
    ("classes_size_36_40", "36-40人", 36, 40),
    ("classes_size_41_45", "41-45人", 41, 45),
    ("classes_size_46_50", "46-50人", 46, 50),
    ("classes_size_51_55", "51-55人", 51, 55),
    ("classes_size_56_60", "56-60人", 56, 60),
    ("classes_size_61_65", "61-65人", 61, 65),
    ("classes_size_ge66", "66人及以上", 66, None),
)
"""班额段 as in the 教育事业统计 基础基 tables: (column, label, lower, upper)."""

MAX_GRADES = 6
GRADE_STUDENT_KEYS = tuple(f"students_g{g}" for g in range(1, MAX_GRADES + 1))
GRADE_CLASS_KEYS = tuple(f"classes_g{g}" for g in range(1, MAX_GRADES + 1))
DEGREE_KEYS = (
    "teachers_postgrad", "teachers_bachelor", "teachers_associate",
    "teachers_upper_secondary", "teachers_below_upper_secondary",
)
TITLE_KEYS = ("teachers_title_senior", "teachers_title_intermediate", "teachers_title_junior", "teachers_title_none")
BACKBONE_KEYS = ("backbone_county", "backbone_city", "backbone_province")

SECTION_YEARS = SheetSpec(
    "section_year", "学段年度数据", "yearly stage-section facts",
    (
        YEAR,
        Field("school_code", "学校标识码", "school ID", kind="code", digits=10, required=True),
        _enum("stage", "学段", "stage", Stage, required=True),
        _count("students", "在校生数", "students", required=True),
        *(_count(k, f"{g}年级在校生", f"grade {g} students",
                 help="学前：1=小班，2=中班，3=大班。" if g == 1 else "")
          for g, k in enumerate(GRADE_STUDENT_KEYS, 1)),
        _count("boarders", "寄宿生", "boarders"),
        _count("students_disabled", "残疾学生(随班就读等)", "disabled students"),
        _count("students_left_behind", "留守儿童在校生", "left-behind students"),
        _count("students_migrant", "进城务工人员随迁子女", "migrant workers' children"),
        _count("classes", "班级数", "classes", "个", required=True),
        *(_count(k, f"{g}年级班数", f"grade {g} classes", "个") for g, k in enumerate(GRADE_CLASS_KEYS, 1)),
        *(_count(k, f"班额{label}班数", f"classes of size {label.replace('人及以下', ' or fewer').replace('人及以上', ' or more').replace('人', '')}", "个")
          for k, label, _lo, _hi in CLASS_SIZE_BANDS),
        _count("max_class_size", "最大班额", "largest class", "人"),
        _count("staff", "教职工数", "staff (教职工)"),
        _count("teachers", "专任教师数", "full-time teachers (专任教师)", required=True),
        _count("teachers_postgrad", "研究生学历教师", "teachers with a postgraduate degree"),
        _count("teachers_bachelor", "本科学历教师", "teachers with a bachelor's degree"),
        _count("teachers_associate", "专科学历教师", "teachers with an associate degree"),
        _count("teachers_upper_secondary", "高中(中师)学历教师", "teachers with upper-secondary education"),
        _count("teachers_below_upper_secondary", "高中以下学历教师", "teachers below upper-secondary"),
        _count("teachers_title_senior", "高级职称教师", "senior-title teachers", help="含正高级、副高级。"),
        _count("teachers_title_intermediate", "中级职称教师", "intermediate-title teachers", help="一级教师。"),
        _count("teachers_title_junior", "初级职称教师", "junior-title teachers", help="二级、三级教师。"),
        _count("teachers_title_none", "未定职级教师", "teachers without a title"),
        _count("backbone_county", "县级骨干教师", "county backbone teachers",
               help="县级以上骨干教师按最高级别只计一次。"),
        _count("backbone_city", "市级骨干教师", "city backbone teachers"),
        _count("backbone_province", "省级及以上骨干教师", "provincial backbone teachers"),
        _count("teachers_pe", "体育专任教师", "PE teachers"),
        _count("teachers_music", "音乐专任教师", "music teachers"),
        _count("teachers_art", "美术专任教师", "art teachers"),
        _count("teachers_it", "信息技术专任教师", "IT teachers"),
        _count("teachers_certified", "持教师资格证教师", "certified teachers"),
        _count("teachers_age_le45", "45岁及以下教师", "teachers aged 45 or younger"),
        _count("teachers_training_done", "五年360学时培训完成教师", "teachers with 360 training hours in 5 years"),
        _amount("training_hours", "本年培训学时合计", "training hours this year", "学时"),
        _count("teachers_rotation_eligible", "符合交流条件教师", "teachers eligible for rotation"),
        _count("teachers_rotated", "本年交流轮岗教师", "teachers rotated this year"),
        _count("backbone_rotated", "本年交流骨干教师", "backbone teachers rotated this year"),
        _count("principals", "校级领导", "principals and vice-principals"),
        _count("principals_age_le45", "45岁及以下校级领导", "principals aged 45 or younger"),
    ),
    primary_key=("school_code", "year", "stage"),
    help="每校每学年每学段一行（一贯制学校的小学部、初中部分行填写）。",
)

# --------------------------------------------------------------------------- teachers
TEACHERS = SheetSpec(
    "teacher", "教师", "teachers (individual records, optional)",
    (
        Field("teacher_id", "教师编号", "teacher ID", kind="str", required=True, minimum=None,
              help="县内唯一的教师编号（如人事工号）。"),
        Field("id_number", "身份证号", "ID number", kind="str", minimum=None,
              help="18 位居民身份号码（GB 11643-1999），15 位自动升位。"),
        Field("name", "姓名", "name", kind="str", required=True, minimum=None),
        _enum("sex", "性别", "sex", Sex),
        Field("birth_date", "出生日期", "birth date", kind="date", minimum=None),
        Field("school_code", "任教学校标识码", "school ID", kind="code", digits=10, required=True),
        _enum("stage", "任教学段", "stage", Stage),
        Field("subject", "任教学科", "subject", kind="str", minimum=None),
        Field("degree", "最高学历", "highest degree", kind="str", minimum=None,
              help="研究生 / 本科 / 专科 / 高中 / 高中以下"),
        Field("title", "职称", "title", kind="str", minimum=None, help="高级 / 中级 / 初级 / 未定职级"),
        Field("backbone_level", "骨干教师级别", "backbone level", kind="str", minimum=None,
              help="县级 / 市级 / 省级；非骨干留空。"),
        Field("certified", "持教师资格证", "certified", kind="bool"),
        Field("school_since", "到本校任教年份", "at this school since", kind="int", minimum=1950, maximum=2100),
        Field("is_principal", "校级领导", "principal", kind="bool"),
    ),
    primary_key=("teacher_id",),
    personal=True,
)

TEACHER_TRAINING = SheetSpec(
    "teacher_training", "教师培训", "teacher training hours",
    (
        Field("teacher_id", "教师编号", "teacher ID", kind="str", required=True, minimum=None),
        YEAR,
        _amount("hours", "培训学时", "training hours", "学时", required=True),
    ),
    primary_key=("teacher_id", "year"),
    personal=True,  # tied to the individual teacher records
)

# --------------------------------------------------------------------------- children
CHILDREN = SheetSpec(
    "child", "儿童", "children (individual records)",
    (
        Field("id_number", "身份证号", "ID number", kind="str", required=True, minimum=None,
              help="18 位居民身份号码，校验码按 GB 11643-1999 检查；15 位号码自动升为 18 位。"),
        Field("name", "姓名", "name", kind="str", required=True, minimum=None),
        _enum("sex", "性别", "sex", Sex),
        Field("birth_date", "出生日期", "birth date", kind="date", minimum=None,
              help="空则取身份证号中的出生日期；两者不一致报错。"),
        Field("household_village_code", "户籍村/社区代码", "household village", kind="code", digits=12),
        Field("residence_village_code", "居住村/社区代码", "residence village", kind="code", digits=12),
        Field("left_behind", "留守儿童", "left-behind", kind="bool"),
        Field("disabled", "残疾儿童", "disabled", kind="bool"),
        Field("low_income", "低保/特困/脱贫家庭", "low-income family", kind="bool"),
        Field("migrant", "随迁子女", "migrant", kind="bool"),
    ),
    primary_key=("id_number",),
    personal=True,
    help="儿童个人信息属个人隐私，按规定保管。大批量可用同名 CSV 导入。",
)

POPULATION = SheetSpec(
    "population", "人口", "population by village and single year of age",
    (
        Field("village_code", "村/社区代码", "village code", kind="code", digits=12, required=True),
        YEAR,
        _count("age", "周岁", "age", "岁", required=True, maximum=120),
        _count("population", "人口数", "population", required=True),
    ),
    primary_key=("village_code", "year", "age"),
)

BIRTHS = SheetSpec(
    "birth", "出生", "births by village and year",
    (
        Field("village_code", "村/社区代码", "village code", kind="code", digits=12, required=True),
        YEAR,
        _count("births", "出生人口", "births", required=True),
    ),
    primary_key=("village_code", "year"),
)

SHEETS: tuple[SheetSpec, ...] = (
    ORG_UNITS, SCHOOLS, SCHOOL_YEARS, SECTION_YEARS, TEACHERS, TEACHER_TRAINING, CHILDREN, POPULATION, BIRTHS,
)
SHEETS_BY_KEY = {s.key: s for s in SHEETS}
SHEETS_BY_ZH = {s.zh: s for s in SHEETS}
