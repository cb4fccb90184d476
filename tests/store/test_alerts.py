"""Alert rows across the schema's history: a database from before correlation upgrades with
its alerts' sources and latest event time filled in, and goes back down cleanly."""

from __future__ import annotations

from datetime import timedelta
from importlib.resources import files

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from ridgeline.model import AlertSource, utc_now
from ridgeline.store import alerts as repo
from ridgeline.store.db import Store, connect


def _alembic(engine: sa.Engine, action: str, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(files("ridgeline.store") / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, action)(cfg, revision)


def test_alerts_from_before_correlation_are_upgraded_and_down_again(db_url: str) -> None:
    engine = connect(db_url)
    _alembic(engine, "upgrade", "0003")
    t = utc_now()
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO alerts (id, key, rule, type, severity, state, opened, updated, received, escalated, site, "
            "event_count, first_event, last_event) VALUES ('01OLD', 'r|gorham|cam|line_crossing|t', 'r', "
            "'line_crossing', 'high', 'new', :t0, :t1, :t1, false, 'gorham', 2, 'e1', 'e2')"),
            {"t0": t, "t1": t + timedelta(seconds=5)})
    store = Store(db_url)  # migrates to the newest revision
    with store.engine.connect() as conn:
        [(alert, _escalated)] = repo.list_alerts(conn)
        candidates = repo.open_for_rules(conn, ["r"], t)
    assert alert.sources == [AlertSource(site="gorham", sensor=None)] and alert.position is None
    assert alert.seen == alert.updated == t + timedelta(seconds=5)
    assert [a.id for a in candidates["r"]] == ["01OLD"]
    store.close()
    _alembic(engine, "downgrade", "0003")
    with engine.connect() as conn:
        assert "alert_events" not in sa.inspect(conn).get_table_names()
        assert "sources" not in {c["name"] for c in sa.inspect(conn).get_columns("alerts")}
        assert conn.execute(sa.text("SELECT event_count FROM alerts")).scalar_one() == 2
    engine.dispose()
