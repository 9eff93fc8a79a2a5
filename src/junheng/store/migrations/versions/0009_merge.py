"""Merge the case contact fields (0008c), the evidence records (0008e) and the supervision tasks (0008t) into
one head.

Revision ID: 0009
Revises: 0008c, 0008e, 0008t
"""

revision = "0009"
down_revision = ("0008c", "0008e", "0008t")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
