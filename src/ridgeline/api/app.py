"""The API application: the routes under ``/api/v1``, ``/health`` and ``/metrics``, the error
answers, the headers every answer carries, and the operator console's files at ``/`` (mounted
after every route, so it answers only what no route does).

Errors answer ``{"detail": "..."}`` with the status the error means: 401 not logged in,
403 not allowed, 404 not found, 409 not possible now (an alert already cleared, an
incident closed), 422 malformed (the schema refuses it), 400 well-formed but unusable (a
bounding box that is no box), 429 too many failed logins, 503 the database away.  A
validation error never echoes the input back (it may be a password).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import unquote

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from ridgeline.api.console import Console
from ridgeline.api.context import ApiContext
from ridgeline.api.hub import LiveHub
from ridgeline.api.routes import (
    alerts,
    audit,
    coverage,
    incidents,
    live,
    observations,
    retention,
    sector,
    session,
    tiles,
    units,
    users,
)
from ridgeline.api.schemas import Problem
from ridgeline.api.security import SCHEMES, needs
from ridgeline.errors import (
    AlertStateError,
    AuthenticationError,
    IncidentStateError,
    LoginThrottledError,
    NotFoundError,
    RidgelineError,
    StoreError,
    UnitStateError,
)
from ridgeline.model import Role

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
#: the refusals every protected route may answer, each with a Problem body
PROBLEMS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "description": text} for code, text in (
        (400, "A value the schema allows but the centre cannot use (named)."),
        (401, "Not logged in, or the session has ended."), (403, "The role does not allow it."),
        (404, "No such thing."), (409, "Not possible in its present state."),
        (429, "Too many failed logins."), (503, "The database is away; try again."))
}


def status_of(exc: RidgelineError) -> int:
    """The HTTP status an error of the use cases means (``errors``' docstring lists them)."""
    if isinstance(exc, LoginThrottledError):
        return status.HTTP_429_TOO_MANY_REQUESTS
    if isinstance(exc, AuthenticationError):
        return status.HTTP_401_UNAUTHORIZED
    if isinstance(exc, StoreError):
        return status.HTTP_503_SERVICE_UNAVAILABLE if exc.transient else status.HTTP_409_CONFLICT
    if isinstance(exc, NotFoundError):
        return status.HTTP_404_NOT_FOUND
    if isinstance(exc, AlertStateError | IncidentStateError | UnitStateError):
        return status.HTTP_409_CONFLICT
    return status.HTTP_400_BAD_REQUEST


def create_app(ctx: ApiContext, hub: LiveHub | None = None) -> FastAPI:
    """The API for one centre process."""
    hub = hub or LiveHub(ctx.settings.client_queue)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        hub.bind(asyncio.get_running_loop())
        yield

    app = FastAPI(title="Ridgeline centre", version="1", openapi_url=f"{PREFIX}/openapi.json", docs_url=None,
                  redoc_url=None, lifespan=lifespan,
                  description="Alerts, incidents, units, sites, events, tracks, evidence, operators and the audit "
                              "trail of a Ridgeline centre. Log in with POST /api/v1/session (a session cookie) or "
                              "send 'Authorization: Bearer TOKEN'. Each route's x-required-role is the least role it "
                              "needs: viewer < operator < supervisor < admin.")
    app.state.ctx = ctx
    app.state.hub = hub
    ctx.changes.listen(hub.offer)
    for module in (session, alerts, incidents, units, observations, sector, coverage, tiles, users, audit,
                   retention):
        app.include_router(module.router, prefix=PREFIX, responses=PROBLEMS)
    app.include_router(live.router, prefix=PREFIX)
    _plain_routes(app, ctx)
    _error_answers(app)
    app.mount("/", Console(), name="console")
    plain_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:  # built once, with the security schemes the routes name
            plain_openapi().setdefault("components", {})["securitySchemes"] = SCHEMES
        assert app.openapi_schema is not None  # plain_openapi keeps what it built
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Response:
        if "\x00" in request.url.path or "\x00" in unquote(request.url.query):
            # no database text can hold a NUL: refused before any route sees it
            response: Response = JSONResponse({"detail": "a NUL character (%00) in the path or query"},
                                              status_code=status.HTTP_400_BAD_REQUEST)
        else:
            response = await call_next(request)
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        return response

    return app


def _plain_routes(app: FastAPI, ctx: ApiContext) -> None:
    @app.get("/health", tags=["centre"], openapi_extra={"x-required-role": "none"},
             responses={503: {"description": "Something is wrong: the body says what."}})
    def health() -> JSONResponse:
        """Whether the database is reachable, the broker connected and ingest not stalled (200), or not (503)."""
        found = ctx.health() if ctx.health is not None else {"healthy": True, "ingest": "none"}
        return JSONResponse(found, status_code=200 if found.get("healthy") else 503)

    @app.get("/metrics", tags=["centre"], response_class=Response, **needs(Role.VIEWER),
             responses={**PROBLEMS, 200: {"content": {"text/plain": {"schema": {"type": "string"}}},
                                          "description": "Prometheus text format."}})
    def metrics() -> Response:
        """The centre's metrics in the Prometheus text format (Prometheus scrapes with a viewer's bearer token)."""
        body = generate_latest(ctx.registry) if ctx.registry is not None else b""
        return Response(body, media_type="text/plain; version=0.0.4")


def _error_answers(app: FastAPI) -> None:
    @app.exception_handler(RidgelineError)
    async def refused(_request: Request, exc: RidgelineError) -> JSONResponse:
        code = status_of(exc)
        headers = {}
        if isinstance(exc, LoginThrottledError):
            headers["Retry-After"] = str(max(1, round(exc.retry_after_s)))
        if code == status.HTTP_401_UNAUTHORIZED:
            headers["WWW-Authenticate"] = "Bearer"
        if code >= 500:
            log.warning("api: %s", exc)
        return JSONResponse({"detail": str(exc)}, status_code=code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def malformed(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
                  for e in exc.errors()]
        return JSONResponse({"detail": errors}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"detail": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)
