"""Database URLs the store tests run on: a SQLite file, and PostgreSQL where it is reachable."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_ADMIN = os.environ.get("RIDGELINE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_available() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN.replace("+psycopg", ""), connect_timeout=3, autocommit=True):
            return None
    except Exception as exc:  # any reason at all: say it and skip
        return f"PostgreSQL not reachable at {PG_ADMIN} ({str(exc).splitlines()[0][:120]})"


def fresh_pg_database() -> tuple[str, str]:
    """Create an empty database for one test; returns (its URL, its name)."""
    import psycopg

    name = f"ridgeline_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", name


def drop_pg_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'centre.db'}"
        return
    reason = _pg_available()
    if reason:
        pytest.skip(reason)
    url, name = fresh_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(name)
