"""How a long use case tells its caller how far it got, without printing anything itself."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, "int | None"], None]
"""Called as ``progress(stage, done, total)``: a stage's name (a new name starts a new stage;
what follows ``NOTE`` is a running remark on the same stage, such as its rate), the units
done so far, and how many there are (``None`` when unknown: a spinner, not a bar)."""

NOTE = ": "
"""Separates a stage's name from its running remark ("video: 41 fps, 3 tracks, 1 event")."""


def report(progress: Progress | None, stage: str, done: int = 0, total: int | None = None) -> None:
    """Tell ``progress`` (if any) that ``stage`` has ``done`` of ``total`` units behind it."""
    if progress is not None:
        progress(stage, done, total)
