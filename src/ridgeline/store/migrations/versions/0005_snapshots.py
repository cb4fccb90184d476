"""Snapshots: each event's privacy-masked still image, kept for a retention period.

Revision ID: 0005_snapshots
Revises: 0004_alert_sources
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_snapshots"
down_revision = "0004_alert_sources"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "snapshots",
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("message_id", sa.String(26), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("sensor", sa.String(64), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received", sa.DateTime(timezone=True), nullable=False),
        sa.Column("media_type", sa.String(32), nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("image", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("site", "id", name="pk_snapshots"),
    )
    op.create_index("ix_snapshots_event", "snapshots", ["event"])
    op.create_index("ix_snapshots_received", "snapshots", ["received"])


def downgrade() -> None:
    op.drop_index("ix_snapshots_received", "snapshots")
    op.drop_index("ix_snapshots_event", "snapshots")
    op.drop_table("snapshots")
