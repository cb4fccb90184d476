"""The sync commands: clear errors on bad input, store check's exit status, and a short live run."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ridgeline.cli import app
from ridgeline.model import Detection, Envelope, MessageType, ObjectClass, Position, new_id, utc_now
from ridgeline.store.db import Store

from .conftest import EXAMPLE

runner = CliRunner()
SECTOR = str(EXAMPLE / "sector.yaml")


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def detections(*seqs: int, site: str = "gorham") -> list[Envelope]:
    """Envelopes of one detection each, with these seqs."""
    now = utc_now()
    det = Detection(sensor="cam", time=now, object_class=ObjectClass.ANIMAL, position=Position(lon=1, lat=1),
                    confidence=0.5).model_dump(mode="json")
    return [Envelope(id=new_id(), site=site, seq=s, type=MessageType.DETECTIONS, time=now, sent=now, payload=det)
            for s in seqs]


def test_edge_names_what_is_wrong(tmp_path: Path) -> None:
    code, out = run("edge", SECTOR, "--site", "atlantis", "--simulate")
    assert code == 2 and "no site 'atlantis'" in out and "shelburne" in out
    code, out = run("edge", SECTOR, "--site", "gorham")  # no source option, and none in the sector file
    assert code == 2 and "site 'gorham' has no sensor with a source" in out
    code, out = run("edge", SECTOR, "--site", "gorham", "--simulate", "--ais", "tcp://127.0.0.1:1")
    assert code == 2 and "at most one of --replay FILE, --simulate, --video SOURCE or --ais SOURCE" in " ".join(
        out.replace("│", " ").split()
    )
    code, out = run("edge", SECTOR, "--site", "gorham", "--line", "0,0,9,9")
    assert code == 2 and "--line applies to --video only" in " ".join(out.replace("│", " ").split())
    code, out = run("edge", SECTOR, "--site", "gorham", "--replay", str(tmp_path / "none.jsonl"))
    assert code == 2 and "none.jsonl does not exist" in out
    code, out = run("edge", SECTOR, "--site", "gorham", "--simulate", "--broker", "http://x")
    assert code == 2 and "broker URL 'http://x'" in out


def test_store_check_fails_on_missing_seqs(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    store = Store(db)
    store.ingest(detections(1, 2, 4))
    store.close()
    code, out = run("store", "check", "--db", db)
    assert code == 1 and "gorham missing seqs: 3" in out
    store = Store(db)
    store.ingest(detections(3))
    store.close()
    code, out = run("store", "check", "--db", db)
    assert code == 0, out


def test_store_check_lists_every_site_of_the_sector_and_what_they_said(tmp_path: Path) -> None:
    from ridgeline.model import SiteStatus

    db = f"sqlite:///{tmp_path / 'c.db'}"
    store = Store(db)
    store.ingest(detections(1, 2), statuses={"gorham": SiteStatus(online=True, backlog=0, last_seq=5)})
    store.close()
    code, out = run("store", "check", "--db", db, "--sector", SECTOR)
    flat = " ".join(out.replace("│", " ").split())
    assert code == 1 and "gorham missing seqs: 3-5" in flat  # the site said it had nothing left to send
    assert "shelburne 0 - 0 0 0 0" in flat and "never heard from: crawford" in flat
    code, out = run("store", "check", "--db", db, "--sector", SECTOR, "--json")
    reports = {r["site"]: r for r in json.loads(out)["sites"]}
    assert code == 1 and reports["gorham"]["missing"] == 3 and reports["shelburne"]["received"] == 0
    code, out = run("store", "check", "--db", f"sqlite:///{tmp_path / 'typo.db'}")
    assert code == 2 and "typo.db: no such file" in out


def test_dead_letters_are_listed_shown_and_replayed(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    store = Store(db)
    (late,) = detections(1)
    # refused by an earlier version for a clock ahead, and a message that will never parse
    store.dead_letter("ridgeline/v1/gorham/detections", "future_clock", "600 s ahead", late.model_dump_json().encode(),
                      site="gorham", seq=1)
    store.dead_letter("ridgeline/v1/gorham/detections", "malformed_json", "not JSON", b"{oops", site="gorham")
    store.close()
    code, out = run("store", "dead-letters", "list", "--db", db)
    assert code == 0 and "future_clock" in out and "malformed_json" in out
    code, out = run("store", "dead-letters", "list", "--db", db, "--json")
    first, second = json.loads(out)
    assert (first["reason"], first["site"], first["seq"], first["cut"]) == ("future_clock", "gorham", 1, 0)
    code, out = run("store", "dead-letters", "show", str(first["pk"]), "--db", db)
    assert code == 0 and late.id in out
    code, out = run("store", "dead-letters", "replay", str(first["pk"]), str(second["pk"]), "--db", db)
    assert code == 1 and f"{first['pk']}: replayed: 1 stored" in out and "still refused: malformed_json" in out
    code, out = run("store", "dead-letters", "replay", str(first["pk"]), "--db", db)
    assert code == 1 and "already resolved" in out
    code, out = run("store", "dead-letters", "replay", "--db", db)
    assert code == 2 and "give dead letter ids" in " ".join(out.replace("│", " ").split())
    store = Store(db)
    (report,) = store.check()
    assert (report.received, report.quarantined) == (1, 0)
    store.close()


def test_broker_users_are_written_for_a_sector(tmp_path: Path) -> None:
    code, out = run("broker", "users", SECTOR, "--out", str(tmp_path / "users"), "--workers", "2")
    assert code == 0 and "user(s) created" in out and "gorham" in out
    assert (tmp_path / "users" / "gorham.secret").is_file() and (tmp_path / "users" / "acl").is_file()
    code, out = run("broker", "users", SECTOR, "--out", str(tmp_path / "users"), "--workers", "2")
    assert code == 0 and "0 user(s) created" in out
    code, out = run("edge", SECTOR, "--site", "gorham", "--simulate", "--password-file", str(tmp_path / "none"))
    assert code == 2 and "password file" in out and "does not exist" in out


def test_alert_commands_refuse_unknown_alerts(tmp_path: Path) -> None:
    code, out = run("alert", "ack", "01ARZ3NDEKTSV4RRFFQ69G5FAV", "--db", f"sqlite:///{tmp_path / 'c.db'}")
    assert code == 2 and "no alert 01ARZ3NDEKTSV4RRFFQ69G5FAV" in out


def test_live_runs_the_sector_on_an_embedded_broker(tmp_path: Path) -> None:
    code, out = run("live", SECTOR, "--seconds", "6", "--sites", "5", "--rate", "20", "--out", str(tmp_path))
    assert code == 0, out
    assert "what reached the centre" in out and "alerts opened" in out
    store = Store(f"sqlite:///{tmp_path / 'centre.db'}")
    reports = store.check()
    store.close()
    assert reports and all(r.missing == 0 and r.duplicates == 0 for r in reports)
    assert sum(r.received for r in reports) > 0


def test_track_writes_motchallenge_tracks_and_names_bad_input(tmp_path: Path) -> None:
    det = tmp_path / "det.txt"
    det.write_text("".join(f"{f},-1,{10 + 5 * f},50,40,90,0.9,-1,-1,-1\n" for f in range(1, 21)))
    code, out = run("track", str(det), "--out", str(tmp_path / "tracks.txt"))
    assert code == 0, out
    assert "1 tracks, 20 boxes over 20 frames" in " ".join(out.split())
    lines = (tmp_path / "tracks.txt").read_text().splitlines()
    assert lines[0].startswith("1,1,15.00,50.00,40.00,90.00")
    det.write_text("1,-1,10,50,40\n")
    code, out = run("track", str(det), "--out", str(tmp_path / "t2.txt"))
    assert code == 2 and "det.txt line 1: 5 fields" in out


def test_video_finds_the_crossings_and_writes_its_outputs(tmp_path: Path) -> None:
    road = str(EXAMPLE.parents[1] / "tests" / "data" / "video" / "road_640x360.avi")
    code, out = run("video", road, "--line", "320,0,320,360", "--min-height", "12",
                    "--events", str(tmp_path / "ev.jsonl"), "--tracks", str(tmp_path / "t.txt"),
                    "--annotate", str(tmp_path / "a.mp4"), "--mask", "0,0,640,0,640,40,0,40",
                    "--snapshots", str(tmp_path / "snaps"))
    assert code == 0, out
    assert "4 events" in " ".join(out.split())
    lines = (tmp_path / "ev.jsonl").read_text().splitlines()
    assert len(lines) == 4 and all('"right_to_left"' in ln for ln in lines)
    assert (tmp_path / "t.txt").stat().st_size > 0 and (tmp_path / "a.mp4").stat().st_size > 10_000
    snaps = sorted((tmp_path / "snaps").glob("*.jpg"))
    events_text = (tmp_path / "ev.jsonl").read_text().replace(" ", "")
    assert len(snaps) == 4 and all(f'"snapshot":"{s.name}"' in events_text for s in snaps)
    import cv2

    first = cv2.imread(str(snaps[0]))
    # the masked band (rows 0-39) is black; JPEG blocks straddling its edge may ring a little
    assert first.shape == (360, 640, 3) and first[:32].max() <= 3  # the road there is 100-200
    code, out = run("video", road, "--line", "1,2,3")
    assert code == 2 and "--line" in out
    code, out = run("video", str(tmp_path / "none.avi"))
    assert code == 2 and "none.avi: no such file" in out


def test_video_profiles_and_line_inertia(tmp_path: Path) -> None:
    road = str(EXAMPLE.parents[1] / "tests" / "data" / "video" / "road_640x360.avi")
    code, out = run("video", road, "--line", "320,0,320,360", "--min-height", "12", "--line-inertia", "3")
    assert code == 0, out
    assert "4 events" in " ".join(out.split())  # each car stays well past the line: inertia loses none
    code, out = run("video", road, "--profile", "thermal", "--line", "320,0,320,360")
    assert code == 0, out
    code, out = run("video", road, "--profile", "infrared")
    assert code == 2 and "expected one of default, thermal" in out
    code, out = run("video", road, "--line", "320,0,320,360", "--min-height", "12", "--classes", "person")
    assert code == 0 and "0 events" in " ".join(out.split())  # motion is not a person: nothing counts
    code, out = run("video", road, "--line", "320,0,320,360", "--min-height", "12", "--min-speed", "2000")
    assert code == 0 and "0 events" in " ".join(out.split())  # no car moves 2,000 px/s
    code, out = run("video", road, "--classes", "face")
    assert code == 2 and "unknown face" in out


def test_video_steers_an_onvif_head_at_what_it_tracks() -> None:
    from tests.vision.onvif_fake import FakeOnvifCamera

    road = str(EXAMPLE.parents[1] / "tests" / "data" / "video" / "road_640x360.avi")
    camera = FakeOnvifCamera()
    try:
        code, out = run("video", road, "--min-height", "12", "--ptz", f"onvif://op:secret@127.0.0.1:{camera.port}")
        assert code == 0, out
        moves = [f for op, f in camera.requests if op == "ContinuousMove"]
        assert len(moves) > 10 and any(m["x"] != 0 for m in moves)
    finally:
        camera.stop()
    code, out = run("video", road, "--ptz", "http://cam")
    assert code == 2 and "expected onvif://" in " ".join(out.split())
