"""`ridgeline edge|serve|live`: the sites and the centre, from the command line."""

from __future__ import annotations

from pathlib import Path

from ridgeline.store.db import Store
from tests.conftest import EXAMPLE

from .runner import flat, run

SECTOR = str(EXAMPLE / "sector.yaml")


def test_edge_names_what_is_wrong(tmp_path: Path) -> None:
    code, out = run("edge", SECTOR, "--site", "atlantis", "--simulate")
    assert code == 1 and "no site 'atlantis'" in out and "shelburne" in out
    code, out = run("edge", SECTOR, "--site", "gorham")  # no source option, and none in the sector file
    assert code == 1 and "site 'gorham' has no sensor with a source" in out
    code, out = run("edge", SECTOR, "--site", "gorham", "--simulate", "--ais", "tcp://127.0.0.1:1")
    assert code == 2 and "at most one of --replay FILE, --simulate, --video SOURCE or --ais SOURCE" in flat(out)
    code, out = run("edge", SECTOR, "--site", "gorham", "--line", "0,0,9,9")
    assert code == 2 and "--line applies to --video only" in flat(out)
    code, out = run("edge", SECTOR, "--site", "gorham", "--replay", str(tmp_path / "none.jsonl"))
    assert code == 1 and "none.jsonl does not exist" in out
    code, out = run("edge", SECTOR, "--site", "gorham", "--simulate", "--broker", "http://x")
    assert code == 1 and "broker URL 'http://x'" in out


def test_live_runs_the_sector_on_an_embedded_broker(tmp_path: Path) -> None:
    code, out = run("live", SECTOR, "--seconds", "6", "--sites", "5", "--rate", "20", "--out", str(tmp_path))
    assert code == 0, out
    assert "what reached the centre" in out and "alerts opened" in out
    store = Store(f"sqlite:///{tmp_path / 'centre.db'}")
    reports = store.check()
    store.close()
    assert reports and all(r.missing == 0 and r.duplicates == 0 for r in reports)
    assert sum(r.received for r in reports) > 0
