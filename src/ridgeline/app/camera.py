"""Use case: watch a camera: motion (or a detector), tracks and line/zone events in a video or stream.

Privacy masks are never analysed and are black in every image written (annotated video,
snapshots).  A live stream runs until interrupted, keeping what it found.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from ridgeline.app.progress import NOTE, Progress, report
from ridgeline.errors import ConfigError

if TYPE_CHECKING:
    from ridgeline.vision.motion import Profile
    from ridgeline.vision.pipeline import PipelineResult, VideoPipeline
    from ridgeline.vision.video import FrameSource

Points = tuple[tuple[float, float], ...]
"""Pixel coordinates (x, y) of a line's two ends or a polygon's corners."""


@dataclass(frozen=True)
class CameraRequest:
    """One camera: its source, rules, masks and settings, and the files to write."""

    source: str
    lines: tuple[Points, ...] = ()
    """Tripwires, named line1, line2, ... in this order."""
    zones: tuple[Points, ...] = ()
    """Zone polygons, named zone1, zone2, ..."""
    masks: tuple[Points, ...] = ()
    loiter_s: float | None = None
    detect_fps: float = 15.0
    profile: Profile = "default"
    line_inertia: int = 1
    classes: tuple[str, ...] = ()
    min_speed: float = 0.0
    model: Path | None = None
    camera: str = "camera"
    min_height: float = 0.0
    events: Path | None = None
    tracks: Path | None = None
    annotate: Path | None = None
    ptz: str | None = None
    """onvif://USER:PASSWORD@HOST:PORT: follow tracks with this PTZ head."""
    snapshots: Path | None = None


def watch_camera(req: CameraRequest, progress: Progress | None = None) -> PipelineResult:
    """Run the camera's pipeline over its source and write the files asked for."""
    from ridgeline.vision.mot import write_mot
    from ridgeline.vision.video import FrameSource

    _check(req)
    src = FrameSource(req.source, detect_fps=req.detect_fps, colour=req.annotate is not None or req.model is not None)
    closers: list[Callable[[], None]] = [src.close]
    try:
        pipeline, hooks = _pipeline(req, src, closers)

        def each_frame(frame: Any, tracks: Any, events: Any) -> None:
            for hook in hooks:
                hook(frame, tracks, events)

        total = (src.frames // src.every) if src.frames else None
        try:
            result = pipeline.run(
                src, annotate=each_frame if hooks else None, keep_tracks=req.tracks is not None,
                on_frame=lambda r: report(
                    progress, f"video{NOTE}{r.fps:.0f} fps, {r.track_count} tracks, {len(r.events)} events",
                    r.frames, total,
                ),
            )
        except KeyboardInterrupt:  # a live stream runs until stopped: keep what it found
            result = pipeline.result
    finally:
        for close in closers:
            close()
    if req.events is not None:
        req.events.parent.mkdir(parents=True, exist_ok=True)
        req.events.write_text("".join(
            json.dumps({"type": "events", "payload": e.model_dump(mode="json")}) + "\n" for e in result.events
        ))
    if req.tracks is not None:
        write_mot(req.tracks, result.tracks)
    return result


def _check(req: CameraRequest) -> None:
    """Settings that name something that does not exist are refused before any frame is read."""
    from ridgeline.model import ObjectClass
    from ridgeline.vision.motion import PROFILES

    known = [c.value for c in ObjectClass]
    unknown = [c for c in req.classes if c not in known]
    if unknown:
        raise ConfigError(f"classes: unknown {', '.join(unknown)} ({', '.join(known)})")
    if req.profile not in PROFILES:
        raise ConfigError(f"profile {req.profile!r}: expected one of {', '.join(PROFILES)}")
    if req.ptz is not None:
        url = urlparse(req.ptz)
        if url.scheme != "onvif" or not url.hostname:
            raise ConfigError(f"ptz {req.ptz!r}: expected onvif://USER:PASSWORD@HOST:PORT")


def _pipeline(req: CameraRequest, src: FrameSource,
              closers: list[Callable[[], None]]) -> tuple[VideoPipeline, list[Any]]:
    """The detector, tracker and rules for ``req``, and the per-frame hooks (annotation, PTZ)."""
    from ridgeline.vision.motion import MotionDetector, MotionSettings
    from ridgeline.vision.pipeline import VideoPipeline
    from ridgeline.vision.rules import LineRule, TrackRules, ZoneRule
    from ridgeline.vision.tracking import Tracker, TrackerSettings

    lines = [LineRule(f"line{i + 1}", a, b, inertia=req.line_inertia, classes=req.classes)
             for i, (a, b) in enumerate(req.lines)]
    zones = [ZoneRule(f"zone{i + 1}", pts, loiter_s=req.loiter_s, classes=req.classes)
             for i, pts in enumerate(req.zones)]
    rate = src.fps / src.every
    if req.model is not None:
        from ridgeline.vision.detector import OnnxDetector

        detector: Any = OnnxDetector(req.model, masks=req.masks)
    else:
        detector = MotionDetector(MotionSettings.profile(req.profile, masks=req.masks))
    pipeline = VideoPipeline(
        detector, Tracker(TrackerSettings.profile(req.profile, frame_rate=rate)),
        TrackRules(lines, zones, min_height=req.min_height, min_speed=req.min_speed), camera=req.camera,
        snapshots=req.snapshots, masks=req.masks,
    )
    hooks: list[Any] = []
    if req.annotate is not None:
        from ridgeline.vision.annotate import Annotator

        writer = Annotator(req.annotate, src.width, src.height, rate, lines, zones, req.masks)
        hooks.append(writer)
        closers.append(writer.close)
    if req.ptz is not None:
        hooks.append(_ptz_hook(req.ptz, src, closers))
    return pipeline, hooks


def _ptz_hook(ptz: str, src: FrameSource, closers: list[Callable[[], None]]) -> Callable[[Any, Any, Any], None]:
    """Steer the ONVIF head at ``ptz`` toward the tracks that raised events."""
    from ridgeline.vision.onvif import OnvifPtz
    from ridgeline.vision.ptz import PtzFollow

    url = urlparse(ptz)
    assert url.hostname is not None
    head = OnvifPtz(url.hostname, url.port or 80, url.username, url.password)
    closers.append(head.close)
    follow = PtzFollow(head, (src.width, src.height))
    return lambda frame, tracks, events: follow(
        frame.time_s, tracks, [e.track.number for e in events])


def track_detections(detections: Path, out: Path, min_hits: int = 3, lost_frames: int = 30,
                     frame_rate: float = 30.0, progress: Progress | None = None) -> tuple[int, int, int]:
    """Track MOTChallenge detections (OC-SORT, finished offline) into ``out``: (tracks, boxes, frames)."""
    from ridgeline.vision.mot import read_mot, write_mot
    from ridgeline.vision.tracking import TrackerSettings, track_sequence

    boxes = read_mot(detections)
    settings = TrackerSettings(min_hits=min_hits, lost_frames=lost_frames, frame_rate=frame_rate)
    frames = int(boxes.frames.max())
    rows = track_sequence(boxes, settings, progress=lambda f: report(progress, "tracking", f, frames))
    n = write_mot(out, rows)
    return len(set(rows.track_ids.tolist())), n, frames
