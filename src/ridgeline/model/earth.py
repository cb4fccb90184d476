"""The earth's radius: one named constant for each model of it the project uses.

Two models, which differ by 7 km and must not be mixed up:

- the mean radius, for distances and bulges on a sphere: vessel distances (haversine),
  metres per degree, the earth bulge on radio paths and under a camera's ray;
- the WGS84 semi-major axis, for the curvature correction of viewsheds, because GDAL's
  ``gdal_viewshed`` and GRASS ``r.viewshed`` use it and the viewshed kernels are held to
  their answers cell for cell.
"""

from __future__ import annotations

MEAN_RADIUS_M = 6_371_008.8
"""The IUGG mean earth radius R1 = (2a + b) / 3, metres."""

WGS84_SEMI_MAJOR_M = 6_378_137.0
"""The WGS84 ellipsoid's semi-major (equatorial) axis a, metres."""
