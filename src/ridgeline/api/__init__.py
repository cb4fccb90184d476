"""The centre's HTTP API: REST under ``/api/v1``, a WebSocket of live changes, sessions and
roles; every route calls the use cases of ``ridgeline.app`` and holds no logic of its own."""
