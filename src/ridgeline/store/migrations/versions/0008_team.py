"""Alerts worked as a team, incidents, and the API's sessions.

Alerts gain who acknowledged and who cleared them (two separate facts), an assignee and
who an escalation went to; ``comments`` holds what people (and the system, on every
change) wrote on an alert or an incident; ``incidents`` and ``incident_alerts`` the cases
a team works; ``sessions`` the API's logins and bearer tokens (a SHA-256 of each token,
never the token); ``login_failures`` the failed logins that rate-limit the next ones.

Revision ID: 0008_team
Revises: 0007_operators
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_team"
down_revision = "0007_operators"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("acknowledged", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("acknowledged_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("cleared", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("cleared_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("assignee", sa.String(64), nullable=True))
        batch.add_column(sa.Column("escalated_to", sa.String(64), nullable=True))
    op.create_table(
        "comments",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("subject", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.String(26), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("system", sa.Boolean, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_index("ix_comments_subject", "comments", ["subject", "subject_id"])
    op.create_table(
        "incidents",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("opened", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_by", sa.String(64), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(64), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("summary", sa.Text, nullable=True),
        sa.Column("legal_hold", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_incidents_opened", "incidents", ["opened"])
    op.create_table(
        "incident_alerts",
        sa.Column("incident_id", sa.String(26), nullable=False),
        sa.Column("alert_id", sa.String(26), nullable=False),
        sa.Column("added", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", "alert_id", name="pk_incident_alerts"),
    )
    op.create_index("ix_incident_alerts_alert_id", "incident_alerts", ["alert_id"])
    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("operator", sa.String(64), nullable=False, index=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("label", sa.String(64), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(160), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("first", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("login_failures")
    op.drop_table("sessions")
    op.drop_index("ix_incident_alerts_alert_id", "incident_alerts")
    op.drop_table("incident_alerts")
    op.drop_index("ix_incidents_opened", "incidents")
    op.drop_table("incidents")
    op.drop_index("ix_comments_subject", "comments")
    op.drop_table("comments")
    with op.batch_alter_table("alerts") as batch:
        for name in ("escalated_to", "assignee", "cleared_by", "cleared", "acknowledged_by", "acknowledged"):
            batch.drop_column(name)
