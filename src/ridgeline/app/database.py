"""Opening the centre's database for commands that read what is already there."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from ridgeline.errors import DataFileNotFoundError

if TYPE_CHECKING:
    from ridgeline.store.db import Store


def beside_database(db: str, suffix: str) -> Path:
    """A file the centre keeps beside its database: ``NAME.<suffix>`` next to a SQLite file,
    else ``./ridgeline-<suffix>`` (a server database has no folder of its own here)."""
    sqlite_file = db.removeprefix("sqlite:///") if db.startswith("sqlite:///") else ""
    if sqlite_file in ("", ":memory:"):
        return Path(f"ridgeline-{suffix}")
    return Path(sqlite_file).with_suffix(f".{suffix}")


def open_existing(db: str) -> Store:
    """The store at ``db``; a SQLite file that does not exist is an error naming it, not a new database.

    A mistyped path would otherwise create an empty database and answer "no alerts".
    """
    from ridgeline.store.db import Store

    if db.startswith("sqlite:///"):
        path = db.removeprefix("sqlite:///")
        if path not in ("", ":memory:") and not Path(path).is_file():
            raise DataFileNotFoundError(f"database {db}: no such file")
    return Store(db)


@contextmanager
def opened(db: str) -> Iterator[Store]:
    """The store at ``db`` (which must exist) for the length of a command, closed after.

    Use cases take an open ``Store`` (the API holds one for its whole life); a command opens
    one with this and hands it on.
    """
    store = open_existing(db)
    try:
        yield store
    finally:
        store.close()
