"""`ridgeline broker users`: a user for the centre and each site of a sector."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import EXAMPLE

from .runner import one_line_error, run

SECTOR = str(EXAMPLE / "sector.yaml")


def test_broker_users_are_written_for_a_sector(tmp_path: Path) -> None:
    code, out = run("broker", "users", SECTOR, "--out", str(tmp_path / "users"), "--workers", "2")
    assert code == 0 and "user(s) created" in out and "gorham" in out
    assert (tmp_path / "users" / "gorham.secret").is_file() and (tmp_path / "users" / "acl").is_file()
    code, out = run("broker", "users", SECTOR, "--out", str(tmp_path / "users"), "--workers", "2")
    assert code == 0 and "0 user(s) created" in out
    code, out = run("edge", SECTOR, "--site", "gorham", "--simulate", "--password-file", str(tmp_path / "none"))
    one_line_error(code, out, "password file", "does not exist")
