"""The compiled loops behind the behaviour detectors: one pass per chunk each, no Python per report.

``track_pass`` walks a chunk's reports in time order with per-track state (gaps, loitering,
appearances, restricted-zone entries); ``proximity_pass`` keeps every track's latest position,
and at each clock tick lists the pairs of vessels close enough to be meeting, and for each radar
plot the distance to the nearest AIS vessel.  Both emit candidate rows; the Python side applies
what changes slowly or needs geometry (anchorages, zone edges) and turns them into behaviours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numba as nb
import numpy as np
import numpy.typing as npt

from ridgeline.config.maritime import Thresholds
from ridgeline.maritime.geodesy import KNOT_MS, distance_m
from ridgeline.model.earth import MEAN_RADIUS_M

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]

# candidate kinds from track_pass
GAP, GAP_ONGOING, LOITER, LOITER_ONGOING, FIRST_SEEN, ENTRY = 0, 1, 2, 3, 4, 5

# columns of the per-zone threshold table: the Thresholds fields, each index found by name
THRESHOLD_COLUMNS = tuple(Thresholds.model_fields)
(T_ENC_D, T_ENC_T, T_ENC_S, T_ANCH, T_ENC_SHORE, T_LOI_S, T_LOI_T, T_LOI_SHORE, T_GAP, T_GAP_SHORE,
 T_STOP_D, T_STOP_T, T_LAND_SHORE, T_PORT, T_LAND_MAX_T, T_APPEAR, T_DARK_D, T_DARK_T) = map(
    THRESHOLD_COLUMNS.index, (
    "encounter_distance_m", "encounter_min_duration_s", "encounter_max_speed_kn", "anchorage_exclusion_m",
    "encounter_min_shore_m", "loiter_max_speed_kn", "loiter_min_duration_s", "loiter_min_shore_m", "gap_min_s",
    "gap_min_shore_m", "stop_max_diameter_m", "stop_min_duration_s", "landing_max_shore_m", "port_radius_m",
    "landing_max_duration_s", "appear_margin_m", "dark_distance_m", "dark_min_duration_s"))

MIN_GAP_REPORTS = 3
"""A track must have said this much before its silence counts as going dark (one stray fix never does)."""


@dataclass
class TrackState:
    """What the compiled passes remember per track id between chunks: one array row per track."""

    last_t: F64 = field(default_factory=lambda: np.zeros(0))
    last_lat: F64 = field(default_factory=lambda: np.zeros(0))
    last_lon: F64 = field(default_factory=lambda: np.zeros(0))
    last_zone: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    last_shore: F64 = field(default_factory=lambda: np.zeros(0))
    reports: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    gap_flagged: B = field(default_factory=lambda: np.zeros(0, np.bool_))
    loi_start: F64 = field(default_factory=lambda: np.zeros(0))
    loi_lat: F64 = field(default_factory=lambda: np.zeros(0))
    loi_lon: F64 = field(default_factory=lambda: np.zeros(0))
    loi_sum: F64 = field(default_factory=lambda: np.zeros(0))
    loi_n: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    loi_flagged: B = field(default_factory=lambda: np.zeros(0, np.bool_))
    px_t: F64 = field(default_factory=lambda: np.zeros(0))
    px_lat: F64 = field(default_factory=lambda: np.zeros(0))
    px_lon: F64 = field(default_factory=lambda: np.zeros(0))
    px_sog: F32 = field(default_factory=lambda: np.zeros(0, np.float32))
    px_cog: F32 = field(default_factory=lambda: np.zeros(0, np.float32))

    FILL: ClassVar[dict[str, float]] = {
        "last_t": -np.inf, "last_shore": np.inf, "loi_start": -np.inf, "px_t": -np.inf, "px_sog": np.nan,
            "px_cog": np.nan}

    def grow(self, size: int) -> None:
        """Room for track ids below ``size`` (new rows start empty)."""
        have = len(self.last_t)
        if size <= have:
            return
        extra = max(size, 2 * have, 64) - have
        for name, value in vars(self).items():
            setattr(self, name, np.concatenate([value, np.full(extra, self.FILL.get(name, 0), value.dtype)]))


@nb.njit(cache=True)
def _put(rows: F64, m: int, kind: int, track: int, start: float, end: float, lat: float, lon: float,
         lat2: float, lon2: float, zone: int, value: float) -> int:
    """Write candidate row ``m``; the next row's index."""
    rows[m, 0] = kind
    rows[m, 1] = track
    rows[m, 2] = start
    rows[m, 3] = end
    rows[m, 4] = lat
    rows[m, 5] = lon
    rows[m, 6] = lat2
    rows[m, 7] = lon2
    rows[m, 8] = zone
    rows[m, 9] = value
    return m + 1


