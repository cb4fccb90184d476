"""Use cases of response units: define them from the sector, list and show them, change their
status, take their position reports, dispatch them to an alert or an incident.

Statuses are names, each mapped to a base status (``model.UnitStatus``), the way Resgrid's
custom statuses are: the base statuses are always there, and the sector may add its own
(``refuelling`` meaning ``out_of_service``).  The status set lives in the database
(``unit_statuses``), written from the sector file when the centre starts, so the API and the
command line agree without reading the sector.

Every status change and dispatch is one transaction with its audit entry (``unit.status``,
``unit.dispatched``, ``unit.defined``) and its line in the unit's dispatch log, which an
incident's timeline reads (dispatched, en route, on scene, returning, cleared); a change of a
unit working an alert also gets a system comment on the alert.  Dispatching a unit to an
alert that is new or acknowledged moves the alert to dispatched.  Position reports are not
audited (a tracker reports every few seconds): each is kept in ``unit_positions``.

Roles are the API's to check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ridgeline.errors import UnitError, UnitNotFoundError, UnitStateError
from ridgeline.model import AlertState, Envelope, MessageType, Unit, UnitPosition, UnitStatus, utc_now
from ridgeline.store.units import LogLine

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from ridgeline.config.units import UnitConfig, UnitStatusConfig
    from ridgeline.store.db import Store

#: how far ahead of the centre's clock a report may be (a unit's device clock a little fast);
#: one further ahead would pin the unit there until the clock caught up
AHEAD = timedelta(minutes=5)
#: the words a log line's action is written with
_SAID = {"dispatched": "dispatched", "en_route": "en route", "on_scene": "on scene", "returning": "returning",
         "cleared": "cleared", "status": "status"}


@dataclass(frozen=True)
class UnitDetail:
    """A unit with its latest reports (oldest first) and its dispatch log (oldest first)."""

    unit: Unit
    trail: list[UnitPosition]
    log: list[LogLine]


def position_age_s(unit: Unit, now: datetime | None = None) -> float | None:
    """Seconds since the unit's last position report (None: it never reported; at home)."""
    if unit.position_time is None:
        return None
    return max(0.0, ((now or utc_now()) - unit.position_time).total_seconds())


def log_text(line: LogLine) -> str:
    """A dispatch-log line in words: ``unit patrol-2 en route (status: en_route)``."""
    text = f"unit {line.unit_id} {_SAID.get(line.action, line.action)}"
    if line.action == "status" or line.status != line.base.value:
        text += f" (status: {line.status})"
    return text + (f": {line.note}" if line.note else "")


def define_units(store: Store, configs: Sequence[UnitConfig], statuses: Sequence[UnitStatusConfig],
                 actor: str = "system") -> list[str]:
    """Write the sector's units and status names into the database: new units are added
    (available, at home), the names of those held are brought up to date, status and
    position kept.  The ids added."""
    from ridgeline.store import audit
    from ridgeline.store import units as repo
    from ridgeline.store.units import UnitDefinition

    defs = [UnitDefinition(c.id, c.name, c.kind, c.home_lon, c.home_lat, c.shown_callsign, c.tak_uid)
            for c in configs]
    with store.engine.begin() as conn:
        repo.lock_definitions(conn)  # several centre processes start at once
        now = utc_now()
        repo.replace_statuses(conn, [(s.name, s.base, s.description) for s in statuses])
        added, changed = repo.define(conn, defs, now)
        audit.append_many(conn, [(actor, "unit.defined", uid, {"added": uid in added}, now)
                                 for uid in [*added, *changed]])
    return added


def _load(conn: Connection, unit_id: str, lock: bool = False) -> Unit:
    from ridgeline.store import units as repo

    found = repo.get(conn, unit_id, lock)
    if found is None:
        raise UnitNotFoundError(f"no unit {unit_id}")
    return found


