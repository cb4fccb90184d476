"""Units on a real database: defined from the sector, custom statuses mapped to base ones,
dispatched to alerts and incidents with audit entries and timeline lines, positions that move a
unit only forward in time, and reports over MQTT ingest moving units in the ingest transaction.
The dispatch path also runs on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from ridgeline.app import alerts as alert_work
from ridgeline.app import incidents as incident_work
from ridgeline.app import units as use
from ridgeline.app.incident_record import EntryKind, incident_timeline
from ridgeline.config.units import UnitConfig, UnitStatusConfig
from ridgeline.errors import IncidentClosedError, UnitError, UnitNotFoundError, UnitStateError
from ridgeline.model import (
    AlertState,
    Envelope,
    IncidentOutcome,
    MessageType,
    Unit,
    UnitKind,
    UnitPosition,
    UnitStatus,
    new_id,
    utc_now,
)
from ridgeline.store.audit import verify

from ..alerting import Centre

UNITS = [
    UnitConfig(id="patrol-2", name="Patrol 2", kind=UnitKind.FOOT, home_lon=-71.30, home_lat=44.27),
    UnitConfig(id="boat-1", name="Boat 1", kind=UnitKind.BOAT, home_lon=-71.10, home_lat=44.10, callsign="HARBOUR",
               tak_uid="ANDROID-boat1"),
    UnitConfig(id="drone-1", name="Drone 1", kind=UnitKind.DRONE, home_lon=-71.2, home_lat=44.2, endurance_min=35),
]
STATUSES = [UnitStatusConfig(name="refuelling", base=UnitStatus.OUT_OF_SERVICE),
            UnitStatusConfig(name="searching", base=UnitStatus.ON_SCENE)]


def make_centre(url: str) -> Centre:
    centre = Centre(url)
    assert use.define_units(centre.store, UNITS, STATUSES) == ["patrol-2", "boat-1", "drone-1"]
    return centre


@pytest.fixture
def centre(tmp_path: Path) -> Iterator[Centre]:
    c = make_centre(f"sqlite:///{tmp_path / 'centre.db'}")
    try:
        yield c
    finally:
        c.close()


def test_units_are_defined_once_at_home_and_kept_on_a_second_definition(centre: Centre) -> None:
    units = {u.id: u for u in use.list_units(centre.store)}
    assert sorted(units) == ["boat-1", "drone-1", "patrol-2"]
    boat = units["boat-1"]
    assert (boat.status, boat.base, boat.source, boat.position_time, boat.callsign) == (
        "available", UnitStatus.AVAILABLE, "home", None, "HARBOUR")
    assert (boat.position.lon, boat.position.lat) == (-71.10, 44.10) if boat.position else False
    assert units["patrol-2"].callsign == "Patrol 2"  # no callsign: the name
    use.set_status(centre.store, "boat-1", "refuelling", "maria")
    renamed = [UNITS[0], UNITS[1].model_copy(update={"name": "Boat One"}), UNITS[2]]
    assert use.define_units(centre.store, renamed, STATUSES) == []
    again = {u.id: u for u in use.list_units(centre.store)}["boat-1"]
    assert (again.name, again.status, again.base) == ("Boat One", "refuelling", UnitStatus.OUT_OF_SERVICE)
    assert use.statuses(centre.store) == {**{s.value: s for s in UnitStatus}, "refuelling": UnitStatus.OUT_OF_SERVICE,
                                          "searching": UnitStatus.ON_SCENE}


def test_a_custom_status_maps_to_its_base_and_an_unknown_one_names_the_set(centre: Centre) -> None:
    unit = use.set_status(centre.store, "drone-1", "refuelling", "maria", "battery swap")
    assert (unit.status, unit.base) == ("refuelling", UnitStatus.OUT_OF_SERVICE)
    with pytest.raises(UnitStateError, match="refuelling already"):
        use.set_status(centre.store, "drone-1", "refuelling", "maria")
    with pytest.raises(UnitError, match="no unit status 'parked': one of available, dispatched, en_route"):
        use.set_status(centre.store, "drone-1", "parked", "maria")
    with pytest.raises(UnitNotFoundError):
        use.set_status(centre.store, "tank-9", "available", "maria")
    with pytest.raises(UnitStateError, match="drone-1 is refuelling: it can be sent when available"):
        use.dispatch(centre.store, "drone-1", "maria", alert_id="x")
    log = use.get_unit(centre.store, "drone-1").log
    assert [(x.action, x.status, x.base, x.note) for x in log] == [
        ("status", "refuelling", UnitStatus.OUT_OF_SERVICE, "battery swap")]


def dispatch_path(centre: Centre) -> None:
    """Dispatch to an alert in an incident, through en route, on scene (a custom name), cleared."""
    alert = centre.alert_of(centre.feed("walker-1", 0))
    incident = incident_work.open_incident(centre.store, [alert], "Walker at the ford", "maria")
    sent = use.dispatch(centre.store, "patrol-2", "maria", alert_id=alert, note="go north bank")
    assert (sent.status, sent.base, sent.alert, sent.incident) == ("dispatched", UnitStatus.DISPATCHED, alert, None)
    assert alert_work.get_alert(centre.store, alert).alert.state == AlertState.DISPATCHED
    with pytest.raises(UnitStateError, match=f"working {alert}"):
        use.dispatch(centre.store, "patrol-2", "ivan", incident_id=incident.id)
    use.set_status(centre.store, "patrol-2", "en_route", "patrol-2")
    on = use.set_status(centre.store, "patrol-2", "searching", "patrol-2")
    assert (on.base, on.alert) == (UnitStatus.ON_SCENE, alert)  # the assignment stays
    done = use.set_status(centre.store, "patrol-2", "available", "maria", "nothing found")
    assert (done.alert, done.incident, done.base) == (None, None, UnitStatus.AVAILABLE)
    # a second unit goes to the incident itself; the alert, dispatched already, stays so
    use.dispatch(centre.store, "boat-1", "ivan", alert_id=alert, incident_id=incident.id)
    timeline = [e for e in incident_timeline(centre.store, incident.id) if e.kind == EntryKind.DISPATCH]
    assert [(e.actor, e.text) for e in timeline] == [
        ("maria", "unit patrol-2 dispatched: go north bank"),
        ("patrol-2", "unit patrol-2 en route"),
        ("patrol-2", "unit patrol-2 on scene (status: searching)"),
        ("maria", "unit patrol-2 cleared: nothing found"),
        ("ivan", "unit boat-1 dispatched"),
    ]
    assert all(e.alert_id == alert for e in timeline)
    actions = [(a, t) for _actor, a, t in centre.audit_actions() if t in ("patrol-2", "boat-1")]
    assert actions == [("unit.defined", "patrol-2"), ("unit.defined", "boat-1"),
                       ("unit.dispatched", "patrol-2"), ("unit.status", "patrol-2"), ("unit.status", "patrol-2"),
                       ("unit.status", "patrol-2"), ("unit.dispatched", "boat-1")]
    comments = [c.text for c in alert_work.get_alert(centre.store, alert).comments if c.system]
    assert "unit patrol-2 en route" in comments and "dispatched: unit patrol-2" in comments
    incident_work.close(centre.store, incident.id, IncidentOutcome.NO_TRACE, "sven")
    use.set_status(centre.store, "boat-1", "returning", "ivan")
    with pytest.raises(IncidentClosedError):
        use.dispatch(centre.store, "boat-1", "ivan", incident_id=incident.id)
    with centre.store.engine.connect() as conn:
        assert verify(conn).intact


def test_a_dispatch_is_audited_and_written_in_the_incident_timeline(centre: Centre) -> None:
    dispatch_path(centre)


def test_the_dispatch_path_on_postgresql() -> None:
    from ..postgres import drop_database, fresh_database

    url, name = fresh_database()
    c = make_centre(url)
    try:
        dispatch_path(c)
    finally:
        c.close()
        drop_database(name)


def test_a_report_moves_a_unit_forward_in_time_only_and_keeps_every_report(centre: Centre) -> None:
    now = utc_now()
    unit, moved = use.report_position(centre.store, UnitPosition(unit="boat-1", time=now, lon=-71.0, lat=44.0,
                                                                 heading_deg=90, speed_ms=4.5), "http")
    assert moved and (unit.position.lon, unit.position.lat, unit.source, unit.speed_ms) == (-71.0, 44.0, "http", 4.5) \
        if unit.position else False
    late, moved = use.report_position(centre.store, UnitPosition(unit="boat-1", time=now - timedelta(minutes=1),
                                                                 lon=-72.0, lat=45.0), "cli")
    assert not moved and late.position == unit.position
    assert [(p.lon, p.time) for p in use.get_unit(centre.store, "boat-1").trail] == [
        (-72.0, now - timedelta(minutes=1)), (-71.0, now)]
    assert use.position_age_s(late, now + timedelta(seconds=42)) == pytest.approx(42)
    with pytest.raises(UnitError, match="ahead of the centre's clock"):
        use.report_position(centre.store, UnitPosition(unit="boat-1", time=now + timedelta(hours=1), lon=0, lat=0),
                            "http")
    with pytest.raises(UnitNotFoundError):
        use.report_position(centre.store, UnitPosition(unit="nobody", time=now, lon=0, lat=0), "http")


def test_reports_over_mqtt_move_units_in_the_ingest_transaction(centre: Centre) -> None:
    now = utc_now()

    def env(seq: int, unit: str, lon: float) -> Envelope:
        report = UnitPosition(unit=unit, time=now + timedelta(seconds=seq), lon=lon, lat=44.0)
        return Envelope(id=new_id(), site="gateway", seq=seq, type=MessageType.UNITS, time=report.time, sent=now,
                        payload=report.model_dump(mode="json"))

    batch = [env(1, "patrol-2", -71.5), env(2, "ghost", -71.6), env(3, "patrol-2", -71.4)]
    result = centre.store.ingest(batch, hook=use.take_reports)
    assert result.inserted == 3  # the unknown unit's report is kept as a message, and moves nothing
    moved: list[Unit] = result.caused  # type: ignore[assignment]
    assert [(u.id, u.position.lon if u.position else None) for u in moved] == [("patrol-2", -71.4)]
    unit = use.get_unit(centre.store, "patrol-2").unit
    assert (unit.source, unit.position_time) == ("mqtt", now + timedelta(seconds=3))


def test_a_report_published_on_the_units_topic_moves_the_unit_through_the_centre(tmp_path: Path) -> None:
    """A site (a tracker gateway) publishes a units message to a real Mosquitto; the centre's
    ingest stores it, moves the unit, confirms it to the site and tells the consoles."""
    import json

    from ridgeline.app.centre import Centre as RunningCentre
    from ridgeline.transport.broker import BrokerConfig
    from ridgeline.transport.wire import encode
    from tests.broker import Mosquitto, probe
    from tests.conftest import wait_for

    broker = Mosquitto(tmp_path / "broker", ["centre", "gateway"])
    broker.start()
    centre = RunningCentre(f"sqlite:///{tmp_path / 'c.db'}", BrokerConfig.from_url(broker.url("centre")))
    use.define_units(centre.store, UNITS, STATUSES)
    heard: list[str] = []
    centre.changes.listen(heard.append)
    centre.start()
    try:
        assert wait_for(lambda: all(w.counters.connected for w in centre.workers))
        site, reason, _ = probe(broker, "gateway", client_id="gateway")
        assert not getattr(reason, "is_failure", True), reason
        now = utc_now()
        report = UnitPosition(unit="boat-1", time=now, lon=-71.01, lat=44.02, speed_ms=6.0)
        env = Envelope(id=new_id(), site="gateway", seq=1, type=MessageType.UNITS, time=now, sent=now,
                       payload=report.model_dump(mode="json"))
        site.publish("ridgeline/v1/gateway/units", encode(env), qos=1)
        assert wait_for(lambda: use.get_unit(centre.store, "boat-1").unit.source == "mqtt", 20)
        unit = use.get_unit(centre.store, "boat-1").unit
        assert (unit.position.lon, unit.position.lat, unit.speed_ms) == (-71.01, 44.02, 6.0) if unit.position \
            else False
        assert wait_for(lambda: any(c["kind"] == "unit" and c["id"] == "boat-1"
                                    for text in list(heard) for c in json.loads(text)["changes"]))
        site.disconnect()
    finally:
        centre.stop()
        broker.stop()


def test_a_units_trail_expires_with_the_sites_messages_audited_and_its_position_stays(centre: Centre) -> None:
    from ridgeline.app.retention import ACTION, purge_expired
    from ridgeline.config.sector import RetentionConfig
    from ridgeline.store import audit
    from ridgeline.store import units as repo

    now = utc_now()
    with centre.store.engine.begin() as conn:  # three reports received 40 days ago, one yesterday
        for i, (days, lon) in enumerate(((40, -71.01), (40, -71.02), (40, -71.03), (1, -71.04))):
            report = UnitPosition(unit="boat-1", time=now - timedelta(days=days, seconds=-i), lon=lon, lat=44.0)
            repo.move(conn, report, "http", now - timedelta(days=days))
    keep = RetentionConfig(events_days=30, snapshots_days=7)
    dry = purge_expired(centre.store, keep, now, dry_run=True)
    assert (dry.unit_positions, dry.audit_seqs) == (3, [])
    done = purge_expired(centre.store, keep, now, batch=2)
    assert (done.unit_positions, done.removed, done.complete, len(done.audit_seqs)) == (3, 3, True, 2)
    with centre.store.engine.connect() as conn:
        entries = [e for e in audit.entries(conn) if e.action == ACTION]
        assert [e.detail["unit_positions"] for e in entries] == [2, 1] and verify(conn).intact
    detail = use.get_unit(centre.store, "boat-1")
    assert [p.lon for p in detail.trail] == [-71.04] and detail.unit.position is not None
    assert detail.unit.position.lon == -71.04
