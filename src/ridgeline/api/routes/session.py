"""Logging in and out: ``/api/v1/session``."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from ridgeline.api.schemas import Credentials, SessionInfo
from ridgeline.api.security import COOKIE, Ctx, Who, needs
from ridgeline.app.sessions import SESSION_LIFETIME, log_in, log_out, session_holder
from ridgeline.model import Role

router = APIRouter(tags=["session"])


@router.post("/session", response_model=SessionInfo, status_code=status.HTTP_201_CREATED,
             openapi_extra={"x-required-role": "none"})
def login(body: Credentials, request: Request, response: Response, ctx: Ctx) -> SessionInfo:
    """Log in: an HttpOnly, SameSite=Strict session cookie for the browser console.

    Failed logins are rate-limited per name and address (429 with Retry-After)."""
    address = request.client.host if request.client is not None else "-"
    done = log_in(ctx.store, body.username, body.password, address)
    response.set_cookie(COOKIE, done.token, max_age=int(SESSION_LIFETIME.total_seconds()), httponly=True,
                        samesite="strict", secure=ctx.settings.secure_cookie, path="/api/")
    return SessionInfo(operator=done.operator, role=done.role, expires=done.expires)


@router.get("/session", response_model=SessionInfo, **needs(Role.VIEWER))
def whoami(who: Who, ctx: Ctx) -> SessionInfo:
    """Who the session or token belongs to, and until when."""
    holder = session_holder(ctx.store, who.token)
    return SessionInfo(operator=who.name, role=who.role, expires=holder.expires if holder else None)


@router.delete("/session", status_code=status.HTTP_204_NO_CONTENT, **needs(Role.VIEWER))
def logout(response: Response, who: Who, ctx: Ctx) -> Response:
    """Log out: the session (or the bearer token used) ends now."""
    log_out(ctx.store, who.token, who.name)
    response.status_code = status.HTTP_204_NO_CONTENT
    response.delete_cookie(COOKIE, path="/api/", httponly=True, samesite="strict", secure=ctx.settings.secure_cookie)
    return response
