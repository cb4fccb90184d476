"""Alerts and their history.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column("key", sa.String(256), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("opened", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received", sa.DateTime(timezone=True), nullable=False),
        sa.Column("escalated", sa.Boolean, nullable=False),
        sa.Column("site", sa.String(64), nullable=True),
        sa.Column("event_count", sa.BigInteger, nullable=False),
        sa.Column("first_event", sa.String(26), nullable=False),
        sa.Column("last_event", sa.String(26), nullable=False),
    )
    op.create_index("ix_alerts_key", "alerts", ["key"])
    op.create_index("ix_alerts_state", "alerts", ["state"])
    op.create_index("ix_alerts_opened", "alerts", ["opened"])
    op.create_table(
        "alert_history",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.String(26), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_index("ix_alert_history_alert_id", "alert_history", ["alert_id"])


def downgrade() -> None:
    op.drop_table("alert_history")
    op.drop_table("alerts")
