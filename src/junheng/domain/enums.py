"""Domain enumerations with their Chinese labels.

Each enum value is the stable English identifier stored in the database and used
in code; ``label`` is the simplified-Chinese name shown to users and written in
templates.  The import (:mod:`junheng.io.cells`) accepts the label, the
identifier or an alias of ``_ALIASES``, so a workbook may carry any of them.
The English labels, and the labels of codes that are not enums, are in
:mod:`junheng.domain.labels`.
"""

from __future__ import annotations

from enum import StrEnum


class _Labelled(StrEnum):
    """A string enum whose members carry a Chinese label."""

    @property
    def label(self) -> str:
        return _LABELS[type(self).__name__][self.value]

    @classmethod
    def labels(cls) -> list[str]:
        return [m.label for m in cls]


class OrgLevel(_Labelled):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"


class Stage(_Labelled):
    """学段 — the stage section of a school."""

    PRESCHOOL = "preschool"
    PRIMARY = "primary"
    JUNIOR = "junior"
    SENIOR = "senior"

    @property
    def grades(self) -> int:
        """Number of grades in the stage (六三学制)."""
        return {"preschool": 3, "primary": 6, "junior": 3, "senior": 3}[self.value]


class SchoolType(_Labelled):
    """学校类型 (教育事业统计 办学类型, grouped)."""

    KINDERGARTEN = "kindergarten"
    PRIMARY = "primary"
    JUNIOR = "junior"
    NINE_YEAR = "nine_year"
    COMPLETE_SECONDARY = "complete_secondary"
    TWELVE_YEAR = "twelve_year"
    SENIOR = "senior"
    VOCATIONAL = "vocational"
    SPECIAL = "special"
    TEACHING_POINT = "teaching_point"

    @property
    def stages(self) -> tuple[Stage, ...]:
        """Stage sections a school of this type may report."""
        return _TYPE_STAGES[self.value]


_TYPE_STAGES: dict[str, tuple[Stage, ...]] = {
    # Primary schools and teaching points may run attached pre-school classes (附设幼儿班).
    "kindergarten": (Stage.PRESCHOOL,),
    "primary": (Stage.PRESCHOOL, Stage.PRIMARY),
    "junior": (Stage.JUNIOR,),
    "nine_year": (Stage.PRESCHOOL, Stage.PRIMARY, Stage.JUNIOR),
    "complete_secondary": (Stage.JUNIOR, Stage.SENIOR),
    "twelve_year": (Stage.PRESCHOOL, Stage.PRIMARY, Stage.JUNIOR, Stage.SENIOR),
    "senior": (Stage.SENIOR,),
    "vocational": (Stage.SENIOR,),
    "special": (Stage.PRESCHOOL, Stage.PRIMARY, Stage.JUNIOR, Stage.SENIOR),
    "teaching_point": (Stage.PRESCHOOL, Stage.PRIMARY),
}


class Ownership(_Labelled):
    PUBLIC = "public"
    PRIVATE = "private"


class AreaCategory(_Labelled):
    """城区 / 镇区 / 乡村 — derived from the 城乡分类代码."""

    URBAN = "urban"
    TOWN = "town"
    RURAL = "rural"


class Sex(_Labelled):
    MALE = "male"
    FEMALE = "female"


class CoordSystem(_Labelled):
    WGS84 = "wgs84"
    GCJ02 = "gcj02"


_LABELS: dict[str, dict[str, str]] = {
    "OrgLevel": {
        "province": "省",
        "city": "市",
        "county": "县",
        "township": "乡镇",
        "village": "村/社区",
    },
    "Stage": {"preschool": "学前", "primary": "小学", "junior": "初中", "senior": "高中"},
    "SchoolType": {
        "kindergarten": "幼儿园",
        "primary": "小学",
        "junior": "初中",
        "nine_year": "九年一贯制",
        "complete_secondary": "完全中学",
        "twelve_year": "十二年一贯制",
        "senior": "高级中学",
        "vocational": "中职",
        "special": "特殊教育学校",
        "teaching_point": "教学点",
    },
    "Ownership": {"public": "公办", "private": "民办"},
    "AreaCategory": {"urban": "城区", "town": "镇区", "rural": "乡村"},
    "Sex": {"male": "男", "female": "女"},
    "CoordSystem": {"wgs84": "WGS-84", "gcj02": "GCJ-02"},
}

_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "OrgLevel": {"village": ("村", "社区", "居委会", "村委会"), "township": ("乡", "镇", "街道")},
    "SchoolType": {
        "nine_year": ("九年一贯制学校",),
        "twelve_year": ("十二年一贯制学校",),
        "senior": ("高中", "普通高中"),
        "special": ("特教学校", "特殊教育"),
        "vocational": ("中等职业学校",),
    },
    "CoordSystem": {"wgs84": ("WGS84", "wgs-84"), "gcj02": ("GCJ02", "gcj-02", "火星坐标")},
    "Sex": {"male": ("1",), "female": ("2",)},
}


def area_category(ur_code: int | None) -> AreaCategory | None:
    """城乡分类代码 → 城区/镇区/乡村 (国家统计局《统计上划分城乡的规定》).

    111 主城区 and 112 城乡结合区 are 城区; 121 镇中心区, 122 镇乡结合区 and
    123 特殊区域 are 镇区; 210 乡中心区 and 220 村庄 are 乡村.
    """
    if ur_code is None:
        return None
    code = int(ur_code)
    if code in (111, 112):
        return AreaCategory.URBAN
    if code in (121, 122, 123):
        return AreaCategory.TOWN
    if code in (210, 220):
        return AreaCategory.RURAL
    raise ValueError(f"unknown urban-rural code {ur_code}")


UR_CODES = (111, 112, 121, 122, 123, 210, 220)
