"""FastAPI dependencies: who is calling.

Wire in once per app (`dutyflow.api.deps.provide_database` does it for the API)::

    app.state.authenticator = Authenticator(sessions)

then ``principal: Annotated[Principal, Depends(current_principal)]`` on a route (401 with
``WWW-Authenticate: Bearer`` when the token is missing or not valid), or
``Depends(require_roles("compliance", "supervisor"))`` (403 for other roles). The API's routes
declare them through `dutyflow.api.deps` (``CurrentUser``, ``ComplianceOfficer``...).

The API reads the token from ``Authorization: Bearer <token>`` only. The codec server also takes
it from the ``dutyflow_token`` cookie (the Web UI's include-credentials mode), see
`dutyflow.api.routes.codec`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from dutyflow.auth.roles import Principal
from dutyflow.auth.store import authenticate
from dutyflow.store.db import SessionFactory

TOKEN_COOKIE = "dutyflow_token"
CHALLENGE = {"WWW-Authenticate": "Bearer"}
# Declares the scheme in the OpenAPI document (the docs' "Authorize" button); the token itself is
# read by `bearer_token`, so that every refusal is ours: 401 with the challenge.
BEARER_SCHEME = HTTPBearer(
    auto_error=False,
    scheme_name="DutyflowToken",
    description="A Dutyflow API token, `dfy_...`, shown once: the user's own from "
    "`POST /account-setup`, or `dutyflow users token` for an admin or agency account.",
)


def bearer_token(request: Request) -> str | None:
    """The token of ``Authorization: Bearer <token>``, or None."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def unauthenticated(detail: str = "a valid bearer token is required") -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=detail, headers=CHALLENGE)


# The bearer scheme, declared on every authenticated route (see `BEARER_SCHEME`).
DeclaredBearer = Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER_SCHEME)]


class Authenticator:
    """Who a request's bearer token stands for: the calling `Principal`, or 401."""

    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions

    def principal(self, token: str | None) -> Principal | None:
        return authenticate(self.sessions, token)

    def __call__(self, request: Request) -> Principal:
        token = bearer_token(request)
        if token is None:
            raise unauthenticated()
        principal = self.principal(token)
        if principal is None:
            raise unauthenticated("the bearer token is not valid (unknown, revoked or disabled)")
        return principal


def current_principal(  # sync: FastAPI runs it in a thread
    request: Request, _declared: DeclaredBearer = None
) -> Principal:
    """The caller, through the app's ``state.authenticator``; 401 when unauthenticated."""
    authenticator: Authenticator | None = getattr(request.app.state, "authenticator", None)
    if authenticator is None:
        raise RuntimeError("app.state.authenticator is not set: wire dutyflow.auth.api in")
    return authenticator(request)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: str) -> Callable[[Principal], Principal]:
    """A dependency: the caller, if their role is one of ``roles``; else 403. Declare it once
    (a module-level ``Annotated`` alias) so that FastAPI runs it once per request."""
    allowed = frozenset(roles)

    def dependency(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"this needs the role {' or '.join(sorted(allowed))}",
            )
        return principal

    return dependency
