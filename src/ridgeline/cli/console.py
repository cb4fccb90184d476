"""Where the ``ridgeline`` command writes: tables to stdout, progress and errors to stderr."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console

out = Console()
err = Console(stderr=True)


def fail(exc: Exception) -> NoReturn:
    """Print a Ridgeline error as one line on stderr and exit with status 2."""
    err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)
