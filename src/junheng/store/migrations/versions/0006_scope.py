"""scope columns: the org unit each import batch, audit event and care case belongs to

Every object carries the org unit it belongs to (docs/dev/security.md).  Jobs
and layout scenarios already did; import batches and audit events did not, so a
county administrator's list of either showed every county's.  A care case knew
its township only when its village or school was known; ``org_code`` is that
township, else the county of the check that opened it.  Existing import batches
and events keep an empty code, which only the unscoped system administrator
sees; existing cases take their township (from the village, else the school).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("import_batch") as b:
        b.add_column(sa.Column("org_code", sa.String(length=12), nullable=False, server_default=""))
        b.create_index("ix_import_batch_org_code", ["org_code"])
    with op.batch_alter_table("audit_event") as b:
        b.add_column(sa.Column("org_code", sa.String(length=12), nullable=False, server_default=""))
        b.create_index("ix_audit_event_org_code", ["org_code"])
    with op.batch_alter_table("job") as b:
        b.create_index("ix_job_org_code", ["org_code"])
        b.create_index("ix_job_username", ["username"])
    op.add_column("care_case", sa.Column("org_code", sa.String(length=12), nullable=False, server_default=""))
    op.create_index("ix_care_case_org_code", "care_case", ["org_code"])
    op.execute("UPDATE care_case SET org_code = COALESCE(township_code, (SELECT s.township_code FROM school s "
               "WHERE s.code = care_case.school_code), '')")


def downgrade() -> None:
    op.drop_index("ix_care_case_org_code", table_name="care_case")
    with op.batch_alter_table("care_case") as b:
        b.drop_column("org_code")
    if op.get_bind().dialect.name == "sqlite":  # the batch rebuild of care_case dropped 0003's trigger
        op.execute("CREATE TRIGGER IF NOT EXISTS care_case_no_delete BEFORE DELETE ON care_case "
                   "BEGIN SELECT RAISE(ABORT, '一人一案记录不可删除 / care cases cannot be deleted'); END")
    with op.batch_alter_table("job") as b:
        b.drop_index("ix_job_username")
        b.drop_index("ix_job_org_code")
    with op.batch_alter_table("audit_event") as b:
        b.drop_index("ix_audit_event_org_code")
        b.drop_column("org_code")
    with op.batch_alter_table("import_batch") as b:
        b.drop_index("ix_import_batch_org_code")
        b.drop_column("org_code")
