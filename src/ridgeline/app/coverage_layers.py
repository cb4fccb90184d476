"""Use case: the sector's coverage as map layers for the console, computed once and kept.

:func:`coverage_layers` runs the coverage engine by day and by night (the same engine as
``ridgeline coverage``) and returns one GeoJSON FeatureCollection in WGS84 lon/lat whose
features each say what they are in ``layer`` and ``period`` ("day" or "night"):

- ``line``: the watched line cut into runs that some sensor sees (``seen`` true) or none does;
- ``footprint``: one (multi)polygon per connected area a sensor sees (``site``, ``sensor``);
- ``coverage``: the day's coverage count as polygons (``count``: 1, 2, 3 meaning 3 or more);
- ``mast``: each site as a point with its ground height on the DEM (``ground_m``) and its mast's
  (``mast_height_m``), where "view from the mast" puts the console's camera (period "any").

:class:`CoverageLayers` computes them once in a daemon thread (started at serve start, or by
the first request) and keeps them in memory: until they are ready :meth:`CoverageLayers.get`
answers None, and a failure is kept and raised to every caller.
"""

from __future__ import annotations

import math
import threading
import time
from typing import TYPE_CHECKING, Any

from ridgeline.app.progress import Progress, report
from ridgeline.errors import RidgelineError

if TYPE_CHECKING:
    from ridgeline.config.sector import Sector

#: the count at which the coverage polygons stop telling counts apart ("3 or more")
COUNT_CAP = 3


def coverage_layers(sector: Sector, progress: Progress | None = None) -> dict[str, Any]:
    """The sector's coverage by day and by night as one FeatureCollection (see the module)."""
    from ridgeline.app.planning import compute_coverage, load_terrain
    from ridgeline.terrain.export import coverage_count_geojson, footprints_geojson, line_runs_geojson

    terrain = load_terrain(sector, progress)
    features: list[dict[str, Any]] = []
    summary: dict[str, Any] = {}
    for period in ("day", "night"):
        result = compute_coverage(sector, terrain, night=period == "night", progress=progress)
        report(progress, f"coverage layers ({period})")
        parts = [("line", line_runs_geojson(result)), ("footprint", footprints_geojson(result))]
        if period == "day":
            parts.append(("coverage", coverage_count_geojson(result, COUNT_CAP)))
        for layer, collection in parts:
            for f in collection["features"]:
                f["properties"] = {"layer": layer, "period": period, **f["properties"]}
                features.append(f)
        s = result.summary()
        summary[period] = {k: s[k] for k in ("line_length_m", "covered_fraction", "longest_blind_spot_m")}
    for site in sector.sites:
        row, col = terrain.cell_of_lonlat(site.lon, site.lat, what=f"site {site.id}")
        ground = float(terrain.elevation[row, col])
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [site.lon, site.lat]},
                         "properties": {"layer": "mast", "period": "any", "site": site.id,
                                        "ground_m": round(ground, 1) if math.isfinite(ground) else None,
                                        "mast_height_m": site.mast_height_m}})
    return {"type": "FeatureCollection", "features": features, "summary": summary}


class CoverageLayers:
    """The sector's coverage layers, computed once in the background and kept in memory."""

    def __init__(self, sector: Sector) -> None:
        self.sector = sector
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._layers: dict[str, Any] | None = None
        self._error: RidgelineError | None = None
        self.seconds: float | None = None

    def start(self) -> bool:
        """Start computing them (once; later calls do nothing): whether this call started it."""
        with self._lock:
            if self._thread is not None:
                return False
            self._thread = threading.Thread(target=self._run, name="coverage-layers", daemon=True)
            self._thread.start()
            return True

    def _run(self) -> None:
        started = time.perf_counter()
        try:
            layers = coverage_layers(self.sector)
        except RidgelineError as exc:
            with self._lock:
                self._error = exc
        else:
            with self._lock:
                self._layers = layers
                self.seconds = time.perf_counter() - started

    def get(self) -> dict[str, Any] | None:
        """The layers (started if not yet), or None while they are being computed; the
        computation's error, if it failed."""
        self.start()
        with self._lock:
            if self._error is not None:
                raise self._error
            return self._layers

    def wait(self, timeout_s: float | None = None) -> dict[str, Any] | None:
        """Start them if need be and wait for them (tests, scripts): the layers, or None on timeout."""
        self.start()
        assert self._thread is not None
        self._thread.join(timeout_s)
        return self.get()
