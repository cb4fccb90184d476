"""Where the ``ridgeline`` command writes, and the one place it sets up logging and reports errors.

Tables go to stdout, progress, logs and errors to stderr.  A :class:`RidgelineError` from
any command is one line on stderr and exit status 1 (:class:`ErrorHandlingGroup`); usage
errors stay click's, status 2.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from typer.core import TyperGroup

from ridgeline.app.progress import NOTE
from ridgeline.errors import RidgelineError

out = Console()
err = Console(stderr=True)

LOG_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"
QUIET, NORMAL = logging.ERROR, logging.WARNING
SERVICES = frozenset({"edge", "serve"})
"""Commands that run until stopped: their INFO lines (connections, backlog) show by default."""


class ErrorHandlingGroup(TyperGroup):
    """The root command group: a Ridgeline error from any command is its message on stderr, status 1."""

    def invoke(self, ctx: Any) -> Any:  # typer.Context is a subclass of the one typer vendors
        try:
            return super().invoke(ctx)
        except RidgelineError as exc:
            err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(code=1) from None


class _StderrHandler(logging.Handler):
    """Writes to whatever ``sys.stderr`` is now (a test runner swaps it between commands)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:  # logging must never raise
            self.handleError(record)


def setup_logging(verbose: int = 0, quiet: bool = False, command: str | None = None) -> int:
    """The one logging set-up: the level from ``-v``/``-q`` (and whether ``command`` is a service).

    Default WARNING (INFO for the services); each ``-v`` one level more, ``-q`` errors only.
    Returns the level chosen.
    """
    base = logging.INFO if command in SERVICES else NORMAL
    level = QUIET if quiet else max(logging.DEBUG, base - 10 * verbose)
    root = logging.getLogger()
    for h in list(root.handlers):
        if isinstance(h, _StderrHandler):
            root.removeHandler(h)
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    return level


class StageBars:
    """The application layer's progress callback drawn as rich bars: a line per stage (a bar
    when its total is known, a spinner when not), the stage before it hidden; a stage's
    running remark (after ``NOTE``) updates its line."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        name = stage.split(NOTE, 1)[0]
        if name not in self.tasks:
            for previous in self.tasks.values():
                self.bar.update(previous, visible=False)
            self.tasks[name] = self.bar.add_task(stage, total=total)
        self.bar.update(self.tasks[name], description=stage, completed=done, total=total)


@contextmanager
def progress_bar() -> Iterator[StageBars]:
    """A progress callback for the application layer, drawn on stderr while the block runs."""
    bar = Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    with bar:
        yield StageBars(bar)


def print_json(data: Any) -> None:
    """``data`` as JSON on stdout, whole (never cut to the terminal's width)."""
    out.print_json(json.dumps(data, default=str))
