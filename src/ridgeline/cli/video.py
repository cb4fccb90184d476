"""``ridgeline video|track``: watch a camera, track MOTChallenge detections."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ridgeline.cli.console import out, progress_bar

Points = tuple[tuple[float, float], ...]


class Profile(StrEnum):
    """Motion and tracking settings (the names of ``vision.motion.PROFILES``)."""

    default = "default"
    thermal = "thermal"


def parse_points(text: str, what: str, at_least: int) -> Points:
    """``x1,y1,x2,y2,...`` as at least ``at_least`` (x, y) pairs."""
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise typer.BadParameter(f"{what} {text!r}: expected numbers x1,y1,x2,y2,...") from None
    if len(values) % 2 or len(values) < 2 * at_least:
        raise typer.BadParameter(f"{what} {text!r}: expected at least {at_least} x,y pairs")
    return tuple((values[i], values[i + 1]) for i in range(0, len(values), 2))


def parse_lines(texts: list[str] | None) -> tuple[Points, ...]:
    """Tripwires from ``--line x1,y1,x2,y2`` options."""
    lines = []
    for text in texts or []:
        pts = parse_points(text, "--line", 2)
        if len(pts) != 2:
            raise typer.BadParameter(f"--line {text!r}: expected exactly x1,y1,x2,y2")
        lines.append(pts)
    return tuple(lines)


def parse_classes(text: str | None) -> tuple[str, ...]:
    """``person,vehicle``: object classes, each one the model knows."""
    from ridgeline.model import ObjectClass

    only = tuple(c.strip() for c in text.split(",") if c.strip()) if text else ()
    known = [c.value for c in ObjectClass]
    unknown = [c for c in only if c not in known]
    if unknown:
        raise typer.BadParameter(f"--classes: unknown {', '.join(unknown)} ({', '.join(known)})")
    return only


def parse_ptz(text: str | None) -> str | None:
    """``onvif://USER:PASSWORD@HOST:PORT``, checked."""
    from urllib.parse import urlparse

    if text is not None:
        url = urlparse(text)
        if url.scheme != "onvif" or not url.hostname:
            raise typer.BadParameter(f"--ptz {text!r}: expected onvif://USER:PASSWORD@HOST:PORT")
    return text


def video(
    source: Annotated[str, typer.Argument(help="Video file or stream URL (rtsp://, http://...).")],
    line: Annotated[list[str] | None, typer.Option("--line", help="Tripwire x1,y1,x2,y2 in pixels (repeat).")] = None,
    zone: Annotated[list[str] | None, typer.Option("--zone", help="Zone polygon x,y,x,y,... (repeat).")] = None,
    mask: Annotated[
        list[str] | None, typer.Option("--mask", help="Privacy mask polygon x,y,x,y,...: never analysed (repeat).")
    ] = None,
    loiter: Annotated[float | None, typer.Option(help="Seconds in a zone that count as loitering.")] = None,
    detect_fps: Annotated[float, typer.Option(help="Frames per second analysed.")] = 15.0,
    profile: Annotated[
        Profile,
        typer.Option(help="Motion and tracking settings: default (day/night cameras) or thermal (people on foot)."),
    ] = Profile.default,
    line_inertia: Annotated[
        int, typer.Option(min=1, help="Frames a track must stay on the new side before a crossing counts.")
    ] = 1,
    classes: Annotated[
        str | None,
        typer.Option(help="Lines and zones apply to these classes only, e.g. person,vehicle (with --model)."),
    ] = None,
    min_speed: Annotated[
        float, typer.Option(min=0.0, help="Tracks slower than this (pixels/s) cross no line and enter no zone.")
    ] = 0.0,
    model: Annotated[
        Path | None, typer.Option(help="ONNX detector you supply (default: motion); see README.")
    ] = None,
    camera: Annotated[str, typer.Option(help="Camera id put in the events.")] = "camera",
    min_height: Annotated[float, typer.Option(help="Ignore objects smaller than this, pixels.")] = 0.0,
    events_path: Annotated[Path | None, typer.Option("--events", help="Events, JSON lines.")] = None,
    tracks_path: Annotated[Path | None, typer.Option("--tracks", help="Tracks, MOTChallenge format.")] = None,
    annotate: Annotated[Path | None, typer.Option("--annotate", help="Annotated copy, MP4.")] = None,
    ptz: Annotated[
        str | None, typer.Option(help="Follow tracks with this camera's PTZ head: onvif://USER:PASSWORD@HOST:PORT.")
    ] = None,
    snapshots: Annotated[
        Path | None, typer.Option(help="Folder for a JPEG per event (privacy masks blacked out).")
    ] = None,
) -> None:
    """Motion, tracks and line/zone events in a video (day, night or thermal)."""
    from ridgeline.app.camera import CameraRequest, watch_camera

    req = CameraRequest(
        source, lines=parse_lines(line), zones=tuple(parse_points(t, "--zone", 3) for t in zone or []),
        masks=tuple(parse_points(t, "--mask", 3) for t in mask or []), loiter_s=loiter, detect_fps=detect_fps,
        profile=profile.value, line_inertia=line_inertia, classes=parse_classes(classes), min_speed=min_speed,
        model=model, camera=camera, min_height=min_height, events=events_path, tracks=tracks_path,
        annotate=annotate, ptz=parse_ptz(ptz), snapshots=snapshots,
    )
    with progress_bar() as progress:
        result = watch_camera(req, progress)
    out.print(
        f"{source}: {result.frames} frames at {result.fps:.0f} fps, {result.track_count} tracks, "
        f"{len(result.events)} events, {result.background_resets} background resets"
    )
    for e in result.events[:20]:
        out.print(f"  {e.time:%H:%M:%S} {e.type.value} {e.zone} {e.object_id} "
                  f"{e.detail.get('direction', '')} at ({e.position.x if e.position else ''}, "
                  f"{e.position.y if e.position else ''})")


def track(
    detections: Annotated[Path, typer.Argument(help="Detections, MOTChallenge format (frame,id,l,t,w,h,conf,...).")],
    out_path: Annotated[Path, typer.Option("--out", help="Tracks, MOTChallenge format.")],
    min_hits: Annotated[int, typer.Option(help="Matches before a track counts (reported from its first).")] = 3,
    lost_frames: Annotated[int, typer.Option(help="Frames a lost track is kept; its bridged gaps are filled.")] = 30,
    frame_rate: Annotated[float, typer.Option(help="Frames per second of the sequence.")] = 30.0,
) -> None:
    """Track MOTChallenge detections (OC-SORT, finished offline) and write MOTChallenge tracks."""
    from ridgeline.app.camera import track_detections

    with progress_bar() as progress:
        tracks, n, frames = track_detections(detections, out_path, min_hits, lost_frames, frame_rate, progress)
    out.print(f"{out_path}: {tracks} tracks, {n} boxes over {frames} frames")


def register(app: typer.Typer) -> None:
    """Add the video commands to ``app``."""
    app.command()(track)
    app.command()(video)
