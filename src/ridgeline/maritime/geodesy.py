"""Distances on the sphere for vessel work: short ranges, compiled, in metres and knots."""

from __future__ import annotations

import math

import numba as nb

from ridgeline.jit import announce_compiles
from ridgeline.model.earth import MEAN_RADIUS_M

announce_compiles("ridgeline.maritime", "maritime")  # a compile at run time is said on the log
KNOT_MS = 1852.0 / 3600.0
"""One knot in metres per second."""


@nb.njit(cache=True, fastmath=True)
def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), metres: exact enough for any range AIS sees."""
    p1 = math.radians(lat1)
    p2 = math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp * 0.5) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl * 0.5) ** 2
    return 2.0 * MEAN_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))
