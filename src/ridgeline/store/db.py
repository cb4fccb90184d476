"""The centre's repository: idempotent ingest, dead letters, site status and the sequence check.

SQLite (WAL, one file) by default, PostgreSQL by URL; the same statements run on both.
Every write is one transaction per batch, and the batch is acknowledged to the broker only
after it commits, so a crash mid-ingest leads to redelivery, never to loss — and
redelivery is harmless because each envelope id is stored once.

Every database failure leaves this module as a ``StoreError`` that says whether trying
again may help (locked, disk full, server away) or the data itself was refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from ridgeline.errors import StoreError
from ridgeline.model import Envelope, MessageType, SiteStatus, utc_now
from ridgeline.store import deadletters, retention, snapshots
from ridgeline.store.check import SiteReport, check
from ridgeline.store.deadletters import DeadLetter, DeadLetterLimits, Refusal
from ridgeline.store.schema import COUNTERS, messages, site_counters, sites
from ridgeline.store.snapshots import StoredSnapshot

T = TypeVar("T")

#: what a database may get over by itself: a lock released, room made, a server back
_TRANSIENT = (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError)


def default_url(path: Path) -> str:
    """SQLite URL of a database file."""
    return f"sqlite:///{path}"


def connect(url: str, busy_timeout_s: float = 30.0) -> Engine:
    """An engine for ``url``; SQLite gets WAL mode, full sync and a busy timeout (how long a
    write waits for another process's lock before it fails, and is tried again)."""
    try:
        engine = create_engine(url, future=True, pool_pre_ping=True)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise StoreError(f"database {url!r}: {exc}", transient=False) from exc
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
            cur.close()

    return engine


#: the PostgreSQL advisory lock one migration holds (alerts take another): centre processes
#: starting together on a new database migrate one after the other, the later ones finding
#: the schema at head, instead of creating the same tables at once and failing
_MIGRATE_LOCK = 0x52494447_4D494752 & 0x7FFFFFFFFFFFFFFF  # "RIDGMIGR"


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (one process at a time on PostgreSQL)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(files("ridgeline.store") / "migrations"))
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATE_LOCK})
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
    #: for each refusal handed in, then each conflict: whether its bytes are now kept in full
    kept: list[bool] = field(default_factory=list)
    #: what the hook returned (the alerts the rules opened or changed), once committed
    caused: object = None


def _chunks(items: Sequence[T], size: int = 1000) -> list[Sequence[T]]:
    """Pieces small enough for one statement's parameter list."""
    return [items[i : i + size] for i in range(0, len(items), size)]


def conflict_refusal(env: Envelope) -> Refusal:
    """The dead letter of an envelope whose (site, seq) another id already holds."""
    return Refusal(
        topic=f"ridgeline/v1/{env.site}/{env.type.value}", reason="seq_conflict",
        detail=f"{env.site} seq {env.seq} is already stored under another id (replay?)",
        raw=env.model_dump_json().encode(), site=env.site, seq=env.seq,
    )


