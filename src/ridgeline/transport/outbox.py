"""The edge site's durable outbox: written first, deleted only once the broker acknowledged.

One SQLite file in WAL mode.  Every message gets the site's next ``seq`` in the same
transaction that stores it, so sequence numbers are gap-free across crashes and restarts.

Durability (fsync policy): ``synchronous=FULL`` — each ``put``/``put_many`` commit is on
disk before it returns, so a power cut loses only messages an adapter had not yet handed
over (adapters hand over in batches, a few tens of milliseconds of data).  Deleting after
an acknowledgement is also a commit; if a power cut loses a delete the message is sent
again, and the centre stores each id once.

Draining order: highest priority first (critical events ... logs), oldest first within a
priority — a new high-severity event overtakes an old backlog of detections.

Bounded: the outbox keeps an estimate of the bytes its rows take in the file (payload
plus a fixed cost per row for its id, time, seq and drain index); when it passes
``max_bytes``, the oldest low-priority messages (logs, detections, tracks, then event
snapshots) are *thinned*:
their payload is dropped and they travel as a tiny ``thinned`` message that keeps their
seq, so the centre sees them as thinned rather than missing.  Events and status messages
are never thinned; the counter of thinned messages is kept in the file.  The file gives
back the room of confirmed messages (incremental vacuum once a quarter of it is free, and
a write-ahead log truncated after checkpoints), so it does not stay at its high-water
mark after a drain.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ridgeline.errors import OutboxError
from ridgeline.model import MessageType, Severity, new_id, utc_now

#: Priority of each message type when it carries no severity of its own.
_TYPE_PRIORITY = {
    MessageType.STATUS: 10,
    MessageType.EVENTS: 5,  # plus the event's severity rank
    MessageType.SNAPSHOTS: 3,  # evidence: after the events it shows, the last thing thinned
    MessageType.UNITS: 2,  # a unit's position: as fresh as a track's, thinned like one
    MessageType.TRACKS: 2,
    MessageType.DETECTIONS: 1,
    MessageType.THINNED: 1,
    MessageType.LOGS: 0,
}
#: Messages at or below this priority may be thinned when the outbox is full, lowest first:
#: logs, detections, tracks, then snapshots (an event keeps its snapshot's id; the image gives way).
THINNABLE = 3
#: Bytes a row takes in the file beside its payload: id, type, time, priority, seq, the
#: drain index entry and SQLite's cell headers (measured: tests/transport/test_outbox.py).
ROW_BYTES = 100
#: Version of the byte accounting in meta 'bytes' (1 counted payloads only).
_ACCOUNTING = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  type TEXT NOT NULL,
  priority INTEGER NOT NULL,
  time TEXT NOT NULL,
  payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_drain ON outbox (priority DESC, seq);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('next_seq', 1), ('thinned', 0), ('bytes', 0);
"""



@dataclass(frozen=True)
class Pending:
    """A stored message waiting for its acknowledgement."""

    seq: int
    id: str
    type: MessageType
    priority: int
    time: str
    payload: str

    def wire(self, site: str, sent: datetime) -> bytes:
        """The envelope's JSON bytes, stamped with the send time."""
        return (
            f'{{"id":"{self.id}","site":"{site}","seq":{self.seq},"type":"{self.type.value}",'
            f'"time":"{self.time}","sent":"{_iso(sent)}","payload":{self.payload}}}'
        ).encode()


def _iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def priority_of(type_: MessageType, severity: Severity | None = None) -> int:
    """Drain priority: status, then events by severity, then tracks, detections, logs."""
    base = _TYPE_PRIORITY[type_]
    if type_ == MessageType.EVENTS:
        return base + (severity or Severity.MEDIUM).rank
    return base


