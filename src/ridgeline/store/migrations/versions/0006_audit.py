"""The audit trail: hash-chained entries, the head appends lock, and on PostgreSQL a trigger
that refuses to change or remove an entry.

Revision ID: 0006_audit
Revises: 0005_snapshots
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_audit"
down_revision = "0005_snapshots"
branch_labels = None
depends_on = None

#: the hash before the first entry
GENESIS = "0" * 64


def upgrade() -> None:
    op.create_table(
        "audit",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(128), nullable=True),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.execute(sa.text(f"INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '{GENESIS}')"))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text(
            "CREATE FUNCTION ridgeline_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'the audit trail is append-only: % refused', TG_OP; END $$"
        ))
        op.execute(sa.text(
            "CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit "
            "FOR EACH STATEMENT EXECUTE FUNCTION ridgeline_audit_append_only()"
        ))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text("DROP TRIGGER IF EXISTS audit_append_only ON audit"))
        op.execute(sa.text("DROP FUNCTION IF EXISTS ridgeline_audit_append_only()"))
    op.drop_table("audit_head")
    op.drop_table("audit")
