"""Tables of the centre's database (SQLAlchemy Core; SQLite or PostgreSQL).

``messages`` holds every accepted envelope once: its id is the primary key and (site,
seq) is unique, so redelivery and replay cannot double a row; ``clock_ahead_s`` says how
far ahead of the centre a sensor's clock was when it was past the limit (the row's
``received`` is the centre's time).  ``dead_letters`` keeps what was refused, with the
reason, the raw bytes (up to a limit, ``cut`` counting the rest), a digest that folds
identical arrivals into one row (``repeats``), and how an operator resolved it.
``site_counters`` keeps per-site tallies the metrics read without scanning: redeliveries
ignored, thinned messages, clocks ahead, dead letters held and those refused for the
site's cap.  ``sites`` keeps each site's last status (online, backlog, last seq handed
out).  ``alerts`` holds each alert's current state and
``alert_history`` every change to it (opened, updated, acknowledged, escalated...), who
made it and when: the append-only trail an operator's decisions leave.  An alert keeps the
(site, sensor) pairs that contributed (``sources``, JSON), its latest map position and the
time of its latest event (the correlation gates); ``alert_events`` holds each event id once
with the alert it went to, so an event delivered again can never count twice.
``snapshots`` holds each event's still image (privacy-masked at the edge) once per (site,
id), beside the ``messages`` row of the envelope that carried it (whose payload keeps every
field but the image); images go after the evidence retention, messages after theirs (longer).
``audit`` is the hash-chained trail of every action by a person or the system: each entry's
hash covers the previous entry's hash and a canonical encoding of the entry
(``store.audit``); ``audit_head`` holds the latest seq and hash, the one row appends lock.
``operators`` holds the people who work the centre: a name, a role, an Argon2id hash of the
password (never the password), and whether the account is disabled (kept, never deleted,
so the audit trail's names keep meaning someone).
Alerts keep who acknowledged and who cleared them (separate facts), an assignee, and who an
escalation went to; ``comments`` holds what people wrote on an alert or an incident, and a
system comment for every change; ``incidents`` and ``incident_alerts`` the cases a team
works (a closed one is read-only; one under legal hold keeps its evidence past retention);
``sessions`` the API's logins and bearer tokens, by the SHA-256 of the token;
``login_failures`` the failed logins per name and address that slow the next ones.
``purged_seqs`` holds per site the ranges of seqs whose messages were stored and later
removed after their retention (``store.retention``): the sequence check counts them as
purged, not missing.
``units`` holds each response unit once: its name and kind, its status by name and the
base status that name maps to, its last position (with when, from what source, course and
speed), and the alert or incident it works while dispatched; ``unit_statuses`` the status
names the sector defines (a base status means itself and needs no row); ``unit_positions``
every position report kept (a unit's trail); ``unit_log`` every status change and dispatch
of a unit, with the alert or incident it concerned (the incidents' dispatch timeline).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC instant on every database (SQLite keeps no zone: stored and read as UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

messages = Table(
    "messages",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("site", String(64), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("type", String(16), nullable=False),
    Column("time", UtcDateTime(), nullable=False),
    Column("sent", UtcDateTime(), nullable=False),
    Column("received", UtcDateTime(), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("clock_ahead_s", Float, nullable=True),
    UniqueConstraint("site", "seq", name="uq_messages_site_seq"),
    Index("ix_messages_time", "time"),
    Index("ix_messages_type_time", "type", "time"),
    Index("ix_messages_received", "received", "id"),
)

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("received", UtcDateTime(), nullable=False, index=True),
    Column("topic", String(256), nullable=False),
    Column("reason", String(32), nullable=False, index=True),
    Column("detail", Text, nullable=False),
    Column("raw", LargeBinary, nullable=False),
    Column("site", String(64), nullable=True, index=True),
    Column("seq", BigInteger, nullable=True),
    Column("size", BigInteger, nullable=False, server_default="0"),
    Column("cut", BigInteger, nullable=False, server_default="0"),
    Column("digest", String(64), nullable=True, index=True),
    Column("repeats", BigInteger, nullable=False, server_default="1"),
    Column("last_received", UtcDateTime(), nullable=True),
    Column("resolved", UtcDateTime(), nullable=True),
    Column("resolution", Text, nullable=True),
)

#: per-site tallies (``site_counters``), each a count kept up to date in the ingest transaction
COUNTERS = ("redelivered", "thinned", "clock_ahead", "dead_letters", "dead_bytes", "dead_overflow",
            "dead_overflow_bytes", "dead_expired")

site_counters = Table(
    "site_counters",
    metadata,
    Column("site", String(64), primary_key=True),
    *(Column(name, BigInteger, nullable=False, server_default="0") for name in COUNTERS),
)

sites = Table(
    "sites",
    metadata,
    Column("site", String(64), primary_key=True),
    Column("online", Boolean, nullable=False),
    Column("seen", UtcDateTime(), nullable=False),
    Column("backlog", BigInteger, nullable=False),
    Column("last_seq", BigInteger, nullable=False),
    Column("thinned", BigInteger, nullable=False),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("key", String(256), nullable=False, index=True),
    Column("rule", String(64), nullable=False),
    Column("type", String(32), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("state", String(32), nullable=False, index=True),
    Column("opened", UtcDateTime(), nullable=False, index=True),
    Column("updated", UtcDateTime(), nullable=False),
    Column("received", UtcDateTime(), nullable=False),
    Column("escalated", Boolean, nullable=False),
    Column("site", String(64), nullable=True),
    Column("event_count", BigInteger, nullable=False),
    Column("first_event", String(26), nullable=False),
    Column("last_event", String(26), nullable=False),
    Column("sources", JSON, nullable=True),
    Column("lon", Float, nullable=True),
    Column("lat", Float, nullable=True),
    Column("seen", UtcDateTime(), nullable=True),
    Column("acknowledged", UtcDateTime(), nullable=True),
    Column("acknowledged_by", String(64), nullable=True),
    Column("cleared", UtcDateTime(), nullable=True),
    Column("cleared_by", String(64), nullable=True),
    Column("assignee", String(64), nullable=True),
    Column("escalated_to", String(64), nullable=True),
    Index("ix_alerts_rule_state", "rule", "state"),
)

alert_events = Table(
    "alert_events",
    metadata,
    Column("event_id", String(64), primary_key=True),
    Column("alert_id", String(26), nullable=False, index=True),
)

alert_history = Table(
    "alert_history",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", String(26), nullable=False, index=True),
    Column("time", UtcDateTime(), nullable=False),
    Column("action", String(32), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("detail", JSON, nullable=False),
)

snapshots = Table(
    "snapshots",
    metadata,
    Column("site", String(64), nullable=False),
    Column("id", String(64), nullable=False),
    Column("message_id", String(26), nullable=False),
    Column("event", String(64), nullable=False, index=True),
    Column("sensor", String(64), nullable=False),
    Column("time", UtcDateTime(), nullable=False),
    Column("received", UtcDateTime(), nullable=False, index=True),
    Column("media_type", String(32), nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("image", LargeBinary, nullable=False),
    PrimaryKeyConstraint("site", "id", name="pk_snapshots"),
)


audit = Table(
    "audit",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("time", UtcDateTime(), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(128), nullable=True),
    Column("detail", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

operators = Table(
    "operators",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(256), nullable=False),
    Column("disabled", Boolean, nullable=False),
    Column("created", UtcDateTime(), nullable=False),
    Column("updated", UtcDateTime(), nullable=False),
)


comments = Table(
    "comments",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("subject", String(16), nullable=False),
    Column("subject_id", String(26), nullable=False),
    Column("time", UtcDateTime(), nullable=False),
    Column("author", String(64), nullable=False),
    Column("system", Boolean, nullable=False),
    Column("text", Text, nullable=False),
    Index("ix_comments_subject", "subject", "subject_id"),
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("state", String(16), nullable=False),
    Column("opened", UtcDateTime(), nullable=False, index=True),
    Column("opened_by", String(64), nullable=False),
    Column("updated", UtcDateTime(), nullable=False),
    Column("closed", UtcDateTime(), nullable=True),
    Column("closed_by", String(64), nullable=True),
    Column("outcome", String(32), nullable=True),
    Column("summary", Text, nullable=True),
    Column("legal_hold", Boolean, nullable=False, server_default="0"),
)

incident_alerts = Table(
    "incident_alerts",
    metadata,
    Column("incident_id", String(26), nullable=False),
    Column("alert_id", String(26), nullable=False, index=True),
    Column("added", UtcDateTime(), nullable=False),
    Column("added_by", String(64), nullable=False),
    PrimaryKeyConstraint("incident_id", "alert_id", name="pk_incident_alerts"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("operator", String(64), nullable=False, index=True),
    Column("kind", String(8), nullable=False),
    Column("label", String(64), nullable=True),
    Column("created", UtcDateTime(), nullable=False),
    Column("expires", UtcDateTime(), nullable=True),
    Column("last_used", UtcDateTime(), nullable=False),
    Column("revoked", UtcDateTime(), nullable=True),
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("key", String(160), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("first", UtcDateTime(), nullable=False),
    Column("locked_until", UtcDateTime(), nullable=True),
)

purged_seqs = Table(
    "purged_seqs",
    metadata,
    Column("site", String(64), nullable=False),
    Column("first", BigInteger, nullable=False),
    Column("last", BigInteger, nullable=False),
    PrimaryKeyConstraint("site", "first", name="pk_purged_seqs"),
)

units = Table(
    "units",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("status", String(64), nullable=False),
    Column("base", String(16), nullable=False),
    Column("lon", Float, nullable=True),
    Column("lat", Float, nullable=True),
    Column("position_time", UtcDateTime(), nullable=True),
    Column("source", String(16), nullable=True),
    Column("heading", Float, nullable=True),
    Column("speed", Float, nullable=True),
    Column("alert_id", String(26), nullable=True),
    Column("incident_id", String(26), nullable=True),
    Column("callsign", String(64), nullable=True),
    Column("tak_uid", String(128), nullable=True, unique=True),
    Column("updated", UtcDateTime(), nullable=False),
)

unit_statuses = Table(
    "unit_statuses",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("base", String(16), nullable=False),
    Column("description", String(200), nullable=False, server_default=""),
)

unit_positions = Table(
    "unit_positions",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("unit_id", String(64), nullable=False),
    Column("time", UtcDateTime(), nullable=False),
    Column("lon", Float, nullable=False),
    Column("lat", Float, nullable=False),
    Column("source", String(16), nullable=False),
    Column("received", UtcDateTime(), nullable=False),
    Index("ix_unit_positions_unit_time", "unit_id", "time"),
)

unit_log = Table(
    "unit_log",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("unit_id", String(64), nullable=False, index=True),
    Column("time", UtcDateTime(), nullable=False),
    Column("action", String(16), nullable=False),
    Column("status", String(64), nullable=False),
    Column("base", String(16), nullable=False),
    Column("alert_id", String(26), nullable=True, index=True),
    Column("incident_id", String(26), nullable=True, index=True),
    Column("actor", String(64), nullable=False),
    Column("note", Text, nullable=True),
)
