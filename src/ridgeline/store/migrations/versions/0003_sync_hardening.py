"""Clock-ahead flag, dead letters kept whole and capped, per-site tallies, site status.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_NEW_COUNTERS = ("thinned", "clock_ahead", "dead_letters", "dead_bytes", "dead_overflow", "dead_overflow_bytes",
                 "dead_expired")


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("clock_ahead_s", sa.Float, nullable=True))
    with op.batch_alter_table("dead_letters") as batch:
        batch.add_column(sa.Column("site", sa.String(64), nullable=True))
        batch.add_column(sa.Column("seq", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("size", sa.BigInteger, nullable=False, server_default="0"))
        batch.add_column(sa.Column("cut", sa.BigInteger, nullable=False, server_default="0"))
        batch.add_column(sa.Column("digest", sa.String(64), nullable=True))
        batch.add_column(sa.Column("repeats", sa.BigInteger, nullable=False, server_default="1"))
        batch.add_column(sa.Column("last_received", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("resolved", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("resolution", sa.Text, nullable=True))
    op.create_index("ix_dead_letters_site", "dead_letters", ["site"])
    op.create_index("ix_dead_letters_digest", "dead_letters", ["digest"])
    op.execute("UPDATE dead_letters SET size = length(raw)")
    with op.batch_alter_table("site_counters") as batch:
        batch.alter_column("redelivered", server_default="0")
        for name in _NEW_COUNTERS:
            batch.add_column(sa.Column(name, sa.BigInteger, nullable=False, server_default="0"))
    # the thinned tally starts from the rows already stored
    conn = op.get_bind()
    known = {row[0] for row in conn.execute(sa.text("SELECT site FROM site_counters"))}
    for site, n in conn.execute(sa.text("SELECT site, count(*) FROM messages WHERE type = 'thinned' GROUP BY site")):
        if site in known:
            conn.execute(sa.text("UPDATE site_counters SET thinned = :n WHERE site = :s"), {"n": n, "s": site})
        else:
            conn.execute(sa.text("INSERT INTO site_counters (site, redelivered, thinned) VALUES (:s, 0, :n)"),
                         {"n": n, "s": site})
    op.create_table(
        "sites",
        sa.Column("site", sa.String(64), primary_key=True),
        sa.Column("online", sa.Boolean, nullable=False),
        sa.Column("seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("backlog", sa.BigInteger, nullable=False),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
        sa.Column("thinned", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sites")
    with op.batch_alter_table("site_counters") as batch:
        for name in _NEW_COUNTERS:
            batch.drop_column(name)
    op.drop_index("ix_dead_letters_digest", "dead_letters")
    op.drop_index("ix_dead_letters_site", "dead_letters")
    with op.batch_alter_table("dead_letters") as batch:
        for name in ("resolution", "resolved", "last_received", "repeats", "digest", "cut", "size", "seq", "site"):
            batch.drop_column(name)
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("clock_ahead_s")
