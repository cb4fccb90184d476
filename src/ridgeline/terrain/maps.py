"""Pictures of coverage and siting: hillshade, sensor counts, the line, blind spots, sites.

A planner would rather look than read, so every coverage and siting run draws one PNG.
matplotlib's Agg backend renders without a screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import patheffects
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.text import Annotation

from ridgeline.config.sector import Sector
from ridgeline.terrain.coverage import CoverageResult


def hillshade(elevation: np.ndarray, cell: float, azimuth: float = 315.0, altitude: float = 45.0) -> np.ndarray:
    """Shaded relief in [0, 1] (NaN kept as NaN)."""
    z = np.where(np.isfinite(elevation), elevation, np.nanmean(elevation))
    gy, gx = np.gradient(z, cell)
    slope = np.arctan(np.hypot(gx, gy))
    aspect = np.arctan2(-gx, gy)
    az = np.radians(azimuth)
    alt = np.radians(altitude)
    shade = np.sin(alt) * np.cos(slope) + np.cos(alt) * np.sin(slope) * np.cos(az - aspect)
    shade = np.clip(shade, 0.0, 1.0)
    shade[~np.isfinite(elevation)] = np.nan
    return shade


def draw_coverage_map(
    path: str | Path,
    sector: Sector,
    result: CoverageResult,
    new_sites: Sequence[tuple[float, float]] = (),
    title: str | None = None,
) -> None:
    """Write a PNG: hillshade, sensors per cell, watched line (seen/blind), sites, new masts."""
    t = result.terrain
    left, top = t.transform @ (0, 0)
    right, bottom = t.transform @ (t.shape[1], t.shape[0])
    extent = (left / 1000, right / 1000, bottom / 1000, top / 1000)
    fig, ax = plt.subplots(figsize=(11, 9), dpi=110)
    ax.imshow(hillshade(t.elevation, t.cell_size), cmap="gray", extent=extent, vmin=0, vmax=1)
    counts = result.counts.astype(float)
    counts[counts == 0] = np.nan
    cmap = ListedColormap(["#ffd54f", "#ff9800", "#e65100", "#b71c1c"])
    im = ax.imshow(
        np.minimum(counts, 4), cmap=cmap, alpha=0.45, extent=extent, vmin=0.5, vmax=4.5,
        interpolation="nearest",
    )
    cbar = fig.colorbar(im, ax=ax, shrink=0.6, ticks=[1, 2, 3, 4])
    cbar.ax.set_yticklabels(["1", "2", "3", "4+"])
    cbar.set_label("sensors seeing a person")
    s = result.samples
    seen = result.sample_counts > 0
    xs, ys = s.x / 1000, s.y / 1000
    ax.plot(xs, ys, color="#1565c0", lw=1.2, label="watched line (seen)")
    blind_x = np.where(seen, np.nan, xs)
    blind_y = np.where(seen, np.nan, ys)
    ax.plot(blind_x, blind_y, color="#d50000", lw=3.2, label="blind spot")
    placed: list[Annotation] = []
    for site in sector.sites:
        x, y = t.to_map(site.lon, site.lat)
        ax.plot(x / 1000, y / 1000, marker="^", color="black", markersize=8, markeredgecolor="white")
        placed.append(
            ax.annotate(
                site.id, (x / 1000, y / 1000), fontsize=7, xytext=(4, 4), textcoords="offset points", path_effects=_HALO
            )
        )
    for k, (lon, lat) in enumerate(new_sites):
        x, y = t.to_map(lon, lat)
        ax.plot(x / 1000, y / 1000, marker="*", color="#00c853", markersize=16, markeredgecolor="black")
        placed.append(
            ax.annotate(f"new {k + 1}", (x / 1000, y / 1000), fontsize=8, xytext=(5, -10), textcoords="offset points")
        )
    spots = []
    for i, spot in enumerate(result.blind_spots[:5]):
        bx, by = t.to_map(*spot.start_lonlat)
        spots.append(
            ax.annotate(
                f"B{i + 1} {spot.length_m / 1000:.1f} km", (bx / 1000, by / 1000), fontsize=8,
                color="#d50000", xytext=(4, -10), textcoords="offset points", weight="bold", path_effects=_HALO,
            )
        )
    for tower in sector.cell_towers:
        x, y = t.to_map(tower.lon, tower.lat)
        ax.plot(x / 1000, y / 1000, marker="P", color="#6a1b9a", markersize=9, markeredgecolor="white")
    summ = result.summary()
    ax.set_title(
        title
        or f"{sector.name}: {'night' if result.night else 'day'} coverage "
        f"{100 * summ['covered_fraction']:.1f}% of {summ['line_length_m'] / 1000:.1f} km, "
        f"longest blind spot {summ['longest_blind_spot_m'] / 1000:.1f} km"
    )
    ax.set_xlabel(f"easting, km ({t.crs.to_string()})")
    ax.set_ylabel("northing, km")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    place_clear_of(fig, spots, placed)
    fig.savefig(path)
    plt.close(fig)


#: A white outline that keeps labels legible over the line, the shading and each other.
_HALO = [patheffects.withStroke(linewidth=2.5, foreground="white")]
#: Where a label may go around its point, in points, the first that overlaps nothing wins.
_LABEL_OFFSETS = [(4, -10), (4, 6), (-8, -14), (6, -22), (-60, -10), (-60, 6), (6, 16), (-60, -22)]


def place_clear_of(fig: Figure, labels: Sequence[Annotation], placed: list[Annotation]) -> None:
    """Move each of ``labels`` to the first offset from its point where it covers no label already placed.

    A label that fits nowhere keeps its first offset.  Labels that are placed join
    ``placed``, so later ones keep clear of them too.
    """
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = [a.get_window_extent(renderer) for a in placed]
    for label in labels:
        for offset in _LABEL_OFFSETS:
            label.xyann = offset
            box = label.get_window_extent(renderer)
            if not any(box.overlaps(other) for other in boxes):
                break
        else:
            label.xyann = _LABEL_OFFSETS[0]
            box = label.get_window_extent(renderer)
        boxes.append(box)
        placed.append(label)
