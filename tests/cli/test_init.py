"""The `ridgeline` command as a whole: help, --version, -v/-q, one error handler, one logging set-up."""

from __future__ import annotations

import logging
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from .runner import flat, one_line_error, run

COMMANDS = ("viewshed", "coverage", "site", "radio", "tiles", "edge", "serve", "live", "track", "video", "ais",
            "alert list", "alert ack", "alert dispatch", "alert resolve", "alert clear", "alert assign",
            "alert comment", "alert show", "incident open", "incident list", "incident show", "incident add",
            "incident comment", "incident close", "incident reopen", "incident hold", "store check",
            "store dead-letters list",
            "store dead-letters show", "store dead-letters replay", "broker users")


def test_every_command_has_help() -> None:
    for cmd in COMMANDS:
        code, out = run(*cmd.split(), "--help")
        assert code == 0 and "Usage" in out, (cmd, out)


def test_version_is_the_installed_ones() -> None:
    code, out = run("--version")
    assert code == 0 and out.strip() == f"ridgeline {version('ridgeline')}"


def test_the_broker_url_form_survives_the_help_markup() -> None:
    for cmd in ("edge", "serve"):
        code, out = run(cmd, "--help")
        assert code == 0 and "mqtt://[user:pass@]host[:port]" in flat(out).replace(" ", ""), out
        assert "\\[" not in out


def test_verbosity_sets_the_one_log_level(tmp_path: Path) -> None:
    root = logging.getLogger()
    for args, level in ((["-q"], logging.ERROR), ([], logging.WARNING), (["-v"], logging.INFO),
                        (["-vv"], logging.DEBUG)):
        run(*args, "alert", "list", "--db", f"sqlite:///{tmp_path / 'none.db'}")
        assert root.level == level, args
    run("edge", "--help")
    assert root.level == logging.INFO  # a service shows its INFO lines by default
    run("-q", "serve", "--help")
    assert root.level == logging.ERROR


def test_a_ridgeline_error_is_one_line_on_stderr_and_status_1(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ridgeline.cli", "viewshed", str(tmp_path / "x.hgt"), "--at", "1,1",
         "--out", str(tmp_path / "o.tif")],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.strip().startswith("error:") and "not found" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    one_line_error(*run("coverage", str(tmp_path / "none.yaml"), "--out", str(tmp_path)), "none.yaml")


def test_usage_errors_keep_status_2() -> None:
    code, out = run("viewshed", "x.hgt", "--at", "north", "--out", "o.tif")
    assert code == 2 and "expected LON,LAT" in flat(out), out
    code, out = run("no-such-command")
    assert code == 2, out


def test_an_error_is_printed_as_it_is_not_read_as_markup(tmp_path: Path) -> None:
    missing = tmp_path / "[red]x[/red].yaml"
    one_line_error(*run("coverage", str(missing), "--out", str(tmp_path)), "[red]x[/red].yaml")



def test_a_running_remark_updates_its_stage_instead_of_starting_one() -> None:
    from ridgeline.cli.console import progress_bar

    with progress_bar() as stages:
        stages("video: 30 fps, 1 tracks, 0 events", 1, 10)
        stages("video: 31 fps, 2 tracks, 1 events", 2, 10)
        stages("writing", 0, None)
        shown = [(t.description, t.completed, t.visible) for t in stages.bar.tasks]
    assert shown == [("video: 31 fps, 2 tracks, 1 events", 2, False), ("writing", 0, True)]