def list_units(store: Store) -> list[Unit]:
    """Every unit, by id."""
    from ridgeline.store import units as repo

    with store.engine.connect() as conn:
        return repo.list_units(conn)


def get_unit(store: Store, unit_id: str, trail: int = 100) -> UnitDetail:
    """One unit, its latest ``trail`` reports and its dispatch log; ``UnitNotFoundError`` if none."""
    from ridgeline.store import units as repo

    with store.engine.connect() as conn:
        unit = _load(conn, unit_id)
        return UnitDetail(unit, repo.trail(conn, unit_id, trail), repo.log_of(conn, unit_id=unit_id))


def unit_for_tak(store: Store, uid: str, callsign: str | None) -> Unit | None:
    """The unit a TAK device's event is about: by its TAK uid, else its callsign, else its id (None: none)."""
    from ridgeline.store import units as repo

    with store.engine.connect() as conn:
        return repo.find_by_tak(conn, uid, callsign)


def statuses(store: Store) -> dict[str, UnitStatus]:
    """Every status name a unit may take, and its base status."""
    from ridgeline.store import units as repo

    with store.engine.connect() as conn:
        return repo.status_set(conn)


def _action(base: UnitStatus, had_assignment: bool) -> str:
    if base in (UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE, UnitStatus.DISPATCHED, UnitStatus.RETURNING):
        return base.value
    return "cleared" if had_assignment else "status"


def _changed(conn: Connection, unit: Unit, status: str, base: UnitStatus, actor: str, at: datetime, note: str,
             alert_id: str | None, incident_id: str | None, action: str) -> Unit:
    """Write a status (and assignment) with its log line, audit entry and the alert's system comment."""
    from ridgeline.rules import work
    from ridgeline.store import audit
    from ridgeline.store import units as repo

    repo.set_status(conn, unit.id, status, base, alert_id, incident_id, at)
    # the log line names what the change concerned: the new assignment, or the one just cleared
    concerned_alert, concerned_incident = alert_id or unit.alert, incident_id or unit.incident
    line = LogLine(unit.id, at, action, status, base, concerned_alert, concerned_incident, actor, note or None)
    repo.log(conn, line)
    audit.append(conn, actor, "unit.dispatched" if action == "dispatched" else "unit.status", unit.id, {
        "status": status, "base": base.value, "was": unit.status, "alert": concerned_alert,
        "incident": concerned_incident, "note": note or None}, at)
    if concerned_alert is not None:
        work.system_comment(conn, concerned_alert, actor, log_text(line), at)
    return unit.model_copy(update={"status": status, "base": base, "alert": alert_id, "incident": incident_id,
                                   "updated": at})


def set_status(store: Store, unit_id: str, status: str, actor: str, note: str = "") -> Unit:
    """Give the unit a status by name (one of the set, else ``UnitError`` naming them).

    A unit keeps its assignment while it is dispatched, en route, on scene or returning; a
    status whose base is available or out of service clears it (logged as ``cleared``).  The
    status it has already is a ``UnitStateError``."""
    from ridgeline.store import units as repo

    name = " ".join(status.split())
    with store.engine.begin() as conn:
        now = utc_now()
        names = repo.status_set(conn)
        if name not in names:
            raise UnitError(f"no unit status {name!r}: one of {', '.join(sorted(names))}")
        unit = _load(conn, unit_id, lock=True)
        if unit.status == name:
            raise UnitStateError(f"unit {unit_id} is {name} already")
        base = names[name]
        keeps = base in (UnitStatus.DISPATCHED, UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE, UnitStatus.RETURNING)
        had = unit.alert is not None or unit.incident is not None
        alert_id, incident_id = (unit.alert, unit.incident) if keeps else (None, None)
        return _changed(conn, unit, name, base, actor, now, note.strip(), alert_id, incident_id,
                        _action(base, had))


