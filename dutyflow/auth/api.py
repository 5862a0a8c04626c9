"""FastAPI dependencies: who is calling.

Wire in once per app::

    app.state.authenticator = Authenticator(sessions)

then ``principal: Principal = Depends(current_principal)`` on a route (401 with
``WWW-Authenticate: Bearer`` when the token is missing or not valid), or
``Depends(require_roles("compliance", "supervisor"))`` (403 for other roles). An
``Authenticator`` is itself a dependency too, for routers built with their own sessions.

The API reads the token from ``Authorization: Bearer <token>`` only. The codec server also takes
it from the ``dutyflow_token`` cookie (the Web UI's include-credentials mode), see
`dutyflow.crypto.codec_server`.
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
    description="A Dutyflow API token, `dfy_...`, as `dutyflow users add` or `POST /admin/users` "
    "prints it once.",
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


class Authenticator:
    """A dependency that answers the calling `Principal`, or 401."""

    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions

    def principal(self, token: str | None) -> Principal | None:
        return authenticate(self.sessions, token)

    def __call__(  # sync: FastAPI runs it in a thread
        self,
        request: Request,
        _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER_SCHEME)] = None,
    ) -> Principal:
        token = bearer_token(request)
        if token is None:
            raise unauthenticated()
        principal = self.principal(token)
        if principal is None:
            raise unauthenticated("the bearer token is not valid (unknown, revoked or disabled)")
        return principal


def current_principal(request: Request) -> Principal:
    """The caller, through the app's ``state.authenticator``; 401 when unauthenticated."""
    authenticator: Authenticator | None = getattr(request.app.state, "authenticator", None)
    if authenticator is None:
        raise RuntimeError("app.state.authenticator is not set: wire dutyflow.auth.api in")
    return authenticator(request)


def require_roles(
    *roles: str, authenticator: Authenticator | None = None
) -> Callable[[Principal], Principal]:
    """A dependency: the caller, if their role is one of ``roles``; else 403. The caller comes
    from ``authenticator`` when given (a router built with its own sessions), else from the app's
    ``state.authenticator``."""
    allowed = frozenset(roles)
    who = authenticator if authenticator is not None else current_principal

    def dependency(principal: Principal = Depends(who)) -> Principal:  # noqa: B008
        if principal.role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"this needs the role {' or '.join(sorted(allowed))}",
            )
        return principal

    return dependency
