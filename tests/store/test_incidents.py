"""Incident rows: saved and read back whole, alerts linked in the order added (each once per
incident), listed newest first, and the events and snapshot keys behind their alerts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from ridgeline.errors import IncidentError
from ridgeline.model import Incident, IncidentOutcome, IncidentState, utc_now
from ridgeline.store import comments
from ridgeline.store import incidents as repo
from ridgeline.store.comments import Subject

from ..alerting import Centre


@pytest.fixture
def centre(tmp_path: Path) -> Iterator[Centre]:
    c = Centre(f"sqlite:///{tmp_path / 'centre.db'}")
    try:
        yield c
    finally:
        c.close()


def test_incidents_are_read_back_whole_with_their_alerts_in_order(centre: Centre) -> None:
    t = utc_now()
    older = Incident(title="first", opened=t, opened_by="maria", updated=t)
    newer = Incident(title="second", opened=t + timedelta(seconds=1), opened_by="ivan", updated=t)
    with centre.store.engine.begin() as conn:
        repo.create(conn, older)
        repo.create(conn, newer)
        repo.add_alerts(conn, older.id, ["B", "A"], t, "maria")
        repo.add_alerts(conn, older.id, ["C"], t + timedelta(seconds=2), "ivan")
        repo.add_alerts(conn, newer.id, ["A"], t + timedelta(seconds=1), "ivan")
        repo.change(conn, older.id, state=IncidentState.CLOSED, outcome=IncidentOutcome.HANDED_OVER,
                    closed=t, closed_by="lead", summary="to the coast guard", legal_hold=True)
    with centre.store.engine.connect() as conn:
        got = repo.get(conn, older.id)
        assert got is not None
        assert got.model_copy(update={"alerts": []}) == older.model_copy(update={
            "state": IncidentState.CLOSED, "outcome": IncidentOutcome.HANDED_OVER, "closed": t, "closed_by": "lead",
            "summary": "to the coast guard", "legal_hold": True})
        assert got.alerts == ["A", "B", "C"]  # one instant: by id; then the later link
        assert [(link.alert_id, link.added_by) for link in repo.links(conn, older.id)] == [
            ("A", "maria"), ("B", "maria"), ("C", "ivan")]
        assert repo.of_alert(conn, "A") == [older.id, newer.id]
        assert [i.id for i in repo.list_incidents(conn)] == [newer.id, older.id]
        assert [i.id for i in repo.list_incidents(conn, IncidentState.OPEN)] == [newer.id]
        assert repo.list_incidents(conn, limit=1)[0].alerts == ["A"]
        assert repo.get(conn, "nope") is None
    with pytest.raises(IncidentError, match="in incident"), centre.store.engine.begin() as conn:
        repo.add_alerts(conn, older.id, ["A"], t, "maria")  # once per incident (the primary key says so)
    with pytest.raises(ValueError, match="not an incident column"), centre.store.engine.begin() as conn:
        repo.change(conn, older.id, opened_by="someone else")


def test_the_events_and_snapshots_behind_alerts(centre: Centre) -> None:
    first = centre.feed("p1", 0, lon=-65.1, lat=43.7, snapshot=True)
    second = centre.feed("p1", 20)
    other = centre.feed("p2", 5, snapshot=True)
    alert_id, other_alert = centre.alert_of(first), centre.alert_of(other)
    assert centre.alert_of(second) == alert_id != other_alert
    with centre.store.engine.connect() as conn:
        found = repo.events(conn, [alert_id])
        assert [(e.event_id, e.alert_id, e.site) for e in found] == [
            (first.id, alert_id, "s1"), (second.id, alert_id, "s1")]
        assert (found[0].payload["position"]["lon"], found[0].payload["position"]["lat"]) == (-65.1, 43.7)
        assert found[1].payload["position"] is None and found[1].payload["object_id"] == "p1"
        both = repo.events(conn, [alert_id, other_alert])
        assert {e.event_id for e in both} == {first.id, second.id, other.id}
        keys = repo.snapshot_keys(conn, [e.event_id for e in found])
        assert [(k.event, k.site, k.sensor, k.media_type) for k in keys] == [(first.id, "s1", "cam", "image/jpeg")]
        assert repo.events(conn, []) == [] and repo.snapshot_keys(conn, []) == []


def test_comments_are_read_back_oldest_first_per_subject(centre: Centre) -> None:
    t = utc_now()
    with centre.store.engine.begin() as conn:
        comments.add(conn, Subject.INCIDENT, "I1", t + timedelta(seconds=2), "ivan", "second")
        comments.add(conn, Subject.INCIDENT, "I1", t, "maria", "first")
        comments.add(conn, Subject.ALERT, "I1", t, "maria", "on an alert with the same id", system=True)
    with centre.store.engine.connect() as conn:
        assert [(c.author, c.text) for c in comments.on(conn, Subject.INCIDENT, ["I1"])] == [
            ("maria", "first"), ("ivan", "second")]
        (on_alert,) = comments.on(conn, Subject.ALERT, ["I1"])
        assert on_alert.system and on_alert.subject == Subject.ALERT