class Outbox:
    """A site's durable, bounded, priority-ordered queue of outgoing messages."""

    def __init__(self, path: Path, site: str, max_bytes: int = 512 * 1024 * 1024) -> None:
        self.path = path
        self.site = site
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            if self._db.execute("PRAGMA auto_vacuum").fetchone()[0] != 2:
                self._db.execute("PRAGMA auto_vacuum=INCREMENTAL")
                self._db.execute("VACUUM")  # a new file, or one of an earlier version: once
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            # the write-ahead log is checkpointed and cut back at an eighth of the bound (4 MiB at most)
            wal = min(4 * 1024 * 1024, max(max_bytes // 8, 64 * 1024))
            self._db.execute(f"PRAGMA journal_size_limit={wal}")
            self._db.execute(f"PRAGMA wal_autocheckpoint={wal // 4096}")
            self._db.executescript(_SCHEMA)
            self._account()
        except sqlite3.Error as exc:
            raise OutboxError(f"outbox {path}: {exc}") from exc

    def _account(self) -> None:
        """Recount the stored bytes where the file kept them the old way."""
        row = self._db.execute("SELECT value FROM meta WHERE key='accounting'").fetchone()
        if row is not None and row[0] == _ACCOUNTING:
            return
        total = self._db.execute(
            "SELECT coalesce(sum(length(payload)), 0) + count(*) * ? FROM outbox", (ROW_BYTES,)
        ).fetchone()[0]
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('bytes', ?)", (total,))
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('accounting', ?)", (_ACCOUNTING,))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def put(self, type_: MessageType, payload: BaseModel | dict[str, Any], time: datetime | None = None,
            severity: Severity | None = None) -> int:
        """Store one message durably; returns its seq."""
        return self.put_many([(type_, payload, time, severity)])[0]

    def put_many(
        self,
        items: Sequence[tuple[MessageType, BaseModel | dict[str, Any], datetime | None, Severity | None]],
        cursor: tuple[str, int] | None = None,
    ) -> list[int]:
        """Store messages in one durable commit; returns their seqs (consecutive).

        ``cursor`` (name, position) records how far a source has been read, in the same
        commit, so a restarted adapter resumes exactly after what was stored.
        """
        rows = []
        size = 0
        for type_, payload, time, severity in items:
            if isinstance(payload, BaseModel):
                text = payload.model_dump_json()
                if severity is None and type_ == MessageType.EVENTS:
                    severity = getattr(payload, "severity", None)
            else:
                text = json.dumps(payload, separators=(",", ":"))
            rows.append((new_id(), type_.value, priority_of(type_, severity), _iso(time or utc_now()), text))
            size += len(text) + ROW_BYTES
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                first = self._db.execute("SELECT value FROM meta WHERE key='next_seq'").fetchone()[0]
                self._db.executemany(
                    "INSERT INTO outbox (seq, id, type, priority, time, payload) VALUES (?, ?, ?, ?, ?, ?)",
                    [(first + i, *row) for i, row in enumerate(rows)],
                )
                self._db.execute("UPDATE meta SET value = value + ? WHERE key='next_seq'", (len(rows),))
                self._db.execute("UPDATE meta SET value = value + ? WHERE key='bytes'", (size,))
                if cursor is not None:
                    self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (f"cursor:{cursor[0]}", cursor[1]))
                self._thin_locked()
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise OutboxError(f"outbox {self.path}: {exc}") from exc
        return list(range(first, first + len(rows)))

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db.execute("ROLLBACK")

    def _thin_locked(self) -> None:
        stored = self._db.execute("SELECT value FROM meta WHERE key='bytes'").fetchone()[0]
        if stored <= self.max_bytes:
            return
        excess = stored - self.max_bytes
        victims = []
        freed = 0
        for seq, id_, type_, prio, time, length in self._db.execute(
            "SELECT seq, id, type, priority, time, length(payload) FROM outbox WHERE priority <= ? "
            "AND type != 'thinned' ORDER BY priority, seq LIMIT 100000",
            (THINNABLE,),
        ):
            stub = json.dumps({"type": type_})
            victims.append((seq, id_, "thinned", prio, time, stub))
            freed += length - len(stub)
            if freed >= excess:
                break
        if not victims:
            return  # only events and status left: never dropped, the bound gives way
        # deleted and written again rather than updated in place: pages shrunk in place stay
        # allocated at a third full, while rows written anew are packed
        for chunk in range(0, len(victims), 500):
            part = [v[0] for v in victims[chunk : chunk + 500]]
            self._db.execute(f"DELETE FROM outbox WHERE seq IN ({','.join('?' * len(part))})", part)
        self._db.executemany("INSERT INTO outbox (seq, id, type, priority, time, payload) VALUES (?, ?, ?, ?, ?, ?)",
                             victims)
        self._db.execute("UPDATE meta SET value = value - ? WHERE key='bytes'", (freed,))
        self._db.execute("UPDATE meta SET value = value + ? WHERE key='thinned'", (len(victims),))

    def pending(self, limit: int, skip: Container[int] = frozenset()) -> list[Pending]:
        """Up to ``limit`` messages in drain order, leaving out the seqs in ``skip`` (in flight)."""
        out: list[Pending] = []
        with self._lock:
            cur = self._db.execute(
                "SELECT seq, id, type, priority, time, payload FROM outbox ORDER BY priority DESC, seq"
            )
            for seq, id_, type_, prio, time, payload in cur:
                if seq in skip:
                    continue
                out.append(Pending(seq, id_, MessageType(type_), prio, time, payload))
                if len(out) >= limit:
                    break
            cur.close()
        return out

    def get(self, seqs: Iterable[int]) -> list[Pending]:
        """The stored messages among ``seqs`` (those still here), in drain order."""
        seqs = list(seqs)
        out: list[Pending] = []
        with self._lock:
            for chunk in range(0, len(seqs), 500):
                part = seqs[chunk : chunk + 500]
                marks = ",".join("?" * len(part))
                for seq, id_, type_, prio, time, payload in self._db.execute(
                    f"SELECT seq, id, type, priority, time, payload FROM outbox WHERE seq IN ({marks})", part
                ):
                    out.append(Pending(seq, id_, MessageType(type_), prio, time, payload))
        out.sort(key=lambda p: (-p.priority, p.seq))
        return out

    def ack(self, seqs: Iterable[int]) -> None:
        """Delete acknowledged messages (one commit); give the file's free room back now and then."""
        seqs = list(seqs)
        if not seqs:
            return
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                size = 0
                for chunk in range(0, len(seqs), 500):
                    part = seqs[chunk : chunk + 500]
                    marks = ",".join("?" * len(part))
                    size += self._db.execute(
                        f"SELECT coalesce(sum(length(payload)), 0) + count(*) * ? FROM outbox WHERE seq IN ({marks})",
                        [ROW_BYTES, *part],
                    ).fetchone()[0]
                    self._db.execute(f"DELETE FROM outbox WHERE seq IN ({marks})", part)
                self._db.execute("UPDATE meta SET value = max(value - ?, 0) WHERE key='bytes'", (size,))
                self._db.execute("COMMIT")
                self._compact_locked()
            except sqlite3.Error as exc:
                self._rollback()
                raise OutboxError(f"outbox {self.path}: {exc}") from exc

    def _compact_locked(self) -> None:
        """Return free pages to the file system once they are a quarter of the file (and 1 MiB)."""
        free = self._db.execute("PRAGMA freelist_count").fetchone()[0]
        pages = self._db.execute("PRAGMA page_count").fetchone()[0]
        size = self._db.execute("PRAGMA page_size").fetchone()[0]
        if free * size >= 1024 * 1024 and free * 4 >= pages:
            # (executescript steps the pragma to the end; execute would free one page)
            self._db.executescript("PRAGMA incremental_vacuum; PRAGMA wal_checkpoint(TRUNCATE);")

    def file_bytes(self) -> int:
        """Bytes the outbox takes on disk now (database and write-ahead log)."""
        wal = self.path.with_name(self.path.name + "-wal")
        return sum(p.stat().st_size for p in (self.path, wal) if p.exists())

    def stored_bytes(self) -> int:
        """The estimate of the rows' bytes that the bound is held against."""
        with self._lock:
            return int(self._db.execute("SELECT value FROM meta WHERE key='bytes'").fetchone()[0])

    def cursor(self, name: str) -> int:
        """The position last stored with ``put_many(..., cursor=(name, position))`` (0 if none)."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key=?", (f"cursor:{name}",)).fetchone()
        return int(row[0]) if row else 0

    def backlog(self) -> int:
        """Messages not yet acknowledged."""
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM outbox").fetchone()[0])

    def thinned(self) -> int:
        """Messages thinned so far because the outbox was full."""
        with self._lock:
            return int(self._db.execute("SELECT value FROM meta WHERE key='thinned'").fetchone()[0])

    def last_seq(self) -> int:
        """The highest seq handed out so far (0 before the first message)."""
        with self._lock:
            return int(self._db.execute("SELECT value FROM meta WHERE key='next_seq'").fetchone()[0]) - 1
