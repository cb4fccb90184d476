"""Alembic migrations of the centre's database (run by ``ridgeline serve`` at start)."""
