"""Units' ETAs to alerts on the Presidential Range (SRTM N44W072, 30 m), and who goes where."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from ridgeline.dispatch.assign import assign_units, eta_matrix
from ridgeline.dispatch.eta import Responders, Scene, SceneEtas, UnitEta, etas_to_scene
from ridgeline.model.domain import Position, Unit
from ridgeline.terrain.dem import Terrain, load_terrain
from ridgeline.terrain.travel import Mode, travel_times
from tests.conftest import HGT

SUMMIT = (-71.3033, 44.2706)
TUCKERMAN_FLOOR = (-71.2920, 44.2610)  # below the headwall, 1.4 km from the summit
LAKES_HUT = (-71.3185, 44.2588)  # Lakes of the Clouds, 1.8 km away along the ridge


@pytest.fixture(scope="module")
def responders() -> Responders:
    return Responders(load_terrain([HGT], resolution=30.0, bounds_lonlat=(-71.36, 44.22, -71.22, 44.32)))


def unit(id_: str, lonlat: tuple[float, float] | None, kind: str = "patrol") -> Unit:
    position = Position(lon=lonlat[0], lat=lonlat[1]) if lonlat else None
    return Unit(id=id_, kind=kind, position=position)


def test_the_nearest_unit_is_not_the_fastest_across_a_headwall(responders: Responders) -> None:
    """Tuckerman's patrol is nearer the summit in a straight line, but the headwall lies between."""
    scene = Scene("summit", *SUMMIT)
    etas = etas_to_scene(responders, [unit("tuckerman", TUCKERMAN_FLOOR), unit("lakes", LAKES_HUT)], scene)
    tuck, lakes = etas.eta("tuckerman"), etas.eta("lakes")
    print(f"\nETA to the summit: tuckerman {tuck.minutes:.1f} min ({tuck.straight_m:.0f} m away), "
          f"lakes {lakes.minutes:.1f} min ({lakes.straight_m:.0f} m away)")
    assert tuck.straight_m is not None and lakes.straight_m is not None
    assert tuck.straight_m == pytest.approx(1397, abs=5) and lakes.straight_m == pytest.approx(1787, abs=5)
    assert tuck.minutes == pytest.approx(117.1, abs=0.5)
    assert lakes.minutes == pytest.approx(78.4, abs=0.5)
    assert etas.recommended is lakes
    # one reversed search from the alert: each ETA is the forward search from the unit, and it stopped early
    surface = responders.surface(Mode.FOOT)
    for eta, where in ((tuck, TUCKERMAN_FLOOR), (lakes, LAKES_HUT)):
        forward = travel_times(surface, surface.cell(*where), targets=[surface.cell(*SUMMIT)])
        assert eta.minutes == pytest.approx(forward.at(*surface.cell(*SUMMIT)), abs=1e-9)
    assert etas.settled_cells[Mode.FOOT] < 0.3 * surface.passable.sum()


def test_units_that_cannot_come_say_why(responders: Responders) -> None:
    terrain = responders.terrain
    z = terrain.elevation.copy()
    row, col = terrain.rowcol(*terrain.to_map(-71.25, 44.30))
    z[row - 2 : row + 3, col - 2 : col + 3] = np.nan
    holed = Responders(Terrain(z, terrain.transform, terrain.crs))
    units = [
        unit("walker", LAKES_HUT),
        unit("drone-near", TUCKERMAN_FLOOR, "drone"),
        unit("drone-far", (-71.9, 44.9), "drone"),
        unit("boat", LAKES_HUT, "boat"),
        unit("nowhere", None),
        unit("hovercraft", LAKES_HUT, "hovercraft"),
        unit("in-the-hole", (-71.25, 44.30)),
        unit("off-the-map", (-72.5, 44.3)),
    ]
    etas = etas_to_scene(holed, units, Scene("summit", *SUMMIT))
    assert [e.unit_id for e in etas.etas[:2]] == ["drone-near", "walker"]
    assert etas.recommended is not None and etas.recommended.unit_id == "drone-near"
    assert etas.eta("drone-near").minutes == pytest.approx(1397 * 0.06 / 60.0, abs=0.01)
    reasons = {e.unit_id: e.reason for e in etas.etas if not e.reachable}
    assert set(reasons) == {"drone-far", "boat", "nowhere", "hovercraft", "in-the-hole", "off-the-map"}
    assert "endurance" in (reasons["drone-far"] or "")
    assert "alert summit" in (reasons["boat"] or "") and "on land" in (reasons["boat"] or "")
    assert reasons["nowhere"] == "no known position"
    assert "unknown kind 'hovercraft'" in (reasons["hovercraft"] or "")
    assert "no data" in (reasons["in-the-hole"] or "") and "unit in-the-hole" in (reasons["in-the-hole"] or "")
    assert "outside the DEM" in (reasons["off-the-map"] or "")


def test_three_alerts_four_units_least_total_time_as_brute_force(responders: Responders) -> None:
    alerts = [Scene("summit", *SUMMIT), Scene("tuckerman", -71.2855, 44.2595),
              Scene("great-gulf", -71.2950, 44.2850)]
    units = [unit("lakes", LAKES_HUT), unit("tuck", TUCKERMAN_FLOOR), unit("lion-head", (-71.2900, 44.2660)),
             unit("pinkham", (-71.2533, 44.2573))]
    scenes = [etas_to_scene(responders, units, a) for a in alerts]
    cost, ids = eta_matrix(scenes)
    assert cost.shape == (3, 4) and np.isfinite(cost).all()
    best = min(itertools.permutations(range(4), 3), key=lambda p: sum(cost[i, j] for i, j in enumerate(p)))
    plan = assign_units(scenes)
    assert plan.unassigned == []
    assert [a.unit_id for a in plan.assignments] == [ids[j] for j in best]
    assert plan.total_minutes == pytest.approx(sum(cost[i, j] for i, j in enumerate(best)), abs=1e-9)
    print(f"\nassignment {[(a.alert_id, a.unit_id, round(a.minutes, 1)) for a in plan.assignments]}, "
          f"total {plan.total_minutes:.1f} min")


def _scene(id_: str, minutes: dict[str, float | None]) -> SceneEtas:
    return SceneEtas(Scene(id_, 0.0, 0.0), [UnitEta(u, Mode.FOOT, m, 0.0) for u, m in minutes.items()])


def test_the_hungarian_method_beats_each_alert_taking_its_nearest_unit() -> None:
    """Greedy sends a to u1 (10), leaving b u2 (100): 110; the best sends a to u2 (20), b to u1 (12): 32."""
    scenes = [_scene("a", {"u1": 10.0, "u2": 20.0}), _scene("b", {"u1": 12.0, "u2": 100.0})]
    plan = assign_units(scenes)
    assert [(a.alert_id, a.unit_id) for a in plan.assignments] == [("a", "u2"), ("b", "u1")]
    assert plan.total_minutes == 32.0


def test_alerts_no_unit_can_reach_are_left_unassigned() -> None:
    scenes = [_scene("a", {"u1": 5.0, "u2": None}), _scene("b", {"u1": 7.0, "u2": None}),
              _scene("c", {"u1": None, "u2": 30.0})]
    plan = assign_units(scenes)
    assert [(a.alert_id, a.unit_id) for a in plan.assignments] == [("a", "u1"), ("c", "u2")]
    assert plan.unassigned == ["b"] and plan.unit_for("b") is None
    assert math.isclose(plan.total_minutes, 35.0)
    assert assign_units([_scene("a", {})]).unassigned == ["a"]
