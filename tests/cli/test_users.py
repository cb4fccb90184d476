"""``ridgeline user``: add with the password on stdin, list, disable, passwd; bad input named."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ridgeline.cli import app
from ridgeline.store.db import Store
from tests.cli.runner import one_line_error, run


def test_users_are_added_listed_and_disabled(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'centre.db'}"
    Store(url).close()
    cli = CliRunner()
    done = cli.invoke(app, ["user", "add", "maria", "--role", "supervisor", "--password-stdin", "--db", url],
                      input="a long enough passphrase\n")
    assert done.exit_code == 0 and "operator maria added as supervisor" in done.output, done.output
    code, output = run("user", "list", "--db", url, "--json")
    assert code == 0 and [(u["name"], u["role"], u["disabled"]) for u in json.loads(output)] == [
        ("maria", "supervisor", False)]
    code, output = run("user", "disable", "maria", "--db", url)
    assert code == 0 and "operator maria disabled" in output
    done = cli.invoke(app, ["user", "passwd", "maria", "--password-stdin", "--db", url], input="short\n")
    one_line_error(done.exit_code, done.output, "at least 12 characters")
    code, output = run("user", "add", "ola", "--role", "operator", "--db", url)
    one_line_error(code, output, "--password-stdin")
    code, output = run("user", "add", "ola", "--role", "chief", "--password-stdin", "--db", url)
    assert code == 2 and "'viewer', 'operator', 'supervisor', 'admin'" in " ".join(output.replace("│", " ").split())
    code, output = run("user", "list", "--db", f"sqlite:///{tmp_path / 'typo.db'}")
    one_line_error(code, output, "typo.db: no such file")
