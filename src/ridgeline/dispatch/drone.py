"""Where a drone sent to an alert should hover to see it, by the viewshed engine.

A drone does not stop straight over what it is sent to watch: it holds a standoff (out of
earshot, its camera looking obliquely) at its planned height above the ground, on the side it
comes from.  In a gorge or behind a spur the terrain can hide the target from that planned
hover point; then the nearest point at the same height above the ground that does see it is
proposed instead.

Line of sight is symmetric, so one viewshed taken *from the target* (its height: a person's)
with the drone's height above the ground as the target height gives every cell over which a
drone would see it (:func:`ridgeline.terrain.viewshed.viewshed_window`, the exact kernel).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ridgeline.terrain.dem import Terrain
from ridgeline.terrain.viewshed import VISIBLE, Observer, viewshed_window


class HoverModel(BaseModel):
    """How a drone watches a scene."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    height_agl_m: float = Field(default=100.0, gt=0, le=500,
                                description="Its planned height above the ground while it watches, metres.")
    standoff_m: float = Field(default=300.0, ge=0, le=5000,
                              description="How far from the scene it holds, horizontally, metres (on the side it "
                              "comes from).")
    search_radius_m: float = Field(default=3000.0, gt=0, le=20_000,
                                   description="How far from the scene a hover point that sees it is looked for, "
                                   "metres.")
    target_height_m: float = Field(default=1.7, ge=0, le=50,
                                   description="Height of what it must see above the ground, metres (a person).")


@dataclass(frozen=True)
class DroneView:
    """Whether the drone sees the scene from its planned hover point, and where it should hover."""

    planned: tuple[float, float]
    """The planned hover point, lon/lat: the standoff from the scene towards the drone's start."""
    visible: bool
    """Whether the scene is in sight from the planned hover point."""
    hover: tuple[float, float] | None
    """Where to hover: the planned point if it sees the scene, else the nearest point that does
    (None: no point within the search radius sees it)."""
    moved_m: float
    """How far the proposed hover point is from the planned one, metres (0 when it sees)."""
    seen_fraction: float
    """Share of the cells within the search radius from which a drone sees the scene."""


def drone_view(terrain: Terrain, start: tuple[float, float], scene: tuple[float, float],
               model: HoverModel | None = None) -> DroneView:
    """Whether a drone from ``start`` (lon, lat) sees ``scene`` (lon, lat) from its planned hover
    point, and if not the nearest hover point that does (the module says how)."""
    model = model or HoverModel()
    srow, scol = terrain.cell_of_lonlat(*scene, what="the scene")
    sx, sy = terrain.to_map(*scene)
    dx, dy = np.subtract(terrain.to_map(*start), (sx, sy))
    far = math.hypot(dx, dy)
    # on the line from the scene towards the start, the standoff out (or the start, if nearer)
    k = min(model.standoff_m, far) / far if far > 0 else 0.0
    px, py = sx + k * dx, sy + k * dy
    seen, row0, col0 = viewshed_window(terrain, Observer(row=srow, col=scol, height=model.target_height_m,
                                                        target_height=model.height_agl_m,
                                                        radius=model.search_radius_m))
    visible_cells = seen == VISIBLE
    rows, cols = np.nonzero(visible_cells)
    inside = int((seen != 255).sum())
    planned = terrain.to_lonlat(px, py)
    prow, pcol = terrain.rowcol(px, py)
    wr, wc = prow - row0, pcol - col0
    if 0 <= wr < seen.shape[0] and 0 <= wc < seen.shape[1] and visible_cells[wr, wc]:
        return DroneView(planned, True, planned, 0.0, rows.size / max(inside, 1))
    if rows.size == 0:
        return DroneView(planned, False, None, math.nan, 0.0)
    # the cell centres that see the scene, and the one nearest the planned point
    xs, ys = terrain.centres(np.column_stack([rows + row0, cols + col0]))
    d = np.hypot(xs - px, ys - py)
    best = int(np.argmin(d))
    hover = terrain.to_lonlat(float(xs[best]), float(ys[best]))
    return DroneView(planned, False, hover, float(d[best]), rows.size / max(inside, 1))
