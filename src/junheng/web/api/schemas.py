"""Response models of the REST API: what every JSON route returns, so the OpenAPI document describes it.

One module for every router (``response_model=`` on each route).  The models
describe the JSON the services already return — they add nothing and drop
nothing: every key a route returns is a field here (FastAPI filters undeclared
fields, so a missing one would change the API; ``tests/web/test_openapi.py``
compares the routes' JSON with the services' output).  Keys a route returns
only sometimes (an assessment that is not ready, a scenario saved without
resource CVs) are optional fields of routes declared with
``response_model_exclude_unset=True``, so absent keys stay absent.

Numbers that a service may give as an integer or a float (figures, ratios,
coordinates) are :data:`Number`: an ``int`` stays an ``int`` (pydantic would
turn ``5`` into ``5.0`` in a ``float`` field).  Objects whose keys are data — a
job's parameters and result (by job kind), an audit event's detail, a pack's
parameters, GeoJSON geometry — are ``dict[str, Any]``.

The stored documents passed through keep their own reference: the assessment
JSON ``junheng.assessment/1`` (``docs/assessment-json.md``), the teacher plan
(``TeacherPlan.to_dict()``, ``junheng.services.teachers``), the layout map
(``junheng.layout-map/1``, ``junheng.services.layout``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, Field, WithJsonSchema, create_model

from junheng.domain import fields as F

Number = Annotated[int | float, WithJsonSchema({"type": "number"})]
"""A JSON number kept as the service gives it (an ``int`` is not turned into a ``float``)."""

BINARY = {"type": "string", "format": "binary"}


def file_responses(*media_types: str, description: str = "文件下载 / file download") -> dict[int | str, Any]:
    """``responses=`` of a download route: its media types, each a binary body."""
    return {200: {"description": description, "content": {m: {"schema": BINARY} for m in media_types}}}


# ------------------------------------------------------------------------------------------------ common
class Ok(BaseModel):
    """The request succeeded."""

    ok: bool = Field(description="总是 true / always true")


class JobStarted(BaseModel):
    """A background job was queued (HTTP 202); poll ``GET /api/jobs/{job_id}``."""

    job_id: int = Field(description="后台任务编号 / background job id")


class ErrorBody(BaseModel):
    """An error (4xx): a code, the Chinese and English message and details (e.g. the current record on 409)."""

    code: str = Field(description="错误代码 / error code (forbidden, not_found, conflict, invalid, http …)")
    detail: Any = Field(description="中文说明 / message in Chinese")
    detail_en: str | None = Field(None, description="英文说明 / message in English")
    extra: Any = Field(None, description="细节 / details (validation errors, the current record on 409 …)")


def _errors(*pairs: tuple[int, str]) -> dict[int | str, Any]:
    return {status: {"model": ErrorBody, "description": text} for status, text in pairs}


ERRORS = _errors((401, "未登录 / not logged in"), (403, "无权限或超出管辖范围 / forbidden or out of scope"),
                 (404, "不存在 / not found"), (422, "请求参数有误 / invalid request"))
"""Error responses of every API router (the app's exception handlers write :class:`ErrorBody`)."""
CONFLICT = _errors((409, "已被他人修改，未保存；extra 含当前记录 / changed meanwhile, nothing saved; extra holds the "
                         "current record"))
THROTTLED = _errors((429, "请求过多 / too many requests (login attempts, jobs per user)"))


# ------------------------------------------------------------------------------------------------ auth
class CsrfToken(BaseModel):
    """The double-submit token to send as ``X-CSRF-Token`` with the login request."""

    csrf_token: str = Field(description="CSRF 令牌 / CSRF token")


class LoginResult(BaseModel):
    """The session started; later writes send ``csrf_token`` as ``X-CSRF-Token``."""

    username: str
    role: str = Field(description="角色 / role code")
    csrf_token: str = Field(description="本会话的 CSRF 令牌 / the session's CSRF token")


class Me(BaseModel):
    """The logged-in user (the actor of every request) and the session's CSRF token."""

    user_id: int | None = Field(description="用户编号 / user id")
    username: str
    role: str = Field(description="角色 / role code")
    scopes: list[str] = Field(description="管辖范围：12 位区划代码 / scope: 12-digit org-unit codes")
    school_code: str | None = Field(description="学校填报员的学校 / a school clerk's school")
    ip: str = Field(description="客户端地址 / client address")
    display_name: str
    home: str = Field(description="本人对象所属区划 / the org unit the user's own objects belong to")
    role_zh: str = Field(description="角色中文名 / role in Chinese")
    csrf_token: str = Field(description="本会话的 CSRF 令牌 / the session's CSRF token")


# ------------------------------------------------------------------------------------------------ org units
class OrgUnit(BaseModel):
    """An org unit (区划): province, city, county, township or village."""

    code: str = Field(description="12 位区划代码 / 12-digit statistical code")
    name: str
    level: str = Field(description="层级 / level: province, city, county, township, village")
    parent_code: str | None = Field(description="上级区划代码 / parent code")


# ------------------------------------------------------------------------------------------------ admin
class RoleInfo(BaseModel):
    """A role (角色) and the permissions it holds."""

    role: str
    zh: str = Field(description="中文名 / Chinese name")
    en: str = Field(description="English name")
    permissions: list[str]


class User(BaseModel):
    """A user account (no password hash)."""

    id: int
    username: str
    display_name: str
    role: str = Field(description="角色 / role code")
    role_zh: str = Field(description="角色中文名 / role in Chinese")
    school_code: str | None = Field(description="学校填报员的学校 / a school clerk's school")
    scopes: list[str] = Field(description="管辖范围 / scope: 12-digit org-unit codes")
    active: bool = Field(description="是否启用 / enabled")
    created_at: str = Field(description="创建时间 / created (YYYY-MM-DD HH:MM:SS)")


class AuditEvent(BaseModel):
    """One audit-log event (审计日志): who did what, when, from where, to whose object."""

    id: int
    at: str = Field(description="时间 / time (YYYY-MM-DD HH:MM:SS)")
    username: str
    role: str
    action: str = Field(description="操作 / action, e.g. school.update, personal.view, login.failed")
    target: str = Field(description="对象 / what was acted on")
    ip: str
    detail: dict[str, Any] = Field(description="细节（因操作而异）/ details, by action")
    org_code: str = Field(description="所属区划 / the org unit the event belongs to")


class AuditPage(BaseModel):
    """A page of audit events, newest first."""

    events: list[AuditEvent]
    total: int = Field(description="符合条件的事件总数 / matching events")
    page: int
    per_page: int


# ------------------------------------------------------------------------------------------------ jobs
class JobFile(BaseModel):
    """A file kept with a job: an uploaded input or an output (report, workbook, error list)."""

    id: int
    role: str = Field(description="input（上传）/ output（结果）")
    name: str
    media_type: str
    sha256: str


class Job(BaseModel):
    """A background job (后台任务): state, progress, parameters, result and files."""

    id: int
    kind: str = Field(description="任务类型 / kind: import_check, import, assessment, layout, teachers, care_check")
    status: str = Field(description="状态 / status: queued, running, done, failed")
    status_zh: str = Field(description="状态中文 / status in Chinese")
    progress: float = Field(description="进度 0–1 / progress 0–1")
    message: str
    username: str = Field(description="提交人 / who submitted it")
    org_code: str = Field(description="所属区划 / the org unit the job belongs to")
    params: dict[str, Any] = Field(description="参数（因类型而异）/ parameters, by kind")
    result: dict[str, Any] = Field(description="结果（因类型而异；失败时为 traceback）/ result, by kind")
    created_at: str
    started_at: str | None
    finished_at: str | None
    files: list[JobFile]


# ------------------------------------------------------------------------------------------------ imports
class ImportBatch(BaseModel):
    """One import (导入批次): who, when, which file (SHA-256), what it wrote."""

    id: int
    filename: str
    sha256: str = Field(description="各文件的 SHA-256，逗号分隔 / SHA-256 of each file, comma-separated")
    kind: str = Field(description="写入的表，以 + 连接 / the tables written, '+'-joined")
    user: str
    started_at: str
    finished_at: str
    years: str = Field(description="涉及学年 / school years")
    counts: dict[str, int] = Field(description="每表行数 / rows per table")
    note: str
    org_code: str = Field(description="所属区划 / the org unit the batch belongs to")


# ------------------------------------------------------------------------------------------------ assessment
class PackInfo(BaseModel):
    """A standard or plan pack shipped with Junheng (标准包)."""

    code: str
    name: str
    source: str = Field(description="文件依据 / source document")
    group: str = Field(description="standards（标准）/ plans（规划）")
    orgs: list[str] = Field(description="规划包目标所指的区划（空：适用于任何县）/ org units a plan pack's targets "
                                        "name (empty: any county)")


class AssessmentPack(BaseModel):
    """The pack an assessment ran (``pack`` of ``junheng.assessment/1``)."""

    code: str
    name: str
    source: str = Field(description="文件依据 / document number")
    kind: str = Field(description="compulsory / preschool / plan")
    overrides: list[Any] = Field(description="所用省级覆盖 / overrides applied, in order")
    parameters: dict[str, Any] = Field(description="覆盖后的全部参数 / every parameter after overrides")


class PartVerdict(BaseModel):
    """The verdict of one part (资源配置, 政府保障程度, 教育质量, 社会认可度, 一票否决 …)."""

    code: str
    name: str
    verdict: str = Field(description="pass / fail / incomplete")
    reasons: list[str]
    veto: bool = Field(description="一票否决项 / a veto part")
    verdict_zh: str = Field(description="达标 / 未达标 / 待认定")


class PackIndicator(BaseModel):
    """A resource indicator of the pack (资源配置指标)."""

    code: str
    name: str
    name_en: str
    unit: str
    gap_unit: str = Field(description="差距单位 / unit of the gap")
    factor: Number
    source: str
    threshold: dict[str, Number] = Field(description="各学段标准值 / threshold by stage")
    cv_limit: dict[str, Number] = Field(description="各学段差异系数上限 / CV limit by stage")


class CompositeCv(BaseModel):
    """基本均衡 综合差异系数: the mean of the single CVs of a stage."""

    stage: str
    cv: Number | None
    limit: Number | None
    passed: bool | None
    n_indicators: int
    note: str


class CvContributor(BaseModel):
    """A unit's contribution to a CV (its variance share, the CV without it)."""

    unit_code: str
    value: Number | None
    students: Number | None
    variance_share: Number | None
    cv_without: Number | None
    name: str = Field(description="学校名称 / school name")


class AssessmentCv(BaseModel):
    """One county CV (差异系数) of a stage and indicator, with its three largest contributors."""

    stage: str
    indicator: str
    name: str
    cv: Number | None
    limit: Number | None
    passed: bool | None
    mean: Number | None = Field(description="县域合并均值 / pooled county value")
    n_units: int
    gini: Number | None
    theil: Number | None
    top: list[CvContributor]


class HeatmapUnit(BaseModel):
    """A row of the heatmap: one unit of analysis (school section)."""

    unit_code: str
    stage: str
    name: str
    verdict: str = Field(description="学校结论 / the unit's verdict")


class Heatmap(BaseModel):
    """Units × indicators: ``cells`` are ``[indicator index, unit index, value / threshold, passed 1/0]``."""

    units: list[HeatmapUnit]
    cells: list[list[Number]]


class AssessmentRun(BaseModel):
    """An assessment job and, once ready, its results (the in-scope units only)."""

    job: Job
    ready: bool = Field(description="结果是否可用 / whether the results are there (the fields below only then)")
    pack: AssessmentPack | None = None
    year: int | None = None
    verdict: str | None = Field(None, description="pass / fail / incomplete")
    verdict_zh: str | None = None
    reasons: list[str] | None = None
    parts: list[PartVerdict] | None = None
    composite_cvs: list[CompositeCv] | None = None
    indicators: list[PackIndicator] | None = None
    cvs: list[AssessmentCv] | None = None
    heatmap: Heatmap | None = None


class IndicatorValue(BaseModel):
    """One indicator of a unit (``units[].values[]`` of ``junheng.assessment/1``)."""

    indicator: str
    numerator: Number | None = Field(description="资源量 / raw resource (natural units)")
    denominator: Number | None
    value: Number | None
    threshold: Number | None
    floor: Number | None = Field(description="标准值的 85% / 85 % of the threshold")
    ratio: Number | None = Field(description="value / threshold")
    passed: bool | None
    gap: Number | None = Field(description="达标差距 / what the numerator lacks to reach the threshold")
    gap_floor: Number | None
    must_fix_gap: Number | None


class SchoolIndicatorValue(IndicatorValue):
    """An indicator of a school section with the indicator's name and units."""

    name: str
    unit: str
    gap_unit: str


class SchoolSection(BaseModel):
    """A unit of analysis of the school (a stage section) in the latest assessment."""

    unit_code: str
    stage: str
    name: str
    school_type: str | None
    ownership: str | None
    area: str | None = Field(description="urban / town / rural")
    township_code: str | None
    n_sites: int
    students: Number | None
    n_indicators: int
    n_pass: int
    school_verdict: str = Field(description="pass / fail / incomplete")
    pass_rule: str | None = Field(description="all / min_pass_floor / none")
    sites: list[str] = Field(description="并入的校点 / school codes merged into the unit")
    verdict_zh: str
    values: list[SchoolIndicatorValue]


class SchoolIndicators(BaseModel):
    """The school's rows of the latest assessment of its county."""

    job_id: int
    pack: AssessmentPack
    year: int
    sections: list[SchoolSection]


# ------------------------------------------------------------------------------------------------ dashboard
class DashboardFigures(BaseModel):
    """Key figures of the latest school year (labels in Chinese: 小学, 初中 …)."""

    schools: int
    schools_by_type: dict[str, int] = Field(description="按学校类型 / by school type")
    students: dict[str, int] = Field(description="按学段的在校生 / pupils by stage")
    teachers: dict[str, int] = Field(description="按学段的专任教师 / teachers by stage")
    year: int | None = Field(description="最新学年 / latest school year")


class DashboardTrend(BaseModel):
    """Figures over the school years (one value per entry of ``years``)."""

    years: list[int]
    students: dict[str, list[int]] = Field(description="按学段的在校生 / pupils by stage")
    pupil_teacher_ratio: list[Number | None] = Field(description="生师比 / pupils per teacher")
    class_size: list[Number | None] = Field(description="平均班额 / mean class size")
    equipment_per_student: list[Number | None] = Field(description="生均教学仪器设备值（元）/ equipment per pupil")


class FailingIndicator(BaseModel):
    """An indicator a unit fails, with its gap."""

    name: str
    gap: Number | None
    unit: str


class DashboardGap(BaseModel):
    """A unit that does not pass, with its failing indicators."""

    unit_code: str
    name: str
    stage_zh: str
    n_pass: int
    n_indicators: int
    failing: list[FailingIndicator]


class DashboardCv(BaseModel):
    """A county CV for the dashboard."""

    stage: str
    name: str
    cv: Number | None
    limit: Number | None
    passed: bool | None


class DashboardAssessment(BaseModel):
    """The latest assessment of the county, limited to the actor's scope."""

    job_id: int
    pack: AssessmentPack
    year: int
    verdict: str
    verdict_zh: str
    parts: list[PartVerdict]
    passing_units: int
    units: int
    worst: list[DashboardGap] = Field(description="差距最大的 10 个单位 / the ten furthest from passing")
    cvs: list[DashboardCv]


class Dashboard(BaseModel):
    """The county at a glance (首页)."""

    county: str = Field(description="县级区划代码 / county code")
    county_name: str
    figures: DashboardFigures
    trend: DashboardTrend
    assessment: DashboardAssessment | None = Field(description="最新评估；无则为 null / latest assessment or null")
    counties: list[OrgUnit] = Field(description="可查看的县 / counties in scope")


# ------------------------------------------------------------------------------------------------ maps
class GeoFeature(BaseModel):
    """A GeoJSON feature: a township area (approximate) or the county outline."""

    type: str
    properties: dict[str, Any] = Field(description="name, code")
    geometry: dict[str, Any] = Field(description="GeoJSON geometry (WGS-84)")


class FeatureCollection(BaseModel):
    """GeoJSON of township areas (Voronoi cells of the seats clipped to the county outline)."""

    type: str
    features: list[GeoFeature]
    source: str = Field(description="boundary（真实县界）/ hull（点位凸包）")


class MapSchool(BaseModel):
    """A school point coloured by its verdict."""

    code: str
    name: str
    type: str = Field(description="学校类型 / school type")
    value: list[Number | None] = Field(description="[经度, 纬度] / [lon, lat] (WGS-84)")
    verdict: str = Field(description="pass / fail / incomplete / none")


class MapVillage(BaseModel):
    """A village point."""

    code: str
    name: str
    value: list[Number | None] = Field(description="[经度, 纬度] / [lon, lat] (WGS-84)")


class CountyMap(BaseModel):
    """Map data for ECharts: township areas, school and village points (in scope)."""

    geojson: FeatureCollection
    schools: list[MapSchool]
    villages: list[MapVillage]


# ------------------------------------------------------------------------------------------------ schools
class SchoolRow(BaseModel):
    """A school in the list, with pupils and teachers of the latest year."""

    code: str = Field(description="学校标识码 / school code")
    name: str
    school_type: str
    school_type_zh: str
    township_code: str
    township: str
    area: str | None = Field(description="urban / town / rural")
    area_zh: str
    students: int
    teachers: int
    verdict: str | None = Field(description="最新评估结论 / verdict of the latest assessment")
    lon: Number | None
    lat: Number | None


class SchoolList(BaseModel):
    """A page of schools in scope."""

    total: int
    page: int
    per_page: int
    year: int | None = Field(description="学生、教师数所属学年 / school year of the figures")
    schools: list[SchoolRow]


class TeachingPoint(BaseModel):
    """A teaching point (教学点) attached to the school."""

    code: str
    name: str


class SchoolProfile(BaseModel):
    """The school's record (``school`` table) with Chinese labels and names."""

    code: str
    name: str
    school_type: str
    ownership: str | None = Field(description="public / private")
    inclusive: bool | None = Field(description="普惠性 / inclusive (kindergartens)")
    boarding: bool | None = Field(description="寄宿制 / boarding")
    township_code: str
    village_code: str | None
    parent_school_code: str | None
    ur_code: int | None = Field(description="城乡分类代码 / urban-rural code")
    lon: Number | None
    lat: Number | None
    version: int = Field(description="版本号（乐观锁）/ version (optimistic locking)")
    import_id: int | None
    school_type_zh: str
    ownership_zh: str
    township: str
    village: str
    area: str | None
    area_zh: str
    parent_school: str | None = Field(description="所属学校名称 / name of the parent school")
    teaching_points: list[TeachingPoint]


_KIND_TYPES: dict[str, Any] = {"int": int, "float": Number, "bool": bool}


def _fact_row(name: str, spec: F.SheetSpec, doc: str, **extra: Any) -> type[BaseModel]:
    """A row of a fact table: its columns from the field catalogue (:mod:`junheng.domain.fields`, as the
    database's), plus ``import_id`` and ``extra``."""
    import datetime as dt

    kinds = {**_KIND_TYPES, "date": dt.date}
    fields: dict[str, Any] = {}
    for f in spec.fields:
        kind = kinds.get(f.kind, str)
        nullable = not (f.required or f.key in spec.primary_key)  # as the column
        unit = f" ({f.unit})" if f.unit else ""
        fields[f.key] = (kind | None if nullable else kind, Field(description=f"{f.zh} / {f.en}{unit}"))
    fields["import_id"] = (int | None, Field(description="导入批次 / import batch"))
    return create_model(name, __doc__=doc, **fields, **extra)


if TYPE_CHECKING:
    SchoolYearRow = BaseModel
    SectionYearRow = BaseModel
else:
    SchoolYearRow = _fact_row("SchoolYearRow", F.SCHOOL_YEARS, "学校年度数据: one school year of the school.")
    SectionYearRow = _fact_row("SectionYearRow", F.SECTION_YEARS, "学段年度数据: one school year of a stage section.",
                               stage_zh=(str, Field(description="学段中文 / stage in Chinese")))


class SchoolDetail(BaseModel):
    """The school page: profile, yearly facts, indicators of the latest assessment, what the user may do."""

    profile: SchoolProfile
    school_years: list[SchoolYearRow]
    sections: list[SectionYearRow]
    indicators: SchoolIndicators | None = Field(description="最新评估中的指标；无则为 null / or null")
    can_edit: bool
    can_view_personal: bool


class SchoolUpdated(BaseModel):
    """The school's editable fields, code and new version after the edit."""

    name: str
    ownership: str | None
    boarding: bool | None
    inclusive: bool | None
    lon: Number | None
    lat: Number | None
    code: str
    version: int


class TeacherRow(BaseModel):
    """A teacher (personal data): the ID number is masked unless the role may see it."""

    teacher_id: str
    name: str
    sex: str | None
    id_number: str | None = Field(description="身份证号（脱敏）/ ID number (masked)")
    stage: str | None
    subject: str | None
    degree: str | None
    title: str | None
    backbone_level: str | None = Field(description="骨干教师级别 / backbone-teacher level")


class SchoolTeachers(BaseModel):
    """A school's teachers (the view is audited)."""

    school_code: str
    masked: bool = Field(description="身份证号是否脱敏 / whether ID numbers are masked")
    teachers: list[TeacherRow]


# ------------------------------------------------------------------------------------------------ care
class CaseRow(BaseModel):
    """A 控辍保学 case in the list (names and ID numbers masked)."""

    id: int
    state: str = Field(description="状态 / case state")
    state_label: str
    source: str = Field(description="来源 / source: out_of_school, suspected_dropout …")
    name: str
    id_number: str
    student_id: str = Field(description="学籍号 / student number")
    school_code: str
    township_code: str
    township: str
    opened_on: str
    deadline: str = Field(description="办理期限 / deadline")
    overdue: bool
    version: int = Field(description="版本号（乐观锁）/ version (optimistic locking)")


class CaseList(BaseModel):
    """The cases in scope (the view is audited)."""

    total: int
    cases: list[CaseRow]


class LabelText(BaseModel):
    """A text in both languages."""

    zh: str
    en: str


class CaseEvent(BaseModel):
    """One step of a case's timeline."""

    seq: int
    action: str
    action_label: str
    from_state: str | None
    to_state: str | None
    to_label: str
    by: str = Field(description="操作人 / who")
    by_name: str = Field("", description="操作人姓名 / who, by display name")
    at: str = Field(description="时间 / time (YYYY-MM-DD HH:MM:SS)")
    data: dict[str, Any] = Field(description="操作字段 / the action's fields")
    sentence: str = Field("", description="办理记录（一句话）/ the step as a sentence")
    sentence_en: str = Field("", description="the step as a sentence, in English")


class CaseDetail(BaseModel):
    """One case (一人一案) with its timeline and the actions the user may take."""

    id: int
    state: str
    state_label: str
    version: int = Field(description="版本号（乐观锁）/ version (optimistic locking)")
    source: str
    source_label: str = Field("", description="来源（失学 / 疑似辍学）/ where the case comes from")
    name: str
    id_number: str
    student_id: str
    school_code: str
    township_code: str
    village_code: str
    masked: bool = Field(True, description="儿童个人信息是否脱敏（非本案责任人）/ masked: not responsible for the case")
    school: str = ""
    township: str = Field("", description="乡镇名称 / township name")
    village: str = Field("", description="村（社区）名称 / village name")
    guardian_name: str = ""
    guardian_relation: str = ""
    contact_phone: str = ""
    opened_on: str
    deadline: str
    tracking_until: str = Field(description="跟踪截止 / tracked until")
    deadline_note: LabelText | None = Field(None, description="期限提示（还剩 N 天 / 已逾期 N 天）/ the deadline in words")
    overdue: bool
    responsible: dict[str, Any] = Field(description="责任人（角色 → 姓名）/ who is responsible, by role")
    events: list[CaseEvent]
    actions: list[str] = Field(description="本人可执行的操作 / actions allowed to the user")
    next_actions: list[str] = Field(default_factory=list, description="下一步（推进案例的操作）/ the next steps")


class CaseActed(BaseModel):
    """The case after the action."""

    id: int
    state: str
    state_label: str
    version: int


# ------------------------------------------------------------------------------------------------ layout
class ResourceCv(BaseModel):
    """A resource-indicator CV before and after the plan (the assessment engine on the planned county)."""

    stage: str
    indicator: str
    name: str
    before: Number | None
    after: Number | None
    limit: Number | None


class LayoutSummary(BaseModel):
    """The solve's summary figures (``LayoutResult.summary()``; ``resource_cvs`` when saved with the registry)."""

    status: str | None = Field(None, description="求解状态 / solver status")
    year: int | None = None
    objective: Number | None = None
    bound: Number | None = None
    gap: Number | None = Field(None, description="最优性间隙 / optimality gap")
    seconds: Number | None = None
    primary_schools: int | None = None
    primary_pupils: Number | None = None
    primary_boarders: Number | None = None
    primary_teachers: Number | None = None
    junior_schools: int | None = None
    junior_pupils: Number | None = None
    junior_boarders: Number | None = None
    junior_teachers: Number | None = None
    pupils_over_limit: Number | None = Field(None, description="超出单程时限且不寄宿的学生 / over the limit, not boarding")
    pupils_over_30_45: Number | None = Field(None, description="单程超过 30/45 分钟的学生 / over 30/45 minutes")
    cost_total: Number | None = Field(None, description="年度总成本（元）/ yearly cost (yuan)")
    decisions: dict[str, int] | None = Field(None, description="各类决定的学校数 / schools by decision")
    resource_cvs: list[ResourceCv] | None = None


class LayoutScenarioRow(BaseModel):
    """A saved layout scenario (布局方案) in the list."""

    id: int
    name: str
    county_code: str
    base_year: int
    target_year: int
    source: str = Field(description="solver / manual")
    variant: str = Field(description="出生预测方案 / births variant: low, central, high")
    summary: LayoutSummary
    created_at: str


class LayoutDecision(BaseModel):
    """The plan for one school, with its explanation in Chinese."""

    school_code: str
    name: str
    decision: str = Field(description="keep / expand / merge / close / build / keep_small")
    merge_into: str | None = Field(description="并入学校 / the school it merges into")
    pupils: Number | None
    explanation: str | None
    decision_zh: str
    merge_into_name: str


class LayoutCounts(BaseModel):
    """Schools by decision."""

    keep: int
    expand: int
    merge: int
    close: int
    build: int
    keep_small: int


class LayoutStep(BaseModel):
    """A step of the procedure (规划论证 → 征求意见 → 风险评估 → 集体决策 → 公开公示)."""

    step: str
    name: str
    done_by: str | None
    done_on: str | None = Field(description="完成日期 / date done (YYYY-MM-DD)")
    document: str | None


class LayoutScenario(BaseModel):
    """A scenario: summary, decisions, procedure steps and its files."""

    id: int
    name: str
    county_code: str
    base_year: int
    target_year: int
    variant: str
    variant_zh: str
    source: str
    summary: LayoutSummary
    counts: LayoutCounts
    decisions: list[LayoutDecision]
    job_id: int | None = Field(description="求解任务 / the solve job (none for scenarios saved by the CLI)")
    files: dict[str, int] = Field(description="格式 → 文件编号 / format → file id (xlsx, docx)")
    steps: list[LayoutStep]


class LayoutMapSchool(BaseModel):
    """A school point with its decision."""

    code: str
    name: str
    decision: str
    value: list[Number | None] = Field(description="[经度, 纬度] / [lon, lat]")


class LayoutMapVillage(BaseModel):
    """A village point with its pupils."""

    code: str
    name: str
    value: list[Number | None] = Field(description="[经度, 纬度] / [lon, lat]")
    pupils: Number


class LayoutZone(BaseModel):
    """A village → school line of a stage (学区划分)."""

    stage: str
    village: str
    school: str
    coords: list[list[Number | None]] = Field(description="[[village lon, lat], [school lon, lat]]")
    minutes: Number | None = Field(description="单程分钟 / one-way minutes")
    boards: bool = Field(description="寄宿 / boards")


class LayoutMap(BaseModel):
    """Map data of a scenario (``junheng.layout-map/1``); scenarios saved by the CLI have no points."""

    geojson: FeatureCollection
    schools: list[LayoutMapSchool]
    villages: list[LayoutMapVillage]
    zones: list[LayoutZone]
    schema_: str | None = Field(None, alias="schema", description="junheng.layout-map/1 (when the job stored it)")
    decision_zh: dict[str, str] = Field(description="决定的中文名 / decisions in Chinese")


class CompareSide(BaseModel):
    """One of the two scenarios compared."""

    id: int
    name: str
    target_year: int
    variant_zh: str


class CompareRow(BaseModel):
    """A figure of both scenarios."""

    label: str
    a: Number | str | None
    b: Number | str | None


class CompareDiffer(BaseModel):
    """A school the two scenarios decide differently (decisions in Chinese)."""

    school_code: str
    name: str
    a: str
    b: str


class LayoutComparison(BaseModel):
    """Two scenarios side by side."""

    a: CompareSide
    b: CompareSide
    rows: list[CompareRow]
    differ: list[CompareDiffer]


# ------------------------------------------------------------------------------------------------ teachers
class TeacherPlanRules(BaseModel):
    """The staffing standard and curriculum the plan used."""

    staffing: str
    staffing_source: str
    curriculum: str
    curriculum_source: str


class EntitlementSection(BaseModel):
    """A section's staff entitlement (核定编制) against its staff."""

    school_code: str
    name: str
    township_code: str | None
    school_type: str
    area: str | None
    stage: str
    students: Number | None
    classes: Number | None
    boarders: Number | None
    basis: str = Field(description="核编依据 / basis of the entitlement")
    ratio: Number | None = Field(description="师生比标准 / pupils per staff of the standard")
    class_based: bool
    staff_by_ratio: Number | None
    teachers_by_ratio: Number | None
    teachers_by_class: Number | None
    boarding_extra: Number | None
    staff_entitled: int
    teachers_entitled: int
    staff: Number | None
    teachers: Number | None
    staff_gap: Number | None
    teacher_gap: Number | None


class TeacherEntitlement(BaseModel):
    """Staff entitlement (编制) of the county and of each section."""

    staff_entitled: int
    staff: Number
    teachers_entitled: int
    teachers: Number
    sections_understaffed: int
    sections: list[EntitlementSection]


class SubjectDemand(BaseModel):
    """Teachers a section needs for a subject (课时 → 教师) against those it has."""

    school_code: str
    stage: str
    subject: str
    subject_name: str | None
    periods: Number | None = Field(description="周课时 / periods a week")
    load: Number | None = Field(description="每位教师周课时 / periods per teacher")
    needed: Number | None
    required: int | None
    specialist: bool | None
    source: str | None
    have: Number | None
    shortage: Number | None
    surplus: Number | None
    uncovered_periods: Number | None


class TeacherRedistribution(BaseModel):
    """Transfers from surplus to shortage by subject (调配); ``list``: the transfers (teacher IDs, no names)."""

    status: str
    moves: int
    total_km: Number
    shortage_before: Number
    shortage_after: Number
    surplus_before: Number
    objective: Number | None
    seconds: Number
    candidate_arcs: int
    notes: list[str]
    distance: str
    moves_list: list[dict[str, Any]] = Field(
        alias="list", description="调配 / transfers: teacher_id, stage, subject, subject_name, from_school, from_name, "
                                  "to_school, to_name, km, reason, backbone_level")


class TeacherRotation(BaseModel):
    """Rotation (交流轮岗) against its quotas; when infeasible only ``infeasible``, ``reasons`` and the lists."""

    eligible: int | None = None
    quota: int | None = None
    backbone_quota: int | None = None
    rotated: int | None = None
    backbone_rotated: int | None = None
    meets_quotas: bool | None = None
    indicator_gap_closed: Number | None = None
    principals_due: list[dict[str, Any]] = Field(description="应交流的校长 / principals due to rotate")
    seconds: Number | None = None
    notes: list[str] | None = None
    infeasible: bool | None = None
    reasons: list[str] | None = None
    moves_list: list[dict[str, Any]] = Field(alias="list", description="轮岗 / rotations (teacher IDs, no names)")


class ItinerantVisit(BaseModel):
    """A day of an itinerant teacher's week."""

    day: str
    school: str
    school_name: str
    periods: int
    travel_min: int


class ItinerantRound(BaseModel):
    """An itinerant teacher's round (走教线路)."""

    round: str
    subject: str
    stage: str
    township: str | None
    base: str
    base_name: str
    schools: list[str]
    periods: int
    travel_min: int
    schedule: list[ItinerantVisit]


class UnservedDemand(BaseModel):
    """Periods no itinerant round covers, and why."""

    school_code: str
    stage: str
    subject: str
    periods: Number
    reason: str


class TeacherItinerant(BaseModel):
    """Itinerant teaching (走教)."""

    teachers: int
    seconds: Number
    rounds: list[ItinerantRound]
    unserved: list[UnservedDemand]


class TeacherTraining(BaseModel):
    """The 360-hour training in five years (教督〔2017〕6号 二(9))."""

    year: int
    window: list[int]
    teachers: int
    completed: int
    overdue: int
    in_cycle: int
    completion_rate: Number | None
    target: Number
    source: str
    overdue_list: list[dict[str, Any]] = Field(description="未完成培训的教师 / teachers overdue (IDs, no names)")


class IndicatorComparison(BaseModel):
    """A teacher indicator's CV and failing units before and after the plan."""

    stage: str
    indicator: str
    units: int | None
    cv_before: Number | None
    cv_after: Number | None
    cv_limit: Number | None
    failing_before: int | None
    failing_after: int | None
    gap_before: Number | None
    gap_after: Number | None


class BachelorRatio(BaseModel):
    """The county's bachelor ratio before, after the transfers and after the plan."""

    before: Number | None
    after_transfers: Number | None
    after: Number | None
    limit: Number
    basis: str
    source: str


class TeacherIndicators(BaseModel):
    """Teacher indicators before and after the plan."""

    comparison: list[IndicatorComparison]
    bachelor_ratio: BachelorRatio


class TeacherPlan(BaseModel):
    """A teacher plan (教师配置) as stored by its job (``TeacherPlan.to_dict()`` with ``subject_demand_after``)."""

    year: int
    rules: TeacherPlanRules
    entitlement: TeacherEntitlement
    subject_demand: list[SubjectDemand]
    redistribution: TeacherRedistribution
    rotation: TeacherRotation
    itinerant: TeacherItinerant
    training: TeacherTraining
    indicators: TeacherIndicators
    subject_demand_after: list[SubjectDemand] | None = Field(None, description="调配后 / after the transfers")
    county_code: str | None = None