@nb.njit(cache=True)
def track_pass(
    track: I64, time: F64, lat: F64, lon: F64, sog: F32, zone: I64, shore: F64,
    thresholds: F64, restricted: B,
    last_t: F64, last_lat: F64, last_lon: F64, last_zone: I64, last_shore: F64, reports: I64,
    gap_flagged: B, loi_start: F64, loi_lat: F64, loi_lon: F64, loi_sum: F64, loi_n: I64, loi_flagged: B,
    now: float,
) -> npt.NDArray[np.float64]:
    """Candidate rows, one a line: kind, track, start, end, lat, lon, lat2, lon2, zone, value."""
    n = len(time)
    cap = 2 * n + len(last_t) + 1
    rows = np.empty((cap, 10), np.float64)
    m = 0
    for i in range(n):
        tr = track[i]
        t = time[i]
        z = zone[i]
        seen = last_t[tr] != -np.inf
        # AIS gap: the silence before this report
        if seen:
            lz = last_zone[tr]
            silence = t - last_t[tr]
            if (silence >= thresholds[lz, T_GAP] and last_shore[tr] >= thresholds[lz, T_GAP_SHORE]
                    and reports[tr] >= MIN_GAP_REPORTS):
                m = _put(rows, m, GAP, tr, last_t[tr], t, last_lat[tr], last_lon[tr], lat[i], lon[i], lz, silence)
            gap_flagged[tr] = False
            if silence >= thresholds[lz, T_GAP] and z > 0:
                # back from a long silence inside a zone: judged like a newcomer
                m = _put(rows, m, FIRST_SEEN, tr, t, t, lat[i], lon[i], last_lat[tr], last_lon[tr], z, silence)
        elif z > 0:
            m = _put(rows, m, FIRST_SEEN, tr, t, t, lat[i], lon[i], np.nan, np.nan, z, np.inf)
        # restricted waters: entering a restricted zone from anywhere else
        if restricted[z] and (not seen or last_zone[tr] != z):
            before_lat = last_lat[tr] if seen else np.nan
            before_lon = last_lon[tr] if seen else np.nan
            m = _put(rows, m, ENTRY, tr, t, t, lat[i], lon[i], before_lat, before_lon, z, 0.0)
        # loitering: a run of slow reports (speed from the report, else implied by the last hop)
        speed = float(sog[i])
        if math.isnan(speed):
            if seen and t > last_t[tr]:
                speed = distance_m(last_lat[tr], last_lon[tr], lat[i], lon[i]) / (t - last_t[tr]) / KNOT_MS
            else:
                speed = 0.0 if loi_start[tr] != -np.inf else np.inf
        lz0 = last_zone[tr] if loi_start[tr] != -np.inf else z
        slow = speed < thresholds[z, T_LOI_S]
        broken = seen and t - last_t[tr] >= thresholds[lz0, T_GAP]
        if loi_start[tr] != -np.inf and (not slow or broken):
            dur = last_t[tr] - loi_start[tr]
            if dur >= thresholds[lz0, T_LOI_T] and loi_n[tr] > 0:
                m = _put(rows, m, LOITER, tr, loi_start[tr], last_t[tr], loi_lat[tr], loi_lon[tr], last_lat[tr],
                         last_lon[tr], lz0, loi_sum[tr] / loi_n[tr])
            loi_start[tr] = -np.inf
            loi_flagged[tr] = False
        if slow:
            if loi_start[tr] == -np.inf:
                loi_start[tr] = t
                loi_lat[tr] = lat[i]
                loi_lon[tr] = lon[i]
                loi_sum[tr] = 0.0
                loi_n[tr] = 0
            loi_sum[tr] += speed
            loi_n[tr] += 1
        last_t[tr] = t
        last_lat[tr] = lat[i]
        last_lon[tr] = lon[i]
        last_zone[tr] = z
        last_shore[tr] = shore[i]
        reports[tr] += 1
    # what is going on at the end of the chunk: long silences and long loitering
    for tr in range(len(last_t)):
        if last_t[tr] == -np.inf:
            continue
        lz = last_zone[tr]
        if (not gap_flagged[tr] and now - last_t[tr] >= thresholds[lz, T_GAP]
                and last_shore[tr] >= thresholds[lz, T_GAP_SHORE] and reports[tr] >= MIN_GAP_REPORTS):
            gap_flagged[tr] = True
            m = _put(rows, m, GAP_ONGOING, tr, last_t[tr], now, last_lat[tr], last_lon[tr], np.nan, np.nan, lz,
                     now - last_t[tr])
        if (loi_start[tr] != -np.inf and not loi_flagged[tr] and loi_n[tr] > 0
                and last_t[tr] - loi_start[tr] >= thresholds[lz, T_LOI_T]):
            loi_flagged[tr] = True
            m = _put(rows, m, LOITER_ONGOING, tr, loi_start[tr], last_t[tr], loi_lat[tr], loi_lon[tr], last_lat[tr],
                     last_lon[tr], lz, loi_sum[tr] / loi_n[tr])
    return rows[:m]


