"""Worker for bench/viewshed.py, run by Debian's /usr/bin/python3 with python3-gdal.

Loads the DEM into a MEM dataset, then times gdal.ViewshedGenerate in-process (best of
N), or N observers at random valid cells with a maximum distance (cumulative case).
Prints one JSON line with seconds, visible cells and the process's peak RSS.
"""

import json
import resource
import sys
import time

import numpy as np
from osgeo import gdal

gdal.UseExceptions()


def main():
    mode, dem, x, y, repeat = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
    src = gdal.Open(dem)
    mem = gdal.GetDriverByName("MEM").CreateCopy("", src)
    band = mem.GetRasterBand(1)
    if mode == "single":
        best = float("inf")
        for _ in range(repeat):
            t = time.perf_counter()
            out = gdal.ViewshedGenerate(band, "MEM", "", [], x, y, 2, 0, 1, 0, 0, 255, 0.85714,
                                        gdal.GVM_Edge, 0)
            best = min(best, time.perf_counter() - t)
            visible = int((out.GetRasterBand(1).ReadAsArray() == 1).sum())
            out = None
    else:
        n, radius = int(x), y
        a = band.ReadAsArray()
        gt = mem.GetGeoTransform()
        rows, cols = np.nonzero(a != band.GetNoDataValue())
        pick = np.random.default_rng(1).choice(rows.size, n, replace=False)
        visible = 0
        t = time.perf_counter()
        for i in pick:
            ox = gt[0] + (cols[i] + 0.5) * gt[1]
            oy = gt[3] + (rows[i] + 0.5) * gt[5]
            out = gdal.ViewshedGenerate(band, "MEM", "", [], ox, oy, 2, 0, 1, 0, 0, 255, 0.85714,
                                        gdal.GVM_Edge, radius)
            out = None  # the viewsheds alone are timed, not summing them
        best = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"best_s": best, "visible": visible, "peak_mb": peak}))


if __name__ == "__main__":
    main()