class Store:
    """The centre's database (``snapshot_retention``: how long an event's image is kept)."""

    def __init__(self, url: str, migrate_schema: bool = True, limits: DeadLetterLimits | None = None,
                 busy_timeout_s: float = 30.0, snapshot_retention: timedelta = snapshots.DEFAULT_RETENTION) -> None:
        self.url = url
        self.engine = connect(url, busy_timeout_s)
        self.limits = limits or DeadLetterLimits()
        self.snapshot_retention = snapshot_retention
        if migrate_schema:
            migrate(self.engine)
        self._insert = (postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _guard(self, what: str) -> Iterator[None]:
        """Database failures as ``StoreError``, saying whether a retry may help."""
        where = self.engine.url.render_as_string(hide_password=True)
        try:
            yield
        except _TRANSIENT as exc:
            raise StoreError(f"{what} {where}: {exc}", transient=True) from exc
        except SQLAlchemyError as exc:
            raise StoreError(f"{what} {where}: {exc}", transient=False) from exc
        except OSError as exc:
            raise StoreError(f"{what} {where}: {exc}", transient=True) from exc

    def bump(self, conn: Connection, site: str, **counts: int) -> None:
        """Add to a site's tallies (``schema.COUNTERS``) in the caller's transaction."""
        counts = {k: v for k, v in counts.items() if v}
        if not counts:
            return
        unknown = set(counts) - set(COUNTERS)
        if unknown:
            raise ValueError(f"unknown site counters {sorted(unknown)}")
        stmt = self._insert(site_counters).values(site=site, **{k: max(v, 0) for k, v in counts.items()})
        conn.execute(stmt.on_conflict_do_update(
            index_elements=["site"], set_={k: getattr(site_counters.c, k) + v for k, v in counts.items()}))

    def ingest(
        self, batch: Sequence[Envelope], received: datetime | None = None,
        hook: Callable[[Connection, list[Envelope]], object] | None = None,
        refusals: Sequence[Refusal] = (), statuses: Mapping[str, SiteStatus] | None = None,
        ahead: Mapping[str, float] | None = None, keep_conflicts: bool = True,
    ) -> IngestResult:
        """Store a batch once each, with what came beside it, in one transaction.

        Known ids count as redelivered, a (site, seq) already held by another id is a
        conflict (kept as a dead letter), the rest is inserted (a snapshot's image into
        ``snapshots``); ``refusals`` become dead
        letters, ``statuses`` (site -> its last status) update the site table, and ``ahead``
        (envelope id -> seconds) flags envelopes whose sensor clock was ahead of the centre.
        ``hook(connection, stored)`` runs in the same transaction (the rules), so what a
        message causes is committed exactly when the message is.  ``keep_conflicts=False``
        reports conflicts without dead-lettering them (a replay of one already held).
        """
        result = IngestResult()
        received = received or utc_now()
        with self._guard("ingest into"), self.engine.begin() as conn:
            if batch:
                tallies = self._insert_messages(conn, batch, received, ahead or {}, result)
                snapshots.keep(conn, result.stored, received, self._insert)
                if hook is not None and result.stored:
                    result.caused = hook(conn, result.stored)
                # shared rows (the sites' counters, then their status) are written last and in one
                # order by every transaction, after the rules' lock: two workers never wait on each other
                for site in sorted(tallies):
                    self.bump(conn, site, **tallies[site])
            letters = [*refusals, *(conflict_refusal(e) for e in result.conflicts if keep_conflicts)]
            if letters:
                result.kept = deadletters.keep(conn, letters, self.limits, received, self.bump)
            for site, status in sorted((statuses or {}).items()):
                self._record_status(conn, site, status, received)
        return result

    def _insert_messages(self, conn: Connection, batch: Sequence[Envelope], received: datetime,
                         ahead: Mapping[str, float], result: IngestResult) -> dict[str, dict[str, int]]:
        """Insert what is new; the counts per site (thinned, clock ahead, redelivered) to bump.

        A seq purged after its retention counts as redelivered: the centre had it, and storing
        it again would bring back what retention removed."""
        again: dict[str, int] = {}  # redeliveries per site
        unique: dict[str, Envelope] = {}
        for env in batch:  # one envelope per id within the batch too
            if env.id in unique:
                again[env.site] = again.get(env.site, 0) + 1
            else:
                unique[env.id] = env
        known: set[str] = set()
        for id_part in _chunks(list(unique)):
            known.update(conn.scalars(select(messages.c.id).where(messages.c.id.in_(id_part))))
        fresh = [e for e in unique.values() if e.id not in known]
        for e in unique.values():
            if e.id in known:
                again[e.site] = again.get(e.site, 0) + 1
        taken: set[tuple[str, int]] = set()
        gone: set[tuple[str, int]] = set()  # stored once and purged after their retention
        by_site: dict[str, list[int]] = {}
        for e in fresh:
            by_site.setdefault(e.site, []).append(e.seq)
        for site, seqs in by_site.items():
            for seq_part in _chunks(seqs):
                taken.update((site, q) for q in conn.scalars(
                    select(messages.c.seq).where(messages.c.site == site, messages.c.seq.in_(seq_part))))
            gone.update((site, q) for q in retention.purged_among(conn, site, seqs))
        rows: list[dict[str, object]] = []
        seen_keys: set[tuple[str, int]] = set()
        tallies: dict[str, dict[str, int]] = {}
        for e in fresh:
            key = (e.site, e.seq)
            if key in gone and key not in taken:  # not brought back: it counts as delivered again
                again[e.site] = again.get(e.site, 0) + 1
                continue
            if key in taken or key in seen_keys:
                result.conflicts.append(e)
                continue
            seen_keys.add(key)
            result.stored.append(e)
            rows.append({"id": e.id, "site": e.site, "seq": e.seq, "type": e.type.value, "time": e.time,
                         "sent": e.sent, "received": received, "payload": snapshots.without_image(e),
                         "clock_ahead_s": ahead.get(e.id)})
            tally = tallies.setdefault(e.site, {})
            if e.type == MessageType.THINNED:
                tally["thinned"] = tally.get("thinned", 0) + 1
            if e.id in ahead:
                tally["clock_ahead"] = tally.get("clock_ahead", 0) + 1
        for row_part in _chunks(rows):
            res = conn.execute(self._insert(messages).on_conflict_do_nothing(), row_part)
            result.inserted += res.rowcount if res.rowcount is not None and res.rowcount >= 0 else len(row_part)
        # a concurrent worker may have won a race for some rows: those are redeliveries
        if result.inserted < len(rows):
            site = str(rows[0]["site"])
            again[site] = again.get(site, 0) + len(rows) - result.inserted
        result.redelivered = sum(again.values())
        for site, n in again.items():
            tallies.setdefault(site, {})["redelivered"] = n
        return tallies

    def _record_status(self, conn: Connection, site: str, status: SiteStatus, at: datetime) -> None:
        values = {"online": status.online, "seen": at, "backlog": status.backlog, "last_seq": status.last_seq,
                  "thinned": status.thinned}
        stmt = self._insert(sites).values(site=site, **values)
        conn.execute(stmt.on_conflict_do_update(index_elements=["site"], set_=values))

    def dead_letter(self, topic: str, reason: str, detail: str, raw: bytes, received: datetime | None = None,
                    site: str | None = None, seq: int | None = None) -> bool:
        """Keep one refused message; whether its bytes are held in full."""
        refusal = Refusal(topic, reason, detail, raw, site, seq)
        with self._guard("dead-lettering into"), self.engine.begin() as conn:
            return deadletters.keep(conn, [refusal], self.limits, received or utc_now(), self.bump)[0]

    def dead_letters(self, pks: Sequence[int] = (), site: str | None = None, reason: str | None = None,
                     unresolved: bool = True, limit: int | None = None, with_raw: bool = False) -> list[DeadLetter]:
        """Dead letters, oldest first (``deadletters.find``)."""
        with self._guard("reading dead letters from"), self.engine.connect() as conn:
            return deadletters.find(conn, pks, site, reason, unresolved, limit, with_raw)

    def resolve_dead_letter(self, letter: DeadLetter, resolution: str, at: datetime | None = None) -> None:
        """Mark a dead letter resolved, saying what became of it."""
        with self._guard("resolving a dead letter in"), self.engine.begin() as conn:
            deadletters.resolve(conn, letter, at or utc_now(), resolution, self.bump)

    def prune_dead_letters(self, now: datetime | None = None) -> int:
        """Remove dead letters past their retention; how many went."""
        with self._guard("pruning dead letters in"), self.engine.begin() as conn:
            return deadletters.prune(conn, (now or utc_now()) - self.limits.retention, self.bump)

    def dead_letter_counts(self) -> dict[str, int]:
        """Unresolved dead letters per reason."""
        with self._guard("counting dead letters in"), self.engine.connect() as conn:
            return deadletters.counts_by_reason(conn)

    def snapshot(self, snapshot_id: str, site: str | None = None) -> StoredSnapshot | None:
        """A stored snapshot by id (of ``site``, when given), image included."""
        with self._guard("reading a snapshot from"), self.engine.connect() as conn:
            return snapshots.find(conn, snapshot_id, site)

    def event_snapshots(self, event_id: str) -> list[StoredSnapshot]:
        """The stored snapshots of an event."""
        with self._guard("reading snapshots from"), self.engine.connect() as conn:
            return snapshots.for_event(conn, event_id)

    def prune_snapshots(self, now: datetime | None = None) -> int:
        """Remove snapshot images past ``snapshot_retention``; how many went."""
        with self._guard("pruning snapshots in"), self.engine.begin() as conn:
            return snapshots.prune(conn, (now or utc_now()) - self.snapshot_retention)

    def purge(self, events_before: datetime, evidence_before: datetime, on_batch: retention.OnBatch | None = None,
              batch: int = retention.BATCH, dry_run: bool = False,
              max_batches: int | None = None) -> retention.Purged:
        """Remove expired evidence and messages that no hold keeps, in batches (``retention.purge``)."""
        with self._guard("purging expired data in"):
            return retention.purge(self.engine, events_before, evidence_before, on_batch, batch, dry_run,
                                   max_batches)

    def message_at(self, site: str, seq: int) -> dict[str, Any] | None:
        """The stored message of (site, seq), as an envelope's fields, if there is one."""
        with self._guard("reading"), self.engine.connect() as conn:
            row = conn.execute(select(messages).where(messages.c.site == site, messages.c.seq == seq)).first()
        return dict(row._mapping) if row is not None else None

    def tallies(self) -> dict[str, dict[str, int]]:
        """Per-site counters (``schema.COUNTERS``), for the metrics."""
        with self._guard("reading"), self.engine.connect() as conn:
            rows = conn.execute(select(site_counters)).all()
        return {row.site: {k: int(getattr(row, k)) for k in COUNTERS} for row in rows}

    def check(self, expected: Iterable[str] = ()) -> list[SiteReport]:
        """Per site (heard from, or in ``expected``): every seq stored, quarantined, pending or missing."""
        with self._guard("checking"), self.engine.connect() as conn:
            return check(conn, expected)

    def ping(self) -> None:
        """A cheap round trip to the database (raises ``StoreError`` when it is away)."""
        with self._guard("database"), self.engine.connect() as conn:
            conn.execute(select(1))


__all__ = ["IngestResult", "SiteReport", "Store", "StoreError", "StoredSnapshot", "connect", "default_url", "migrate"]
