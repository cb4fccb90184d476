"""Where the ``ridgeline`` command writes: tables to stdout, progress and errors to stderr."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

out = Console()
err = Console(stderr=True)


def fail(exc: Exception) -> NoReturn:
    """Print a Ridgeline error as one line on stderr and exit with status 2."""
    # the message as it is: ids in brackets (sites[shelburne]) are not markup
    err.print("[bold red]error:[/]", escape(str(exc)), highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)
