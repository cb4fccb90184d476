"""The centre's store on SQLite and PostgreSQL: each id once, seq conflicts, gaps found."""

from __future__ import annotations

from ridgeline.model import Detection, Envelope, MessageType, ObjectClass, Position, new_id, utc_now
from ridgeline.store.db import Store


def env(seq: int, site: str = "s1", id_: str | None = None, type_: MessageType = MessageType.DETECTIONS) -> Envelope:
    now = utc_now()
    payload = (
        {"type": "detections"}
        if type_ == MessageType.THINNED
        else Detection(sensor="cam", time=now, object_class=ObjectClass.VEHICLE, position=Position(lon=1.0, lat=2.0),
                       confidence=0.7).model_dump(mode="json")
    )
    return Envelope(id=id_ or new_id(), site=site, seq=seq, type=type_, time=now, sent=now, payload=payload)


def test_ingest_is_idempotent_and_check_finds_gaps(db_url: str) -> None:
    store = Store(db_url)
    first = [env(i) for i in (1, 2, 3, 5, 6, 9)] + [env(1, site="s2")]
    assert store.ingest(first).inserted == 7
    again = store.ingest([*first[:2], first[0], env(4), env(7, type_=MessageType.THINNED)])
    assert (again.inserted, again.redelivered, again.conflicts) == (2, 3, [])
    reports = {r.site: r for r in store.check()}
    s1 = reports["s1"]
    assert (s1.received, s1.max_seq, s1.missing, s1.duplicates) == (8, 9, 1, 0)
    assert s1.missing_ranges == [(8, 8)]
    assert s1.redelivered == 3 and s1.thinned == 1
    assert reports["s2"].missing == 0
    store.close()


def test_a_replayed_seq_under_a_new_id_is_a_conflict_kept_whole(db_url: str) -> None:
    store = Store(db_url)
    store.ingest([env(1), env(2)])
    second = env(2)
    result = store.ingest([second, env(3)])
    assert result.inserted == 1 and [e.seq for e in result.conflicts] == [2] and result.kept == [True]
    assert store.dead_letter_counts() == {"seq_conflict": 1}
    (letter,) = store.dead_letters(with_raw=True)
    assert (letter.site, letter.seq, letter.cut) == ("s1", 2, 0)
    assert Envelope.model_validate_json(letter.raw) == second  # every byte of the refused envelope
    (report,) = store.check()
    assert (report.quarantined, report.conflicts, report.missing, report.ok) == (1, 1, 0, False)
    store.close()


def test_migrations_run_twice_harmlessly(db_url: str) -> None:
    Store(db_url).close()
    store = Store(db_url)
    assert store.check() == []
    store.close()


def test_a_large_batch_is_split_into_statements_the_database_accepts(db_url: str) -> None:
    store = Store(db_url)
    batch = [env(i) for i in range(1, 12_001)]
    assert store.ingest(batch).inserted == 12_000
    again = store.ingest(batch[:6000] + [env(i) for i in range(12_001, 15_001)])
    assert (again.inserted, again.redelivered) == (3000, 6000)
    (report,) = store.check()
    assert (report.received, report.missing) == (15_000, 0)
    store.close()


def test_centre_processes_starting_together_on_a_new_postgresql_database_all_start() -> None:
    """Each takes the migration lock in turn; the later ones find the schema at head (without
    it, two of three failed creating the same tables)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from ..postgres import drop_database, fresh_database

    url, name = fresh_database()
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    code = "import sys; from ridgeline.store.db import Store; Store(sys.argv[1]).close()"
    try:
        procs = [subprocess.Popen([sys.executable, "-c", code, url], env=env, stderr=subprocess.PIPE)
                 for _ in range(3)]
        errors = [p.communicate(timeout=120)[1].decode()[-500:] for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0], errors
        store = Store(url, migrate_schema=False)
        assert store.check() == []
        store.close()
    finally:
        drop_database(name)
