"""Stops: where a vessel stays within a small area for a while, MovingPandas' definition, compiled.

MovingPandas' ``TrajectoryStopDetector`` calls a stop any stretch of a track whose points fit
in a rectangle (the minimum rotated rectangle) with a diagonal under ``max_diameter`` for at
least ``min_duration``; its window slides while the vessel moves and grows while it stays.
The same rule runs here over every track of a chunk at once, with the window carried from
one chunk to the next (so streaming and batch give the same stops).  While a vessel is stopped
only its window's convex hull matters, so a long stop is carried as its hull and its first and
last points: memory stays bounded however long the vessel waits.  Distances are metres on a
local flat map around the window's first point, not degrees.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numba as nb
import numpy as np
import numpy.typing as npt

from ridgeline.model.earth import MEAN_RADIUS_M

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@nb.njit(cache=True)
def _cross(ox: float, oy: float, ax: float, ay: float, bx: float, by: float) -> float:
    return (ax - ox) * (by - oy) - (ay - oy) * (bx - ox)


@nb.njit(cache=True)
def _hull(x: F64, y: F64, m: int, out: I64) -> int:
    """Indices (into x, y) of the convex hull of the first m points, counter-clockwise; its size."""
    order = np.argsort(x[:m] + y[:m] * 1e-9)  # by x, then y (ties broken well enough for hulls)
    k = 0
    for idx in range(m):
        i = order[idx]
        while k >= 2 and _cross(x[out[k - 2]], y[out[k - 2]], x[out[k - 1]], y[out[k - 1]], x[i], y[i]) <= 0:
            k -= 1
        out[k] = i
        k += 1
    lower = k + 1
    for idx in range(m - 2, -1, -1):
        i = order[idx]
        while k >= lower and _cross(x[out[k - 2]], y[out[k - 2]], x[out[k - 1]], y[out[k - 1]], x[i], y[i]) <= 0:
            k -= 1
        out[k] = i
        k += 1
    return max(k - 1, 1) if m > 1 else m


@nb.njit(cache=True)
def _mrr_diagonal(x: F64, y: F64, hull: I64, h: int) -> float:
    """Diagonal of the minimum-area rectangle around the hull points (rotating edges)."""
    if h == 1:
        return 0.0
    if h == 2:
        return math.hypot(x[hull[1]] - x[hull[0]], y[hull[1]] - y[hull[0]])
    best_area = np.inf
    best_diag = 0.0
    for e in range(h):
        a = hull[e]
        b = hull[(e + 1) % h]
        ex = x[b] - x[a]
        ey = y[b] - y[a]
        norm = math.hypot(ex, ey)
        if norm == 0.0:
            continue
        ux = ex / norm
        uy = ey / norm
        lo_u = np.inf
        hi_u = -np.inf
        lo_v = np.inf
        hi_v = -np.inf
        for q in range(h):
            px = x[hull[q]] - x[a]
            py = y[hull[q]] - y[a]
            u = px * ux + py * uy
            v = -px * uy + py * ux
            lo_u = min(lo_u, u)
            hi_u = max(hi_u, u)
            lo_v = min(lo_v, v)
            hi_v = max(hi_v, v)
        area = (hi_u - lo_u) * (hi_v - lo_v)
        if area < best_area:
            best_area = area
            best_diag = math.hypot(hi_u - lo_u, hi_v - lo_v)
    return best_diag


@nb.njit(cache=True)
def _judge(
    px: F64, py: F64, cand: I64, m: int, max_diameter: float, sx: F64, sy: F64, hull: I64, hull_out: I64,
) -> tuple[bool, int]:
    """Whether the points ``cand[:m]`` fit the stop rectangle; their hull goes to ``hull_out``.

    Returns (stopped, hull size); the hull is only computed (and the size non-zero) when the
    bounding box does not already rule a stop out.
    """
    lo_x = np.inf
    hi_x = -np.inf
    lo_y = np.inf
    hi_y = -np.inf
    for q in range(m):
        x = px[cand[q]]
        y = py[cand[q]]
        sx[q] = x
        sy[q] = y
        lo_x = min(lo_x, x)
        hi_x = max(hi_x, x)
        lo_y = min(lo_y, y)
        hi_y = max(hi_y, y)
    if math.hypot(hi_x - lo_x, hi_y - lo_y) >= 1.5 * max_diameter:
        return False, 0
    h = _hull(sx, sy, m, hull)
    for q in range(h):
        hull_out[q] = cand[hull[q]]
    return _mrr_diagonal(sx, sy, hull, h) < max_diameter, h


@nb.njit(cache=True)
def _inside_hull(px: F64, py: F64, hull_idx: I64, nh: int, i: int) -> bool:
    """Whether point i lies in the convex hull (counter-clockwise vertices ``hull_idx[:nh]``)."""
    if nh < 3:  # a point or a segment: inside only if it repeats a vertex
        same = nh > 0
        for q in range(nh):
            same = same and px[hull_idx[q]] == px[i] and py[hull_idx[q]] == py[i]
        return same
    x = px[i]
    y = py[i]
    for q in range(nh):
        a = hull_idx[q]
        b = hull_idx[(q + 1) % nh]
        if _cross(px[a], py[a], px[b], py[b], x, y) < 0:
            return False
    return True


@nb.njit(cache=True)
def _stop_row(out: F64, ns: int, track: int, time: F64, lat: F64, lon: F64, first: int, end: int,
              ongoing: bool) -> int:
    """Write the stop of reports [first, end) as row ``ns``: at their mean place, or at the first
    report's if it is still going on; the next row's index."""
    out[ns, 0] = track
    out[ns, 1] = time[first]
    out[ns, 2] = time[end - 1]
    if ongoing:
        out[ns, 3] = lat[first]
        out[ns, 4] = lon[first]
    else:
        out[ns, 3] = lat[first:end].mean()
        out[ns, 4] = lon[first:end].mean()
    out[ns, 5] = end - first
    out[ns, 6] = 1.0 if ongoing else 0.0
    return ns + 1


@nb.njit(cache=True)
def _far_point(px: F64, py: F64, w0: int, i: int, max_diameter: float) -> int:
    """The latest point in [w0, i) at least ``max_diameter`` from point i, or -1."""
    d2 = max_diameter * max_diameter
    for j in range(i - 1, w0 - 1, -1):
        dx = px[i] - px[j]
        dy = py[i] - py[j]
        if dx * dx + dy * dy >= d2:
            return j
    return -1


@nb.njit(cache=True)
def _detect(
    track: I64, time: F64, lat: F64, lon: F64, carried: npt.NDArray[np.bool_],
    prev_stopped: npt.NDArray[np.bool_], diameters: F64, durations: F64, final: bool,
) -> tuple[F64, npt.NDArray[np.bool_]]:
    n = len(time)
    out = np.empty((n, 7), np.float64)  # track, start, end, lat, lon, reports, going on
    keep = np.zeros(n, np.bool_)
    ns = 0
    px = np.empty(n, np.float64)
    py = np.empty(n, np.float64)
    sx = np.empty(n + 2, np.float64)
    sy = np.empty(n + 2, np.float64)
    hull = np.empty(n + 3, np.int64)
    cand = np.empty(n + 3, np.int64)
    hull_idx = np.empty(n + 3, np.int64)  # hull of a stopped window, as indices into the chunk
    new_hull = np.empty(n + 3, np.int64)
    a = 0
    while a < n:
        b = a
        while b < n and track[b] == track[a]:
            b += 1
        tr = track[a]
        # one flat map per track (the rectangle does not care where its origin is)
        ky = math.pi / 180.0 * MEAN_RADIUS_M
        kx = ky * math.cos(math.radians(lat[a]))
        for q in range(a, b):
            px[q] = (lon[q] - lon[a]) * kx
            py[q] = (lat[q] - lat[a]) * ky
        w0 = a
        first_new = a
        while first_new < b and carried[first_new]:
            first_new += 1
        stopped = prev_stopped[tr]
        prev = stopped
        nh = 0
        hull_valid = False  # hull_idx holds the hull of [w0, i-1] (only kept while stopped)
        far = -1  # the latest point known to be max_diameter or more from a later point
        for i in range(first_new, b):
            max_diameter = diameters[i]  # the thresholds where the vessel is now
            min_duration = durations[i]
            if not stopped:
                while i - w0 + 1 > 2 and time[i] - time[w0] >= min_duration:
                    w0 += 1
                hull_valid = False
            inside = stopped and hull_valid and _inside_hull(px, py, hull_idx, nh, i)
            reach = -1 if inside or w0 <= far or stopped else _far_point(px, py, w0, i, max_diameter)
            if inside:
                is_stop = True  # nothing new: the same hull, the same rectangle
            elif w0 <= far:
                is_stop = False  # the window holds two points too far apart for any box to be small enough
            elif reach >= 0:
                far = reach
                is_stop = False
            else:
                m = 0
                if stopped and hull_valid:
                    for q in range(nh):
                        cand[m] = hull_idx[q]
                        m += 1
                    cand[m] = i
                    m += 1
                else:
                    for q in range(w0, i + 1):
                        cand[m] = q
                        m += 1
                if m > 1:
                    is_stop, h = _judge(px, py, cand, m, max_diameter, sx, sy, hull, new_hull)
                else:
                    is_stop, h = False, 0
                if is_stop:
                    for q in range(h):
                        hull_idx[q] = new_hull[q]
                    nh = h
                    hull_valid = True
            if not is_stop and prev and i - w0 + 1 > 1 and time[i - 1] - time[w0] >= min_duration:
                ns = _stop_row(out, ns, tr, time, lat, lon, w0, i, False)
                w0 = i
                hull_valid = False
            if not is_stop:
                hull_valid = False
            stopped = is_stop
            prev = is_stop
        if final:
            if stopped and b - 1 > w0 and time[b - 1] - time[w0] >= durations[b - 1]:
                ns = _stop_row(out, ns, tr, time, lat, lon, w0, b, False)
            prev_stopped[tr] = False
        else:
            prev_stopped[tr] = stopped
            long_stop = stopped and b - 1 > w0 and time[b - 1] - time[w0] >= durations[b - 1]
            if long_stop:  # going on: reported now (at its first report), and again when it ends
                ns = _stop_row(out, ns, tr, time, lat, lon, w0, b, True)
            if long_stop and hull_valid:
                keep[w0] = True  # a long stop travels as its first point, hull and last point
                keep[b - 1] = True
                for q in range(nh):
                    keep[hull_idx[q]] = True
            else:
                keep[w0:b] = True
        a = b
    return out[:ns], keep


@dataclass(frozen=True)
class Stops:
    """Stops found: one row each (track id, start and end time, mean position, report count).

    ``ongoing`` rows are stops still going on at the end of a chunk (their place is the stop's
    first report, their end the latest report); the same stop comes again once it ends.
    """

    track: I64
    start: F64
    end: F64
    lat: F64
    lon: F64
    points: I64
    ongoing: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.track)

    @staticmethod
    def concat(parts: list[Stops]) -> Stops:
        """All rows of ``parts``."""
        if not parts:
            z = np.zeros(0)
            return Stops(np.zeros(0, np.int64), z, z, z, z, np.zeros(0, np.int64), np.zeros(0, np.bool_))
        fields = ("track", "start", "end", "lat", "lon", "points", "ongoing")
        return Stops(*(np.concatenate([getattr(p, f) for p in parts]) for f in fields))


@dataclass
class StopDetector:
    """Finds stops chunk by chunk over cleaned tracks (each chunk's reports sorted by time).

    The thresholds may differ per report (zones set their own); a window is judged by those
    where the vessel is at its latest report.
    """

    _carry_track: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    _carry_time: F64 = field(default_factory=lambda: np.zeros(0))
    _carry_lat: F64 = field(default_factory=lambda: np.zeros(0))
    _carry_lon: F64 = field(default_factory=lambda: np.zeros(0))
    _carry_diameter: F64 = field(default_factory=lambda: np.zeros(0))
    _carry_duration: F64 = field(default_factory=lambda: np.zeros(0))
    _prev_stopped: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, np.bool_))

    def feed(
        self, track: I64, time: F64, lat: F64, lon: F64, diameter_m: F64 | float, duration_s: F64 | float,
        final: bool = False,
    ) -> Stops:
        """Stops that ended within this chunk, and those going on (closed too if ``final``)."""
        diameter_m = np.broadcast_to(np.asarray(diameter_m, np.float64), time.shape)
        duration_s = np.broadcast_to(np.asarray(duration_s, np.float64), time.shape)
        if len(track):
            need = int(track.max()) + 1
            if need > len(self._prev_stopped):
                grown = np.zeros(max(need, 2 * len(self._prev_stopped), 64), np.bool_)
                grown[: len(self._prev_stopped)] = self._prev_stopped
                self._prev_stopped = grown
        all_track = np.concatenate([self._carry_track, track])
        all_time = np.concatenate([self._carry_time, time])
        all_lat = np.concatenate([self._carry_lat, lat])
        all_lon = np.concatenate([self._carry_lon, lon])
        all_diameter = np.concatenate([self._carry_diameter, diameter_m])
        all_duration = np.concatenate([self._carry_duration, duration_s])
        carried = np.zeros(len(all_track), np.bool_)
        carried[: len(self._carry_track)] = True
        # by track, keeping order within one: carried reports first, then the chunk's (each in time order)
        order = np.argsort(all_track, kind="stable")
        all_track, all_time, all_lat, all_lon, carried = (
            all_track[order], all_time[order], all_lat[order], all_lon[order], carried[order],
        )
        all_diameter, all_duration = all_diameter[order], all_duration[order]
        rows, keep = _detect(
            all_track, all_time, all_lat, all_lon, carried, self._prev_stopped, all_diameter, all_duration, final,
        )
        if final:
            keep[:] = False
        self._carry_track, self._carry_time = all_track[keep], all_time[keep]
        self._carry_lat, self._carry_lon = all_lat[keep], all_lon[keep]
        self._carry_diameter, self._carry_duration = all_diameter[keep], all_duration[keep]
        return Stops(rows[:, 0].astype(np.int64), rows[:, 1], rows[:, 2], rows[:, 3], rows[:, 4],
                     rows[:, 5].astype(np.int64), rows[:, 6] > 0)

    @property
    def carried(self) -> int:
        """Reports held over for the next chunk (windows of vessels possibly stopping)."""
        return len(self._carry_track)
