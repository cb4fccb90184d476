"""A 1 km land mask of the whole Earth, for the shore where no DEM or coastline is given.

The ``global-land-mask`` package (MIT) ships NOAA's GLOBE land/sea mask (public domain) at
30 arc-seconds as one compressed array.  Importing that package unpacks all of it (about 1 GB);
this module streams the file instead and keeps only the rows of the band asked for, so
a sector's mask costs a few megabytes.
"""

from __future__ import annotations

import math
import zipfile
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import numpy.typing as npt
from affine import Affine

CELL_DEG = 1.0 / 120.0
"""The mask's cell: 30 arc-seconds, about 930 m north-south."""


def global_land(
    west: float, south: float, east: float, north: float,
) -> tuple[npt.NDArray[np.bool_], Affine]:
    """Land (True) on the GLOBE grid over a lon/lat box, and the grid's transform (col, row to lon, lat)."""
    spec = find_spec("global_land_mask")  # found, not imported: importing it unpacks the whole mask
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("global-land-mask is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "globe_combined_mask_compressed.npz"
    with zipfile.ZipFile(str(path)) as archive, archive.open("mask.npy") as stream:
        version = np.lib.format.read_magic(stream)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read_header(stream)
        if fortran or dtype != np.bool_ or len(shape) != 2:
            raise ValueError("global land mask: unexpected array layout")
        rows, cols = shape
        # row 0 is 90°N, col 0 is 180°W, one cell each 1/120°
        row0 = max(0, math.floor((90.0 - north) / CELL_DEG) - 1)
        row1 = min(rows, math.ceil((90.0 - south) / CELL_DEG) + 1)
        col0 = max(0, math.floor((west + 180.0) / CELL_DEG) - 1)
        col1 = min(cols, math.ceil((east + 180.0) / CELL_DEG) + 1)
        skip = row0 * cols
        while skip:
            skip -= len(stream.read(min(skip, 1 << 24)))
        band = np.frombuffer(stream.read((row1 - row0) * cols), dtype=np.bool_).reshape(row1 - row0, cols)
    land = ~band[:, col0:col1]  # the file marks the sea
    transform = Affine(CELL_DEG, 0.0, -180.0 + col0 * CELL_DEG, 0.0, -CELL_DEG, 90.0 - row0 * CELL_DEG)
    return land, transform
