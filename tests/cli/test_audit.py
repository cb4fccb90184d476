"""``ridgeline audit verify``: 0 on an intact trail, 1 naming the first entry that was tampered with."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from ridgeline.store import audit
from ridgeline.store.db import Store
from tests.cli.runner import one_line_error, run


def _trail(url: str, entries: int) -> Store:
    """A centre database whose trail holds ``entries`` acknowledgements by maria."""
    store = Store(url)
    with store.engine.begin() as conn:
        for i in range(entries):
            audit.append(conn, "maria", "alert.acknowledged", f"A{i}")
    return store


def test_audit_verify_says_intact_then_names_the_edited_entry(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'centre.db'}"
    store = _trail(url, 4)
    code, output = run("audit", "verify", "--db", url)
    assert code == 0 and "audit trail intact: 4 entries" in output, output
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit SET actor = 'someone else' WHERE seq = 2"))
    store.close()
    code, output = run("audit", "verify", "--db", url)
    assert code == 1 and "audit trail broken: entry 2 changed" in " ".join(output.split()), output
    code, output = run("audit", "verify", "--db", f"sqlite:///{tmp_path / 'typo.db'}")
    one_line_error(code, output, "typo.db: no such file")
    assert not (tmp_path / "typo.db").exists()


def test_a_trail_rewritten_whole_is_caught_by_a_witnessed_head(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'centre.db'}"
    store = _trail(url, 3)
    code, output = run("audit", "head", "--db", url)
    assert code == 0 and output.split()[0] == "3" and len(output.split()[1]) == 64, output
    witness = tmp_path / "heads.txt"
    witness.write_text(output)
    with store.engine.begin() as conn:  # the owner rebuilds the whole chain, every hash recomputed
        conn.execute(sa.text("DELETE FROM audit"))
        conn.execute(sa.text(f"UPDATE audit_head SET seq = 0, hash = '{audit.GENESIS}'"))
        for i in range(3):
            audit.append(conn, "nobody", "alert.acknowledged", f"A{i}")
    store.close()
    assert run("audit", "verify", "--db", url)[0] == 0  # consistent in itself
    code, output = run("audit", "verify", "--db", url, "--heads", str(witness))
    assert code == 1 and "heads.txt:1: entry 3 was witnessed with hash" in " ".join(output.split()), output
    witness.write_text("3 not-a-hash\n")
    code, output = run("audit", "verify", "--db", url, "--heads", str(witness))
    one_line_error(code, output, "heads.txt:1: expected 'SEQ HASH [TIME]'")
