"""Siting: where the next K masts should go to see most of the line no one sees today.

This is maximum coverage: candidates (grid points near the line) each see a set of the
line's blind samples; choose K candidates to cover the most blind length.  Lazy greedy
(Minoux) is fast and within 1 - 1/e of the optimum in theory, usually much closer; for
small instances an exact integer program with HiGHS says how close.  Candidate footprints
come from one batched, parallel viewshed call.
"""

from __future__ import annotations

import heapq
import math
import os
import sys
from dataclasses import dataclass

import highspy
import numpy as np
from shapely.geometry import LineString, Point

from ridgeline.config.sector import CandidateConfig, Sector, SensorConfig, SiteConfig
from ridgeline.errors import SitingError
from ridgeline.model.earth import WGS84_SEMI_MAJOR_M
from ridgeline.terrain._sweep import batch_viewsheds
from ridgeline.terrain.coverage import LineSamples
from ridgeline.terrain.dem import Terrain
from ridgeline.terrain.footprint import bearing_deg, in_wedge, sensor_range, wedge
from ridgeline.terrain.viewshed import DEFAULT_CURVATURE_COEFF


@dataclass(frozen=True)
class Candidates:
    """Candidate mast cells and which line samples each would see."""

    rows: np.ndarray
    cols: np.ndarray
    lonlat: list[tuple[float, float]]
    sees: np.ndarray  # bool [n_candidates, n_samples]
    sensors: list[SensorConfig]
    mast_height_m: float

    def site(self, i: int, site_id: str) -> SiteConfig:
        """Candidate ``i`` as a site, so its footprint can be drawn like any other."""
        lon, lat = self.lonlat[i]
        return SiteConfig(
            id=site_id, lon=lon, lat=lat, mast_height_m=self.mast_height_m, sensors=[self.sensors[i]]
        )


@dataclass(frozen=True)
class SitingPlan:
    """The chosen masts, in order, and the blind length each one adds to coverage."""

    chosen: list[int]
    gains_m: list[float]
    method: str

    @property
    def total_gain_m(self) -> float:
        return float(sum(self.gains_m))


def candidate_cells(sector: Sector, terrain: Terrain, cfg: CandidateConfig) -> tuple[np.ndarray, np.ndarray]:
    """Grid points every ``spacing_m`` within ``within_m`` of the line, on valid terrain."""
    line = LineString([terrain.to_map(lon, lat) for lon, lat in sector.line_lonlat()])
    minx, miny, maxx, maxy = line.buffer(cfg.within_m).bounds
    xs = np.arange(minx, maxx + 1, cfg.spacing_m)
    ys = np.arange(miny, maxy + 1, cfg.spacing_m)
    rows, cols = [], []
    for y in ys:
        for x in xs:
            if line.distance(Point(x, y)) > cfg.within_m or not terrain.contains(x, y):
                continue
            r, c = terrain.rowcol(x, y)
            if math.isfinite(float(terrain.elevation[r, c])):
                rows.append(r)
                cols.append(c)
    if not rows:
        raise SitingError(
            f"no candidate mast cell within {cfg.within_m:.0f} m of the line on the DEM"
        )
    return np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)


def evaluate_candidates(
    sector: Sector,
    terrain: Terrain,
    samples: LineSamples,
    night: bool = False,
    curvature_coeff: float = DEFAULT_CURVATURE_COEFF,
) -> Candidates:
    """Which line samples each candidate mast would see (viewshed ∩ range ∩ field of view)."""
    if sector.candidates is None:
        raise SitingError("the sector file has no 'candidates' section saying where masts may go")
    cfg = sector.candidates
    rows, cols = candidate_cells(sector, terrain, cfg)
    rng = sensor_range(cfg.sensor, night)
    if rng <= 0:
        raise SitingError("the candidate sensor has no range at this time of day")
    dem = np.ascontiguousarray(terrain.elevation, dtype=np.float32)
    heights = np.full(rows.shape[0], float(cfg.mast_height_m))
    _, seen = batch_viewsheds(
        dem, rows, cols, heights, float(cfg.sensor.target_height_m), terrain.cell_size,
        curvature_coeff / (2.0 * WGS84_SEMI_MAJOR_M), float(rng), samples.rows, samples.cols,
    )
    sees = seen.astype(bool)
    sensors = []
    for i in range(rows.shape[0]):
        cx, cy = terrain.xy(rows[i], cols[i])
        dx, dy = samples.x - cx, samples.y - cy
        bearing = bearing_deg(dx, dy)
        sensor = cfg.sensor
        if sensor.kind in ("camera", "thermal"):
            # a fixed camera is turned to face the line: its wedge centred on the nearest sample
            facing = float(bearing[np.argmin(np.hypot(dx, dy))])
            sensor = sensor.model_copy(update={"azimuth_deg": facing % 360.0})
        sensors.append(sensor)
        sees[i] &= in_wedge(bearing, wedge(sensor))
    lonlat = [terrain.to_lonlat(*terrain.xy(r, c)) for r, c in zip(rows, cols, strict=True)]
    return Candidates(rows, cols, lonlat, sees, sensors, float(cfg.mast_height_m))


