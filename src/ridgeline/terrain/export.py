"""GeoJSON of coverage results, in WGS84 lon/lat so QGIS and web maps open them as they are."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import rasterio.features
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import mapping, shape

from ridgeline.terrain.coverage import CoverageResult

Feature = dict[str, Any]


def _collection(features: list[Feature]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def blind_spots_geojson(result: CoverageResult) -> dict[str, Any]:
    """One LineString feature per blind spot, following the line, with its length and nearest site."""
    t = result.terrain
    s = result.samples
    blind = result.sample_counts == 0
    features: list[Feature] = []
    edges = np.diff(np.concatenate(([0], blind.astype(np.int8), [0])))
    for a, b in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1, strict=True):
        coords = [list(t.to_lonlat(float(s.x[i]), float(s.y[i]))) for i in range(a, b + 1)]
        if len(coords) == 1:
            coords.append(coords[0])
        start_m = s.chainage_m[a] - s.weight_m[a] / 2
        spot = next((sp for sp in result.blind_spots if abs(sp.start_km * 1000 - start_m) < 1e-3), None)
        props = spot.as_dict() if spot else {"length_m": float(s.weight_m[a : b + 1].sum())}
        props.pop("start", None)
        props.pop("end", None)
        geometry = {"type": "LineString", "coordinates": coords}
        features.append({"type": "Feature", "geometry": geometry, "properties": props})
    return _collection(features)


def footprints_geojson(result: CoverageResult) -> dict[str, Any]:
    """Each sensor's footprint as (multi)polygons in lon/lat, one feature per sensor."""
    t = result.terrain
    to_ll = Transformer.from_crs(t.crs, CRS.from_epsg(4326), always_xy=True)
    features: list[Feature] = []
    for fp in result.footprints:
        if fp.cells == 0:
            continue
        win_transform = t.transform @ rasterio.Affine.translation(fp.col0, fp.row0)
        polys = [
            shape(geom)
            for geom, value in rasterio.features.shapes(
                fp.mask.astype(np.uint8), mask=fp.mask, transform=win_transform
            )
            if value == 1
        ]
        for poly in polys:
            ll = shapely.transform(
                poly.simplify(t.cell_size / 2),
                lambda xy: np.column_stack(to_ll.transform(xy[:, 0], xy[:, 1])),
            )
            features.append(
                {
                    "type": "Feature",
                    "geometry": mapping(ll),
                    "properties": {
                        "site": fp.site_id,
                        "sensor": fp.sensor_id,
                        "area_km2": round(poly.area / 1e6, 4),
                    },
                }
            )
    return _collection(features)


def sites_geojson(lonlat: Sequence[tuple[float, float]], gains_m: Sequence[float]) -> dict[str, Any]:
    """Proposed new masts as points, in the order chosen, with the blind length each adds."""
    return _collection(
        [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {"rank": i + 1, "adds_m": round(g, 1)},
            }
            for i, ((lon, lat), g) in enumerate(zip(lonlat, gains_m, strict=True))
        ]
    )


def line_runs_geojson(result: CoverageResult) -> dict[str, Any]:
    """The watched line cut where its coverage changes: one LineString per run of samples that
    some sensor sees (``seen`` true) or none does (false), with the run's length in metres and
    the fewest and most sensors seeing it.  Neighbouring runs share their end point, so the
    pieces draw the whole line without gaps."""
    t = result.terrain
    s = result.samples
    n = len(s)
    if n == 0:
        return _collection([])
    seen = result.sample_counts > 0
    cuts = np.flatnonzero(np.diff(seen.astype(np.int8))) + 1
    starts = np.concatenate(([0], cuts))
    ends = np.concatenate((cuts, [n]))
    lon, lat = Transformer.from_crs(t.crs, CRS.from_epsg(4326), always_xy=True).transform(s.x, s.y)
    features: list[Feature] = []
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        last = min(b, n - 1)  # up to the next run's first sample: no gap between runs
        coords = [[float(lon[i]), float(lat[i])] for i in range(a, last + 1)]
        if len(coords) == 1:
            coords.append(coords[0])
        counts = result.sample_counts[a:b]
        features.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
                         "properties": {"seen": bool(seen[a]), "length_m": round(float(s.weight_m[a:b].sum()), 1),
                                        "start_km": round(float(s.chainage_m[a] - s.weight_m[a] / 2) / 1000, 3),
                                        "min_count": int(counts.min()), "max_count": int(counts.max())}})
    return _collection(features)


def coverage_count_geojson(result: CoverageResult, cap: int = 3) -> dict[str, Any]:
    """The coverage count grid as polygons in lon/lat: one feature per connected area seen by
    the same number of sensors (``count``; ``cap`` and more are joined as ``cap``), simplified
    to half a cell.  Cells no sensor sees are left out."""
    t = result.terrain
    counts = np.minimum(result.counts, cap).astype(np.uint8)
    to_ll = Transformer.from_crs(t.crs, CRS.from_epsg(4326), always_xy=True)
    features: list[Feature] = []
    for geom, value in rasterio.features.shapes(counts, mask=counts > 0, transform=t.transform):
        poly = shape(geom).simplify(t.cell_size / 2)
        if poly.is_empty:
            continue
        ll = shapely.transform(poly, lambda xy: np.column_stack(to_ll.transform(xy[:, 0], xy[:, 1])))
        features.append({"type": "Feature", "geometry": mapping(ll),
                         "properties": {"count": int(value), "area_km2": round(poly.area / 1e6, 4)}})
    return _collection(features)
