"""The operator console: static files (HTML, plain ES modules, CSS, the vendored MapLibre GL JS)
that the API serves at ``/``; no build step, nothing fetched from outside the centre.

``static/vendor/maplibre-gl/`` holds MapLibre GL JS as published on npm (its version in
``VERSION``, checksums in ``SHA256SUMS``, licence in ``LICENSE.txt``); ``vendor.sh`` fetches
it again (dev-time only).
"""

from __future__ import annotations

from pathlib import Path


def static_folder() -> Path:
    """The folder of the console's files (``index.html`` at its top)."""
    return Path(__file__).resolve().parent / "static"
