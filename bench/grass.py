"""Run GRASS ``r.viewshed`` (the exact reference) from Python, many observers per session.

GRASS needs a location; ``grass --tmp-location DEM --exec`` makes a throw-away one in the
DEM's own CRS, imports nothing else, and runs our shell script inside it.  Each observer
is timed around the ``r.viewshed`` command alone (import and export excluded) and its
output is written as a Byte GeoTIFF: 1 visible, 0 not visible, 255 null.

Curvature: our ``curvature_coeff`` c equals ``r.viewshed -c -r refraction_coeff=1-c``;
c = 0 is ``r.viewshed`` without ``-c``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

_SCRIPT = r"""
set -e
r.in.gdal -o input="$DEM" output=dem --overwrite --quiet
g.region raster=dem
while read -r name x y height target curv; do
  flags="-b"; extra=""
  if [ "$curv" != "0" ]; then
    flags="-b -c -r"
    extra="refraction_coeff=$(python3 -c "print(1 - float('$curv'))")"
  fi
  start=$(date +%s.%N)
  r.viewshed $flags input=dem output=vs coordinates="$x,$y" observer_elevation="$height" \
    target_elevation="$target" max_distance=-1 memory=6000 $extra --overwrite --quiet
  end=$(date +%s.%N)
  echo "$name $(python3 -c "print($end - $start)")" >> "$OUTDIR/times.txt"
  r.out.gdal -c -f input=vs output="$OUTDIR/$name.tif" type=Byte nodata=255 \
    createopt="COMPRESS=DEFLATE" --overwrite --quiet
done < "$OBS"
"""


@dataclass(frozen=True)
class GrassObserver:
    """One r.viewshed run: a name for its output file and the observer's map position."""

    name: str
    x: float
    y: float
    height: float = 2.0
    target: float = 0.0
    curvature_coeff: float = 0.0


def grass_version() -> str:
    out = subprocess.run(["grass", "--version"], capture_output=True, text=True, check=False)
    return (out.stdout or out.stderr).splitlines()[0].strip()


def run_r_viewshed(
    dem: Path, observers: list[GrassObserver], out_dir: Path, reuse: bool = False
) -> dict[str, float]:
    """Run r.viewshed for every observer on ``dem``; returns seconds per observer name.

    With ``reuse``, observers whose output is already in ``out_dir`` are not run again
    (their times come from the earlier run's ``times.txt``).
    """
    if shutil.which("grass") is None:
        raise SystemExit("GRASS GIS is not installed (Debian package grass-core)")
    out_dir.mkdir(parents=True, exist_ok=True)
    if reuse:
        observers = [o for o in observers if not (out_dir / f"{o.name}.tif").exists()]
    else:
        (out_dir / "times.txt").unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "run.sh"
        script.write_text(_SCRIPT)
        obs = Path(tmp) / "obs.txt"
        obs.write_text(
            "".join(
                f"{o.name} {o.x:.3f} {o.y:.3f} {o.height} {o.target} {o.curvature_coeff}\n"
                for o in observers
            )
        )
        env = {"DEM": str(dem.resolve()), "OUTDIR": str(out_dir.resolve()), "OBS": str(obs)}
        proc = subprocess.run(
            ["grass", "--tmp-location", str(dem.resolve()), "--exec", "bash", str(script)]
            if observers
            else ["true"],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise SystemExit(f"r.viewshed failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    times = {}
    done = out_dir / "times.txt"
    for line in done.read_text().splitlines() if done.exists() else []:
        name, seconds = line.split()
        times[name] = float(seconds)
    return times
