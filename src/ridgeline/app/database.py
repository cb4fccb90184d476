"""Opening the centre's database for commands that read what is already there."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ridgeline.errors import DataFileNotFoundError

if TYPE_CHECKING:
    from ridgeline.store.db import Store


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
