"""Where a drone should hover to see a scene, on the example sector's real terrain (SRTM over
the Presidential Range): on open ground its planned standoff sees the scene; on Tuckerman
Ravine's floor, approached from Pinkham Notch, the ravine's lip hides it from there, and the
hover point proposed instead does see it, checked by a viewshed taken the other way round."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ridgeline.config import load_sector
from ridgeline.dispatch.drone import HoverModel, drone_view
from ridgeline.errors import OutsideTerrainError
from ridgeline.terrain.dem import Terrain
from ridgeline.terrain.viewshed import VISIBLE, Observer, viewshed_window

RAVINE = (-71.2941, 44.2592)  # Tuckerman Ravine's floor
FROM_PINKHAM = (-71.2449, 44.2519)  # a drone coming from the east
SUMMIT = (-71.3033, 44.2706)
FROM_MADISON = (-71.2778, 44.3283)  # the Mt Madison site


@pytest.fixture(scope="module")
def terrain(example_sector_path) -> Terrain:  # type: ignore[no-untyped-def]
    from ridgeline.app.planning import load_terrain

    return load_terrain(load_sector(example_sector_path))


def sees(terrain: Terrain, hover: tuple[float, float], scene: tuple[float, float], model: HoverModel) -> bool:
    """Whether a drone at ``hover`` (its height above the ground) sees ``scene``: a viewshed from the drone."""
    row, col = terrain.cell_of_lonlat(*hover)
    seen, row0, col0 = viewshed_window(terrain, Observer(row=row, col=col, height=model.height_agl_m,
                                                        target_height=model.target_height_m, radius=5000))
    srow, scol = terrain.cell_of_lonlat(*scene)
    return bool(seen[srow - row0, scol - col0] == VISIBLE)


def test_on_open_ground_the_planned_standoff_sees_the_scene(terrain: Terrain) -> None:
    model = HoverModel()
    view = drone_view(terrain, FROM_MADISON, SUMMIT, model)
    assert view.visible and view.hover == view.planned and view.moved_m == 0
    # the planned point is the standoff from the summit towards Mt Madison (north-north-east)
    x0, y0 = terrain.to_map(*SUMMIT)
    x1, y1 = terrain.to_map(*view.planned)
    assert ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 == pytest.approx(model.standoff_m, rel=1e-6)
    assert y1 > y0 and x1 > x0
    assert sees(terrain, view.hover, SUMMIT, model)


def test_in_the_ravine_the_lip_hides_it_and_a_nearby_point_that_sees_it_is_proposed(terrain: Terrain) -> None:
    model = HoverModel()
    view = drone_view(terrain, FROM_PINKHAM, RAVINE, model)
    print(f"planned {view.planned} sees the ravine floor: {view.visible}; hover {view.hover}, "
          f"{view.moved_m:.0f} m off the plan; {100 * view.seen_fraction:.0f} % of the 3 km around see it")
    assert not view.visible and not sees(terrain, view.planned, RAVINE, model)
    assert view.hover is not None and 0 < view.moved_m < model.standoff_m
    assert sees(terrain, view.hover, RAVINE, model)  # the other way round: from the drone, it is in sight
    # higher up, the planned point itself sees over the lip
    assert drone_view(terrain, FROM_PINKHAM, RAVINE, HoverModel(height_agl_m=400)).visible


def test_a_scene_off_the_terrain_and_unknown_settings_are_refused(terrain: Terrain) -> None:
    with pytest.raises(OutsideTerrainError, match=r"the scene at lon 0\.00000, lat 0\.00000 is outside the DEM"):
        drone_view(terrain, FROM_PINKHAM, (0.0, 0.0))
    with pytest.raises(ValidationError, match="altitude"):
        HoverModel(altitude=120)  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="height_agl_m"):
        HoverModel(height_agl_m=-5)
