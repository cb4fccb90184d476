"""The centre's repository: idempotent ingest, dead letters, and the per-site sequence check.

SQLite (WAL, one file) by default, PostgreSQL by URL; the same statements run on both.
Every write is one transaction per batch, and the batch is acknowledged to the broker only
after it commits, so a crash mid-ingest leads to redelivery, never to loss — and
redelivery is harmless because each envelope id is stored once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib.resources import files
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from ridgeline.errors import RidgelineError
from ridgeline.model import Envelope, utc_now
from ridgeline.store.schema import dead_letters, messages, site_counters

T = TypeVar("T")


class StoreError(RidgelineError, RuntimeError):
    """The database cannot be reached, migrated or written."""


def default_url(path: Path) -> str:
    """SQLite URL of a database file."""
    return f"sqlite:///{path}"


def connect(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL mode, full sync and a busy timeout."""
    try:
        engine = create_engine(url, future=True, pool_pre_ping=True)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise StoreError(f"database {url!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(files("ridgeline.store") / "migrations"))
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except (SQLAlchemyError, OSError) as exc:
        raise StoreError(f"migrating {engine.url.render_as_string(hide_password=True)}: {exc}") from exc


@dataclass
class IngestResult:
    """What one batch did."""

    inserted: int = 0
    redelivered: int = 0
    conflicts: list[Envelope] = field(default_factory=list)
    #: the envelopes this batch stored (in a race between workers, possibly a few more)
    stored: list[Envelope] = field(default_factory=list)


@dataclass(frozen=True)
class SiteReport:
    """Per-site figures of ``ridgeline store check``."""

    site: str
    received: int
    max_seq: int
    missing: int
    missing_ranges: list[tuple[int, int]]
    duplicates: int
    redelivered: int
    thinned: int


def _chunks(items: Sequence[T], size: int = 1000) -> list[Sequence[T]]:
    """Pieces small enough for one statement's parameter list."""
    return [items[i : i + size] for i in range(0, len(items), size)]


class Store:
    """The centre's database."""

    def __init__(self, url: str, migrate_schema: bool = True) -> None:
        self.url = url
        self.engine = connect(url)
        if migrate_schema:
            migrate(self.engine)
        self._insert = (postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert)

    def close(self) -> None:
        self.engine.dispose()

    def ingest(
        self, batch: Sequence[Envelope], received: datetime | None = None,
        hook: Callable[[Connection, list[Envelope]], object] | None = None,
    ) -> IngestResult:
        """Store a batch once each: known ids count as redelivered, a (site, seq) already held
        by another id is a conflict (a replay or a second sender), the rest is inserted.

        ``hook(connection, stored)`` runs in the same transaction (the rules), so what a
        message causes is committed exactly when the message is.
        """
        result = IngestResult()
        if not batch:
            return result
        received = received or utc_now()
        # one envelope per id within the batch too
        again: dict[str, int] = {}  # redeliveries per site
        unique: dict[str, Envelope] = {}
        for env in batch:
            if env.id in unique:
                again[env.site] = again.get(env.site, 0) + 1
            else:
                unique[env.id] = env
        try:
            with self.engine.begin() as conn:
                ids = list(unique)
                known: set[str] = set()
                for id_part in _chunks(ids):
                    known.update(conn.scalars(select(messages.c.id).where(messages.c.id.in_(id_part))))
                fresh = [e for e in unique.values() if e.id not in known]
                for e in unique.values():
                    if e.id in known:
                        again[e.site] = again.get(e.site, 0) + 1
                taken: set[tuple[str, int]] = set()
                by_site: dict[str, list[int]] = {}
                for e in fresh:
                    by_site.setdefault(e.site, []).append(e.seq)
                for site, seqs in by_site.items():
                    for seq_part in _chunks(seqs):
                        taken.update(
                            (site, q)
                            for q in conn.scalars(
                                select(messages.c.seq).where(messages.c.site == site, messages.c.seq.in_(seq_part))
                            )
                        )
                rows: list[dict[str, object]] = []
                seen_keys: set[tuple[str, int]] = set()
                for e in fresh:
                    key = (e.site, e.seq)
                    if key in taken or key in seen_keys:
                        result.conflicts.append(e)
                        continue
                    seen_keys.add(key)
                    result.stored.append(e)
                    rows.append(
                        {
                            "id": e.id, "site": e.site, "seq": e.seq, "type": e.type.value, "time": e.time,
                            "sent": e.sent, "received": received, "payload": e.payload,
                        }
                    )
                for row_part in _chunks(rows):
                    res = conn.execute(self._insert(messages).on_conflict_do_nothing(), row_part)
                    result.inserted += (
                        res.rowcount if res.rowcount is not None and res.rowcount >= 0 else len(row_part)
                    )
                # a concurrent worker may have won a race for some rows: those are redeliveries
                if result.inserted < len(rows):
                    site = str(rows[0]["site"])
                    again[site] = again.get(site, 0) + len(rows) - result.inserted
                result.redelivered = sum(again.values())
                if hook is not None and result.stored:
                    hook(conn, result.stored)
                for site, n in again.items():
                    self._count_redelivered(conn, site, n)
        except SQLAlchemyError as exc:
            raise StoreError(f"ingest into {self.engine.url.render_as_string(hide_password=True)}: {exc}") from exc
        return result

    def _count_redelivered(self, conn, site: str, n: int) -> None:  # type: ignore[no-untyped-def]
        stmt = self._insert(site_counters).values(site=site, redelivered=n)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["site"], set_={"redelivered": site_counters.c.redelivered + n}
            )
        )

    def dead_letter(self, topic: str, reason: str, detail: str, raw: bytes, received: datetime | None = None) -> None:
        """Keep a refused message with its reason."""
        with self.engine.begin() as conn:
            conn.execute(
                insert(dead_letters).values(
                    received=received or utc_now(), topic=topic[:256], reason=reason, detail=detail[:4000],
                    raw=raw[:1_048_576],
                )
            )

    def dead_letter_counts(self) -> dict[str, int]:
        """Dead letters per reason."""
        with self.engine.connect() as conn:
            return {
                r: n
                for r, n in conn.execute(
                    select(dead_letters.c.reason, func.count()).group_by(dead_letters.c.reason)
                )
            }

    def check(self) -> list[SiteReport]:
        """Per site: received, missing seqs (and where), duplicates stored, redeliveries ignored."""
        with self.engine.connect() as conn:
            stats = conn.execute(
                select(
                    messages.c.site, func.count(), func.count(func.distinct(messages.c.seq)),
                    func.max(messages.c.seq), func.min(messages.c.seq),
                ).group_by(messages.c.site)
            ).all()
            thinned: dict[str, int] = dict(
                conn.execute(
                    select(messages.c.site, func.count()).where(messages.c.type == "thinned").group_by(messages.c.site)
                ).all()
            )
            redelivered = dict(conn.execute(select(site_counters.c.site, site_counters.c.redelivered)).all())
            prev = func.lag(messages.c.seq).over(partition_by=messages.c.site, order_by=messages.c.seq)
            sub = select(messages.c.site, messages.c.seq, prev.label("prev")).subquery()
            gaps: dict[str, list[tuple[int, int]]] = {}
            for site, seq, before in conn.execute(
                select(sub.c.site, sub.c.seq, sub.c.prev).where(sub.c.seq - sub.c.prev > 1).limit(100_000)
            ):
                gaps.setdefault(site, []).append((before + 1, seq - 1))
        reports = []
        for site, count, distinct, max_seq, min_seq in stats:
            ranges = ([(1, min_seq - 1)] if min_seq > 1 else []) + sorted(gaps.get(site, []))
            reports.append(
                SiteReport(
                    site=site, received=count, max_seq=max_seq, missing=max_seq - distinct,
                    missing_ranges=ranges, duplicates=count - distinct,
                    redelivered=int(redelivered.get(site, 0)), thinned=int(thinned.get(site, 0)),
                )
            )
        return sorted(reports, key=lambda r: r.site)

    def ping(self) -> None:
        """A cheap round trip to the database (raises ``StoreError`` when it is away)."""
        try:
            with self.engine.connect() as conn:
                conn.execute(select(1))
        except SQLAlchemyError as exc:
            raise StoreError(f"database {self.engine.url.render_as_string(hide_password=True)}: {exc}") from exc


__all__ = ["IngestResult", "SiteReport", "Store", "StoreError", "connect", "default_url", "migrate"]
