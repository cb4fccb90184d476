"""JSON Schema of the wire format, written under ``docs/schema/`` and checked by a test.

Run ``python -m ridgeline.model.schema docs/schema`` after changing a model; the test
fails until the checked-in schema matches, so a change to the wire format is never silent.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import BaseModel

from ridgeline.model.domain import Alert, Detection, Event, Incident, Track, Unit, UnitPosition
from ridgeline.model.envelope import Envelope, LogRecord, SiteStatus, Thinned
from ridgeline.model.snapshot import Snapshot

MODELS: dict[str, type[BaseModel]] = {
    "envelope": Envelope,
    "detection": Detection,
    "track": Track,
    "event": Event,
    "alert": Alert,
    "incident": Incident,
    "unit": Unit,
    "unit_position": UnitPosition,
    "log_record": LogRecord,
    "site_status": SiteStatus,
    "thinned": Thinned,
    "snapshot": Snapshot,
}


def schemas() -> dict[str, str]:
    """File name -> schema text (stable: sorted keys, two-space indent, newline at end)."""
    return {
        f"{name}.schema.json": json.dumps(model.model_json_schema(), indent=2, sort_keys=True) + "\n"
        for name, model in MODELS.items()
    }


def write(folder: Path) -> list[Path]:
    """Write every schema into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schemas().items():
        path = folder / name
        path.write_text(text)
        written.append(path)
    return written


if __name__ == "__main__":
    for p in write(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/schema")):
        print(p)
