"""care cases (一人一案): cases, append-only history, triggers refusing deletes and rewrites

Written from ``alembic`` autogenerate output for ``store/care_models.py`` (compared against a
scratch database at 0001), then reviewed; the triggers are added by hand, one form per dialect.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-23 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = ("care",)
depends_on = None

_SQLITE_TRIGGERS = (
    "CREATE TRIGGER care_case_no_delete BEFORE DELETE ON care_case "
    "BEGIN SELECT RAISE(ABORT, '一人一案记录不可删除 / care cases cannot be deleted'); END",
    "CREATE TRIGGER care_event_no_delete BEFORE DELETE ON care_event "
    "BEGIN SELECT RAISE(ABORT, '案例历史不可删除 / case history cannot be deleted'); END",
    "CREATE TRIGGER care_event_no_update BEFORE UPDATE ON care_event "
    "BEGIN SELECT RAISE(ABORT, '案例历史不可修改 / case history cannot be changed'); END",
)
_PG_TRIGGERS = (
    """CREATE FUNCTION care_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '一人一案记录不可删除或改写 / care records cannot be deleted or rewritten (%)', TG_OP;
    END $$""",
    "CREATE TRIGGER care_case_no_delete BEFORE DELETE ON care_case FOR EACH ROW EXECUTE FUNCTION care_refuse()",
    "CREATE TRIGGER care_event_no_delete BEFORE DELETE ON care_event FOR EACH ROW EXECUTE FUNCTION care_refuse()",
    "CREATE TRIGGER care_event_no_update BEFORE UPDATE ON care_event FOR EACH ROW EXECUTE FUNCTION care_refuse()",
)


def upgrade() -> None:
    op.create_table(
        "care_case",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("child_key", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("student_id", sa.String(length=64), nullable=True),
        sa.Column("school_code", sa.String(length=10), nullable=True),
        sa.Column("village_code", sa.String(length=12), nullable=True),
        sa.Column("township_code", sa.String(length=12), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("tracking_until", sa.Date(), nullable=True),
        sa.Column("responsible", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_case")),
    )
    op.create_index(op.f("ix_care_case_child_key"), "care_case", ["child_key"], unique=False)
    op.create_index(op.f("ix_care_case_school_code"), "care_case", ["school_code"], unique=False)
    op.create_index(op.f("ix_care_case_state"), "care_case", ["state"], unique=False)
    op.create_index(op.f("ix_care_case_township_code"), "care_case", ["township_code"], unique=False)
    op.create_table(
        "care_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("from_state", sa.String(length=32), nullable=False),
        sa.Column("to_state", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["care_case.id"], name=op.f("fk_care_event_case_id_care_case")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_event")),
        sa.UniqueConstraint("case_id", "seq", name=op.f("uq_care_event_case_id")),
    )
    op.create_index(op.f("ix_care_event_case_id"), "care_event", ["case_id"], unique=False)
    dialect = op.get_bind().dialect.name
    for sql in _SQLITE_TRIGGERS if dialect == "sqlite" else _PG_TRIGGERS if dialect == "postgresql" else ():
        op.execute(sql)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for t, table in (("care_case_no_delete", "care_case"), ("care_event_no_delete", "care_event"),
                         ("care_event_no_update", "care_event")):
            op.execute(f"DROP TRIGGER IF EXISTS {t} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS care_refuse()")
    elif dialect == "sqlite":
        for t in ("care_case_no_delete", "care_event_no_delete", "care_event_no_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {t}")
    op.drop_index(op.f("ix_care_event_case_id"), table_name="care_event")
    op.drop_table("care_event")
    for ix in ("ix_care_case_township_code", "ix_care_case_state", "ix_care_case_school_code", "ix_care_case_child_key"):
        op.drop_index(op.f(ix), table_name="care_case")
    op.drop_table("care_case")
