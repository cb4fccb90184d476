"""Tables of the centre's database (SQLAlchemy Core; SQLite or PostgreSQL).

``messages`` holds every accepted envelope once: its id is the primary key and (site,
seq) is unique, so redelivery and replay cannot double a row.  ``dead_letters`` keeps what
was refused, with the reason and the raw bytes.  ``site_counters`` counts redeliveries
that were recognised and ignored.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

messages = Table(
    "messages",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("site", String(64), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("type", String(16), nullable=False),
    Column("time", DateTime(timezone=True), nullable=False),
    Column("sent", DateTime(timezone=True), nullable=False),
    Column("received", DateTime(timezone=True), nullable=False),
    Column("payload", JSON, nullable=False),
    UniqueConstraint("site", "seq", name="uq_messages_site_seq"),
    Index("ix_messages_time", "time"),
    Index("ix_messages_type_time", "type", "time"),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("received", DateTime(timezone=True), nullable=False, index=True),
    Column("topic", String(256), nullable=False),
    Column("reason", String(32), nullable=False, index=True),
    Column("detail", Text, nullable=False),
    Column("raw", LargeBinary, nullable=False),
)

site_counters = Table(
    "site_counters",
    metadata,
    Column("site", String(64), primary_key=True),
    Column("redelivered", BigInteger, nullable=False, default=0),
)
