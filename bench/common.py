"""Helpers shared by the benchmark and evaluation scripts: DEMs, observers, agreement."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from pyproj import Transformer

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"


def warp_to_utm(src: Path, dst: Path, epsg: int, resolution: float) -> Path:
    """Reproject a DEM to UTM at ``resolution`` metres with gdalwarp (bilinear), once."""
    if not dst.exists():
        subprocess.run(
            ["gdalwarp", "-q", "-overwrite", "-t_srs", f"EPSG:{epsg}", "-tr", str(resolution),
             str(resolution), "-r", "bilinear", str(src), str(dst)],
            check=True,
        )
    return dst


def read_float_dem(path: Path) -> tuple[np.ndarray, rasterio.Affine, int]:
    """Elevation as float32 with NaN for nodata, its transform and its EPSG code."""
    with rasterio.open(path) as ds:
        a = ds.read(1).astype(np.float32)
        if ds.nodata is not None:
            a[a == np.float32(ds.nodata)] = np.nan
        return a, ds.transform, int(ds.crs.to_epsg())


def random_observers(elevation: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` distinct valid cells drawn with a fixed seed (the same ones GDAL's worker draws)."""
    rows, cols = np.nonzero(np.isfinite(elevation))
    pick = np.random.default_rng(1).choice(rows.size, n, replace=False)
    return rows[pick], cols[pick]


def to_map(lon: float, lat: float, epsg: int) -> tuple[float, float]:
    x, y = Transformer.from_crs(4326, epsg, always_xy=True).transform(lon, lat)
    return float(x), float(y)


@dataclass(frozen=True)
class Agreement:
    """How a visibility map compares with r.viewshed's over the valid cells."""

    valid: int
    ref_visible: int
    visible: int
    differ: int

    @property
    def agreement_pct(self) -> float:
        return 100.0 * (1.0 - self.differ / max(self.valid, 1))

    @property
    def differ_pct_of_ref_visible(self) -> float:
        return 100.0 * self.differ / max(self.ref_visible, 1)

    def passes(self) -> bool:
        return self.agreement_pct >= 99.5 and self.differ_pct_of_ref_visible <= 5.0


def agreement(visible: np.ndarray, ref_visible: np.ndarray, valid: np.ndarray) -> Agreement:
    """Compare two boolean visibility maps on the valid cells."""
    return Agreement(
        valid=int(valid.sum()),
        ref_visible=int((ref_visible & valid).sum()),
        visible=int((visible & valid).sum()),
        differ=int(((visible != ref_visible) & valid).sum()),
    )