def dispatch(store: Store, unit_id: str, actor: str, alert_id: str | None = None, incident_id: str | None = None,
             note: str = "") -> Unit:
    """Send the unit to an alert or an incident (at least one): it becomes ``dispatched``.

    The unit must be available or returning (``UnitStateError`` otherwise: out of service,
    or working another assignment: clear it first); the alert and the incident must exist,
    the incident be open (``IncidentClosedError``).  An alert that is new or acknowledged moves
    to dispatched (its history, audit entry and system comment); one already dispatched stays."""
    from ridgeline.app.incidents import load as load_incident
    from ridgeline.errors import IncidentClosedError
    from ridgeline.model import IncidentState
    from ridgeline.rules import work

    if alert_id is None and incident_id is None:
        raise UnitError("name an alert or an incident to dispatch the unit to")
    with store.engine.begin() as conn:
        now = utc_now()
        unit = _load(conn, unit_id, lock=True)
        if unit.base not in (UnitStatus.AVAILABLE, UnitStatus.RETURNING):
            what = f" (working {unit.alert or unit.incident})" if unit.base.busy else ""
            raise UnitStateError(f"unit {unit_id} is {unit.status}{what}: it can be sent when available or "
                                 "returning")
        if incident_id is not None:
            incident = load_incident(conn, incident_id, lock=True)
            if incident.state == IncidentState.CLOSED:
                raise IncidentClosedError(f"incident {incident_id} is closed: reopen it first")
        if alert_id is not None:
            alert, _rule = work.load(conn, alert_id)
            if alert.state in (AlertState.NEW, AlertState.ACKNOWLEDGED):
                work.move(conn, alert_id, AlertState.DISPATCHED, actor, now, f"unit {unit_id}")
            elif alert.state != AlertState.DISPATCHED:
                raise UnitStateError(f"alert {alert_id} is {alert.state.value}: no unit is sent to it")
        return _changed(conn, unit, UnitStatus.DISPATCHED.value, UnitStatus.DISPATCHED, actor, now, note.strip(),
                        alert_id, incident_id, "dispatched")


def _check_time(report: UnitPosition, now: datetime) -> None:
    if report.time > now + AHEAD:
        raise UnitError(f"unit {report.unit}: a report from {report.time.isoformat()} is ahead of the centre's "
                        f"clock ({now.isoformat(timespec='seconds')}) by more than {int(AHEAD.total_seconds())} s")


def report_position(store: Store, report: UnitPosition, source: str) -> tuple[Unit, bool]:
    """Take a position report (``source``: http, mqtt, cot, cli): kept, and the unit moved unless
    it holds a newer one.  The unit as it is now, and whether it moved."""
    from ridgeline.store import units as repo

    with store.engine.begin() as conn:
        now = utc_now()
        _check_time(report, now)
        _load(conn, report.unit)
        moved = repo.move(conn, report, source, now)
        return _load(conn, report.unit), moved


def take_reports(conn: Connection, stored: Sequence[Envelope], now: datetime | None = None) -> list[Unit]:
    """The unit position reports among envelopes just stored (MQTT ``units`` messages), in the
    ingest transaction: each known unit is moved; a report for a unit the centre does not know,
    or from the future, stays stored as a message and moves nothing.  The units moved."""
    import logging

    from ridgeline.store import units as repo

    now = now or utc_now()
    moved: dict[str, Unit] = {}
    for env in stored:
        if env.type != MessageType.UNITS:
            continue
        report = UnitPosition.model_validate(env.payload)  # validated at ingest: cannot fail here
        if report.time > now + AHEAD or repo.get(conn, report.unit) is None:
            logging.getLogger(__name__).warning("unit report %s/%d: unit %r unknown or its time ahead: kept, not "
                                                "applied", env.site, env.seq, report.unit)
            continue
        if repo.move(conn, report, "mqtt", now):
            found = repo.get(conn, report.unit)
            if found is not None:
                moved[report.unit] = found
    return list(moved.values())
