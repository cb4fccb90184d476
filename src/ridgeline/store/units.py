"""Unit rows: the response units, the sector's status names, position reports and the dispatch log.

A unit's current row says where it was last and what it does; ``unit_positions`` keeps every
report (a late report, older than the one held, is kept there but does not move the unit);
``unit_log`` keeps every status change and dispatch with the alert or incident it concerned,
which is what an incident's timeline reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, text, update

from ridgeline.model import Position, Unit, UnitKind, UnitPosition, UnitStatus
from ridgeline.store.schema import unit_log, unit_positions, unit_statuses, units


@dataclass(frozen=True)
class UnitDefinition:
    """What the sector file says of a unit (the store does not read the config itself)."""

    id: str
    name: str
    kind: UnitKind
    home_lon: float
    home_lat: float
    callsign: str | None
    tak_uid: str | None


@dataclass(frozen=True)
class LogLine:
    """One line of a unit's dispatch log: a status change or a dispatch, and what it concerned."""

    unit_id: str
    time: datetime
    action: str
    status: str
    base: UnitStatus
    alert_id: str | None
    incident_id: str | None
    actor: str
    note: str | None


def _unit(row: Any) -> Unit:
    position = Position(lon=row.lon, lat=row.lat) if row.lon is not None and row.lat is not None else None
    return Unit(id=row.id, name=row.name, kind=row.kind, status=row.status, base=UnitStatus(row.base),
                position=position, position_time=row.position_time, source=row.source, heading_deg=row.heading,
                speed_ms=row.speed, alert=row.alert_id, incident=row.incident_id, callsign=row.callsign,
                updated=row.updated)


def status_set(conn: Connection) -> dict[str, UnitStatus]:
    """Every status name and the base status it maps to: the base statuses, and the sector's own."""
    names = {s.value: s for s in UnitStatus}
    for row in conn.execute(select(unit_statuses)):
        names[row.name] = UnitStatus(row.base)
    return names


#: the PostgreSQL advisory lock that serialises writing the sector's units ("RIDGUNIT")
_DEFINE_LOCK = 0x52494447_554E4954 & 0x7FFFFFFFFFFFFFFF


def lock_definitions(conn: Connection) -> None:
    """Hold the units' definitions for the rest of the caller's transaction: every centre process
    writes the sector's units and status names as it starts, and two starting at once would
    insert the same rows twice (on SQLite the database's write lock already serialises them)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _DEFINE_LOCK})


def replace_statuses(conn: Connection, statuses: Iterable[tuple[str, UnitStatus, str]]) -> None:
    """The sector's status names (name, base, description) replace those held."""
    conn.execute(delete(unit_statuses))
    rows = [{"name": n, "base": b.value, "description": d} for n, b, d in statuses]
    if rows:
        conn.execute(insert(unit_statuses), rows)


def define(conn: Connection, defs: Sequence[UnitDefinition], at: datetime) -> tuple[list[str], list[str]]:
    """Add the units not held (available, at home) and update the names, kinds and TAK names of
    those held (their status and position stay); (ids added, ids changed)."""
    held = {r.id: r for r in conn.execute(select(units).where(units.c.id.in_([d.id for d in defs])))} if defs else {}
    added, changed = [], []
    for d in defs:
        facts = {"name": d.name, "kind": d.kind.value, "callsign": d.callsign, "tak_uid": d.tak_uid}
        row = held.get(d.id)
        if row is None:
            conn.execute(insert(units).values(
                id=d.id, status=UnitStatus.AVAILABLE.value, base=UnitStatus.AVAILABLE.value, lon=d.home_lon,
                lat=d.home_lat, position_time=None, source="home", heading=None, speed=None, alert_id=None,
                incident_id=None, updated=at, **facts))
            added.append(d.id)
        elif any(getattr(row, k) != v for k, v in facts.items()):
            conn.execute(update(units).where(units.c.id == d.id).values(**facts))
            changed.append(d.id)
    return added, changed


