"""Operators and their tokens (admin): ``/api/v1/users``."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Path, status

from ridgeline.api.schemas import IssuedToken, NewOperator, OperatorChange, OperatorInfo, TokenRequest
from ridgeline.api.security import Ctx, Who, needs
from ridgeline.app import operators as use
from ridgeline.app.sessions import issue_bearer_token
from ridgeline.model import Role
from ridgeline.store.operators import Operator

router = APIRouter(prefix="/users", tags=["users"])
Name = Path(min_length=1, max_length=64, description="The operator's name.")


def _info(o: Operator) -> OperatorInfo:
    return OperatorInfo(name=o.name, role=o.role, disabled=o.disabled, created=o.created, updated=o.updated)


@router.get("", response_model=list[OperatorInfo], **needs(Role.ADMIN))
def list_users(ctx: Ctx) -> list[OperatorInfo]:
    """Every operator, by name."""
    return [_info(o) for o in use.list_operators(ctx.store)]


@router.post("", response_model=OperatorInfo, status_code=status.HTTP_201_CREATED, **needs(Role.ADMIN))
def add_user(body: NewOperator, who: Who, ctx: Ctx) -> OperatorInfo:
    """Add an operator."""
    return _info(use.add_operator(ctx.store, body.name, body.role, body.password, who.name))


@router.get("/{name}", response_model=OperatorInfo, **needs(Role.ADMIN))
def get_user(ctx: Ctx, name: str = Name) -> OperatorInfo:
    """One operator."""
    found = use.get_operator(ctx.store, name)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no operator {name!r}")
    return _info(found)


@router.patch("/{name}", response_model=OperatorInfo, **needs(Role.ADMIN))
def change_user(body: OperatorChange, who: Who, ctx: Ctx, name: str = Name) -> OperatorInfo:
    """Change an operator's role or password, or disable the account (each ends its sessions)."""
    if use.get_operator(ctx.store, name) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no operator {name!r}")
    if body.disabled is False:
        raise HTTPException(status.HTTP_400_BAD_REQUEST,
                            "disabled: an account is never enabled again (add a new one)")
    found = None
    if body.role is not None:
        found = use.change_role(ctx.store, name, body.role, who.name)
    if body.password is not None:
        found = use.change_password(ctx.store, name, body.password, who.name)
    if body.disabled:
        found = use.disable_operator(ctx.store, name, who.name)
    found = found or use.get_operator(ctx.store, name)
    assert found is not None
    return _info(found)


@router.post("/{name}/tokens", response_model=IssuedToken, status_code=status.HTTP_201_CREATED, **needs(Role.ADMIN))
def issue_token(body: TokenRequest, who: Who, ctx: Ctx, name: str = Name) -> IssuedToken:
    """A bearer token for a machine client acting as this operator, shown once."""
    return IssuedToken(token=issue_bearer_token(ctx.store, name, body.label, who.name, body.days))
