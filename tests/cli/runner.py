"""Running the ``ridgeline`` command in-process (or ``ridgeline live`` in a process of its own), and what its
errors must look like."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from typer.testing import CliRunner

from ridgeline.cli import app
from tests.conftest import EXAMPLE, ROOT, wait_for

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


CONSOLE_LINE = re.compile(r"^console: (http://127\.0\.0\.1:\d+)/  log in as demo / (\S+)$", re.MULTILINE)
"""The line ``ridgeline live`` prints once its console listens: the address, the demo password."""


class LiveProcess:
    """``ridgeline live`` in a process of its own, everything it prints collected as it comes."""

    def __init__(self, *args: str) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT / "src"), str(ROOT),
                                                                       os.environ.get("PYTHONPATH", "")) if p)}
        command = [sys.executable, "-m", "ridgeline.cli", "live", str(EXAMPLE / "sector.yaml"), *args]
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env=env)
        self._chunks: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._chunks.append(line)

    @property
    def output(self) -> str:
        return "".join(self._chunks)

    def console(self) -> tuple[str, str]:
        """The console's address and the demo password, once printed."""
        assert wait_for(lambda: CONSOLE_LINE.search(self.output) or self.proc.poll() is not None, timeout=120)
        found = CONSOLE_LINE.search(self.output)
        assert found, self.output
        return found[1], found[2]

    def finish(self, timeout: float = 120) -> tuple[int, str]:
        code = self.proc.wait(timeout=timeout)
        self._reader.join(timeout=10)
        return code, self.output


@contextmanager
def live_process(*args: str) -> Iterator[LiveProcess]:
    run_ = LiveProcess(*args)
    try:
        yield run_
    finally:
        if run_.proc.poll() is None:
            run_.proc.kill()
            run_.proc.wait()
