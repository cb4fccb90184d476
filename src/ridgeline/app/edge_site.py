"""An edge site's sensors: every sensor of the site that names a ``source`` in the sector file.

``plan_site`` says which adapter runs each sensor and with what options (the sector's
camera settings, paths resolved against the sector file); ``open_adapters`` builds them
from the ``ridgeline.sensors`` entry points.  The edge agent (``ridgeline.app.edge_agent.run_site``)
runs them all into one outbox.  The command line's source options (``--video``, ``--ais``,
``--replay``, ``--simulate``) are overrides: given one, it replaces the configured sensors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from ridgeline.config.sector import Sector, SensorConfig, SiteConfig
from ridgeline.config.sensors import CAMERA_KINDS, SIMULATE, source_kind
from ridgeline.errors import ConfigError
from ridgeline.model.sensor import SensorAdapter
from ridgeline.vision.pipeline import Locate
from ridgeline.vision.rules import LineRule

RADAR_PLOTS = "radar-plots"
"""A radar plot file, planned on its own until it joins the AIS receiver's run."""


@dataclass(frozen=True)
class Overrides:
    """Sources given on the command line; at most one, and then it replaces the configured sensors."""

    replay: Path | None = None
    rate: float = 0.0  # replay: messages per second (0: as fast as possible); simulate: walkers' pace
    retime: bool = False
    simulate: bool = False
    video: str | None = None
    video_lines: tuple[LineRule, ...] = ()
    ais: str | None = None

    def count(self) -> int:
        """How many source overrides are given."""
        return sum((self.replay is not None, self.simulate, self.video is not None, self.ais is not None))


@dataclass(frozen=True)
class SensorRun:
    """One adapter to start: for which sensor, the entry point's name, and its options."""

    sensor: str
    adapter: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CameraPlacement:
    """Pixel to map for a fixed camera: its pose on the mast over the sector's DEM.

    Called with the picture's size once the video is open (the pose needs it); the DEM is
    loaded then, so a camera that is not placed costs nothing.
    """

    sector: Sector
    site: SiteConfig
    sensor: SensorConfig

    def __call__(self, width: int, height: int) -> Locate:
        from ridgeline.terrain.coverage import load_sector_terrain
        from ridgeline.vision.geo import CameraPose, ground_locator

        assert self.sensor.azimuth_deg is not None and self.sensor.tilt_deg is not None
        pose = CameraPose(self.site.lon, self.site.lat, self.site.mast_height_m, self.sensor.azimuth_deg,
                          self.sensor.tilt_deg, self.sensor.fov_deg, width, height)
        reach = max(self.sensor.day_range_m, self.sensor.night_range_m)
        return ground_locator(pose, load_sector_terrain(self.sector), max_range_m=reach)


def find_site(sector: Sector, site_id: str) -> SiteConfig:
    """The site with this id, or an error listing the sector's sites."""
    for site in sector.sites:
        if site.id == site_id:
            return site
    raise ConfigError(f"no site {site_id!r} (sites: {', '.join(s.id for s in sector.sites)})")


def _override(sector: Sector, site: SiteConfig, over: Overrides) -> SensorRun:
    if over.replay is not None:
        return SensorRun("replay", "replay", {"path": over.replay, "rate": over.rate, "retime": over.retime})
    if over.video is not None:
        return SensorRun(f"{site.id}-cam", "video", {"source": over.video, "lines": list(over.video_lines),
                                                      "camera": f"{site.id}-cam"})
    if over.ais is not None:
        return SensorRun(f"{site.id}-ais", "ais", {"source": over.ais, **_maritime(sector)})
    return SensorRun("simulate", "simulate", {"sector": sector, "rate": over.rate or 2.0})


def _maritime(sector: Sector) -> dict[str, Any]:
    from ridgeline.maritime.adapter import sector_options

    return sector_options(sector)


