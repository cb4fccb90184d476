"""Which stops are landings: each reason to set one aside, in its order, counted once per stop."""

from __future__ import annotations

import pytest

from ridgeline.config.maritime import MaritimeConfig, MaritimeZone, Port, Thresholds, ZoneThresholds
from ridgeline.maritime.anchorages import Anchorages
from ridgeline.maritime.behaviour import Behaviour, BehaviourEngine
from ridgeline.maritime.landings import REASONS, LandingRules, StopPlace, summary
from ridgeline.maritime.worldports import world_ports
from tests.maritime.scenario import COAST_LAT, Voyage, chunks, coast, offshore

D = 211000004


def cove_stop(hours: float) -> Voyage:
    """D steams in from 20 km out, stops 740 m off the coast for ``hours``, and leaves."""
    return Voyage(D, offshore(20), 10.0).leg(1.3, 8, 0).leg(hours, 0.0, 0).leg(1.3, 8, 180)


def landings(found: list[Behaviour]) -> list[Behaviour]:
    return [b for b in found if b.kind == "landing"]


def counted(engine: BehaviourEngine) -> dict[str, int]:
    return {k: v for k, v in engine.set_aside.items() if v}


def test_a_short_stop_at_a_cove_is_a_landing_and_one_of_eight_hours_a_berth() -> None:
    engine = BehaviourEngine(shore=coast())
    assert len(landings(engine.run([cove_stop(1.0).positions()]))) == 1
    assert engine.stop_count == 1 and counted(engine) == {}
    engine = BehaviourEngine(shore=coast())
    assert engine.run([cove_stop(8.0).positions()]) == []
    assert engine.stop_count == 1 and counted(engine) == {"too_long": 1}


def test_the_duration_bound_is_set_per_zone() -> None:
    around = [(9.5, COAST_LAT - 0.1), (10.5, COAST_LAT - 0.1), (10.5, COAST_LAT), (9.5, COAST_LAT)]
    zone = MaritimeZone(id="cove", polygon=around, thresholds=ZoneThresholds(landing_max_duration_s=10 * 3600))
    config = MaritimeConfig(zones=[zone], thresholds=Thresholds(landing_max_duration_s=2 * 3600))
    (landing,) = landings(BehaviourEngine(config, coast()).run([cove_stop(8.0).positions()]))
    assert landing.zone == "cove" and 7.9 * 3600 <= landing.duration_s <= 8.1 * 3600
    assert landings(BehaviourEngine(config.model_copy(update={"zones": []}), coast()).run(
        [cove_stop(8.0).positions()])) == []


@pytest.mark.parametrize("size", [60, 150])
def test_a_long_stop_said_as_a_landing_while_it_went_on_is_withdrawn_when_it_ends(size: int) -> None:
    # a going-on stop is placed at its first report, still coming in at 1 km: landings up to 1.5 km here
    config = MaritimeConfig(thresholds=Thresholds(landing_max_shore_m=1500))
    engine = BehaviourEngine(config, coast())
    said: list[Behaviour] = []
    for part in chunks(cove_stop(8.0).positions(), size):
        said += engine.feed(part)
    said += engine.finish()
    assert [(b.kind, b.ongoing) for b in said] == [("landing", True)]  # a live listener heard it once
    assert engine.landings.withdrawn == {said[0].key}
    assert counted(engine) == {"too_long": 1}
    assert BehaviourEngine(config, coast()).run(chunks(cove_stop(8.0).positions(), size)) == []  # a batch: nothing


def test_every_stop_is_a_landing_or_set_aside_for_exactly_one_reason() -> None:
    port = Port(id="official", lon=10.0, lat=COAST_LAT)
    engine = BehaviourEngine(MaritimeConfig(ports=[port]), coast())
    far = Voyage(D + 1, offshore(30), 11.0).leg(1.0, 0.0, 0)
    assert engine.run([cove_stop(1.0).positions(), far.positions()]) == []
    assert engine.stop_count == 2 and counted(engine) == {"listed_port": 1, "away_from_shore": 1}
    assert summary(engine.set_aside) == "set aside: away from the shore 1, at a listed port 1"
    assert summary(dict.fromkeys(REASONS, 0)) == "set aside: none"


def rules(**anchorages: object) -> LandingRules:
    return LandingRules(Anchorages(**anchorages), coast(), ["cargo"])  # type: ignore[arg-type]


def place(lat: float, lon: float = 10.0, shore_m: float = 300.0, hours: float = 1.0, kind: str = "") -> StopPlace:
    return StopPlace(lat, lon, shore_m, hours * 3600, kind)


def test_a_stop_the_mask_puts_on_land_is_uncertain_within_a_cell_of_water_and_inland_beyond() -> None:
    r = rules(learn=False)
    # the first land row (cells of 222 m, the diagonal 271 m): the mask cannot say it is not afloat
    assert r.reason(place(COAST_LAT + 0.001, shore_m=0.0), 1000, 3000, 6 * 3600) == "on_land_uncertain"
    assert r.reason(place(COAST_LAT + 0.005, shore_m=0.0), 1000, 3000, 6 * 3600) == "inland"  # 1 km in
    assert r.reason(place(offshore(0.3)), 1000, 3000, 6 * 3600) is None  # afloat, 300 m off


def test_a_stop_in_a_world_port_is_a_port_call_before_anything_else() -> None:
    ceuta = (35.8990, -5.3150)  # inside the harbour of Ceuta, in the World Port Index
    r = LandingRules(Anchorages(world=world_ports(), learn=False), None, ["cargo"])
    stop = StopPlace(*ceuta, 150.0, 20 * 3600, "cargo")
    assert r.reason(stop, 1000, 3000, 6 * 3600) == "world_port"
    r = LandingRules(Anchorages(learn=False), None, ["cargo"])
    assert r.reason(stop, 1000, 3000, 6 * 3600) == "ship_type"
    assert r.reason(StopPlace(*ceuta, 150.0, 20 * 3600, ""), 1000, 3000, 6 * 3600) == "too_long"


def test_a_cove_one_boat_keeps_coming_back_to_is_learned_as_its_berth() -> None:
    twice = cove_stop(1.0).leg(10.0, 3, 90).leg(10.0, 3, 270)  # fishing east and back out at sea
    twice.leg(1.3, 8, 0).leg(1.0, 0.0, 0).leg(1.3, 8, 180)  # the next day, the same cove
    engine = BehaviourEngine(shore=coast())
    found = engine.judge(twice.positions())  # learns from the whole file first, as a batch does
    assert landings(found) == [] and counted(engine) == {"learned_berth": 2}
    config = MaritimeConfig(learn_anchorages=False)
    assert len(landings(BehaviourEngine(config, coast()).judge(twice.positions()))) == 2
