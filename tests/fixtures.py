"""A tiny hand-made county used across tests (synthetic; no real people).

One county (鸡泽县's real codes), two townships, four villages and four
schools: a county-town primary, a township nine-year school, a teaching point
attached to the nine-year school, and a kindergarten.  Every figure is small
enough to check by hand.
"""

from __future__ import annotations

import pandas as pd

from junheng.domain.idnumber import check_char
from junheng.domain.tables import YearTables

COUNTY = "130431000000"
T1, T2 = "130431100000", "130431101000"
V1, V2, V3, V4 = "130431100001", "130431100002", "130431101201", "130431101202"
S_PRIMARY, S_NINE, S_POINT, S_KG = "2113043101", "2113043102", "2113043103", "2113043104"


def child_id(birth: str, seq: str) -> str:
    body = "130431" + birth + seq
    return body + check_char(body)


def tiny_tables(year: int = 2025) -> YearTables:
    org = pd.DataFrame([
        dict(code="130000000000", parent_code=None, name="河北省", level="province"),
        dict(code="130400000000", parent_code="130000000000", name="邯郸市", level="city"),
        dict(code=COUNTY, parent_code="130400000000", name="鸡泽县", level="county", lon=114.883715, lat=36.910132),
        dict(code=T1, parent_code=COUNTY, name="鸡泽镇", level="township", lon=114.871324, lat=36.919996),
        dict(code=T2, parent_code=COUNTY, name="小寨镇", level="township", lon=114.885438, lat=36.844876),
        dict(code=V1, parent_code=T1, name="东关社区", level="village", ur_code=111, lon=114.875, lat=36.92),
        dict(code=V2, parent_code=T1, name="西关村", level="village", ur_code=112),
        dict(code=V3, parent_code=T2, name="小寨村", level="village", ur_code=210),
        dict(code=V4, parent_code=T2, name="南庄村", level="village", ur_code=220),
    ])
    school = pd.DataFrame([
        dict(code=S_PRIMARY, name="鸡泽县实验小学", school_type="primary", ownership="public", boarding=False,
             township_code=T1, village_code=V1, lon=114.876, lat=36.921),
        dict(code=S_NINE, name="小寨镇中心学校", school_type="nine_year", ownership="public", boarding=True,
             township_code=T2, village_code=V3, lon=114.886, lat=36.845),
        dict(code=S_POINT, name="南庄村教学点", school_type="teaching_point", ownership="public", boarding=False,
             township_code=T2, village_code=V4, parent_school_code=S_NINE),
        dict(code=S_KG, name="小寨镇中心幼儿园", school_type="kindergarten", ownership="public", inclusive=True,
             boarding=False, township_code=T2, village_code=V3),
    ])
    school_year = pd.DataFrame([
        dict(year=year, school_code=S_PRIMARY, building_area=9000.0, teaching_aux_area=5400.0,
             indoor_sports_area=600.0, sports_ground_area=8000.0, equipment_value=2_600_000.0, computers=120,
             multimedia_classrooms=30, books=40000, music_rooms=2, music_room_areas="96;100", art_rooms=1,
             art_room_areas="90", public_funds=780_000.0),
        dict(year=year, school_code=S_NINE, building_area=7000.0, teaching_aux_area=4200.0,
             sports_ground_area=9000.0, equipment_value=1_500_000.0, multimedia_classrooms=14, music_rooms=1,
             music_room_areas="96", art_rooms=0, boarding_beds=200),
        dict(year=year, school_code=S_POINT, building_area=300.0, teaching_aux_area=150.0,
             sports_ground_area=400.0, equipment_value=30_000.0, multimedia_classrooms=1),
        dict(year=year, school_code=S_KG, building_area=1500.0, teaching_aux_area=900.0,
             sports_ground_area=800.0, equipment_value=200_000.0, multimedia_classrooms=0),
    ])
    sections = pd.DataFrame([
        dict(year=year, school_code=S_PRIMARY, stage="primary", students=1200, students_g1=190, students_g2=195,
             students_g3=200, students_g4=205, students_g5=205, students_g6=205, classes=24,
             classes_g1=4, classes_g2=4, classes_g3=4, classes_g4=4, classes_g5=4, classes_g6=4,
             classes_size_46_50=12, classes_size_51_55=12, max_class_size=54,
             staff=70, teachers=64, teachers_bachelor=40, teachers_associate=20, teachers_upper_secondary=4,
             teachers_title_senior=10, teachers_title_intermediate=30, teachers_title_junior=20,
             teachers_title_none=4, backbone_county=8, backbone_city=4, backbone_province=1,
             teachers_pe=5, teachers_music=3, teachers_art=3, teachers_certified=64, teachers_age_le45=40,
             teachers_training_done=60),
        dict(year=year, school_code=S_NINE, stage="primary", students=300, students_g1=45, students_g2=48,
             students_g3=50, students_g4=52, students_g5=52, students_g6=53, boarders=40, classes=6,
             classes_g1=1, classes_g2=1, classes_g3=1, classes_g4=1, classes_g5=1, classes_g6=1,
             classes_size_41_45=1, classes_size_46_50=2, classes_size_51_55=3, max_class_size=53,
             teachers=20, teachers_bachelor=10, teachers_associate=10,
             teachers_title_intermediate=12, teachers_title_junior=8, teachers_pe=1, teachers_music=1,
             teachers_certified=20),
        dict(year=year, school_code=S_NINE, stage="junior", students=270, students_g1=95, students_g2=90,
             students_g3=85, boarders=150, classes=6, classes_g1=2, classes_g2=2, classes_g3=2,
             classes_size_41_45=4, classes_size_46_50=2, max_class_size=48,
             teachers=25, teachers_postgrad=1, teachers_bachelor=20, teachers_associate=4,
             teachers_title_senior=3, teachers_title_intermediate=12, teachers_title_junior=10,
             backbone_county=3, teachers_pe=2, teachers_art=1, teachers_certified=25),
        dict(year=year, school_code=S_POINT, stage="primary", students=24, students_g1=9, students_g2=8,
             students_g3=7, classes=3, classes_g1=1, classes_g2=1, classes_g3=1, classes_size_le25=3,
             max_class_size=9, teachers=3, teachers_associate=2, teachers_upper_secondary=1,
             teachers_title_junior=2, teachers_title_none=1, teachers_certified=3),
        dict(year=year, school_code=S_KG, stage="preschool", students=180, students_g1=55, students_g2=60,
             students_g3=65, classes=6, classes_g1=2, classes_g2=2, classes_g3=2, classes_size_26_30=3,
             classes_size_31_35=3, max_class_size=33, teachers=12, teachers_associate=10,
             teachers_upper_secondary=2, teachers_title_none=12),
    ])
    children = pd.DataFrame([
        dict(id_number=child_id("20180305", "123"), name="测试甲", sex="male", birth_date=None,
             household_village_code=V3, residence_village_code=V3, left_behind=True),
        dict(id_number=child_id("20170611", "024"), name="测试乙", sex="female", household_village_code=V4,
             disabled=True),
    ])
    population = pd.DataFrame([dict(village_code=V3, year=year, age=a, population=20 + a) for a in range(0, 18)])
    births = pd.DataFrame([dict(village_code=V3, year=y, births=30 - (y - 2016)) for y in range(2016, 2024)])
    return YearTables.from_frames(org_unit=org, school=school, school_year=school_year, section_year=sections,
                                  child=children, population=population, birth=births)
