"""Running the ``ridgeline`` command in-process, and what its errors must look like."""

from __future__ import annotations

from typer.testing import CliRunner

from ridgeline.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    """Exit status and everything printed (stdout and stderr) of ``ridgeline ARGS``."""
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def flat(text: str) -> str:
    """``text`` with rich's box characters and line breaks folded into single spaces."""
    return " ".join(text.replace("│", " ").split())


def one_line_error(code: int, output: str, *needles: str) -> None:
    """A Ridgeline error: status 1, ``error: ...`` with every needle in it, no traceback."""
    assert code == 1, output
    lines = [ln for ln in output.strip().splitlines() if ln.strip()]
    joined = " ".join(lines)
    assert joined.startswith("error:"), output
    assert "Traceback" not in output, output
    for needle in needles:
        assert needle in joined, output
