"""Units: the response units, their status names, position reports and dispatch log.

``units`` holds each unit's current status (by name, and the base status it maps to), last
position and assignment; ``unit_statuses`` the sector's own status names; ``unit_positions``
the reports kept, by unit and time; ``unit_log`` every status change and dispatch, by unit
and by the alert or incident it concerned.

Revision ID: 0010_units
Revises: 0009_retention
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_units"
down_revision = "0009_retention"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(64), nullable=False),
        sa.Column("base", sa.String(16), nullable=False),
        sa.Column("lon", sa.Float, nullable=True),
        sa.Column("lat", sa.Float, nullable=True),
        sa.Column("position_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("source", sa.String(16), nullable=True),
        sa.Column("heading", sa.Float, nullable=True),
        sa.Column("speed", sa.Float, nullable=True),
        sa.Column("alert_id", sa.String(26), nullable=True),
        sa.Column("incident_id", sa.String(26), nullable=True),
        sa.Column("callsign", sa.String(64), nullable=True),
        sa.Column("tak_uid", sa.String(128), nullable=True, unique=True),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "unit_statuses",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("base", sa.String(16), nullable=False),
        sa.Column("description", sa.String(200), nullable=False, server_default=""),
    )
    op.create_table(
        "unit_positions",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("unit_id", sa.String(64), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("received", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_unit_positions_unit_time", "unit_positions", ["unit_id", "time"])
    op.create_table(
        "unit_log",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("unit_id", sa.String(64), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("status", sa.String(64), nullable=False),
        sa.Column("base", sa.String(16), nullable=False),
        sa.Column("alert_id", sa.String(26), nullable=True),
        sa.Column("incident_id", sa.String(26), nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("note", sa.Text, nullable=True),
    )
    op.create_index("ix_unit_log_unit_id", "unit_log", ["unit_id"])
    op.create_index("ix_unit_log_alert_id", "unit_log", ["alert_id"])
    op.create_index("ix_unit_log_incident_id", "unit_log", ["incident_id"])


def downgrade() -> None:
    op.drop_table("unit_log")
    op.drop_index("ix_unit_positions_unit_time", "unit_positions")
    op.drop_table("unit_positions")
    op.drop_table("unit_statuses")
    op.drop_table("units")
