"""The AIS adapter, found through the sensors entry point, turns a receiver's reports into Events."""

from __future__ import annotations

from pathlib import Path

from ridgeline.app.edge_site import load_adapter
from ridgeline.model import Event, EventType, MessageType, Track
from tests.maritime.scenario import offshore, write_csv
from tests.maritime.test_behaviour import A, B, meeting


def test_an_encounter_is_published_when_it_qualifies_and_again_with_evidence_when_it_ends(tmp_path: Path) -> None:
    csv = write_csv(tmp_path / "meeting.csv", *meeting(offshore(30), 10.0))
    # the scenario's coast is made up: no real land mask here
    adapter = load_adapter("ais", "harbour-mast", source=str(csv), chunk=200, global_land=False)
    messages = list(adapter.messages())
    adapter.close()
    every = [m for kind, m in messages if kind == MessageType.EVENTS]
    assert all(isinstance(e, Event) for e in every)
    # with no shore known, three hours at 0.5 kn are loitering too (each vessel: going on, then ended)
    assert sorted(e.type for e in every) == [EventType.ENCOUNTER] * 2 + [EventType.LOITERING] * 4  # type: ignore[union-attr]
    events = [e for e in every if e.type == EventType.ENCOUNTER]  # type: ignore[union-attr]
    assert [e.detail["ongoing"] for e in events] == [True, False]  # type: ignore[union-attr]
    assert {e.detail["key"] for e in events} == {events[0].detail["key"]}  # type: ignore[union-attr]
    final = events[-1]
    assert isinstance(final, Event) and final.object_id == f"mmsi:{A}+mmsi:{B}"
    tracks = {m.id: (k, m) for k, (kind, m) in enumerate(messages) if isinstance(m, Track)}
    evidence = str(final.detail["tracks"]).split(",")
    assert len(evidence) == 2
    where = messages.index((MessageType.EVENTS, final))
    for tid in evidence:  # each vessel's track, sent just before the event that names it
        k, track = tracks[tid]
        assert k < where and len(track.points) > 100
