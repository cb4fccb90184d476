"""Every detector on a scenario with known truth, and nothing where there is nothing to find."""

from __future__ import annotations

import numpy as np
import pytest

from ridgeline.config.maritime import MaritimeConfig, MaritimeZone, Port, ZoneThresholds
from ridgeline.maritime.behaviour import Behaviour, BehaviourEngine
from ridgeline.maritime.geodesy import KNOT_MS
from ridgeline.maritime.positions import VesselInfo
from ridgeline.maritime.radar import RadarPlots
from tests.maritime.scenario import COAST_LAT, Voyage, chunks, coast, move, offshore, radar_track, together

A, B, C, D = 211000001, 211000002, 211000003, 211000004


def kinds(found: list[Behaviour]) -> list[str]:
    return sorted(b.kind for b in found)


def meeting(lat: float, lon: float) -> tuple[Voyage, Voyage]:
    """A and B come from 20 km apart, drift side by side 200 m apart for 3 h at 0.5 kn, then part."""
    run = 10.0 * KNOT_MS * 3600  # one hour at 10 kn
    a = Voyage(A, *move(lat, lon, 0, -run)).leg(1.0, 10.0, 90).leg(3.0, 0.5, 270).leg(1.0, 10.0, 180)
    b = Voyage(B, *move(lat - 200 / 111_195, lon, 0, run))
    b.leg(1.0, 10.0, 270).leg(3.0, 0.5, 270).leg(1.0, 10.0, 90)
    return a, b


def test_two_vessels_meeting_30_km_offshore_for_3_hours_are_one_encounter() -> None:
    a, b = meeting(offshore(30), 10.0)
    found = BehaviourEngine(shore=coast()).run([together(a, b)])
    assert kinds(found) == ["encounter"]
    (e,) = found
    assert e.vessels == (A, B) and not e.ongoing
    assert 2.7 * 3600 <= e.duration_s <= 3.3 * 3600
    assert 150 <= float(e.detail["median_distance_m"]) <= 260  # type: ignore[arg-type]
    assert float(e.detail["median_speed_kn"]) < 2  # type: ignore[arg-type]


def test_the_same_meeting_in_a_listed_harbour_is_nothing() -> None:
    lat = offshore(1.5)
    a, b = meeting(lat, 10.0)
    config = MaritimeConfig(ports=[Port(id="harbour", lon=10.0, lat=COAST_LAT)])
    assert BehaviourEngine(config, coast()).run([together(a, b)]) == []


def test_ais_silent_for_13_hours_far_offshore_is_one_gap() -> None:
    c = Voyage(C, offshore(150), 9.0).leg(2, 12, 90).leg(13, 12, 90, report=False).leg(2, 12, 90)
    found = BehaviourEngine(shore=coast()).run(chunks(c.positions(), 50))
    assert kinds(found) == ["ais_gap"]
    assert 12.9 * 3600 <= found[0].duration_s <= 13.1 * 3600


def test_a_stop_at_an_unlisted_cove_is_one_landing_and_at_a_listed_port_none() -> None:
    d = Voyage(D, offshore(20), 10.0).leg(1.3, 8, 0).leg(1.0, 0.0, 0).leg(1.3, 8, 180)
    found = BehaviourEngine(shore=coast()).run([d.positions()])
    assert kinds(found) == ["landing"]
    assert float(found[0].detail["shore_distance_m"]) < 1000  # type: ignore[arg-type]
    port = Port(id="official", lon=10.0, lat=COAST_LAT)
    assert BehaviourEngine(MaritimeConfig(ports=[port]), coast()).run([d.positions()]) == []


def test_a_cargo_ship_alongside_is_a_port_call_not_a_landing() -> None:
    d = Voyage(D, offshore(20), 10.0).leg(1.3, 8, 0).leg(1.0, 0.0, 0).leg(1.3, 8, 180)
    engine = BehaviourEngine(shore=coast())
    engine.update_statics({D: VesselInfo(D, "BIG BOX", "cargo", 180.0)})
    assert engine.run([d.positions()]) == []


