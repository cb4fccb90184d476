"""Retention: the seqs purged per site, and messages found by when the centre received them.

``purged_seqs`` holds, per site, ranges of seqs whose messages the centre stored and later
removed after their retention (merged as neighbours go), so the sequence check counts them
as purged instead of missing.  ``ix_messages_received`` lets the purge walk the expired
messages oldest first without reading the table.

Revision ID: 0009_retention
Revises: 0008_team
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_retention"
down_revision = "0008_team"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "purged_seqs",
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("first", sa.BigInteger, nullable=False),
        sa.Column("last", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("site", "first", name="pk_purged_seqs"),
    )
    op.create_index("ix_messages_received", "messages", ["received", "id"])


def downgrade() -> None:
    op.drop_index("ix_messages_received", "messages")
    op.drop_table("purged_seqs")