def get(conn: Connection, unit_id: str, lock: bool = False) -> Unit | None:
    """The unit, if there is one; ``lock`` holds its row for the transaction (PostgreSQL)."""
    query = select(units).where(units.c.id == unit_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    return _unit(row) if row is not None else None


def find_by_tak(conn: Connection, uid: str, callsign: str | None) -> Unit | None:
    """The unit whose TAK uid is ``uid``, else whose callsign is ``callsign``, else whose id is ``uid``."""
    for cond in (units.c.tak_uid == uid, units.c.callsign == callsign if callsign else None, units.c.id == uid):
        if cond is None:
            continue
        row = conn.execute(select(units).where(cond).order_by(units.c.id)).first()
        if row is not None:
            return _unit(row)
    return None


def list_units(conn: Connection) -> list[Unit]:
    """Every unit, by id."""
    return [_unit(r) for r in conn.execute(select(units).order_by(units.c.id))]


def set_status(conn: Connection, unit_id: str, status: str, base: UnitStatus, alert_id: str | None,
               incident_id: str | None, at: datetime) -> None:
    """Write a unit's status and assignment."""
    conn.execute(update(units).where(units.c.id == unit_id).values(
        status=status, base=base.value, alert_id=alert_id, incident_id=incident_id, updated=at))


def move(conn: Connection, report: UnitPosition, source: str, received: datetime) -> bool:
    """Keep a position report; move the unit when it is not older than the position held.
    Whether the unit moved (the unit must exist)."""
    conn.execute(insert(unit_positions).values(unit_id=report.unit, time=report.time, lon=report.lon,
                                               lat=report.lat, source=source, received=received))
    result = conn.execute(update(units).where(
        units.c.id == report.unit, or_(units.c.position_time.is_(None), units.c.position_time <= report.time)
    ).values(lon=report.lon, lat=report.lat, position_time=report.time, source=source, heading=report.heading_deg,
             speed=report.speed_ms, updated=received))
    return bool(result.rowcount)


def trail(conn: Connection, unit_id: str, limit: int = 100) -> list[UnitPosition]:
    """The unit's latest reports, oldest first."""
    rows = conn.execute(select(unit_positions).where(unit_positions.c.unit_id == unit_id)
                        .order_by(unit_positions.c.time.desc(), unit_positions.c.pk.desc()).limit(limit)).all()
    return [UnitPosition(unit=r.unit_id, time=r.time, lon=r.lon, lat=r.lat) for r in reversed(rows)]


def log(conn: Connection, line: LogLine) -> None:
    """Append a line to the dispatch log."""
    conn.execute(insert(unit_log).values(
        unit_id=line.unit_id, time=line.time, action=line.action, status=line.status, base=line.base.value,
        alert_id=line.alert_id, incident_id=line.incident_id, actor=line.actor, note=line.note))


def log_of(conn: Connection, incident_id: str | None = None, alert_ids: Sequence[str] = (),
           unit_id: str | None = None) -> list[LogLine]:
    """Log lines of a unit, or those concerning an incident or any of some alerts, oldest first."""
    conds = []
    if incident_id is not None:
        conds.append(unit_log.c.incident_id == incident_id)
    if alert_ids:
        conds.append(unit_log.c.alert_id.in_(list(alert_ids)))
    if unit_id is not None:
        conds.append(unit_log.c.unit_id == unit_id)
    if not conds:
        return []
    rows = conn.execute(select(unit_log).where(or_(*conds)).order_by(unit_log.c.time, unit_log.c.pk))
    return [LogLine(r.unit_id, r.time, r.action, r.status, UnitStatus(r.base), r.alert_id, r.incident_id, r.actor,
                    r.note) for r in rows]


def expired_positions(conn: Connection, before: datetime, limit: int) -> list[int]:
    """Keys of at most ``limit`` reports the centre received before ``before``, oldest first
    (a unit's current position is in its own row: the trail may go)."""
    return list(conn.scalars(select(unit_positions.c.pk).where(unit_positions.c.received < before)
                             .order_by(unit_positions.c.pk).limit(limit)))


def count_expired_positions(conn: Connection, before: datetime) -> int:
    """How many reports the centre received before ``before``."""
    return int(conn.scalar(select(func.count()).select_from(unit_positions)
                           .where(unit_positions.c.received < before)) or 0)


def remove_positions(conn: Connection, pks: Sequence[int]) -> None:
    """Remove these reports from the trail."""
    for start in range(0, len(pks), 1000):
        conn.execute(delete(unit_positions).where(unit_positions.c.pk.in_(list(pks[start : start + 1000]))))