def test_a_radar_target_with_no_ais_is_one_dark_target_and_one_with_ais_none() -> None:
    escort = Voyage(A, offshore(40), 9.5).leg(1.0, 10, 90)
    dark = radar_track(7, offshore(40) - 0.1, 9.5, 1.0, 10, 90)
    shadow = radar_track(8, offshore(40), 9.5, 1.0, 10, 90)  # where the AIS vessel is
    engine = BehaviourEngine(shore=coast())


    columns = ("track", "time", "lat", "lon")
    both = RadarPlots(*(np.concatenate([getattr(dark, f), getattr(shadow, f)]) for f in columns))
    found = engine.feed(escort.positions(), both) + engine.finish()
    final = [b for b in found if not b.ongoing]
    assert kinds(final) == ["dark_target"] and final[0].vessels == (7,)


def test_loitering_far_offshore_alone_is_loitering() -> None:
    c = Voyage(C, offshore(60), 9.0).leg(1, 10, 90).leg(3, 0.8, 45).leg(1, 10, 90)
    found = BehaviourEngine(shore=coast()).run([c.positions()])
    assert kinds(found) == ["loitering"]
    assert 2.9 * 3600 <= found[0].duration_s <= 3.1 * 3600


def test_zones_restricted_entry_appearance_and_their_own_thresholds() -> None:
    lat = offshore(30)
    square = [(9.8, lat - 0.1), (10.2, lat - 0.1), (10.2, lat + 0.1), (9.8, lat + 0.1)]
    river = ZoneThresholds(encounter_min_duration_s=600, encounter_distance_m=100)
    config = MaritimeConfig(zones=[
        MaritimeZone(id="firing-range", kind="restricted", polygon=[(9.0, lat - 0.05), (9.3, lat - 0.05),
                                                                   (9.3, lat + 0.05), (9.0, lat + 0.05)]),
        MaritimeZone(id="river", polygon=square, thresholds=river),
    ], warmup_s=600)
    through = Voyage(C, lat, 8.8).leg(2, 10, 90)  # crosses the restricted zone once
    a = Voyage(A, lat, 10.0, t=through.t - 3600).leg(0.5, 0.5, 90)  # appears in the river zone after warm-up
    b = Voyage(B, lat - 50 / 111_195, 10.0, t=through.t - 3600 + 60).leg(0.5, 0.5, 90)
    found = BehaviourEngine(config, coast()).run([together(through, a, b)])
    got = {(x.kind, x.zone) for x in found}
    assert ("restricted_entry", "firing-range") in got
    assert ("encounter", "river") in got  # 30 minutes, 50 m apart: an encounter by the river's thresholds
    assert ("appearance", "river") in got
    assert sum(1 for x in found if x.kind == "restricted_entry") == 1


@pytest.mark.parametrize("size", [37, 500])
def test_streaming_in_small_chunks_finds_what_one_batch_finds(size: int) -> None:
    a, b = meeting(offshore(30), 10.0)
    c = Voyage(C, offshore(150), 9.0).leg(2, 12, 90).leg(13, 12, 90, report=False).leg(2, 12, 90)
    d = Voyage(D, offshore(20), 10.5).leg(1.3, 8, 0).leg(1.0, 0.0, 0).leg(1.3, 8, 180)
    everything = together(a, b, c, d)
    batch = BehaviourEngine(shore=coast()).run([everything])
    stream = BehaviourEngine(shore=coast()).run(chunks(everything, size))
    assert kinds(batch) == ["ais_gap", "encounter", "landing"]
    assert [(x.kind, x.vessels, round(x.start)) for x in stream] == [(x.kind, x.vessels, round(x.start)) for x in batch]


def test_a_live_engine_says_an_encounter_while_it_goes_on_then_once_more_when_it_ends() -> None:
    a, b = meeting(offshore(30), 10.0)
    engine = BehaviourEngine(shore=coast())
    said = [x for part in chunks(together(a, b), 20) for x in engine.feed(part)] + engine.finish()
    assert [x.ongoing for x in said if x.kind == "encounter"] == [True, False]
    assert len({x.key for x in said}) == 1
