"""Operators of the centre: name, role, Argon2id password hash, disabled.

Revision ID: 0007_operators
Revises: 0006_audit
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_operators"
down_revision = "0006_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "operators",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("operators")
