"""Names vulture reports as unused that are used — read by `make lint` (`vulture src/junheng vulture_whitelist.py`).

Vulture sees only Python names inside ``src/junheng``.  Each entry below is used
by something it cannot see: a template, the tests or benchmarks, a framework
(alembic, SQLAlchemy, uvicorn), a third-party object whose attribute is set, or
an enum member looked up by value.  Each line says who uses it.  Do not add a
name here to silence dead code: delete the code instead.  Typer commands,
FastAPI routes and SQLAlchemy event listeners are skipped with
``--ignore-decorators`` in the Makefile.

This file is never imported; it only has to parse.
"""

# ruff: noqa
# mypy: ignore-errors

from junheng.assess.equity import Theil
from junheng.assess.results import CompositeCv
from junheng.care import workflow as care_workflow
from junheng.domain import enums, idnumber
from junheng.domain.tables import YearTables
from junheng.geo.network import RoadNetwork
from junheng.plan.orlib import PMedianInstance, read_pmed_optima
from junheng.plan.teachers.plan import TeacherPlan
from junheng.plan.teachers.staffing import Curriculum
from junheng.plan.teachers.training import TrainingStatus
from junheng.registry.check import CheckResult
from junheng.services.jobs import JobInfo
from junheng.services.schools import SchoolRow
from junheng.standards.model import Indicator, Item
from junheng.store import auth_models, models
from junheng.store.engine import current_heads, script_heads
from junheng.store.scenarios import record_step
from junheng.synth.sources import NationalSeries
from junheng.web import app

_ = object()

# --- enum members: looked up by value (``OrgLevel(row["level"])``, ``Sex(v)``), listed by iteration
enums.OrgLevel.TOWNSHIP
enums.OrgLevel.VILLAGE
enums.SchoolType.TWELVE_YEAR
enums.Sex.MALE
enums.Sex.FEMALE
enums.CoordSystem.WGS84
enums.CoordSystem.GCJ02
care_workflow.CaseState.CONFIRMED  # 控辍保学 states: src reads them from the programme file; the tests name them
care_workflow.CaseState.PERSUADING
care_workflow.CaseState.RETURNED
care_workflow.CaseState.HOME_TEACHING
care_workflow.CaseState.OTHER_PLACEMENT
care_workflow.CaseState.TRACKING
care_workflow.CaseState.CLOSED

# --- public results and helpers read by the tests, benchmarks and docs (not by src)
Theil.group_index  # Theil decomposition per group; public result of junheng.assess.theil
Theil.group_resource_share  # idem
Theil.group_enrolment_share  # idem
CompositeCv.n_indicators  # tests/assess/test_honest_verdicts.py; how many single CVs the mean is over
idnumber.IdNumber.birth_date  # tests/domain/test_idnumber.py, tests/synth/test_people.py
idnumber.parse_id_number  # scalar parser: tests/domain/test_idnumber.py, docs/dev/demo-county.md
YearTables.for_year  # tests/assess/test_rules.py
RoadNetwork.n_edges  # tests/geo/test_network.py
RoadNetwork.components  # tests/geo/test_network.py
PMedianInstance.n_vertices  # bench/layout_pmed.py
read_pmed_optima  # bench/layout_pmed.py, tests/plan/test_orlib.py
TeacherPlan.tables_after  # the plan's scenario tables: docs/dev/teachers.md, tests/plan/test_teachers_plan.py
Curriculum.weeks_per_year  # curriculum fact of curriculum.toml (每学年 35 周), kept with the pack
Curriculum.weekly_total  # tests/plan/test_staffing.py (weekly totals of the national plan)
Curriculum.share_check  # tests/plan/test_staffing.py (every national share rule holds)
TrainingStatus.by_school  # tests/plan/test_training.py
CheckResult.out_of_school_rows  # bench/linkage_quality.py (source rows of the ledger)
CheckResult.dropout_rows  # the same for the suspected-dropout ledger
current_heads  # tests/store/test_migrations.py, tests/test_cli_registry.py
script_heads  # idem
record_step  # scenario approval steps: tests/plan/test_scenario.py, docs/dev/layout.md
NationalSeries.figure  # tests/synth/test_county.py
Indicator.confidence  # standards.md confidence tag ([C]/[P]/[U]) carried with each pack entry
Item.confidence  # idem

# --- fields read by templates or returned by the API (asdict)
SchoolRow.school_type_zh  # templates/_school_table.html, school.html
SchoolRow.area_zh  # idem
JobInfo.status_zh  # templates/_job_panel.html, teachers.html, layout.html, assess.html: t(job.status_zh)
JobInfo.started_at  # asdict(JobInfo) in web/api/* (job JSON)
JobInfo.finished_at  # idem

