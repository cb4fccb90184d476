"""`ridgeline edge|serve|live`: the sites and the centre, from the command line."""

from __future__ import annotations

import json
import signal
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ridgeline.store.db import Store
from ridgeline.transport.embedded import free_port
from tests.conftest import EXAMPLE, wait_for

from .runner import CONSOLE_LINE, flat, live_process, run

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
    code, out = run("live", SECTOR, "--seconds", "6", "--sites", "5", "--rate", "20", "--out", str(tmp_path),
                    "--no-console")
    assert code == 0, out
    assert "console:" not in out and "Ctrl-C" not in out
    assert "what reached the centre" in out and "alerts opened" in out
    store = Store(f"sqlite:///{tmp_path / 'centre.db'}")
    reports = store.check()
    store.close()
    assert reports and all(r.missing == 0 and r.duplicates == 0 for r in reports)
    assert sum(r.received for r in reports) > 0


def _log_in(url: str, name: str, password: str) -> int:
    request = urllib.request.Request(f"{url}/api/v1/session", method="POST",
                                     data=json.dumps({"username": name, "password": password}).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def _listening(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=5):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def test_live_serves_the_console_with_a_demo_login_while_it_runs(tmp_path: Path) -> None:
    port = free_port()
    with live_process("--seconds", "10", "--sites", "3", "--rate", "20", "--http-port", str(port),
                      "--out", str(tmp_path)) as live:
        url, password = live.console()
        assert url == f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{url}/", timeout=10) as page:
            assert page.status == 200 and page.headers.get_content_type() == "text/html"
            assert "<html" in page.read().decode().lower()
        assert _log_in(url, "demo", password) == 201
        assert _log_in(url, "demo", password + "x") == 401
        code, out = live.finish()
    assert code == 0, out
    assert "Ctrl-C to stop" not in out  # a timed run ends by itself
    assert "Live for 10 s: what reached the centre" in out and "alerts opened" in out
    assert not _listening(url)  # the console went with the run
    assert len(CONSOLE_LINE.findall(out)) == 1  # the password is printed once


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_live_without_seconds_runs_until_stopped(tmp_path: Path, sig: signal.Signals) -> None:
    with live_process("--sites", "2", "--http-port", str(free_port()), "--out", str(tmp_path)) as live:
        url, password = live.console()
        assert wait_for(lambda: "Ctrl-C to stop" in live.output)
        assert _log_in(url, "demo", password) == 201
        # still live well past the first messages: nothing but the signal ends it
        assert wait_for(lambda: _received(tmp_path) > 0, timeout=60), live.output
        assert live.proc.poll() is None
        live.proc.send_signal(sig)
        code, out = live.finish()
    assert code == 0, out
    assert "what reached the centre" in out and "alerts opened" in out
    assert "Traceback" not in out
    assert not _listening(url)
    assert _received(tmp_path) > 0


def _received(out_dir: Path) -> int:
    db = out_dir / "centre.db"
    if not db.is_file():
        return 0
    store = Store(f"sqlite:///{db}")
    try:
        return sum(r.received for r in store.check())
    finally:
        store.close()
