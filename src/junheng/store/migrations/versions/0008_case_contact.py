"""care case contact: the guardian's name, relation and phone on care_case (issue 13, case pages for the field)

Three nullable columns, added in place (``ALTER TABLE ... ADD COLUMN`` on both backends, never a table
rebuild, so the history guards of ``0007_history_guard`` stay on the table).  An action that carries these
fields records them on the case (``junheng.store.cases.CONTACT_FIELDS``); they are masked like the child's
name for everyone but the people responsible (``junheng.services.care.mask_personal``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008c"
down_revision = "0007"
branch_labels = None
depends_on = None

COLUMNS = (("guardian_name", 64), ("guardian_relation", 32), ("contact_phone", 32))


def upgrade() -> None:
    for name, size in COLUMNS:
        op.add_column("care_case", sa.Column(name, sa.String(size), nullable=True))


def downgrade() -> None:
    for name, _size in reversed(COLUMNS):
        op.drop_column("care_case", name)  # SQLite ≥ 3.35 drops a column in place
