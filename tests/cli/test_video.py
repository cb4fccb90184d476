"""`ridgeline video|track`: a camera watched, MOTChallenge detections tracked."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import EXAMPLE

from .runner import flat, one_line_error, run

ROAD = str(EXAMPLE.parents[1] / "tests" / "data" / "video" / "road_640x360.avi")


def test_track_writes_motchallenge_tracks_and_names_bad_input(tmp_path: Path) -> None:
    det = tmp_path / "det.txt"
    det.write_text("".join(f"{f},-1,{10 + 5 * f},50,40,90,0.9,-1,-1,-1\n" for f in range(1, 21)))
    code, out = run("track", str(det), "--out", str(tmp_path / "tracks.txt"))
    assert code == 0, out
    assert "1 tracks, 20 boxes over 20 frames" in flat(out)
    lines = (tmp_path / "tracks.txt").read_text().splitlines()
    assert lines[0].startswith("1,1,15.00,50.00,40.00,90.00")
    det.write_text("1,-1,10,50,40\n")
    code, out = run("track", str(det), "--out", str(tmp_path / "t2.txt"))
    one_line_error(code, out, "det.txt line 1: 5 fields")


def test_video_finds_the_crossings_and_writes_its_outputs(tmp_path: Path) -> None:
    code, out = run("video", ROAD, "--line", "320,0,320,360", "--min-height", "12",
                    "--events", str(tmp_path / "ev.jsonl"), "--tracks", str(tmp_path / "t.txt"),
                    "--annotate", str(tmp_path / "a.mp4"), "--mask", "0,0,640,0,640,40,0,40",
                    "--snapshots", str(tmp_path / "snaps"))
    assert code == 0, out
    assert "5 events" in flat(out)
    lines = (tmp_path / "ev.jsonl").read_text().splitlines()
    assert len(lines) == 5 and all('"right_to_left"' in ln for ln in lines)
    assert (tmp_path / "t.txt").stat().st_size > 0 and (tmp_path / "a.mp4").stat().st_size > 10_000
    snaps = sorted((tmp_path / "snaps").glob("*.jpg"))
    events_text = (tmp_path / "ev.jsonl").read_text().replace(" ", "")
    assert len(snaps) == 5 and all(f'"snapshot":"{s.stem}"' in events_text for s in snaps)
    import cv2

    first = cv2.imread(str(snaps[0]))
    # the masked band (rows 0-40) is black to the last pixel: the road there is 100-200
    assert first.shape == (360, 640, 3) and first[:41].max() == 0
    code, out = run("video", ROAD, "--line", "1,2,3")
    assert code == 2 and "--line" in out
    code, out = run("video", str(tmp_path / "none.avi"))
    one_line_error(code, out, "none.avi: no such file")


def test_video_profiles_and_line_inertia(tmp_path: Path) -> None:
    code, out = run("video", ROAD, "--line", "320,0,320,360", "--min-height", "12", "--line-inertia", "3")
    assert code == 0, out
    assert "5 events" in flat(out)  # each car stays well past the line: inertia loses none
    code, out = run("video", ROAD, "--profile", "thermal", "--line", "320,0,320,360")
    assert code == 0, out
    code, out = run("video", ROAD, "--profile", "infrared")
    assert code == 2 and "'infrared' is not one of" in out and "'default', 'thermal'" in out
    code, out = run("video", ROAD, "--line", "320,0,320,360", "--min-height", "12", "--classes", "person")
    assert code == 0 and "0 events" in flat(out)  # motion is not a person: nothing counts
    code, out = run("video", ROAD, "--line", "320,0,320,360", "--min-height", "12", "--min-speed", "2000")
    assert code == 0 and "0 events" in flat(out)  # no car moves 2,000 px/s
    code, out = run("video", ROAD, "--classes", "face")
    assert code == 2 and "unknown face" in out


def test_video_steers_an_onvif_head_at_what_it_tracks() -> None:
    from tests.vision.onvif_fake import FakeOnvifCamera

    camera = FakeOnvifCamera()
    try:
        code, out = run("video", ROAD, "--min-height", "12", "--ptz", f"onvif://op:secret@127.0.0.1:{camera.port}")
        assert code == 0, out
        moves = [f for op, f in camera.requests if op == "ContinuousMove"]
        assert len(moves) > 10 and any(m["x"] != 0 for m in moves)
    finally:
        camera.stop()
    code, out = run("video", ROAD, "--ptz", "http://cam")
    assert code == 2 and "expected onvif://" in flat(out)
