"""The human-readable report of a case file: one HTML page, made from a Jinja2 template.

Autoescaping is on for the whole template: titles, comments and payloads are what
operators and sensors wrote, and a hostile ``<script>`` in them must reach the reader as
text.  The page also forbids every script (its Content-Security-Policy), should an escape
ever be missed.  Images are embedded by their relative path (``evidence/...``), so the page
shows them when the case file is unpacked and the bytes are those the manifest hashes.

No PDF: a PDF renderer (WeasyPrint and its Pango stack, or a headless browser) is a heavy
dependency for what any browser does from the HTML ("Print to PDF").
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from functools import cache
from importlib.resources import files
from typing import Any

from jinja2 import Environment, StrictUndefined, Template

from ridgeline.app.casefiles.content import CaseContent, iso

#: The incident's facts shown first, in this order, with their labels.
FACTS = (("id", "id"), ("title", "title"), ("state", "state"), ("opened", "opened"), ("opened_by", "opened by"),
         ("closed", "closed"), ("closed_by", "closed by"), ("outcome", "outcome"), ("summary", "summary"),
         ("legal_hold", "legal hold"))


def text(value: Any) -> str:
    """A value as the report shows it: none as '—', yes/no, lists joined, mappings as JSON."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, list | tuple):
        return ", ".join(text(v) for v in value) or "—"
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return str(value)


@cache
def _template() -> Template:
    """The report's template, autoescaped, an unknown name an error rather than blank."""
    env = Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)
    env.filters["text"] = text
    return env.from_string(files("ridgeline.app.casefiles").joinpath("report.html.j2").read_text("utf-8"))


def _position(event: dict[str, Any]) -> str:
    lon, lat = event.get("lon"), event.get("lat")
    return "—" if lon is None or lat is None else f"{float(lat):.5f}, {float(lon):.5f}"


def _alerts(alerts: list[dict[str, Any]]) -> dict[str, Any]:
    """The alerts as a table: every key any alert has, in the order first seen."""
    columns: list[str] = []
    for alert in alerts:
        columns.extend(k for k in alert if k not in columns)
    return {"columns": columns, "rows": [[alert.get(c) for c in columns] for alert in alerts]}


def render_report(content: CaseContent, exported_at: str, exported_by: str, fingerprint: str) -> bytes:
    """``report.html`` of ``content`` (UTF-8 bytes), the same bytes for the same arguments."""
    incident = content.incident
    shown = {key for key, _ in FACTS} | {"alerts"}
    facts = [(label, incident.get(key)) for key, label in FACTS if key in incident]
    facts += [(key, incident[key]) for key in sorted(incident) if key not in shown]
    tracks = []
    for track in content.tracks:
        points = track.get("points", [])
        tracks.append({"id": track.get("id"), "cls": track.get("class"), "site": track.get("site"),
                       "sensor": track.get("sensor"), "positions": len(points),
                       "first": points[0][0] if points else None, "last": points[-1][0] if points else None})
    events = [{**{k: e.get(k) for k in ("time", "id", "type", "site", "sensor", "severity")},
               "position": _position(e)} for e in content.events]
    evidence = [{"path": e.path, "id": e.id, "event": e.event, "site": e.site, "sensor": e.sensor,
                 "time": e.time, "sha256": hashlib.sha256(e.data).hexdigest()} for e in content.evidence]
    timeline = [{k: t.get(k) for k in ("time", "kind", "actor", "text", "refs")} for t in content.timeline]
    page = _template().render(incident={"id": content.incident_id, "title": incident.get("title")}, facts=facts,
                           alerts=_alerts(list(incident.get("alerts") or [])), timeline=timeline,
                           events=events, tracks=tracks, evidence=evidence, exported_at=exported_at,
                           exported_by=exported_by, fingerprint=fingerprint)
    return page.encode("utf-8")
