"""Use cases of planning a sector: coverage of its line, new mast sites, radio links.

Each loads the sector's terrain, runs the terrain engines and writes its files (rasters,
GeoJSON, maps, a summary); it returns what a caller shows and prints nothing.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ridgeline.app.progress import Progress, report

if TYPE_CHECKING:
    from ridgeline.config.sector import Sector
    from ridgeline.terrain.coverage import CoverageResult
    from ridgeline.terrain.dem import Terrain
    from ridgeline.terrain.radio import RadioLink


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n")


def load_terrain(sector: Sector, progress: Progress | None = None) -> Terrain:
    """The sector's terrain, on its own projection and resolution."""
    from ridgeline.terrain.coverage import load_sector_terrain

    report(progress, "loading terrain")
    return load_sector_terrain(sector)


def compute_coverage(sector: Sector, terrain: Terrain, night: bool, progress: Progress | None = None) -> CoverageResult:
    """Every sensor's footprint over ``terrain`` and what they see of the line together."""
    from ridgeline.terrain.coverage import compute_coverage as engine

    n = sum(s.watches_ground for site in sector.sites for s in site.sensors)
    done = 0
    report(progress, "sensor footprints", 0, n)

    def step(_: object) -> None:
        nonlocal done
        done += 1
        report(progress, "sensor footprints", done, n)

    return engine(sector, terrain, night=night, progress=step)


@dataclass
class CoveragePlan:
    """A coverage run: the engine's result, its summary and the files written."""

    result: CoverageResult
    summary: dict[str, Any]
    map_path: Path
    files: list[Path] = field(default_factory=list)