# --- database columns (SQLAlchemy mapped; written and read through SQL, not attributes)
auth_models.User.password_changed_at
auth_models.Job.started_at
auth_models.Job.finished_at
models.ImportBatch.started_at
models.ImportBatch.finished_at
models.Teacher.birth_date
models.Teacher.certified
models.Teacher.school_since
models.Teacher.is_principal
models.Child.birth_date
models.Child.low_income

# --- alembic reads these module names in every migration
_.down_revision
_.branch_labels
_.depends_on
_.downgrade

# --- frameworks
app.worker_app  # uvicorn factory "junheng.web.app:worker_app" (commands/web.py)
_.auto_reload  # jinja2 Environment.auto_reload, set in web/app.py

# --- attributes set on third-party objects (openpyxl, python-docx, zipfile, highspy)
_.freeze_panes  # openpyxl Worksheet
_.number_format  # openpyxl Cell
_.alignment  # openpyxl Cell, python-docx Paragraph/Table
_.height  # openpyxl RowDimension
_.data_type  # openpyxl Cell (domain/textsafe.py)
_.quotePrefix  # openpyxl Protection/Style (domain/textsafe.py)
_.allow_blank  # openpyxl DataValidation (io/template.py)
_.errorTitle  # idem
_.showErrorMessage  # idem
_.prompt  # idem
_.promptTitle  # idem
_.showInputMessage  # idem
_.lastModifiedBy  # openpyxl DocumentProperties (io/template.py)
_.created  # idem
_.modified  # idem
_.compress_type  # zipfile.ZipInfo (io/template.py, fixed timestamps)
_.external_attr  # idem
_.autofit  # python-docx Table (report/word.py)
_.bold  # python-docx Font
_.rgb  # python-docx ColorFormat
_.orientation  # python-docx Section
_.left_margin  # idem
_.right_margin  # idem
_.top_margin  # idem (report/supervision.py: GB/T 9704 page geometry)
_.bottom_margin  # idem
_.page_width  # idem
_.page_height  # idem
_.first_line_indent  # python-docx ParagraphFormat (report/supervision.py)
_.right_indent  # idem
_.line_spacing  # idem
_.space_before  # idem
_.space_after  # idem
_.odd_and_even_pages_header_footer  # python-docx Settings (report/supervision.py: odd/even page numbers)
_.offset_  # highspy HighsLp (plan/facility/mip.py)
_.format_  # highspy HighsSparseMatrix (plan/layout/builders.py, plan/facility/mip.py, plan/teachers/redistribute.py)
# --- pydantic models of standards/schema.py: read by pydantic; the parameters reach the engine by model_dump
_.model_config  # pydantic BaseModel configuration
_.from_  # schema.BaseFundingRow, read by name in assess/rules.base_funding
_.primary  # idem
_.junior  # idem
_.split_weights  # schema.ParametersDoc, read by name from Pack.parameters (assess/, report/word.py)
_.preschool_weight_alternative  # idem
_.split_weights_complete_secondary  # idem
_.shared_resources  # idem
_.teaching_point_min_students  # idem
_.include_private  # idem
_.exclude_special_schools  # idem
_.subtract_indoor_sports  # idem (read by the packs' expressions)
_.excluded_schools  # idem
_.funding_region  # idem
_.cv_decimals  # idem
# --- engine functions no front end calls yet: tests/plan/test_scenario.py and docs/dev/layout.md use them
from junheng.plan import scenario as plan_scenario

plan_scenario.evaluate_edits  # hand edits (close X, merge X into Y, build Z) evaluated over the kept network
plan_scenario.resource_cvs  # the resource-indicator CVs of a registry, the "before" of plan_cvs
# --- synth/aid.py: the aid audit benchmark's generator, used by bench/aid_quality.py and tests/synth/test_aid_synth.py
from junheng.synth import aid as synth_aid

synth_aid.build_aid_case  # bench/aid_quality.py builds the case it audits
synth_aid.PAYMENT_NOISE  # tests/synth/test_aid_synth.py: the noise labels of correct payments
synth_aid.AidFaults.reason_counts  # tests/synth/test_aid_synth.py: truth counts equal what was asked
synth_aid.AidFaults.noise_counts  # idem

from junheng.services.evidence import EvidenceRow
from junheng.store.evidence_models import EvidenceRecord

EvidenceRow.attachments  # templates/evidence.html lists them
EvidenceRecord.entered_by  # services/evidence.py writes these columns by keyword (a dict of values)
EvidenceRecord.entered_at  # idem
EvidenceRecord.reviewer  # idem
EvidenceRecord.review_comment  # idem
EvidenceRecord.reviewed_at  # idem

from junheng.services.listing import ListQuery

ListQuery.sort_url  # templates/_list.html: the links of sortable column headers