def _configured(sector: Sector, site: SiteConfig, sensor: SensorConfig) -> SensorRun | None:
    """The adapter for a configured sensor (None for ``simulate``: one simulation serves the site)."""
    assert sensor.source is not None
    where = f"site {site.id!r} sensor {sensor.id!r}"
    kind = source_kind(sensor.source)
    if kind == "simulate":
        return None
    source = str(sector.path(sensor.source)) if kind == "file" else sensor.source
    if kind == "file" and not Path(source).is_file():
        raise ConfigError(f"{where}: source file not found: {source}")
    if sensor.kind in CAMERA_KINDS:
        model = sector.path(sensor.model) if sensor.model is not None else None
        options: dict[str, Any] = {"source": source, "sensor": sensor, "model": model}
        if sensor.tilt_deg is not None and sensor.azimuth_deg is not None:
            options["locate_for"] = CameraPlacement(sector, site, sensor)
        return SensorRun(sensor.id, "video", options)
    if sensor.kind == "ais":
        return SensorRun(sensor.id, "ais", {"source": source, "sensor": sensor.id, **_maritime(sector)})
    return SensorRun(sensor.id, RADAR_PLOTS, {"radar": source})


def plan_site(sector: Sector, site_id: str, overrides: Overrides | None = None) -> list[SensorRun]:
    """What runs at the site: the override if one is given, else every sensor with a ``source``."""
    over = overrides or Overrides()
    site = find_site(sector, site_id)
    if over.count() > 1:
        raise ConfigError("give at most one of --replay FILE, --simulate, --video SOURCE or --ais SOURCE")
    if over.count() == 1:
        return [_override(sector, site, over)]
    runs: list[SensorRun] = []
    simulated = False
    for sensor in site.sensors:
        if sensor.source is None:
            continue
        run = _configured(sector, site, sensor)
        if run is not None:
            runs.append(run)
        elif not simulated:  # the walkers are sensed by every sensor of the site at once
            runs.append(SensorRun(SIMULATE, SIMULATE, {"sector": sector}))
            simulated = True
    runs = _radar_with_ais(site, runs)
    if not runs:
        raise ConfigError(
            f"site {site.id!r} has no sensor with a source in the sector file: give one a 'source:' "
            "or run it with --replay FILE, --simulate, --video SOURCE or --ais SOURCE"
        )
    return runs


def _radar_with_ais(site: SiteConfig, runs: list[SensorRun]) -> list[SensorRun]:
    """A radar's plot file rides with the site's AIS receiver (dark targets are radar tracks no
    AIS report explains, so the two are judged together)."""
    plots = [r for r in runs if r.adapter == RADAR_PLOTS]
    if not plots:
        return runs
    receivers = [r for r in runs if r.adapter == "ais"]
    if len(plots) > 1 or len(receivers) != 1:
        raise ConfigError(f"site {site.id!r} sensor {plots[0].sensor!r}: a radar plot file is judged with the "
                          f"site's AIS receiver: give the site one 'ais' sensor with a source, and one radar file")
    receivers[0].options["radar"] = plots[0].options["radar"]
    return [r for r in runs if r.adapter != RADAR_PLOTS]


def load_adapter(name: str, site: str, **options: Any) -> SensorAdapter:
    """Build the sensor adapter registered as ``name`` under ``ridgeline.sensors``."""
    found = {ep.name: ep for ep in entry_points(group="ridgeline.sensors")}
    if name not in found:
        raise ConfigError(f"no sensor adapter {name!r}; installed: {', '.join(sorted(found)) or 'none'}")
    adapter: SensorAdapter = found[name].load()(site, **options)
    return adapter


def open_adapters(site_id: str, runs: list[SensorRun]) -> list[SensorAdapter]:
    """Every planned adapter, built; those already open are closed if a later one cannot be."""
    adapters: list[SensorAdapter] = []
    try:
        for run in runs:
            adapters.append(load_adapter(run.adapter, site_id, **run.options))
    except BaseException:
        for adapter in adapters:
            adapter.close()
        raise
    return adapters
