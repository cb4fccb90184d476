"""`ridgeline store`: the sequence check and the dead letters of the centre's database."""

from __future__ import annotations

import json
from pathlib import Path

from ridgeline.model import Detection, Envelope, MessageType, ObjectClass, Position, new_id, utc_now
from ridgeline.store.db import Store
from tests.conftest import EXAMPLE

from .runner import flat, one_line_error, run

SECTOR = str(EXAMPLE / "sector.yaml")


def detections(*seqs: int, site: str = "gorham") -> list[Envelope]:
    """Envelopes of one detection each, with these seqs."""
    now = utc_now()
    det = Detection(sensor="cam", time=now, object_class=ObjectClass.ANIMAL, position=Position(lon=1, lat=1),
                    confidence=0.5).model_dump(mode="json")
    return [Envelope(id=new_id(), site=site, seq=s, type=MessageType.DETECTIONS, time=now, sent=now, payload=det)
            for s in seqs]


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
    assert code == 1 and "gorham missing seqs: 3-5" in flat(out)  # the site said it had nothing left to send
    assert "shelburne 0 - 0 0 0 0" in flat(out) and "never heard from: crawford" in flat(out)
    code, out = run("store", "check", "--db", db, "--sector", SECTOR, "--json")
    reports = {r["site"]: r for r in json.loads(out)["sites"]}
    assert code == 1 and reports["gorham"]["missing"] == 3 and reports["shelburne"]["received"] == 0
    code, out = run("store", "check", "--db", f"sqlite:///{tmp_path / 'typo.db'}")
    one_line_error(code, out, "typo.db: no such file")


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
    assert code == 2 and "give dead letter ids" in flat(out)
    store = Store(db)
    (report,) = store.check()
    assert (report.received, report.quarantined) == (1, 0)
    store.close()


def test_every_store_command_names_a_mistyped_database(tmp_path: Path) -> None:
    typo = tmp_path / "centre-typo.db"
    for command in (["check"], ["dead-letters", "list"], ["dead-letters", "show", "1"],
                    ["dead-letters", "replay", "1"]):
        one_line_error(*run("store", *command, "--db", f"sqlite:///{typo}"), "centre-typo.db", "no such file")
    assert not typo.exists()


def test_a_bad_reason_is_an_error_that_lists_the_good_ones(tmp_path: Path) -> None:
    from ridgeline.cli.store import DeadReason
    from ridgeline.transport.wire import Reason

    assert [r.value for r in DeadReason] == [r.value for r in Reason]
    db = f"sqlite:///{tmp_path / 'c.db'}"
    Store(db).close()
    code, out = run("store", "dead-letters", "list", "--db", db, "--reason", "sceme")
    assert code == 2 and "'sceme' is not one of" in flat(out) and "'schema'" in out, out
    code, out = run("store", "dead-letters", "list", "--db", db, "--reason", "schema", "--json")
    assert code == 0 and json.loads(out) == []


def test_store_purge_says_what_would_go_then_removes_it_keeping_what_a_hold_keeps(tmp_path: Path) -> None:
    from datetime import timedelta

    from tests.store.test_retention import OLD, alerting, event, evidence, open_incident

    db = f"sqlite:///{tmp_path / 'c.db'}"
    store = Store(db)
    held = event(3, site="gorham")
    store.ingest([*detections(1, 2), held], received=OLD, hook=alerting(store).apply)
    store.ingest([evidence(4, held)], received=OLD)
    store.ingest(detections(5), received=utc_now() - timedelta(days=1))
    open_incident(store, [held.payload["id"]], legal_hold=True, closed=True)
    store.close()
    code, out = run("store", "purge", "--db", db, "--dry-run")
    assert code == 0, out
    assert "would remove 2 detections" in out and "would remove 0" in out  # messages; no image is free to go
    assert "held back by legal hold: 2 messages, 1 images" in out and "held back by open incidents: 0" in out
    code, out = run("store", "purge", "--db", db, "--sector", SECTOR)
    assert code == 0 and "removed 2 detections" in out and "audit entries 2" in out, out
    code, out = run("store", "check", "--db", db)
    assert code == 0 and "gorham 3 5 0" in flat(out), out  # 3 stored, last seq 5, none missing
    assert "gorham 0 2 0 0 0 0 -" in flat(out)  # pending 0, purged 2
    code, out = run("store", "purge", "--db", db)
    assert code == 0 and "removed none" in out and "audit entries" not in out, out
    code, out = run("store", "purge", "--db", f"sqlite:///{tmp_path / 'typo.db'}")
    one_line_error(code, out, "typo.db: no such file")