def plan_coverage(sector: Sector, out_dir: Path, night: bool = False,
                  progress: Progress | None = None) -> CoveragePlan:
    """What every sensor sees, coverage of the line and its blind spots; files under ``out_dir``."""
    from ridgeline.terrain.dem import write_raster
    from ridgeline.terrain.export import blind_spots_geojson, footprints_geojson
    from ridgeline.terrain.maps import draw_coverage_map

    terrain = load_terrain(sector, progress)
    result = compute_coverage(sector, terrain, night, progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    report(progress, "writing coverage files")
    write_raster(out_dir / "coverage.tif", result.counts, terrain, cog=True)
    _write_json(out_dir / "blind_spots.geojson", blind_spots_geojson(result))
    _write_json(out_dir / "footprints.geojson", footprints_geojson(result))
    draw_coverage_map(out_dir / "coverage.png", sector, result)
    summary = result.summary()
    _write_json(out_dir / "summary.json", summary)
    files = [out_dir / n for n in ("coverage.tif", "blind_spots.geojson", "footprints.geojson", "summary.json")]
    return CoveragePlan(result, summary, out_dir / "coverage.png", files)


@dataclass(frozen=True)
class NewMast:
    """One proposed mast, in the order chosen."""

    lon: float
    lat: float
    gain_m: float
    covered_after: float
    """Fraction of the line seen once this mast and those before it stand."""


@dataclass
class SitePlan:
    """New mast sites and the coverage before and after them."""

    method: str
    candidates: int
    masts: list[NewMast]
    summary: dict[str, Any]
    covered_before: float
    covered_after: float
    longest_before_m: float
    longest_after_m: float
    map_path: Path
    greedy_m: float | None = None
    exact_m: float | None = None
    """Both set with ``exact``: the greedy plan's gain and the integer program's."""


def plan_sites(sector: Sector, out_dir: Path, add: int = 3, exact: bool = False, night: bool = False,
               progress: Progress | None = None) -> SitePlan:
    """Propose ``add`` new masts covering the most blind line length; map and summary under ``out_dir``."""
    from ridgeline.terrain.export import sites_geojson
    from ridgeline.terrain.maps import draw_coverage_map
    from ridgeline.terrain.siting import evaluate_candidates, exact_siting, greedy_siting

    terrain = load_terrain(sector, progress)
    before = compute_coverage(sector, terrain, night, progress)
    report(progress, "candidate viewsheds (one batched parallel call)")
    cands = evaluate_candidates(sector, terrain, before.samples, night=night)
    blind = before.sample_counts == 0
    weights = before.samples.weight_m
    plans = [greedy_siting(cands.sees, weights, blind, add)]
    if exact:
        report(progress, "integer program (HiGHS)")
        plans.append(exact_siting(cands.sees, weights, blind, add))
    best = max(plans, key=lambda p: p.total_gain_m)
    after = _after(sector, terrain, before, cands, best.chosen, night)
    line_m = before.line_length_m
    summ_before, summ_after = before.summary(), after.summary()
    covered_after = float(weights[after.sample_counts > 0].sum() / line_m)
    masts, running = [], before.fraction_seen_by(1) * line_m
    for c, gain in zip(best.chosen, best.gains_m, strict=True):
        running += gain
        lon, lat = cands.lonlat[c]
        masts.append(NewMast(float(lon), float(lat), float(gain), running / line_m))
    summary: dict[str, Any] = {
        "candidates": int(cands.sees.shape[0]),
        "before": {k: summ_before[k] for k in ("covered_fraction", "longest_blind_spot_m")},
        "after": {"covered_fraction": round(covered_after, 4),
                  "longest_blind_spot_m": summ_after["longest_blind_spot_m"]},
        "plans": {
            p.method: {
                "total_gain_m": round(p.total_gain_m, 1),
                "sites": [list(cands.lonlat[c]) for c in p.chosen],
                "gain_per_mast_m": [round(g, 1) for g in p.gains_m],
            }
            for p in plans
        },
    }
    plan = SitePlan(best.method, int(cands.sees.shape[0]), masts, summary, summ_before["covered_fraction"],
                    covered_after, summ_before["longest_blind_spot_m"], summ_after["longest_blind_spot_m"],
                    out_dir / "sites.png")
    if exact:
        plan.greedy_m, plan.exact_m = plans[0].total_gain_m, plans[1].total_gain_m
        summary["greedy_over_exact"] = round(plan.greedy_m / plan.exact_m, 4) if plan.exact_m > 0 else 1.0
    out_dir.mkdir(parents=True, exist_ok=True)
    new_sites = [(m.lon, m.lat) for m in masts]
    _write_json(out_dir / "sites.geojson", sites_geojson([cands.lonlat[c] for c in best.chosen], best.gains_m))
    _write_json(out_dir / "summary.json", summary)
    draw_coverage_map(
        plan.map_path, sector, after, new_sites=new_sites,
        title=f"{sector.name}: {len(new_sites)} new masts, coverage "
        f"{100 * plan.covered_before:.1f} % -> {100 * covered_after:.1f} %",
    )
    return plan


def _after(sector: Sector, terrain: Terrain, before: CoverageResult, cands: Any, chosen: list[int],
           night: bool) -> CoverageResult:
    """Coverage once the ``chosen`` candidates stand: their footprints added, the blind spots found again."""
    import numpy as np

    from ridgeline.terrain.coverage import add_footprint, find_blind_spots
    from ridgeline.terrain.footprint import sensor_footprint

    seen_after = np.asarray(before.sample_counts + cands.sees[chosen].sum(axis=0))
    counts = before.counts.copy()
    footprints = list(before.footprints)
    for rank, c in enumerate(chosen):
        new = cands.site(c, f"new-{rank + 1}")
        fp = sensor_footprint(terrain, new, new.sensors[0], night=night)
        add_footprint(counts, fp)
        footprints.append(fp)
    spots = find_blind_spots(terrain, before.samples, seen_after, sector.sites)
    return dataclasses.replace(before, counts=counts, footprints=footprints, sample_counts=seen_after,
                               blind_spots=spots)


@dataclass
class RadioPlan:
    """Every site-to-tower link, and the sites left with no usable one."""

    links: list[RadioLink]
    cut_off: list[str]

    @property
    def itm_doubts(self) -> bool:
        """Whether Longley-Rice called any of its own answers probably invalid (code 3 and up)."""
        return any(link.itm_warning >= 3 for link in self.links)


def radio_links(sector: Sector, progress: Progress | None = None) -> RadioPlan:
    """Radio links from each site to each cell tower: line of sight, ITM path loss, margin."""
    from ridgeline.terrain.radio import best_links, link_table

    terrain = load_terrain(sector, progress)
    report(progress, "terrain profiles and Longley-Rice path loss")
    links = link_table(terrain, sector)
    return RadioPlan(links, [s for s, link in best_links(links).items() if link is None])
