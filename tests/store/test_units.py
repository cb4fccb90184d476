"""Unit rows on both databases: the units migration goes up and down, a unit is found by its
TAK uid before its callsign before its id, and only a report not older than the one held
moves it (every report is kept in its trail)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from ridgeline.model import UnitKind, UnitPosition, UnitStatus, utc_now
from ridgeline.store import units as repo
from ridgeline.store.db import Store, connect
from ridgeline.store.units import LogLine, UnitDefinition

from .test_alerts import _alembic

TABLES = {"units", "unit_statuses", "unit_positions", "unit_log"}


def test_the_units_migration_goes_up_and_down(db_url: str) -> None:
    engine = connect(db_url)
    _alembic(engine, "upgrade", "0009_retention")
    with engine.connect() as conn:
        assert not TABLES & set(sa.inspect(conn).get_table_names())
    store = Store(db_url)  # migrates to the newest revision
    with store.engine.begin() as conn:
        repo.define(conn, [UnitDefinition("u1", "Unit 1", UnitKind.BOAT, -71, 44, "U1", None)], utc_now())
        repo.log(conn, LogLine("u1", utc_now(), "status", "available", UnitStatus.AVAILABLE, None, None, "t", None))
    with store.engine.connect() as conn:
        assert [u.id for u in repo.list_units(conn)] == ["u1"]
    store.close()
    _alembic(engine, "downgrade", "0009_retention")
    with engine.connect() as conn:
        assert not TABLES & set(sa.inspect(conn).get_table_names())
    engine.dispose()


def test_found_by_tak_uid_then_callsign_then_id_and_moved_forward_only(db_url: str) -> None:
    store = Store(db_url)
    t = utc_now()
    with store.engine.begin() as conn:
        repo.define(conn, [UnitDefinition("a", "A", UnitKind.FOOT, 0, 0, "ALPHA", "DEV-1"),
                           UnitDefinition("DEV-2", "B", UnitKind.VEHICLE, 0, 0, "BRAVO", "DEV-3")], t)
        found = [getattr(repo.find_by_tak(conn, uid, callsign), "id", None) for uid, callsign in (
            ("DEV-1", "BRAVO"), ("DEV-9", "BRAVO"), ("DEV-2", None), ("DEV-9", "NOBODY"), ("DEV-3", None))]
        assert found == ["a", "DEV-2", "DEV-2", None, "DEV-2"]
        assert repo.move(conn, UnitPosition(unit="a", time=t, lon=1, lat=1), "cot", t)
        assert not repo.move(conn, UnitPosition(unit="a", time=t - timedelta(seconds=1), lon=2, lat=2), "cot", t)
        assert repo.move(conn, UnitPosition(unit="a", time=t, lon=3, lat=3), "cot", t)  # the same time: the later
        unit = repo.get(conn, "a")
        assert unit is not None and unit.position is not None and (unit.position.lon, unit.position_time) == (3, t)
        assert [p.lon for p in repo.trail(conn, "a")] == [2, 1, 3]
    store.close()


def test_centre_processes_starting_at_once_write_the_units_once(db_url: str, example_sector_path) -> None:  # type: ignore[no-untyped-def]
    """Every centre process writes the sector's units as it starts; several starting together
    (the scale-out path) must neither fail on each other's rows nor write them twice."""
    import threading

    from ridgeline.app.units import define_units, statuses
    from ridgeline.config import load_sector

    sector = load_sector(example_sector_path)
    Store(db_url).close()  # migrated once, as the first process does
    stores = [Store(db_url) for _ in range(4)]
    start = threading.Barrier(len(stores))
    failed: list[BaseException] = []

    def starting(store: Store) -> None:
        start.wait()
        try:
            for _ in range(5):
                define_units(store, sector.units, sector.unit_statuses)
        except BaseException as e:  # the test reports it
            failed.append(e)

    threads = [threading.Thread(target=starting, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failed == []
    with stores[0].engine.connect() as conn:
        assert [u.id for u in repo.list_units(conn)] == sorted(u.id for u in sector.units)
    assert {"refuelling", "searching"} <= set(statuses(stores[0]))
    for s in stores:
        s.close()
