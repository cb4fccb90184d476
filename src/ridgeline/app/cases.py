"""Use case: export an incident as a case file for handover, signed with the centre's key.

What goes in is read from the database (``incident_record``): the incident and its alerts,
the timeline, the events behind the alerts, the tracks of the objects those events concern
(every position the sites reported for them from a little before the first event to a
little after the last), and every evidence image still kept (privacy-masked at the edge,
copied unchanged).  The export itself is in the audit trail with the SHA-256 of the ZIP,
so a case file handed over can be matched to the moment it was made.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ridgeline.app.casefiles import CaseContent, CaseExport, CentreKey, Evidence, export_case
from ridgeline.app.incident_record import IncidentRecord, incident_record
from ridgeline.model import utc_now
from ridgeline.store import audit, observations, snapshots

if TYPE_CHECKING:
    from ridgeline.store.db import Store

#: how far before the first and after the last event the tracks' positions are taken
TRACK_MARGIN = timedelta(minutes=10)


def _events(record: IncidentRecord) -> list[dict[str, Any]]:
    out = []
    for stored in record.events:
        p = stored.payload
        where = p.get("position") or {}
        out.append({
            "id": p.get("id"), "alert": stored.alert_id, "type": p.get("type"), "time": p.get("time"),
            "site": stored.site, "seq": stored.seq, "sensor": p.get("sensor"), "severity": p.get("severity"),
            "zone": p.get("zone"), "object": p.get("object_id"), "class": p.get("object_class"),
            "lon": where.get("lon"), "lat": where.get("lat"), "received": stored.received.isoformat(),
            "detail": p.get("detail") or {},
        })
    return out


def _tracks(store: Store, record: IncidentRecord) -> list[dict[str, Any]]:
    """Every reported position of the objects the incident's events concern, one track per object."""
    wanted = {(e.site, str(e.payload["object_id"])) for e in record.events if e.payload.get("object_id")}
    times = [datetime.fromisoformat(str(e.payload["time"])) for e in record.events if e.payload.get("time")]
    if not wanted or not times:
        return []
    with store.engine.connect() as conn:
        paths = observations.object_paths(conn, wanted, min(times) - TRACK_MARGIN, max(times) + TRACK_MARGIN,
                                          scan_limit=100_000)
    return [{"id": p.object_id, "site": p.site, "class": p.object_class,
             "points": [(t.isoformat(), lon, lat) for t, lon, lat in p.points]}
            for p in sorted(paths, key=lambda p: (p.site, p.object_id))]


def case_content(store: Store, incident_id: str) -> CaseContent:
    """Everything a case file of ``incident_id`` holds, read from the database."""
    record = incident_record(store, incident_id)
    incident = record.incident.model_dump(mode="json")
    incident["alerts"] = [a.model_dump(mode="json") for a in record.alerts]
    incident["comments"] = [{"time": c.time.isoformat(), "author": c.author, "system": c.system, "text": c.text,
                             "on": f"{c.subject}/{c.subject_id}"} for c in record.comments]
    timeline = [{"time": e.time.isoformat(), "kind": e.kind.value, "actor": e.actor, "text": e.text,
                 "refs": {k: v for k, v in (("alert", e.alert_id), ("event", e.event_id), ("snapshot", e.snapshot))
                          if v}} for e in record.timeline]
    evidence = []
    with store.engine.connect() as conn:
        for key in record.snapshots:
            kept = snapshots.find(conn, key.id, key.site)
            if kept is not None:  # past its retention (and not held): the timeline still names it
                evidence.append(Evidence.of_snapshot(kept))
    return CaseContent(incident=incident, timeline=timeline, events=_events(record), tracks=_tracks(store, record),
                       evidence=evidence)


def export_incident(store: Store, incident_id: str, out: Path, key_path: Path, actor: str,
                    now: datetime | None = None) -> CaseExport:
    """Write the case file of ``incident_id`` to ``out``, signed with the key at ``key_path``
    (created if missing), and audit the export."""
    now = now or utc_now()
    content = case_content(store, incident_id)
    key, _created = CentreKey.load_or_create(key_path)
    done = export_case(content, out, key, actor, now)
    with store.engine.begin() as conn:
        audit.append(conn, actor, "case.exported", incident_id,
                     {"sha256": done.sha256, "files": done.files, "fingerprint": done.fingerprint}, now)
    return done
