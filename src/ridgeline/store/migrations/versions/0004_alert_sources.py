"""Alerts correlated across sites and sensors: their sources, latest position and event time,
and each event's alert (an event counts once).

Revision ID: 0004_alert_sources
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_alert_sources"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("sources", sa.JSON, nullable=True))
        batch.add_column(sa.Column("lon", sa.Float, nullable=True))
        batch.add_column(sa.Column("lat", sa.Float, nullable=True))
        batch.add_column(sa.Column("seen", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_alerts_rule_state", "alerts", ["rule", "state"])
    op.create_table(
        "alert_events",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("alert_id", sa.String(26), nullable=False),
    )
    op.create_index("ix_alert_events_alert_id", "alert_events", ["alert_id"])
    # alerts already stored: their site is their one known source, their last update their latest event
    conn = op.get_bind()
    alerts = sa.table("alerts", sa.column("id", sa.String), sa.column("site", sa.String),
                      sa.column("sources", sa.JSON), sa.column("seen", sa.DateTime(timezone=True)),
                      sa.column("updated", sa.DateTime(timezone=True)))
    conn.execute(sa.update(alerts).values(seen=alerts.c.updated))
    for alert_id, site in conn.execute(sa.select(alerts.c.id, alerts.c.site).where(alerts.c.site.is_not(None))):
        conn.execute(sa.update(alerts).where(alerts.c.id == alert_id).values(
            sources=[{"site": site, "sensor": None}]))


def downgrade() -> None:
    op.drop_table("alert_events")
    op.drop_index("ix_alerts_rule_state", "alerts")
    with op.batch_alter_table("alerts") as batch:
        for name in ("seen", "lat", "lon", "sources"):
            batch.drop_column(name)
