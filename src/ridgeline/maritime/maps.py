"""A picture of what vessels did: land, tracks, ports and anchorages, and every behaviour found.

Behaviours are numbered on the map in the order of the printed table, so the operator can
look at encounter 3 without hunting for it.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from ridgeline.maritime.anchorages import Anchorage
from ridgeline.maritime.behaviour import LABELS, Behaviour
from ridgeline.maritime.positions import Positions
from ridgeline.maritime.shore import Shore

STYLE = {
    "encounter": ("tab:red", "o"), "landing": ("tab:purple", "^"), "loitering": ("tab:orange", "s"),
    "ais_gap": ("tab:blue", "x"), "appearance": ("tab:cyan", "*"), "restricted_entry": ("black", "P"),
    "dark_target": ("tab:brown", "D"),
}


def draw_vessel_map(
    path: Path, positions: Positions, behaviours: list[Behaviour], anchorages: list[Anchorage],
    shore: Shore | None = None, title: str = "Vessel behaviours", max_track_points: int = 200_000,
) -> None:
    """Write the map PNG."""
    fig, ax = plt.subplots(figsize=(11, 9), dpi=110)
    if len(positions):
        west, east = float(positions.lon.min()), float(positions.lon.max())
        south, north = float(positions.lat.min()), float(positions.lat.max())
    else:
        west, east, south, north = -1.0, 1.0, -1.0, 1.0
    pad_x = max((east - west) * 0.05, 0.01)
    pad_y = max((north - south) * 0.05, 0.01)
    west, east, south, north = west - pad_x, east + pad_x, south - pad_y, north + pad_y
    if shore is not None:
        t = shore.transform
        rows, cols = shore.distance.shape
        extent = (t.c, t.c + t.a * cols, t.f + t.e * rows, t.f)
        land = np.where(shore.distance == 0, 1.0, np.nan)
        ax.imshow(land, extent=extent, cmap="Greys", vmin=0, vmax=2.5, interpolation="nearest", zorder=0)
    if len(positions):
        order = np.lexsort((positions.time, positions.vessel))
        step = max(1, len(order) // max_track_points)
        order = order[::step]
        v = positions.vessel[order]
        lon = positions.lon[order].copy()
        lat = positions.lat[order].copy()
        breaks = np.flatnonzero(np.diff(v) != 0) + 1
        lon = np.insert(lon, breaks, np.nan)
        lat = np.insert(lat, breaks, np.nan)
        ax.plot(lon, lat, color="tab:gray", linewidth=0.4, alpha=0.6, zorder=1)
    colours = {"listed": "tab:green", "world": "tab:cyan", "learned": "yellowgreen"}
    for a in anchorages:
        if not (west <= a.lon <= east and south <= a.lat <= north):
            continue  # the built-in world ports cover the Earth; the map shows its own box
        ax.plot(a.lon, a.lat, marker="H", color=colours[a.source], markersize=8, markeredgecolor="darkgreen",
                zorder=2)
        if not a.learned:
            ax.annotate(a.name or a.id, (a.lon, a.lat), fontsize=7, color="darkgreen", xytext=(4, 4),
                        textcoords="offset points")
    counters: dict[str, int] = {}
    for b in behaviours:
        colour, marker = STYLE.get(b.kind, ("black", "."))
        counters[b.kind] = counters.get(b.kind, 0) + 1
        ax.plot(b.lon, b.lat, marker=marker, color=colour, markersize=9, markeredgecolor="black",
                markeredgewidth=0.5, linestyle="none", zorder=3)
        ax.annotate(f"{LABELS[b.kind]}{counters[b.kind]}", (b.lon, b.lat), fontsize=7, color=colour,
                    xytext=(5, -9), textcoords="offset points", zorder=4)
    handles = [Line2D([], [], color=c, marker=m, linestyle="none", label=f"{k} ({counters.get(k, 0)})")
               for k, (c, m) in STYLE.items()]
    handles.append(Line2D([], [], color="tab:green", marker="H", linestyle="none", label="listed port"))
    handles.append(Line2D([], [], color="tab:cyan", marker="H", linestyle="none", label="world port (WPI)"))
    handles.append(Line2D([], [], color="yellowgreen", marker="H", linestyle="none",
                          label="learned anchorage or berth"))
    ax.legend(handles=handles, loc="upper left", fontsize=8, framealpha=0.85)
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(1.0 / max(math.cos(math.radians((south + north) / 2)), 0.05))
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
