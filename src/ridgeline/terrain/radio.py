"""Radio links from the sites to the cell towers that carry their traffic.

A site is only useful if its pictures reach the operators, so each site × tower pair is
checked over the real terrain: the terrain profile between them (bilinear samples of the
DEM), geometric line of sight and first-Fresnel-zone clearance over an earth bulged for
refraction, and the Longley–Rice Irregular Terrain Model (ITM, via ``itmlogic``) in
point-to-point mode for the median path loss.  The loss gives a link budget: received
power, fade margin over the modem's sensitivity, and whether the link is usable.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from itmlogic.preparatory_subroutines.qlrpfl import qlrpfl
from itmlogic.preparatory_subroutines.qlrps import qlrps
from itmlogic.statistics.avar import avar

from ridgeline.config.sector import Sector
from ridgeline.errors import ConfigError, OutsideTerrainError, RidgelineError, TerrainError
from ridgeline.model.earth import MEAN_RADIUS_M
from ridgeline.terrain.dem import Terrain

SPEED_OF_LIGHT_M_S = 299_792_458.0

#: ITM's validity ranges (NTIA ITM 1.2.2); outside them ITM itself flags results invalid.
ITM_FREQUENCY_MHZ = (20.0, 20000.0)
ITM_ANTENNA_HEIGHT_M = (0.5, 3000.0)
ITM_MAX_DISTANCE_M = 2_000_000.0

_POLARIZATION = {"horizontal": 0, "vertical": 1}
_ITM_P2P_ACCIDENTAL = 11  # mdvar: accidental mode (1) + point-to-point, no location spread (10)


# ---------------------------------------------------------------------------- profile


def terrain_profile(
    terrain: Terrain,
    x0: float,
    y0: float,
    x1: float,
    y1: float,
    step: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Elevations along the straight map-plane path from (x0, y0) to (x1, y1).

    Returns ``(distances_m, elevations_m)``: evenly spaced samples, both ends included,
    no further apart than ``step`` (the cell size by default), because ITM wants a
    uniformly spaced profile.  Each sample is bilinear in the four surrounding cell
    centres; void (NaN) neighbours are left out and the others reweighted, so a path
    that only grazes a void keeps its samples.  Samples that still fall in a void are
    filled by linear interpolation along the path; if voids make up more than half of
    the samples the profile is not trustworthy and a :class:`TerrainError` names the path.

    Raises :class:`OutsideTerrainError` when an endpoint lies outside the grid.
    """
    for what, x, y in (("start", x0, y0), ("end", x1, y1)):
        if not (math.isfinite(x) and math.isfinite(y) and terrain.contains(x, y)):
            raise OutsideTerrainError(
                f"path {what} ({x:.1f}, {y:.1f}) in {terrain.crs} is outside the DEM "
                f"({', '.join(terrain.sources) or 'terrain'})"
            )
    step = terrain.cell_size if step is None else float(step)
    if not (math.isfinite(step) and step > 0):
        raise ConfigError(f"profile step must be a positive number of metres, got {step}")
    length = math.hypot(x1 - x0, y1 - y0)
    if length == 0.0:
        raise TerrainError(
            f"path from ({x0:.1f}, {y0:.1f}) to ({x1:.1f}, {y1:.1f}) has zero length"
        )
    n = max(math.ceil(length / step), 1)
    t = np.linspace(0.0, 1.0, n + 1)
    distances = t * length
    elevations = _bilinear(terrain, x0 + t * (x1 - x0), y0 + t * (y1 - y0))

    void = np.isnan(elevations)
    if void.any():
        if 2 * int(void.sum()) > elevations.size:
            raise TerrainError(
                f"path from ({x0:.1f}, {y0:.1f}) to ({x1:.1f}, {y1:.1f}) in {terrain.crs} "
                f"crosses DEM voids for {int(void.sum())} of {elevations.size} samples; "
                "fill the voids or use another DEM"
            )
        elevations[void] = np.interp(distances[void], distances[~void], elevations[~void])
    return distances, elevations


