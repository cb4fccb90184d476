"""Vessel tracks: per-MMSI state that turns raw reports into clean, ordered tracks.

AIS is dirty in three ways that fool behaviour detectors: reports arrive out of order (several
receivers, buffered base stations), a single bad fix jumps tens of kilometres, and some MMSIs
are used by two vessels at once (misconfigured or cloned transponders), which reads as one
vessel teleporting back and forth.  Each MMSI here owns up to two *identities*; a report
joins the identity it can physically have come from (implied speed at most ``max_speed_kn``),
starts the second identity when it fits neither, and is rejected as a jump when both are taken.
The track id of identity ``k`` of slot ``s`` is ``2*s + k``.

The MMSI rules (only ships' MMSIs are vessels) apply to inputs whose ids are MMSIs; an input
with anonymised ids (``1..N``, hashes: see ``vesselids``) has every id taken as a vessel, but
those its own static data calls aids to navigation or stations (``stations``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numba as nb
import numpy as np
import numpy.typing as npt

from ridgeline.maritime.geodesy import KNOT_MS, distance_m
from ridgeline.maritime.positions import I64, Positions

ACCEPTED, OUT_OF_ORDER, JUMP, DUPLICATE, NOT_A_VESSEL = 0, 1, 2, 3, 4
VERDICTS = ("accepted", "out_of_order", "jump", "duplicate", "not_a_vessel")

FIRST_SHIP_MMSI, END_SHIP_MMSI = 200_000_000, 800_000_000
"""Ships' MMSIs start with their country's MID (2 to 7); 99… are aids to navigation, 00… coast
stations, 111… aircraft, 97… distress beacons, short numbers misconfigured transponders."""

JUMP_MIN_M = 1000.0
"""Below this distance a fast-looking hop is GPS jitter between close reports, never a jump."""


@nb.njit(cache=True)
def _clean(
    time: npt.NDArray[np.float64], slot: I64, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64],
    last_t: npt.NDArray[np.float64], last_lat: npt.NDArray[np.float64], last_lon: npt.NDArray[np.float64],
    max_speed_ms: float, identity_timeout_s: float,
) -> tuple[I64, npt.NDArray[np.int8]]:
    n = len(time)
    track = np.empty(n, np.int64)
    verdict = np.zeros(n, np.int8)
    for i in range(n):
        s = slot[i]
        t = time[i]
        best = -1
        duplicate = False
        too_old = False
        for k in range(2):
            j = 2 * s + k
            if last_t[j] == -np.inf:
                continue
            if k == 1 and t - last_t[j] > identity_timeout_s:
                last_t[j] = -np.inf  # a second identity long silent is forgotten
                continue
            if t < last_t[j]:
                too_old = True
                continue
            if t == last_t[j] and lat[i] == last_lat[j] and lon[i] == last_lon[j]:
                duplicate = True  # the same report heard twice (two receivers)
                break
            d = distance_m(last_lat[j], last_lon[j], lat[i], lon[i])
            if d <= JUMP_MIN_M or d / max(t - last_t[j], 1.0) <= max_speed_ms:
                best = j
                break
        if duplicate:
            verdict[i] = DUPLICATE
            track[i] = -1
            continue
        if best == -1:
            if too_old:
                verdict[i] = OUT_OF_ORDER
            elif last_t[2 * s] == -np.inf:
                best = 2 * s
            elif last_t[2 * s + 1] == -np.inf:
                best = 2 * s + 1
            else:
                verdict[i] = JUMP
            if best == -1:
                track[i] = -1
                continue
        track[i] = best
        last_t[best] = t
        last_lat[best] = lat[i]
        last_lon[best] = lon[i]
    return track, verdict


@dataclass
class VesselTracks:
    """Clean reports chunk by chunk, remembering each MMSI across chunks.

    ``clean`` takes a chunk sorted by time and returns the accepted reports with their track
    ids; what it drops is counted in ``dropped`` by reason.  With ``mmsi_rules`` off (the ids are
    not MMSIs) only the ids in ``stations`` are dropped as ``not_a_vessel``.
    """

    max_speed_kn: float = 50.0
    mmsi_rules: bool = True
    stations: set[int] = field(default_factory=set)
    """Ids that are not vessels by what the input says of them (its ship type), for inputs without MMSIs."""
    identity_timeout_s: float = 6 * 3600.0
    slots: dict[int, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VERDICTS[1:], 0))
    _last_t: npt.NDArray[np.float64] = field(default_factory=lambda: np.full(0, -np.inf))
    _last_lat: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    _last_lon: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    mmsi_of_slot: list[int] = field(default_factory=list)

    def slot_of(self, vessel: I64) -> I64:
        """Dense slot numbers for MMSIs, new ones appended."""
        unique, inverse = np.unique(vessel, return_inverse=True)
        mapped = np.empty(len(unique), np.int64)
        for k, mmsi in enumerate(unique.tolist()):
            s = self.slots.get(mmsi)
            if s is None:
                s = self.slots[mmsi] = len(self.slots)
                self.mmsi_of_slot.append(mmsi)
            mapped[k] = s
        self._grow(2 * len(self.slots))
        return mapped[inverse]

    def _grow(self, size: int) -> None:
        if size <= len(self._last_t):
            return
        size = max(size, 2 * len(self._last_t), 64)
        extra = size - len(self._last_t)
        self._last_t = np.concatenate([self._last_t, np.full(extra, -np.inf)])
        self._last_lat = np.concatenate([self._last_lat, np.zeros(extra)])
        self._last_lon = np.concatenate([self._last_lon, np.zeros(extra)])

    def clean(self, chunk: Positions) -> tuple[Positions, I64]:
        """The reports of ``chunk`` (sorted by time) that make sense, and their track ids."""
        if not len(chunk):
            return chunk, np.zeros(0, np.int64)
        if self.mmsi_rules:
            ships = (chunk.vessel >= FIRST_SHIP_MMSI) & (chunk.vessel < END_SHIP_MMSI)
        else:
            ships = ~np.isin(chunk.vessel, np.fromiter(self.stations, np.int64, len(self.stations)))
        if not ships.all():
            self.dropped["not_a_vessel"] += int((~ships).sum())
            chunk = chunk.take(ships)
            if not len(chunk):
                return chunk, np.zeros(0, np.int64)
        slot = self.slot_of(chunk.vessel)
        track, verdict = _clean(
            chunk.time, slot, chunk.lat, chunk.lon, self._last_t, self._last_lat, self._last_lon,
            self.max_speed_kn * KNOT_MS, self.identity_timeout_s,
        )
        counts = np.bincount(verdict, minlength=len(VERDICTS))
        for k in range(1, len(VERDICTS)):
            self.dropped[VERDICTS[k]] += int(counts[k])
        keep = verdict == ACCEPTED
        return chunk.take(keep), track[keep]

    def mmsi_of_track(self, track: int) -> int:
        """The MMSI a track id belongs to."""
        return self.mmsi_of_slot[track // 2]

    @property
    def track_count(self) -> int:
        """Track ids in use so far (upper bound, both identities of every slot)."""
        return 2 * len(self.slots)
