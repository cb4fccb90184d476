"""Snapshots at the centre on SQLite and PostgreSQL: stored with their batch, once, read
back byte for byte, and gone after their retention while their message stays."""

from __future__ import annotations

from datetime import timedelta

import cv2
import numpy as np
from sqlalchemy import func, select

from ridgeline.model import Envelope, MessageType, Snapshot, new_id, utc_now
from ridgeline.store.db import Store
from ridgeline.store.schema import messages, snapshots


def jpeg(value: int) -> bytes:
    ok, buf = cv2.imencode(".jpg", np.full((36, 64, 3), value, np.uint8))
    assert ok
    return buf.tobytes()


def snapshot_envelope(seq: int, value: int, site: str = "s1") -> Envelope:
    now = utc_now()
    snap = Snapshot.of_jpeg(jpeg(value), event=new_id(), sensor="cam", time=now, width=64, height=36)
    return Envelope(id=new_id(), site=site, seq=seq, type=MessageType.SNAPSHOTS, time=now, sent=now,
                    payload=snap.model_dump(mode="json"))


def count(store: Store, table=snapshots) -> int:  # type: ignore[no-untyped-def]
    with store.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)


def test_snapshots_are_stored_once_and_read_back(db_url: str) -> None:
    store = Store(db_url)
    a, b = snapshot_envelope(1, 60), snapshot_envelope(2, 200)
    assert store.ingest([a, b]).inserted == 2
    again = store.ingest([b, a, snapshot_envelope(3, 90)])  # a redelivery beside a new one
    assert (again.inserted, again.redelivered) == (1, 2)
    assert count(store) == 3 and count(store, messages) == 3
    got = store.snapshot(b.payload["id"])
    assert got is not None and got.image == jpeg(200) and got.image != jpeg(60)
    assert (got.site, got.message_id, got.event, got.sensor, got.width, got.height, got.media_type) == (
        "s1", b.id, b.payload["event"], "cam", 64, 36, "image/jpeg")
    assert store.snapshot(b.payload["id"], site="s2") is None
    assert [s.id for s in store.event_snapshots(a.payload["event"])] == [a.payload["id"]]
    with store.engine.connect() as conn:
        payload = conn.scalar(select(messages.c.payload).where(messages.c.id == a.id))
    assert "data" not in payload and payload["id"] == a.payload["id"]  # the image lives in one place


def test_a_hook_that_fails_stores_neither_message_nor_image(db_url: str) -> None:
    import pytest

    from ridgeline.errors import StoreError

    store = Store(db_url)

    def boom(conn, stored):  # type: ignore[no-untyped-def]
        raise StoreError("rules failed", transient=True)

    with pytest.raises(StoreError):
        store.ingest([snapshot_envelope(1, 60)], hook=boom)
    assert count(store) == 0 and count(store, messages) == 0


def test_snapshots_go_after_their_retention(db_url: str) -> None:
    store = Store(db_url, snapshot_retention=timedelta(days=30))
    now = utc_now()
    old, new = snapshot_envelope(1, 60), snapshot_envelope(2, 90)
    store.ingest([old], received=now - timedelta(days=31))
    store.ingest([new], received=now - timedelta(days=29))
    assert store.prune_snapshots(now) == 1
    assert store.snapshot(old.payload["id"]) is None and store.snapshot(new.payload["id"]) is not None
    assert count(store, messages) == 2  # the record that it existed stays
    assert store.prune_snapshots(now) == 0


def test_the_snapshots_migration_goes_up_and_down(db_url: str) -> None:
    import sqlalchemy as sa

    from ridgeline.store.db import connect

    from .test_alerts import _alembic

    engine = connect(db_url)
    _alembic(engine, "upgrade", "0004_alert_sources")
    with engine.connect() as conn:
        assert "snapshots" not in sa.inspect(conn).get_table_names()
    store = Store(db_url)  # migrates to the newest revision
    store.ingest([snapshot_envelope(1, 60)])
    assert count(store) == 1
    store.close()
    _alembic(engine, "downgrade", "0004_alert_sources")
    with engine.connect() as conn:
        assert "snapshots" not in sa.inspect(conn).get_table_names()
        assert conn.execute(sa.text("SELECT count(*) FROM messages")).scalar_one() == 1
    engine.dispose()
