"""Messages, dead letters and redelivery counters.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "messages",
        sa.Column("id", sa.String(26), primary_key=True),
        sa.Column("site", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.UniqueConstraint("site", "seq", name="uq_messages_site_seq"),
    )
    op.create_index("ix_messages_time", "messages", ["time"])
    op.create_index("ix_messages_type_time", "messages", ["type", "time"])
    op.create_table(
        "dead_letters",
        sa.Column("pk", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("received", sa.DateTime(timezone=True), nullable=False),
        sa.Column("topic", sa.String(256), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("raw", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_dead_letters_received", "dead_letters", ["received"])
    op.create_index("ix_dead_letters_reason", "dead_letters", ["reason"])
    op.create_table(
        "site_counters",
        sa.Column("site", sa.String(64), primary_key=True),
        sa.Column("redelivered", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("site_counters")
    op.drop_table("dead_letters")
    op.drop_table("messages")
