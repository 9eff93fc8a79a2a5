"""supervision tasks (督导任务): responsible-unit register, tasks, task units, evidence, append-only progress

Issue #14 item 4.  Tables of ``store/task_models.py``; ``task_progress`` is append-only: triggers refuse
UPDATE and DELETE on it, one form per dialect (as ``0003_care`` does for the case history).

Revision ID: 0008t
Revises: 0007
Create Date: 2026-12-10 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0008t"
down_revision = "0007"
branch_labels = None
depends_on = None

_MSG = "任务进度记录只能追加 / task progress can only be appended"
_SQLITE = tuple(
    f"CREATE TRIGGER task_progress_no_{op_} BEFORE {op_.upper()} ON task_progress "
    f"BEGIN SELECT RAISE(ABORT, '{_MSG}'); END" for op_ in ("update", "delete"))
_PG = (
    f"""CREATE FUNCTION task_progress_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '{_MSG} (%)', TG_OP; END $$""",
    "CREATE TRIGGER task_progress_no_update BEFORE UPDATE ON task_progress FOR EACH ROW "
    "EXECUTE FUNCTION task_progress_refuse()",
    "CREATE TRIGGER task_progress_no_delete BEFORE DELETE ON task_progress FOR EACH ROW "
    "EXECUTE FUNCTION task_progress_refuse()",
    "CREATE TRIGGER task_progress_no_truncate BEFORE TRUNCATE ON task_progress FOR EACH STATEMENT "
    "EXECUTE FUNCTION task_progress_refuse()",
)


def upgrade() -> None:
    op.create_table(
        "task_unit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("org_code", sa.String(length=12), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_unit")),
        sa.UniqueConstraint("org_code", "name", name=op.f("uq_task_unit_org_code")),
    )
    op.create_index(op.f("ix_task_unit_org_code"), "task_unit", ["org_code"], unique=False)
    op.create_table(
        "task",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_code", sa.String(length=12), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("milestones", sa.JSON(), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task")),
    )
    op.create_index(op.f("ix_task_org_code"), "task", ["org_code"], unique=False)
    op.create_index(op.f("ix_task_deadline"), "task", ["deadline"], unique=False)
    op.create_table(
        "task_link",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("lead", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"], name=op.f("fk_task_link_task_id_task")),
        sa.ForeignKeyConstraint(["unit_id"], ["task_unit.id"], name=op.f("fk_task_link_unit_id_task_unit")),
        sa.PrimaryKeyConstraint("task_id", "unit_id", name=op.f("pk_task_link")),
    )
    op.create_table(
        "task_attachment",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=128), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"], name=op.f("fk_task_attachment_task_id_task")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_attachment")),
    )
    op.create_index(op.f("ix_task_attachment_task_id"), "task_attachment", ["task_id"], unique=False)
    op.create_table(
        "task_progress",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("milestone", sa.String(length=255), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=True),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"], name=op.f("fk_task_progress_task_id_task")),
        sa.ForeignKeyConstraint(["attachment_id"], ["task_attachment.id"],
                                name=op.f("fk_task_progress_attachment_id_task_attachment")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_progress")),
    )
    op.create_index(op.f("ix_task_progress_task_id"), "task_progress", ["task_id"], unique=False)
    dialect = op.get_bind().dialect.name
    for sql in _SQLITE if dialect == "sqlite" else _PG if dialect == "postgresql" else ():
        op.execute(sql)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for t in ("task_progress_no_update", "task_progress_no_delete", "task_progress_no_truncate"):
            op.execute(f"DROP TRIGGER IF EXISTS {t} ON task_progress")
        op.execute("DROP FUNCTION IF EXISTS task_progress_refuse()")
    elif dialect == "sqlite":
        for t in ("task_progress_no_update", "task_progress_no_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {t}")
    op.drop_index(op.f("ix_task_progress_task_id"), table_name="task_progress")
    op.drop_table("task_progress")
    op.drop_index(op.f("ix_task_attachment_task_id"), table_name="task_attachment")
    op.drop_table("task_attachment")
    op.drop_table("task_link")
    op.drop_index(op.f("ix_task_deadline"), table_name="task")
    op.drop_index(op.f("ix_task_org_code"), table_name="task")
    op.drop_table("task")
    op.drop_index(op.f("ix_task_unit_org_code"), table_name="task_unit")
    op.drop_table("task_unit")
