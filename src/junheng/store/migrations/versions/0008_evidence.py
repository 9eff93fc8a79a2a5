"""evidence (佐证材料): records per county, pack, item and year; attachments with their hash; history

Written by hand for ``store/evidence_models.py``.  Triggers, one form per dialect, keep the history:
no DELETE on any of the three tables, no UPDATE of a history row or an attachment.

Revision ID: 0008e
Revises: 0007
Create Date: 2026-12-08 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0008e"
down_revision = "0007"
branch_labels = None
depends_on = None

_MSG = "佐证材料及其历史不可删除或改写 / evidence and its history cannot be deleted or rewritten"
_GUARDS = (("evidence_record_no_delete", "DELETE", "evidence_record"),
           ("evidence_attachment_no_delete", "DELETE", "evidence_attachment"),
           ("evidence_attachment_no_update", "UPDATE", "evidence_attachment"),
           ("evidence_history_no_delete", "DELETE", "evidence_history"),
           ("evidence_history_no_update", "UPDATE", "evidence_history"))


def upgrade() -> None:
    op.create_table(
        "evidence_record",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("org_code", sa.String(length=12), nullable=False),
        sa.Column("pack", sa.String(length=64), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("document", sa.String(length=256), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("entered_by", sa.String(length=64), nullable=False),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reviewer", sa.String(length=64), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_record")),
        sa.UniqueConstraint("org_code", "pack", "item", "year", name="uq_evidence_record_item"),
    )
    op.create_index(op.f("ix_evidence_record_org_code"), "evidence_record", ["org_code"], unique=False)
    op.create_table(
        "evidence_attachment",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=128), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["evidence_record.id"],
                                name=op.f("fk_evidence_attachment_record_id_evidence_record")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_attachment")),
    )
    op.create_index(op.f("ix_evidence_attachment_record_id"), "evidence_attachment", ["record_id"], unique=False)
    op.create_table(
        "evidence_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["evidence_record.id"],
                                name=op.f("fk_evidence_history_record_id_evidence_record")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_history")),
    )
    op.create_index(op.f("ix_evidence_history_record_id"), "evidence_history", ["record_id"], unique=False)
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name, event, table in _GUARDS:
            op.execute(f"CREATE TRIGGER {name} BEFORE {event} ON {table} BEGIN SELECT RAISE(ABORT, '{_MSG}'); END")
    elif dialect == "postgresql":
        op.execute(f"""CREATE FUNCTION evidence_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION '{_MSG} (%)', TG_OP; END $$""")
        for name, event, table in _GUARDS:
            op.execute(f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW EXECUTE FUNCTION evidence_refuse()")
        for table in ("evidence_record", "evidence_attachment", "evidence_history"):
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION evidence_refuse()")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for name, _event, table in _GUARDS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for table in ("evidence_record", "evidence_attachment", "evidence_history"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS evidence_refuse()")
    elif dialect == "sqlite":
        for name, _event, _table in _GUARDS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index(op.f("ix_evidence_history_record_id"), table_name="evidence_history")
    op.drop_table("evidence_history")
    op.drop_index(op.f("ix_evidence_attachment_record_id"), table_name="evidence_attachment")
    op.drop_table("evidence_attachment")
    op.drop_index(op.f("ix_evidence_record_org_code"), table_name="evidence_record")
    op.drop_table("evidence_record")
