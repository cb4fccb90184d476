"""Use case: case files for handover: an incident in one signed ZIP that anyone can check.

A case file carries an incident and its timeline (JSON), its events and tracks (GeoJSON),
its evidence images (the sites' privacy-masked JPEGs, unchanged), a report to read
(``report.html``), a manifest of every file's size and SHA-256 and the Ed25519 signature of
that manifest by the centre's key.  Whoever receives it checks it with
``ridgeline case verify`` (or with any Ed25519 tool and ``sha256sum``), against the
centre's public key handed over beforehand.

::

    content   CaseContent, Evidence          what goes in (the caller gathers it)
    keys      CentreKey, load_public_key     the centre's signing key; trusted public keys
    report    render_report                  report.html (Jinja2, autoescaped)
    export    export_case, CaseExport        write the signed ZIP, deterministically
    verify    verify_case, CaseVerification  check it: files, additions, signature, key
"""

from __future__ import annotations

from ridgeline.app.casefiles.content import CaseContent, Evidence
from ridgeline.app.casefiles.export import FORMAT, CaseExport, export_case
from ridgeline.app.casefiles.keys import DEFAULT_KEY, CentreKey, fingerprint, load_public_key
from ridgeline.app.casefiles.verify import CaseProblem, CaseVerification, verify_case

__all__ = ["DEFAULT_KEY", "FORMAT", "CaseContent", "CaseExport", "CaseProblem", "CaseVerification", "CentreKey",
           "Evidence", "export_case", "fingerprint", "load_public_key", "verify_case"]
