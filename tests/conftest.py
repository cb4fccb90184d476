"""Shared fixtures: the example sector on real terrain, and small DEM files the tests make."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from pyproj import CRS

from ridgeline.terrain.dem import Terrain
from ridgeline.transport.embedded import wait_for as wait_for

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "white-mountains"
HGT = EXAMPLE / "N44W072.hgt"


@pytest.fixture(scope="session")
def example_sector_path() -> Path:
    return EXAMPLE / "sector.yaml"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind (PostgreSQL: see tests/postgres.py)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'centre.db'}"
        return
    from .postgres import drop_database, fresh_database

    url, name = fresh_database()
    try:
        yield url
    finally:
        drop_database(name)


@pytest.fixture(scope="session")
def real_terrain_crop() -> Terrain:
    """200 x 200 cells of SRTM N44W072 at 90 m around Mt Washington (the r.viewshed fixture's DEM)."""
    from ridgeline.terrain.dem import load_terrain

    return load_terrain([ROOT / "tests" / "data" / "viewshed" / "dem_crop.tif"])


def flat_terrain(shape: tuple[int, int] = (101, 101), height: float = 100.0, cell: float = 30.0) -> Terrain:
    """A flat metric grid (UTM 19N) for tests that need known geometry."""
    return Terrain(
        elevation=np.full(shape, height, dtype=np.float32),
        transform=Affine(cell, 0, 300000.0, 0, -cell, 4900000.0 + shape[0] * cell),
        crs=CRS.from_epsg(32619),
    )


def write_tif(path: Path, data: np.ndarray, crs: str | None = "EPSG:32619", nodata: float | None = None) -> Path:
    """Write a GeoTIFF (optionally without a CRS) for the DEM-input tests."""
    profile = {
        "driver": "GTiff", "height": data.shape[0], "width": data.shape[1], "count": 1,
        "dtype": data.dtype.name, "transform": Affine(30, 0, 300000, 0, -30, 4900000),
        "nodata": nodata,
    }
    if crs:
        profile["crs"] = crs
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, 1)
    return path