@nb.njit(cache=True)
def _position_at(
    tr: int, t: float, last_t: F64, last_lat: F64, last_lon: F64, last_sog: F32, last_cog: F32,
) -> tuple[float, float]:
    """Where track ``tr`` is at ``t``: its last fix, carried forward along its course and speed."""
    age = t - last_t[tr]
    s = last_sog[tr]
    c = last_cog[tr]
    if age <= 0.0 or math.isnan(s) or math.isnan(c) or s < 0.1:
        return last_lat[tr], last_lon[tr]
    d = s * KNOT_MS * age
    dlat = d * math.cos(math.radians(c)) / MEAN_RADIUS_M
    dlon = d * math.sin(math.radians(c)) / (MEAN_RADIUS_M * max(math.cos(math.radians(last_lat[tr])), 1e-6))
    return last_lat[tr] + math.degrees(dlat), last_lon[tr] + math.degrees(dlon)


@nb.njit(cache=True)
def _close_pairs(
    ids: I64, plat: F64, plon: F64, cell_m: float,
) -> tuple[I64, I64, F64]:
    """Pairs (indices into ids) of points within ``cell_m`` of each other, and their distance."""
    n = len(ids)
    if n < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)
    lat0 = 0.0
    for i in range(n):
        lat0 += plat[i]
    lat0 /= n
    k = math.pi / 180.0 * MEAN_RADIUS_M
    # a cell a little wider than the distance: the flat map stretches away from lat0
    size = cell_m * 1.25
    cx = np.empty(n, np.int64)
    cy = np.empty(n, np.int64)
    key = np.empty(n, np.int64)
    for i in range(n):
        cx[i] = np.int64(math.floor(plon[i] * k * math.cos(math.radians(lat0)) / size))
        cy[i] = np.int64(math.floor(plat[i] * k / size))
        key[i] = cx[i] * 4_000_003 + cy[i]
    order = np.argsort(key)
    skey = key[order]
    pa = []
    pb = []
    pd = []
    for i in range(n):
        for dx in range(-1, 2):
            for dy in range(-1, 2):
                want = (cx[i] + dx) * 4_000_003 + (cy[i] + dy)
                lo = np.searchsorted(skey, want)
                hi = np.searchsorted(skey, want, side="right")
                for q in range(lo, hi):
                    j = order[q]
                    if j <= i:
                        continue
                    d = distance_m(plat[i], plon[i], plat[j], plon[j])
                    if d <= cell_m:
                        pa.append(i)
                        pb.append(j)
                        pd.append(d)
    return np.array(pa, np.int64), np.array(pb, np.int64), np.array(pd, np.float64)


