"""layout scenarios (布局调整方案): scenario, school decisions, procedure steps

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-23 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = ("layout",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "layout_scenario",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("county_code", sa.String(length=12), nullable=False),
        sa.Column("base_year", sa.Integer(), nullable=False),
        sa.Column("target_year", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("variant", sa.String(length=16), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_layout_scenario")),
        sa.UniqueConstraint("name", name=op.f("uq_layout_scenario_name")),
    )
    op.create_table(
        "layout_decision",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("school_code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("merge_into", sa.String(length=16), nullable=True),
        sa.Column("pupils", sa.Float(), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["scenario_id"], ["layout_scenario.id"], ondelete="CASCADE",
                                name=op.f("fk_layout_decision_scenario_id_layout_scenario")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_layout_decision")),
        sa.UniqueConstraint("scenario_id", "school_code", name="uq_layout_decision_school"),
    )
    op.create_index(op.f("ix_layout_decision_scenario_id"), "layout_decision", ["scenario_id"], unique=False)
    op.create_table(
        "layout_step",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("done_by", sa.String(length=128), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("document", sa.String(length=256), nullable=False),
        sa.ForeignKeyConstraint(["scenario_id"], ["layout_scenario.id"], ondelete="CASCADE",
                                name=op.f("fk_layout_step_scenario_id_layout_scenario")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_layout_step")),
        sa.UniqueConstraint("scenario_id", "step", name="uq_layout_step"),
    )
    op.create_index(op.f("ix_layout_step_scenario_id"), "layout_step", ["scenario_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_layout_step_scenario_id"), table_name="layout_step")
    op.drop_table("layout_step")
    op.drop_index(op.f("ix_layout_decision_scenario_id"), table_name="layout_decision")
    op.drop_table("layout_decision")
    op.drop_table("layout_scenario")