def _bilinear(terrain: Terrain, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Void-aware bilinear elevation at map points (NaN only where all weighted cells are void)."""
    rows, cols = terrain.shape
    inv = ~terrain.transform
    col_f = inv.a * xs + inv.b * ys + inv.c - 0.5  # fractional index from cell centres
    row_f = inv.d * xs + inv.e * ys + inv.f - 0.5
    r = np.clip(row_f, 0.0, rows - 1.0)
    c = np.clip(col_f, 0.0, cols - 1.0)
    r0 = np.floor(r).astype(np.intp)
    c0 = np.floor(c).astype(np.intp)
    r1 = np.minimum(r0 + 1, rows - 1)
    c1 = np.minimum(c0 + 1, cols - 1)
    fr = r - r0
    fc = c - c0
    grid = terrain.elevation
    z = np.stack([grid[r0, c0], grid[r0, c1], grid[r1, c0], grid[r1, c1]]).astype(np.float64)
    w = np.stack([(1 - fr) * (1 - fc), (1 - fr) * fc, fr * (1 - fc), fr * fc])
    valid = np.isfinite(z)
    wsum = np.where(valid, w, 0.0).sum(axis=0)
    zsum = np.where(valid, w * np.where(valid, z, 0.0), 0.0).sum(axis=0)
    out = np.full(xs.shape, np.nan)
    ok = wsum > 1e-9
    out[ok] = zsum[ok] / wsum[ok]
    return out


def _check_profile(distances: np.ndarray, elevations: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    d = np.asarray(distances, dtype=np.float64)
    z = np.asarray(elevations, dtype=np.float64)
    if d.ndim != 1 or d.shape != z.shape or d.size < 2:
        raise TerrainError(
            "a profile needs matching 1-D distance and elevation arrays of at least 2 samples, "
            f"got shapes {d.shape} and {z.shape}"
        )
    if not (np.isfinite(d).all() and np.isfinite(z).all()):
        raise TerrainError("profile distances and elevations must all be finite (no voids)")
    if d[0] != 0.0 or not (np.diff(d) > 0).all():
        raise TerrainError("profile distances must start at 0 and increase strictly")
    return d, z


def _check_heights(h_tx: float, h_rx: float, low: float = 0.0) -> None:
    for name, h in (("transmitter", h_tx), ("receiver", h_rx)):
        if not (math.isfinite(h) and h >= low):
            raise ConfigError(f"{name} antenna height must be at least {low} m, got {h}")


# --------------------------------------------------------------------- line of sight


def line_of_sight(
    distances: np.ndarray,
    elevations: np.ndarray,
    h_tx: float,
    h_rx: float,
    *,
    frequency_mhz: float,
    k_factor: float = 4.0 / 3.0,
) -> tuple[bool, float, float]:
    """Whether the straight ray between the antennas clears the terrain, and by how much.

    The antennas stand ``h_tx`` and ``h_rx`` metres above the profile's first and last
    samples.  Terrain is raised by the earth bulge ``d1·d2 / (2·k·R)`` with ``R`` = 6371 km
    (``k`` = 4/3 is the standard-atmosphere refraction).  Returns
    ``(clear, min_clearance_m, first_fresnel_clearance_ratio)``: ``clear`` when the ray
    passes above every intermediate sample; the smallest ray-over-terrain height (negative
    when blocked); and the smallest ratio of that clearance to the first Fresnel zone
    radius ``sqrt(λ·d1·d2/D)`` — a ratio of 0.6 or more is the usual test for a path that
    behaves like free space, since radio needs more room than the optical ray.  With no
    intermediate sample the path is clear, the clearance is the lower antenna height and
    the ratio is infinite.
    """
    d, z = _check_profile(distances, elevations)
    _check_heights(h_tx, h_rx)
    if not (math.isfinite(frequency_mhz) and frequency_mhz > 0):
        raise ConfigError(f"frequency must be a positive number of MHz, got {frequency_mhz}")
    if not (math.isfinite(k_factor) and k_factor > 0):
        raise ConfigError(f"k-factor must be positive, got {k_factor}")
    total = float(d[-1])
    d1 = d[1:-1]
    if d1.size == 0:
        return True, float(min(h_tx, h_rx)), math.inf
    d2 = total - d1
    z_tx = z[0] + h_tx
    z_rx = z[-1] + h_rx
    ray = z_tx + (z_rx - z_tx) * d1 / total
    bulge = d1 * d2 / (2.0 * k_factor * MEAN_RADIUS_M)
    clearance = ray - (z[1:-1] + bulge)
    wavelength = SPEED_OF_LIGHT_M_S / (frequency_mhz * 1e6)
    fresnel = np.sqrt(wavelength * d1 * d2 / total)
    return (
        bool((clearance > 0).all()),
        float(clearance.min()),
        float((clearance / fresnel).min()),
    )


# ----------------------------------------------------------------------------- ITM


def free_space_loss_db(distance_m: float, frequency_mhz: float) -> float:
    """Free-space basic transmission loss: 32.45 + 20·log10(f/MHz) + 20·log10(d/km)."""
    return 32.45 + 20.0 * math.log10(frequency_mhz) + 20.0 * math.log10(distance_m / 1000.0)


def itm_path_loss(
    distances: np.ndarray,
    elevations: np.ndarray,
    frequency_mhz: float,
    h_tx: float,
    h_rx: float,
    **options: Any,
) -> float:
    """Median basic transmission loss (dB) of a path by Longley–Rice; see :func:`itm_path_loss_detail`."""
    return itm_path_loss_detail(distances, elevations, frequency_mhz, h_tx, h_rx, **options)[0]


def itm_path_loss_detail(
    distances: np.ndarray,
    elevations: np.ndarray,
    frequency_mhz: float,
    h_tx: float,
    h_rx: float,
    *,
    polarization: str = "vertical",
    permittivity: float = 15.0,
    conductivity_s_m: float = 0.005,
    climate: int = 5,
    refractivity_n: float = 301.0,
) -> tuple[float, int]:
    """Median basic transmission loss (dB) by Longley–Rice in point-to-point mode, and ITM's warning.

    The warning is ITM's own ``kwx``: 0 none, 1 parameters a little out of range, 2 default
    values substituted, 3 probably invalid (e.g. horizon angles too steep for the model, as
    often in mountains), 4 invalid.

    ``distances``/``elevations`` must be an evenly spaced profile (as from
    :func:`terrain_profile`); antennas stand ``h_tx`` and ``h_rx`` metres above its ends.
    The result is free-space loss plus ITM's excess attenuation at 50 % time, location
    and situation.  Defaults are ITM's usual ones: average ground (εr 15, σ 0.005 S/m),
    continental temperate climate (5), surface refractivity 301 N-units reduced to the
    mean elevation of the profile's middle 80 %, vertical polarization (cellular antennas).

    Inputs outside ITM's range (20–20000 MHz, antennas 0.5–3000 m, paths up to 2000 km)
    raise :class:`ConfigError` instead of returning a number ITM itself calls invalid.
    Below 1 km ITM flags its result as out of range too; the loss is still returned,
    since short links to a nearby tower are common (over flat ground it is free space
    there).  A failure inside ``itmlogic`` raises :class:`TerrainError`.
    """
    d, z = _check_profile(distances, elevations)
    lo, hi = ITM_FREQUENCY_MHZ
    if not (math.isfinite(frequency_mhz) and lo <= frequency_mhz <= hi):
        raise ConfigError(
            f"frequency {frequency_mhz} MHz is outside the Longley-Rice (ITM) range "
            f"{lo:g}-{hi:g} MHz"
        )
    hlo, hhi = ITM_ANTENNA_HEIGHT_M
    for name, h in (("transmitter", h_tx), ("receiver", h_rx)):
        if not (math.isfinite(h) and hlo <= h <= hhi):
            raise ConfigError(
                f"{name} antenna height {h} m is outside the Longley-Rice (ITM) range "
                f"{hlo:g}-{hhi:g} m"
            )
    if polarization not in _POLARIZATION:
        raise ConfigError(f"polarization must be 'horizontal' or 'vertical', got {polarization!r}")
    if not 1 <= climate <= 7:
        raise ConfigError(f"ITM climate must be 1-7, got {climate}")
    total = float(d[-1])
    if total > ITM_MAX_DISTANCE_M:
        raise ConfigError(f"path of {total / 1000:.0f} km is beyond ITM's 2000 km range")
    spacing = total / (d.size - 1)
    if not np.allclose(np.diff(d), spacing, rtol=1e-6, atol=1e-6):
        raise TerrainError("ITM needs an evenly spaced profile")

    try:
        prop = _itm_prop(z, spacing, frequency_mhz, h_tx, h_rx, polarization,
                         permittivity, conductivity_s_m, climate, refractivity_n)
        prop = qlrpfl(prop)
        excess, prop = avar(0.0, 0.0, 0.0, prop)  # standard normal deviates 0: the median
    except (ArithmeticError, ValueError, IndexError, KeyError, TypeError) as exc:
        raise TerrainError(
            f"Longley-Rice (itmlogic) failed on a {total / 1000:.2f} km path at "
            f"{frequency_mhz:g} MHz: {type(exc).__name__}: {exc}"
        ) from exc
    loss = free_space_loss_db(total, frequency_mhz) + float(excess)
    if not math.isfinite(loss):
        raise TerrainError(
            f"Longley-Rice (itmlogic) gave a non-finite loss on a {total / 1000:.2f} km path "
            f"at {frequency_mhz:g} MHz"
        )
    return loss, int(prop.get("kwx", 0))


def _itm_prop(
    z: np.ndarray,
    spacing: float,
    frequency_mhz: float,
    h_tx: float,
    h_rx: float,
    polarization: str,
    permittivity: float,
    conductivity_s_m: float,
    climate: int,
    refractivity_n: float,
) -> dict[str, Any]:
    """The ``prop`` dict itmlogic's ``qlrpfl`` expects (as in its ``scripts/p2p.py``)."""
    n = z.size - 1
    # System elevation for the refractivity: mean of the profile's middle (as NTIA's ITM).
    ja, jb = n // 10, n - n // 10
    zsys = float(z[ja : jb + 1].mean())
    wn, gme, ens, zgnd = qlrps(
        frequency_mhz, zsys, refractivity_n, _POLARIZATION[polarization],
        permittivity, conductivity_s_m,
    )
    return {
        "pfl": [n, spacing, *z.tolist()],  # [intervals, spacing m, z0 ... zn]
        "hg": [float(h_tx), float(h_rx)],
        "fmhz": frequency_mhz,
        "wn": wn,
        "gme": gme,
        "ens": ens,
        "zgnd": zgnd,
        "klim": climate,
        "klimx": 0,
        "mdvarx": _ITM_P2P_ACCIDENTAL,
        "lvar": 5,
        "kwx": 0,
    }


# ------------------------------------------------------------------------ link table


@dataclass(frozen=True)
class RadioLink:
    """One site-to-tower link over the terrain and its budget."""

    site_id: str
    tower_id: str
    distance_m: float
    line_of_sight: bool
    min_clearance_m: float
    path_loss_db: float
    received_dbm: float
    margin_db: float
    usable: bool
    itm_warning: int = 0


def link_table(terrain: Terrain, sector: Sector) -> list[RadioLink]:
    """Every site × every cell tower of the sector, in site then tower order.

    The tower transmits its ``power_dbm`` (EIRP) from ``height_m``; the site receives at
    ``radio.site_antenna_height_m`` (its mast height when omitted) with a 0 dBi antenna.
    A link is usable when its margin over the receiver sensitivity is at least
    ``radio.required_margin_db``.  A site within one cell of a tower gets free-space loss
    (no terrain lies between them).  Errors name the link; a site or tower off the DEM
    raises :class:`OutsideTerrainError`.
    """
    radio = sector.radio
    sites = [(s, _map_point(terrain, s.lon, s.lat, f"site {s.id!r}")) for s in sector.sites]
    towers = [
        (t, _map_point(terrain, t.lon, t.lat, f"cell tower {t.id!r}")) for t in sector.cell_towers
    ]
    links: list[RadioLink] = []
    for site, (sx, sy) in sites:
        h_site = (
            radio.site_antenna_height_m
            if radio.site_antenna_height_m is not None
            else site.mast_height_m
        )
        for tower, (tx, ty) in towers:
            try:
                distance, clear, clearance, loss, warning = _link_path(
                    terrain, (tx, ty, tower.height_m), (sx, sy, h_site), tower.frequency_mhz
                )
            except RidgelineError as exc:
                raise type(exc)(f"link site {site.id!r} - tower {tower.id!r}: {exc}") from exc
            received = tower.power_dbm - loss
            margin = received - radio.receiver_sensitivity_dbm
            links.append(
                RadioLink(
                    site_id=site.id,
                    tower_id=tower.id,
                    distance_m=distance,
                    line_of_sight=clear,
                    min_clearance_m=clearance,
                    path_loss_db=loss,
                    received_dbm=received,
                    margin_db=margin,
                    usable=margin >= radio.required_margin_db,
                    itm_warning=warning,
                )
            )
    return links


def _link_path(
    terrain: Terrain,
    tx: tuple[float, float, float],
    rx: tuple[float, float, float],
    frequency_mhz: float,
) -> tuple[float, bool, float, float, int]:
    """(distance, line of sight, min clearance, loss, ITM warning) between antennas (x, y, height).

    Antennas less than one cell apart have no terrain between them to profile (a site
    beside its tower): the link is clear and its loss is free space over the slant
    distance between the antennas (at least 1 m).  Otherwise: terrain profile, geometric
    line of sight and Longley–Rice loss.
    """
    (x0, y0, h0), (x1, y1, h1) = tx, rx
    distance = math.hypot(x1 - x0, y1 - y0)
    if distance < terrain.cell_size:
        ground = _bilinear(terrain, np.array([x0, x1]), np.array([y0, y1]))
        rise = float(np.nan_to_num(ground[1] - ground[0])) + h1 - h0
        slant = max(math.hypot(distance, rise), 1.0)
        return distance, True, min(h0, h1), free_space_loss_db(slant, frequency_mhz), 0
    d, z = terrain_profile(terrain, x0, y0, x1, y1)
    clear, clearance, _ = line_of_sight(d, z, h0, h1, frequency_mhz=frequency_mhz)
    loss, warning = itm_path_loss_detail(d, z, frequency_mhz, h0, h1)
    return distance, clear, clearance, loss, warning


def _map_point(terrain: Terrain, lon: float, lat: float, what: str) -> tuple[float, float]:
    """Map coordinates of a lon/lat that must lie on a DEM cell with data."""
    terrain.cell_of_lonlat(lon, lat, what)  # raises OutsideTerrainError naming ``what``
    return terrain.to_map(lon, lat)


def best_links(
    links: Sequence[RadioLink], site_ids: Iterable[str] = ()
) -> dict[str, RadioLink | None]:
    """Each site's usable link with the largest margin; ``None`` flags a site with none.

    Sites are those in ``links`` plus any in ``site_ids`` (pass the sector's site ids so
    that a sector without towers still reports every site as unconnected).
    """
    best: dict[str, RadioLink | None] = dict.fromkeys(site_ids)
    for link in links:
        current = best.setdefault(link.site_id, None)
        if link.usable and (current is None or link.margin_db > current.margin_db):
            best[link.site_id] = link
    return best