def _blind_groups(sees: np.ndarray, weights: np.ndarray, blind: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Blind samples grouped by the set of candidates that see them: (cover[c, g], weight[g])."""
    cols = sees[:, blind]
    w = weights[blind]
    useful = cols.any(axis=0)
    cols, w = cols[:, useful], w[useful]
    if cols.shape[1] == 0:
        return np.zeros((sees.shape[0], 0), dtype=bool), np.zeros(0)
    keys, inverse = np.unique(np.packbits(cols, axis=0).T, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    gw = np.bincount(inverse, weights=w, minlength=keys.shape[0])
    first = np.zeros(keys.shape[0], dtype=np.int64)
    first[inverse[::-1]] = np.arange(inverse.shape[0])[::-1]
    return cols[:, first], gw


def greedy_siting(sees: np.ndarray, weights: np.ndarray, blind: np.ndarray, k: int) -> SitingPlan:
    """Lazy greedy maximum coverage: each step adds the mast that covers most new blind length."""
    cover, gw = _blind_groups(sees, weights, blind)
    covered = np.zeros(gw.shape[0], dtype=bool)
    heap = [(-float(gw[cover[c]].sum()), c) for c in range(cover.shape[0])]
    heapq.heapify(heap)
    chosen: list[int] = []
    gains: list[float] = []
    while heap and len(chosen) < k:
        _, c = heapq.heappop(heap)
        fresh = float(gw[cover[c] & ~covered].sum())
        if heap and fresh < -heap[0][0] - 1e-9:
            heapq.heappush(heap, (-fresh, c))
            continue
        if fresh <= 0:
            break
        chosen.append(c)
        gains.append(fresh)
        covered |= cover[c]
    return SitingPlan(chosen, gains, "greedy")


def _quiet_highs() -> highspy.Highs:
    """A HiGHS instance; its start-up banner goes to the process's stdout, so silence it."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()  # type: ignore[no-untyped-call]
            h.setOptionValue("output_flag", False)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return h


def exact_siting(
    sees: np.ndarray, weights: np.ndarray, blind: np.ndarray, k: int, time_limit_s: float = 120.0
) -> SitingPlan:
    """Optimal maximum coverage by integer programming (HiGHS); raises if not solved to optimality."""
    cover, gw = _blind_groups(sees, weights, blind)
    n, g = cover.shape
    h = _quiet_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    x = h.addBinaries(n)
    y = [h.addVariable(lb=0.0, ub=1.0) for _ in range(g)]
    for j in range(g):
        who = np.flatnonzero(cover[:, j])
        h.addConstr(y[j] <= sum(x[int(i)] for i in who))
    h.addConstr(sum(x[i] for i in range(n)) <= k)  # type: ignore[arg-type]
    h.maximize(sum(float(gw[j]) * y[j] for j in range(g)))
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise SitingError(f"the integer program was not solved to optimality ({status})")
    xv = np.asarray(h.vals(x))
    chosen = [int(i) for i in np.flatnonzero(xv > 0.5)]
    # report gains in greedy order over the chosen set, so the table reads the same way
    order = greedy_siting(sees[chosen], weights, blind, len(chosen))
    return SitingPlan([chosen[i] for i in order.chosen], order.gains_m, "exact")
