"""Video throughput: PyAV decode-only against the whole pipeline, at 1080p and 2160p, in one run.

The bench makes H.264 clips with Debian's ffmpeg from the real road clip (640x360,
scaled up with bicubic filtering, the clip played twice, 30 fps, ``-preset veryfast``) and
times, on each: (1) decode only — PyAV with threaded decoding, every frame; (2) the whole
pipeline — the same decoding plus, at 15 detect fps (every second frame), luma, motion,
tracking and a line rule.  It prints both rates, their ratio (bar: the pipeline keeps
>= 0.8x of decode-only), streams per core (a 30 fps stream needs 30 frames a second; CPU
seconds per video second give how many such streams one core carries) and peak RSS.

Run from the repository root: ``.venv/bin/python -m bench.video [--data ../shared/data]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def make_clip(src: Path, dst: Path, width: int, height: int) -> Path:
    if not dst.exists():
        subprocess.run(
            ["ffmpeg", "-loglevel", "error", "-y", "-stream_loop", "1", "-i", str(src), "-vf",
             f"scale={width}:{height}:flags=bicubic", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt",
             "yuv420p", "-r", "30", str(dst)],
            check=True,
        )
    return dst


def worker(mode: str, clip: str) -> None:
    """Runs in its own process so its peak RSS is its own; prints one JSON line."""
    import av

    from ridgeline.vision.motion import MotionDetector
    from ridgeline.vision.pipeline import VideoPipeline
    from ridgeline.vision.rules import LineRule, TrackRules
    from ridgeline.vision.tracking import Tracker, TrackerSettings
    from ridgeline.vision.video import FrameSource

    t0 = time.perf_counter()  # imports are start-up, not throughput
    c0 = time.process_time()
    if mode == "decode":
        container = av.open(clip)
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        frames = sum(1 for _ in container.decode(stream))
        fps = float(stream.average_rate or 30)
    else:
        source = FrameSource(clip, detect_fps=15)
        w, h = source.width, source.height
        pipeline = VideoPipeline(MotionDetector(), Tracker(TrackerSettings(frame_rate=15)),
                                 TrackRules([LineRule("mid", (w / 2, 0), (w / 2, h))], min_height=h / 30))
        result = pipeline.run(source)
        source.close()
        frames = result.frames * source.every
        fps = source.fps
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"frames": frames, "wall": wall, "cpu": cpu, "fps": fps, "peak_mb": peak}))


def run(mode: str, clip: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-m", "bench.video", "--worker", mode, str(clip)], capture_output=True,
                         text=True, check=True)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    parser.add_argument("--worker", nargs=2, metavar=("MODE", "CLIP"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    work = Path(tempfile.mkdtemp(prefix="ridgeline-bench-video-"))
    src = args.data / "video" / "road_640x360.avi"
    for width, height in ((1920, 1080), (3840, 2160)):
        clip = make_clip(src, work / f"road_{height}p.mp4", width, height)
        run("decode", clip)  # warm the file cache
        best: dict[str, dict[str, float]] = {}
        for mode in ("decode", "pipeline", "decode", "pipeline"):
            r = run(mode, clip)
            if mode not in best or r["wall"] < best[mode]["wall"]:
                best[mode] = r
        d, p = best["decode"], best["pipeline"]
        d_fps, p_fps = d["frames"] / d["wall"], p["frames"] / p["wall"]
        video_s = p["frames"] / p["fps"]
        per_core = video_s / p["cpu"]
        print(f"{height}p H.264, {int(p['frames'])} frames: decode-only {d_fps:.0f} frames/s, pipeline "
              f"(15 detect fps) {p_fps:.0f} frames/s: {p_fps / d_fps:.2f}x (bar 0.8x); "
              f"{per_core:.1f} streams per core at 30 fps; peak RSS decode {d['peak_mb']:.0f} MB, "
              f"pipeline {p['peak_mb']:.0f} MB", flush=True)


if __name__ == "__main__":
    main()
