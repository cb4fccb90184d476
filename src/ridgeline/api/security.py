"""Who is calling, and whether their role allows it: sessions, bearer tokens, the role table.

A browser holds an HttpOnly, SameSite=Strict session cookie; a machine client sends
``Authorization: Bearer TOKEN``.  A request that changes something on the strength of a
cookie must come from an allowed ``Origin`` when it names one (defence in depth beside
SameSite), and the WebSocket, which SameSite does not cover, checks the ``Origin`` always.

The role table: every route declares the least role it needs (``needs``), recorded in the
OpenAPI document as ``x-required-role``; roles are ordered, each may do all that the one
before it may.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, WebSocket, status

from ridgeline.api.context import ApiContext
from ridgeline.app.sessions import session_holder
from ridgeline.model import Role

COOKIE = "ridgeline_session"
#: what each role is for (the role table, as the issue and the README say it)
ROLE_TABLE = {
    Role.VIEWER: "reads alerts, incidents, units, sites, events, tracks and evidence",
    Role.OPERATOR: "also acknowledges, clears, comments on and assigns alerts, opens and works incidents, "
                   "dispatches units and sets their status and position",
    Role.SUPERVISOR: "also resolves alerts, closes and reopens incidents, sets legal holds, exports case files, "
                     "reads the audit trail",
    Role.ADMIN: "also manages operators, tokens and retention",
}
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
#: how a caller proves who they are, as the OpenAPI document says it
SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "description": "A token from `ridgeline user token` or "
               "POST /api/v1/users/{name}/tokens."},
    "session": {"type": "apiKey", "in": "cookie", "name": COOKIE, "description": "The session cookie POST "
                "/api/v1/session sets (HttpOnly, SameSite=Strict)."},
}
SECURITY: list[dict[str, list[str]]] = [{"bearer": []}, {"session": []}]


@dataclass(frozen=True)
class Caller:
    """The operator behind a request, and how they proved it."""

    name: str
    role: Role
    token: str
    by_cookie: bool


def context(request: Request) -> ApiContext:
    """The API's context (set on the app at start)."""
    ctx: ApiContext = request.app.state.ctx
    return ctx


def _token(headers: Any, cookies: Any) -> tuple[str | None, bool]:
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None, False
    cookie = cookies.get(COOKIE)
    return (cookie, True) if cookie else (None, False)


def origin_allowed(origin: str, host: str | None, ctx: ApiContext) -> bool:
    """Whether a browser page at ``origin`` may call this API (its own origin, or a listed one)."""
    if origin in ctx.settings.origins:
        return True
    return host is not None and origin in (f"http://{host}", f"https://{host}")


def unauthorised(detail: str = "log in first (POST /api/v1/session) or send a bearer token") -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


def caller(request: Request) -> Caller:
    """The caller of a REST request; 401 without a live session or token."""
    token, by_cookie = _token(request.headers, request.cookies)
    if token is None:
        raise unauthorised()
    ctx = context(request)
    holder = session_holder(ctx.store, token)
    if holder is None:
        raise unauthorised("the session or token has ended: log in again")
    if by_cookie and request.method not in _SAFE:
        origin = request.headers.get("origin")
        if origin is not None and not origin_allowed(origin, request.headers.get("host"), ctx):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"requests from origin {origin!r} are not allowed")
    return Caller(holder.operator, holder.role, token, by_cookie)


def ws_caller(websocket: WebSocket) -> Caller | None:
    """The caller of a WebSocket, or None (the socket is then closed): a live session or
    token, and from a browser an allowed ``Origin``."""
    ctx: ApiContext = websocket.app.state.ctx
    token, by_cookie = _token(websocket.headers, websocket.cookies)
    origin = websocket.headers.get("origin")
    if token is None:
        return None
    if (by_cookie or origin is not None) and (
            origin is None or not origin_allowed(origin, websocket.headers.get("host"), ctx)):
        return None
    holder = session_holder(ctx.store, token)
    return Caller(holder.operator, holder.role, token, by_cookie) if holder is not None else None


def needs(role: Role) -> dict[str, Any]:
    """What a route declares to need ``role``: the check, and the role in its OpenAPI entry."""

    def check(who: Caller = Depends(caller)) -> Caller:
        if not who.role.includes(role):
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                f"{who.name} is {who.role.value}: this needs {role.value} or above")
        return who

    return {"dependencies": [Depends(check)], "openapi_extra": {"x-required-role": role.value, "security": SECURITY}}




#: a route's parameter: the API's context
Ctx = Annotated[ApiContext, Depends(context)]
#: a route's parameter: who calls
Who = Annotated[Caller, Depends(caller)]