@nb.njit(cache=True)
def proximity_pass(
    is_radar: B, track: I64, time: F64, lat: F64, lon: F64, sog: F32, cog: F32,
    last_t: F64, last_lat: F64, last_lon: F64, last_sog: F32, last_cog: F32,
    next_tick: float, tick_s: float, max_age_s: float, pair_distance_m: float,
) -> tuple[F64, I64, I64, F64, F64, F64, F64, F64, I64, F64, float]:
    """Close pairs at each tick, and the nearest AIS vessel to each radar plot.

    Returns pair rows (tick time, track a, track b, distance, speed a, speed b, mid lat, mid
    lon), radar rows (plot index, distance to the nearest AIS vessel), next tick.
    """
    n = len(time)
    p_t = []
    p_a = []
    p_b = []
    p_d = []
    p_sa = []
    p_sb = []
    p_lat = []
    p_lon = []
    r_i = []
    r_d = []
    ntr = len(last_t)
    for i in range(n + 1):
        t = time[i] if i < n else -np.inf
        while i < n and next_tick != -np.inf and t >= next_tick:
            # snapshot every track heard recently, carried forward to the tick
            ids = np.empty(ntr, np.int64)
            plat = np.empty(ntr, np.float64)
            plon = np.empty(ntr, np.float64)
            m = 0
            for tr in range(ntr):
                if last_t[tr] != -np.inf and next_tick - last_t[tr] <= max_age_s:
                    ids[m] = tr
                    plat[m], plon[m] = _position_at(tr, next_tick, last_t, last_lat, last_lon, last_sog, last_cog)
                    m += 1
            ia, ib, dd = _close_pairs(ids[:m], plat[:m], plon[:m], pair_distance_m)
            for q in range(len(ia)):
                a = ids[ia[q]]
                b = ids[ib[q]]
                p_t.append(next_tick)
                p_a.append(min(a, b))
                p_b.append(max(a, b))
                p_d.append(dd[q])
                p_sa.append(np.float64(last_sog[a]))
                p_sb.append(np.float64(last_sog[b]))
                p_lat.append(0.5 * (plat[ia[q]] + plat[ib[q]]))
                p_lon.append(0.5 * (plon[ia[q]] + plon[ib[q]]))
            next_tick += tick_s
        if i == n:
            break
        if next_tick == -np.inf:
            next_tick = math.ceil(t / tick_s) * tick_s
        if is_radar[i]:
            best = np.inf
            for tr in range(ntr):
                if last_t[tr] == -np.inf or t - last_t[tr] > max_age_s:
                    continue
                qlat, qlon = _position_at(tr, t, last_t, last_lat, last_lon, last_sog, last_cog)
                d = distance_m(lat[i], lon[i], qlat, qlon)
                if d < best:
                    best = d
            r_i.append(i)
            r_d.append(best)
        else:
            tr = track[i]
            last_t[tr] = t
            last_lat[tr] = lat[i]
            last_lon[tr] = lon[i]
            last_sog[tr] = sog[i]
            last_cog[tr] = cog[i]
    return (
        np.array(p_t, np.float64), np.array(p_a, np.int64), np.array(p_b, np.int64), np.array(p_d, np.float64),
        np.array(p_sa, np.float64), np.array(p_sb, np.float64), np.array(p_lat, np.float64),
        np.array(p_lon, np.float64), np.array(r_i, np.int64), np.array(r_d, np.float64), next_tick,
    )
