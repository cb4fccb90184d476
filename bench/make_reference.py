"""Make the r.viewshed fixture the test suite compares our viewshed with.

What it makes (``tests/data/viewshed/``):

* ``dem_crop.tif``: a 200 x 200-cell window of SRTM tile N44W072 (public domain)
  reprojected to UTM 19N at 90 m, around Mt Washington and Pinkham Notch:
  ``gdalwarp -t_srs EPSG:32619 -tr 90 90 -r bilinear N44W072.hgt utm90.tif`` then
  ``gdal_translate -srcwin <summit col - 120> <summit row - 90> 200 200 utm90.tif
  dem_crop.tif`` (the window's offsets are printed in observers.json).
* ``<observer>_<flat|curv>.tif``: GRASS ``r.viewshed -b`` on that crop for four observers
  (summit, slope, valley floor, near the edge), observer 2 m, target 0 m, without and
  with curvature (``-c -r refraction_coeff=0.14286``, our curvature_coeff 0.85714),
  ``memory=6000``, written with ``r.out.gdal type=Byte nodata=255``.
* ``observers.json``: the observers, the commands and the tool versions.

Run from the repository root with GRASS (``grass-core``) and GDAL (``gdal-bin``) installed:
``.venv/bin/python -m bench.make_reference [--data ../shared/data]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

import rasterio

from bench.common import DEFAULT_DATA, REPO, to_map, warp_to_utm
from bench.grass import GrassObserver, grass_version, run_r_viewshed

OUT = REPO / "tests" / "data" / "viewshed"
SIZE = 200
OBSERVERS = {
    "summit": (-71.3033, 44.2706),
    "slope": (-71.2800, 44.2600),
    "valley": (-71.2531, 44.2578),
    "edge": (-71.3650, 44.3050),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        utm = warp_to_utm(args.data / "terrain" / "N44W072.hgt", Path(tmp) / "utm90.tif", 32619, 90.0)
        crop = OUT / "dem_crop.tif"
        with rasterio.open(utm) as ds:
            row, col = ds.index(*to_map(*OBSERVERS["summit"], 32619))
        srcwin = (col - 120, row - 90, SIZE, SIZE)  # summit a little left of centre, notch inside
        subprocess.run(
            ["gdal_translate", "-q", "-srcwin", *map(str, srcwin), "-co", "COMPRESS=DEFLATE",
             str(utm), str(crop)],
            check=True,
        )
    observers = []
    for name, (lon, lat) in OBSERVERS.items():
        x, y = to_map(lon, lat, 32619)
        for tag, cc in (("flat", 0.0), ("curv", 0.85714)):
            observers.append(GrassObserver(f"{name}_{tag}", x, y, 2.0, 0.0, cc))
    times = run_r_viewshed(crop, observers, OUT)
    (OUT / "times.txt").unlink(missing_ok=True)
    gdal = subprocess.run(["gdalinfo", "--version"], capture_output=True, text=True, check=True)
    meta = {
        "dem": "dem_crop.tif",
        "srcwin": list(srcwin),
        "made_by": "bench/make_reference.py",
        "grass": grass_version(),
        "gdal": gdal.stdout.strip(),
        "command": "r.viewshed -b [-c -r refraction_coeff=0.14286] input=dem output=vs "
        "coordinates=X,Y observer_elevation=2 target_elevation=0 max_distance=-1 memory=6000",
        "observers": [
            {"name": o.name, "x": o.x, "y": o.y, "observer_height": o.height,
             "target_height": o.target, "curvature_coeff": o.curvature_coeff,
             "seconds": round(times[o.name], 3)}
            for o in observers
        ],
    }
    (OUT / "observers.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"wrote {len(observers)} r.viewshed outputs to {OUT}")


if __name__ == "__main__":
    main()
