"""The behaviour engine: vessel reports in, encounters, loitering, gaps, landings and more out.

One code path for streaming and batch: ``feed`` takes a chunk of reports (any size, from a
live feed's last second or a whole file), ``finish`` closes what is still going on.  State
is per track and per close pair, so memory is bounded by the vessels in view, not by the
feed's length.  Each behaviour is reported when it qualifies (``ongoing``) and again when it
ends, under the same ``key``: a live operator hears of an encounter after two hours, not
when the vessels part, and a batch report keeps the last word for each key.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import Polygon

from ridgeline.config.maritime import MaritimeConfig
from ridgeline.maritime import _passes as P  # noqa: N812 (P.GAP, P.T_ENC_D… read as constants)
from ridgeline.maritime._passes import TrackState
from ridgeline.maritime.anchorages import Anchorages
from ridgeline.maritime.geodesy import distance_m
from ridgeline.maritime.landings import LandingJudge, LandingRules, landing_key
from ridgeline.maritime.positions import Positions, VesselInfo
from ridgeline.maritime.radar import RadarPlots
from ridgeline.maritime.shore import Shore
from ridgeline.maritime.stops import StopDetector, Stops
from ridgeline.maritime.tracks import VesselTracks
from ridgeline.maritime.vesselids import station_type
from ridgeline.maritime.worldports import world_ports
from ridgeline.model.earth import MEAN_RADIUS_M

KINDS = ("encounter", "loitering", "ais_gap", "appearance", "landing", "restricted_entry", "dark_target")
LABELS = {"encounter": "E", "loitering": "T", "ais_gap": "G", "appearance": "A", "landing": "L",
          "restricted_entry": "R", "dark_target": "D"}
"""One letter per kind: behaviour 3 of a kind is E3, L3… on maps and in tables."""


@dataclass(frozen=True)
class Behaviour:
    """One thing vessels did: what, who (MMSIs, or the radar track id), when, where, and numbers."""

    kind: str
    key: str
    vessels: tuple[int, ...]
    start: float
    end: float
    lat: float
    lon: float
    zone: str | None
    ongoing: bool
    detail: dict[str, float | int | str | None] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        """How long it lasted (so far, if ongoing)."""
        return self.end - self.start


@dataclass
class _Pair:
    start: float
    last: float
    zone: int
    distances: list[float] = field(default_factory=list)
    speeds: list[float] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)
    reported: bool = False


@dataclass
class _Dark:
    start: float
    last: float
    lat: float
    lon: float
    zone: int
    plots: int = 0
    reported: bool = False


class BehaviourEngine:
    """Detectors over a stream of vessel reports and radar plots, configured by a sector's maritime part."""

    def __init__(self, config: MaritimeConfig | None = None, shore: Shore | None = None,
                 mmsi_rules: bool = True) -> None:
        """``mmsi_rules`` off for anonymised ids: every id is a vessel but those whose type says otherwise."""
        self.config = config or MaritimeConfig()
        self.shore = shore
        self.tracks = VesselTracks(max_speed_kn=self.config.max_speed_kn, mmsi_rules=mmsi_rules)
        self.stops = StopDetector()
        self.anchorages = Anchorages(
            ports=list(self.config.ports), learn=self.config.learn_anchorages,
            min_vessels=self.config.anchorage_min_vessels, cell_m=self.config.anchorage_cell_m,
            world=world_ports(self.config.world_port_radius_m) if self.config.world_ports else [],
            min_occasions=self.config.berth_min_occasions,
        )
        self.statics: dict[int, VesselInfo] = {}
        ignore = [t.lower().replace("_", " ") for t in self.config.landing_ignore_types]
        self.landings = LandingJudge(LandingRules(self.anchorages, shore, ignore))
        table = self.config.zone_thresholds()
        self._thresholds = np.array([[getattr(t, c) for c in P.THRESHOLD_COLUMNS] for t in table], np.float64)
        self._table: list[list[float]] = self._thresholds.tolist()
        self._zone_ids: list[str | None] = [None] + [z.id for z in self.config.zones]
        self._zones = [Polygon(z.polygon) for z in self.config.zones]
        for z in self._zones:
            shapely.prepare(z)
        self._restricted = np.array([False] + [z.kind == "restricted" for z in self.config.zones], np.bool_)
        self._watched = [False] + [z.kind == "watched" for z in self.config.zones]
        self.tick_s = float(np.clip(self._thresholds[:, P.T_ENC_T].min() / 12.0, 10.0, 600.0))
        self.max_age_s = max(3 * self.tick_s, 1800.0)
        self._pair_distance = float(self._thresholds[:, P.T_ENC_D].max())
        self._next_tick = -np.inf
        self._first_time: float | None = None
        self._now = -np.inf
        self._pairs: dict[tuple[int, int], _Pair] = {}
        self._dark: dict[int, _Dark] = {}
        self._radar_slots: dict[int, int] = {}
        self.counts: dict[str, int] = dict.fromkeys(KINDS, 0)
        self.reports = 0
        self._s = TrackState()

    @property
    def stop_count(self) -> int:
        """Stops that ended, each judged once."""
        return self.landings.stop_count

    @property
    def set_aside(self) -> dict[str, int]:
        """Stops that ended and are not landings, by the first reason that set each aside."""
        return self.landings.set_aside

    def zone_of(self, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        """0 outside every zone, 1 + k inside zone k (the first that contains the point)."""
        zone = np.zeros(len(lat), np.int64)
        for k in range(len(self._zones) - 1, -1, -1):
            zone[shapely.contains_xy(self._zones[k], lon, lat)] = k + 1
        return zone

    def shore_distance(self, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Metres to shore (inf where unknown)."""
        if self.shore is None:
            return np.full(len(lat), np.inf)
        return self.shore.distance_m(lat, lon)

    def update_statics(self, statics: dict[int, VesselInfo]) -> None:
        """What vessels said about themselves (name, type, size): used to tell port calls from landings,
        and, where the ids are not MMSIs, aids to navigation and stations from vessels."""
        for mmsi, info in statics.items():
            if not self.tracks.mmsi_rules and station_type(info.ship_type):
                self.tracks.stations.add(mmsi)
            known = self.statics.get(mmsi)
            if known is None:
                self.statics[mmsi] = VesselInfo(mmsi, info.name, info.ship_type, info.length_m, info.width_m)
            else:
                known.merge(info)

    def _threshold(self, zone: int, column: int) -> float:
        return self._table[zone][column]

    def _mmsi(self, track: int) -> int:
        return self.tracks.mmsi_of_track(track)

    # ---- feeding ---------------------------------------------------------------------------
    def feed(self, positions: Positions, radar: RadarPlots | None = None, final: bool = False) -> list[Behaviour]:
        """Judge a chunk of AIS reports (and radar plots); the behaviours it completes or starts."""
        chunk, track = self.tracks.clean(positions.sorted_by_time())
        self.reports += len(chunk)
        self._s.grow(self.tracks.track_count)
        if len(chunk):
            if self._first_time is None:
                self._first_time = float(chunk.time[0])
            self._now = max(self._now, float(chunk.time[-1]))
        if radar is not None and len(radar):
            self._now = max(self._now, float(radar.time.max()))
            if self._first_time is None:
                self._first_time = float(radar.time.min())
        zone = self.zone_of(chunk.lat, chunk.lon)
        shore = self.shore_distance(chunk.lat, chunk.lon)
        out: list[Behaviour] = []
        stops = self.stops.feed(
            track, chunk.time, chunk.lat, chunk.lon,
            self._thresholds[zone, P.T_STOP_D], self._thresholds[zone, P.T_STOP_T], final,
        )
        out += self._on_stops(stops)
        rows = P.track_pass(
            track, chunk.time, chunk.lat, chunk.lon, chunk.sog_kn, zone, shore, self._thresholds, self._restricted,
            self._s.last_t, self._s.last_lat, self._s.last_lon, self._s.last_zone, self._s.last_shore, self._s.reports,
            self._s.gap_flagged, self._s.loi_start, self._s.loi_lat, self._s.loi_lon, self._s.loi_sum, self._s.loi_n,
            self._s.loi_flagged, self._now,
        )
        ints = rows[:, [0, 1, 8]].astype(np.int64)
        out += self._on_track_rows(ints[:, 0], ints[:, 1], rows[:, 2], rows[:, 3], rows[:, 4], rows[:, 5], rows[:, 6],
                                   rows[:, 7], ints[:, 2], rows[:, 9])
        out += self._proximity(chunk, track, radar)
        if final:
            out += self._close_all()
        return out

    def learn_anchorages(self, positions: Positions) -> int:
        """Learn anchorages from a whole batch before judging it (where vessels stop, as ``feed`` does).

        A live engine learns as it goes, so its first stops at a harbour may read as landings;
        a file can be read twice, and then none do.  Returns the anchorages learned.
        """
        if not self.config.learn_anchorages or not len(positions):
            return 0
        tracks = VesselTracks(max_speed_kn=self.config.max_speed_kn, mmsi_rules=self.tracks.mmsi_rules,
                              stations=self.tracks.stations)
        chunk, track = tracks.clean(positions.sorted_by_time())
        zone = self.zone_of(chunk.lat, chunk.lon)
        stops = StopDetector().feed(
            track, chunk.time, chunk.lat, chunk.lon,
            self._thresholds[zone, P.T_STOP_D], self._thresholds[zone, P.T_STOP_T], final=True,
        )
        before = len(self.anchorages.all())
        for k in range(len(stops)):
            mmsi = tracks.mmsi_of_track(int(stops.track[k]))
            self.anchorages.add_stop(mmsi, float(stops.lat[k]), float(stops.lon[k]), float(stops.start[k]),
                                     float(stops.end[k]))
        return len(self.anchorages.all()) - before

    def finish(self) -> list[Behaviour]:
        """Close everything still going on (the end of a file, or of a feed)."""
        return self.feed(Positions.empty(), None, final=True)

    def judge(self, positions: Positions, radar: RadarPlots | None = None, chunk: int = 50_000,
              on_progress: Callable[[int], None] | None = None) -> list[Behaviour]:
        """Batch over a whole file: anchorages learned first, then the reports (and the radar
        plots between them) fed in time order, ``chunk`` reports at a time, as a live feed
        would deliver them; the last word for each behaviour, by start time."""
        self.learn_anchorages(positions)
        ordered = positions.sorted_by_time()

        def batches() -> Iterator[list[Behaviour]]:
            done = 0
            done_until = -np.inf  # radar plots up to this time went with an earlier chunk
            for part in ordered.chunks(chunk):
                done += len(part)
                plots = None
                if radar is not None and len(radar):
                    until = np.inf if done >= len(ordered) else float(part.time[-1])
                    sel = (radar.time > done_until) & (radar.time <= until)
                    done_until = until
                    plots = RadarPlots(radar.track[sel], radar.time[sel], radar.lat[sel], radar.lon[sel])
                yield self.feed(part, plots)
                if on_progress is not None:
                    on_progress(done)

        return self._last_word(batches())

    def run(self, chunks: Iterable[Positions]) -> list[Behaviour]:
        """Batch: every chunk, then ``finish``; the last word for each behaviour, by start time."""
        return self._last_word(self.feed(chunk) for chunk in chunks)

    def _last_word(self, batches: Iterable[list[Behaviour]]) -> list[Behaviour]:
        """The last word for each behaviour over ``batches`` and then ``finish``, by start time."""
        latest: dict[str, Behaviour] = {}
        for batch in batches:
            for b in batch:
                latest[b.key] = b
        for b in self.finish():
            latest[b.key] = b
        kept = [b for key, b in latest.items() if key not in self.landings.withdrawn]
        return sorted(kept, key=lambda b: (b.start, b.kind, b.key))

    # ---- stops and landings ----------------------------------------------------------------
    def _on_stops(self, stops: Stops) -> list[Behaviour]:
        if not len(stops):
            return []
        shore = self.shore_distance(stops.lat, stops.lon)
        zone = self.zone_of(stops.lat, stops.lon)
        vessels = [self._mmsi(int(t)) for t in stops.track.tolist()]
        types = [(info.ship_type or "").lower().replace("_", " ") if (info := self.statics.get(v)) else ""
                 for v in vessels]
        out: list[Behaviour] = []
        for k in self.landings.judge(stops, vessels, shore, zone, self._table, types):
            start, end, tr = float(stops.start[k]), float(stops.end[k]), int(stops.track[k])
            out.append(self._make(
                "landing", landing_key(vessels[k], tr, start), (vessels[k],), start, end, float(stops.lat[k]),
                float(stops.lon[k]), int(zone[k]), bool(stops.ongoing[k]),
                {"shore_distance_m": round(float(shore[k]), 1), "reports": int(stops.points[k])},
            ))
        return out

    # ---- gaps, loitering, appearances, restricted entries ---------------------------------
    def _on_track_rows(
        self, kind: npt.NDArray[np.int64], track: npt.NDArray[np.int64], start: npt.NDArray[np.float64],
        end: npt.NDArray[np.float64], lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64],
        lat2: npt.NDArray[np.float64], lon2: npt.NDArray[np.float64], zone: npt.NDArray[np.int64],
        value: npt.NDArray[np.float64],
    ) -> list[Behaviour]:
        out: list[Behaviour] = []
        for k in range(len(kind)):
            tr = int(track[k])
            mmsi = self._mmsi(tr)
            z = int(zone[k])
            s, e = float(start[k]), float(end[k])
            la, lo = float(lat[k]), float(lon[k])
            code = int(kind[k])
            if code in (P.GAP, P.GAP_ONGOING):
                detail: dict[str, float | int | str | None] = {"silent_s": round(float(value[k]), 1)}
                if code == P.GAP:
                    detail |= {"reappeared_lat": round(float(lat2[k]), 6), "reappeared_lon": round(float(lon2[k]), 6),
                               "jump_m": round(distance_m(la, lo, float(lat2[k]), float(lon2[k])), 1)}
                out.append(self._make("ais_gap", f"gap:{mmsi}:{tr % 2}:{s:.0f}", (mmsi,), s, e, la, lo, z,
                                      code == P.GAP_ONGOING, detail))
            elif code in (P.LOITER, P.LOITER_ONGOING):
                shore = float(self.shore_distance(np.array([la]), np.array([lo]))[0])
                if shore < self._threshold(z, P.T_LOI_SHORE):
                    continue
                d, _, _ = self.anchorages.nearest(la, lo)
                if d < self._threshold(z, P.T_ANCH):
                    continue
                out.append(self._make("loitering", f"loiter:{mmsi}:{tr % 2}:{s:.0f}", (mmsi,), s, e, la, lo, z,
                                      code == P.LOITER_ONGOING, {"mean_speed_kn": round(float(value[k]), 2)}))
            elif code == P.FIRST_SEEN:
                if not self._watched[z] or self._first_time is None:
                    continue
                if math.isinf(value[k]) and s - self._first_time < self.config.warmup_s:
                    continue
                inside = self._edge_distance(z, la, lo)
                if inside < self._threshold(z, P.T_APPEAR):
                    continue
                out.append(self._make("appearance", f"appear:{mmsi}:{tr % 2}:{s:.0f}", (mmsi,), s, e, la, lo, z,
                                      False, {"inside_m": round(inside, 1),
                                              "silent_s": None if math.isinf(value[k]) else round(float(value[k]), 1)}))
            elif code == P.ENTRY:
                out.append(self._make("restricted_entry", f"entry:{mmsi}:{tr % 2}:{s:.0f}", (mmsi,), s, e, la, lo, z,
                                      False, {}))
        return out

    def _edge_distance(self, zone: int, lat: float, lon: float) -> float:
        """Metres from a point inside zone ``zone`` to the zone's edge."""
        poly = self._zones[zone - 1]
        k = math.pi / 180.0 * MEAN_RADIUS_M
        c = math.cos(math.radians(lat))
        coords = np.asarray(poly.exterior.coords)
        local = Polygon(np.column_stack(((coords[:, 0] - lon) * k * c, (coords[:, 1] - lat) * k)))
        return float(local.exterior.distance(shapely.Point(0.0, 0.0)))

    # ---- encounters and dark targets --------------------------------------------------------
    def _proximity(self, chunk: Positions, track: npt.NDArray[np.int64], radar: RadarPlots | None) -> list[Behaviour]:
        if radar is not None and len(radar):
            is_radar = np.concatenate([np.zeros(len(chunk), np.bool_), np.ones(len(radar), np.bool_)])
            slots = self._radar_slots
            rslots = np.array([slots.setdefault(int(r), len(slots)) for r in radar.track.tolist()], np.int64)
            time = np.concatenate([chunk.time, radar.time])
            order = np.argsort(time, kind="stable")
            is_radar = is_radar[order]
            all_track = np.concatenate([track, rslots])[order]
            lat = np.concatenate([chunk.lat, radar.lat])[order]
            lon = np.concatenate([chunk.lon, radar.lon])[order]
            sog = np.concatenate([chunk.sog_kn, np.full(len(radar), np.nan, np.float32)])[order]
            cog = np.concatenate([chunk.cog_deg, np.full(len(radar), np.nan, np.float32)])[order]
            time = time[order]
            radar_ids = np.concatenate([np.full(len(chunk), -1, np.int64), radar.track])[order]
        else:
            is_radar = np.zeros(len(chunk), np.bool_)
            all_track, time, lat, lon, sog, cog = track, chunk.time, chunk.lat, chunk.lon, chunk.sog_kn, chunk.cog_deg
            radar_ids = np.zeros(0, np.int64)
        (p_t, p_a, p_b, p_d, p_sa, p_sb, p_lat, p_lon, r_i, r_d, self._next_tick) = P.proximity_pass(
            is_radar, all_track, time, lat, lon, sog, cog, self._s.px_t, self._s.px_lat, self._s.px_lon, self._s.px_sog,
            self._s.px_cog, self._next_tick, self.tick_s, self.max_age_s, self._pair_distance,
        )
        out = self._on_pairs(p_t, p_a, p_b, p_d, p_sa, p_sb, p_lat, p_lon)
        if len(r_i):
            out += self._on_radar(time[r_i], radar_ids[r_i], lat[r_i], lon[r_i], r_d)
        return out

    def _on_pairs(self, p_t: npt.NDArray[np.float64], p_a: npt.NDArray[np.int64], p_b: npt.NDArray[np.int64],
                  p_d: npt.NDArray[np.float64], p_sa: npt.NDArray[np.float64], p_sb: npt.NDArray[np.float64],
                  p_lat: npt.NDArray[np.float64], p_lon: npt.NDArray[np.float64]) -> list[Behaviour]:
        out: list[Behaviour] = []
        zones = self.zone_of(p_lat, p_lon).tolist() if len(p_t) else []
        table = self._table
        pairs = self._pairs
        last_tick = None
        for t, a, b, d, sa, sb, la, lo, z in zip(
            p_t.tolist(), p_a.tolist(), p_b.tolist(), p_d.tolist(), p_sa.tolist(), p_sb.tolist(), p_lat.tolist(),
            p_lon.tolist(), zones, strict=True,
        ):
            if t != last_tick:
                out += self._expire_pairs(t)
                last_tick = t
            if d > table[z][P.T_ENC_D]:
                continue
            pair = pairs.get((a, b))
            if pair is None:
                pair = pairs[(a, b)] = _Pair(start=t, last=t, zone=z)
            pair.last = t
            pair.distances.append(d)
            if sa == sa:  # not NaN
                pair.speeds.append(sa)
            if sb == sb:
                pair.speeds.append(sb)
            pair.lat.append(la)
            pair.lon.append(lo)
            if not pair.reported and t - pair.start >= table[pair.zone][P.T_ENC_T]:
                qualified = self._encounter((a, b), pair, ongoing=True)
                if qualified is not None:
                    pair.reported = True
                    out.append(qualified)
        if self._now > -np.inf:
            out += self._expire_pairs(self._now)
        return out

    def _expire_pairs(self, now: float) -> list[Behaviour]:
        out: list[Behaviour] = []
        allowed = max(2 * self.tick_s, 1800.0)
        for key in [k for k, p in self._pairs.items() if now - p.last > allowed]:
            pair = self._pairs.pop(key)
            done = self._encounter(key, pair, ongoing=False)
            if done is not None:
                out.append(done)
        return out

    def _encounter(self, key: tuple[int, int], pair: _Pair, ongoing: bool) -> Behaviour | None:
        z = pair.zone
        duration = pair.last - pair.start
        if duration < self._threshold(z, P.T_ENC_T):
            return None
        speed = statistics.median(pair.speeds) if pair.speeds else 0.0
        if speed >= self._threshold(z, P.T_ENC_S):
            return None
        lat = statistics.median(pair.lat)
        lon = statistics.median(pair.lon)
        d, _, _ = self.anchorages.nearest(lat, lon)
        if d < self._threshold(z, P.T_ANCH):
            return None
        shore = float(self.shore_distance(np.array([lat]), np.array([lon]))[0])
        if shore < self._threshold(z, P.T_ENC_SHORE):
            return None
        a, b = self._mmsi(key[0]), self._mmsi(key[1])
        return self._make(
            "encounter", f"encounter:{a}:{b}:{pair.start:.0f}", (a, b), pair.start, pair.last, lat, lon, z, ongoing,
            {"median_distance_m": round(statistics.median(pair.distances), 1), "median_speed_kn": round(speed, 2),
             "nearest_anchorage_m": None if math.isinf(d) else round(d, 0),
             "shore_distance_m": None if math.isinf(shore) else round(shore, 0)},
        )

    def _on_radar(self, time: npt.NDArray[np.float64], radar_id: npt.NDArray[np.int64], lat: npt.NDArray[np.float64],
                  lon: npt.NDArray[np.float64], nearest: npt.NDArray[np.float64]) -> list[Behaviour]:
        out: list[Behaviour] = []
        zones = self.zone_of(lat, lon)
        for k in range(len(time)):
            rid = int(radar_id[k])
            z = int(zones[k])
            t = float(time[k])
            state = self._dark.get(rid)
            if nearest[k] <= self._threshold(z, P.T_DARK_D):
                if state is not None:
                    done = self._dark_behaviour(rid, self._dark.pop(rid), ongoing=False)
                    if done is not None:
                        out.append(done)
                continue
            if state is None:
                state = self._dark[rid] = _Dark(start=t, last=t, lat=float(lat[k]), lon=float(lon[k]), zone=z)
            state.last = t
            state.lat, state.lon = float(lat[k]), float(lon[k])
            state.plots += 1
            if not state.reported:
                b = self._dark_behaviour(rid, state, ongoing=True)
                if b is not None:
                    state.reported = True
                    out.append(b)
        return out

    def _dark_behaviour(self, rid: int, state: _Dark, ongoing: bool) -> Behaviour | None:
        if state.last - state.start < self._threshold(state.zone, P.T_DARK_T):
            return None
        return self._make("dark_target", f"dark:{rid}:{state.start:.0f}", (rid,), state.start, state.last, state.lat,
                          state.lon, state.zone, ongoing, {"radar_track": rid, "plots": state.plots})

    def _close_all(self) -> list[Behaviour]:
        out = self._expire_pairs(np.inf)
        for rid in list(self._dark):
            b = self._dark_behaviour(rid, self._dark.pop(rid), ongoing=False)
            if b is not None:
                out.append(b)
        for tr in np.flatnonzero(self._s.loi_start != -np.inf).tolist():
            z = int(self._s.last_zone[tr])
            s, e = float(self._s.loi_start[tr]), float(self._s.last_t[tr])
            if e - s >= self._threshold(z, P.T_LOI_T) and self._s.loi_n[tr] > 0:
                out += self._on_track_rows(
                    np.array([P.LOITER]), np.array([tr]), np.array([s]), np.array([e]),
                    np.array([self._s.loi_lat[tr]]), np.array([self._s.loi_lon[tr]]), np.array([self._s.last_lat[tr]]),
                    np.array([self._s.last_lon[tr]]), np.array([z]),
                    np.array([self._s.loi_sum[tr] / self._s.loi_n[tr]]),
                )
            self._s.loi_start[tr] = -np.inf
        return out

    def _make(self, kind: str, key: str, vessels: tuple[int, ...], start: float, end: float, lat: float, lon: float,
              zone: int, ongoing: bool, detail: dict[str, float | int | str | None]) -> Behaviour:
        if not ongoing:
            self.counts[kind] += 1
        return Behaviour(kind, key, vessels, start, end, round(lat, 6), round(lon, 6), self._zone_ids[zone], ongoing,
                         detail)
