"""Who is signed in to the web app: `WebSession`, as ``GET /me`` answers for the cookie's token.

The pages never decide who the user is themselves: the API answers for the token, and a token it
does not know (expired, revoked, of a disabled account) is no session at all. The dependencies
that require a session (and a role, or a posted form) are in `dutyflow.web.signed_in`.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from dutyflow.web.security import CsrfGuard


@dataclass(frozen=True)
class WebSession:
    """The signed-in user, as ``GET /me`` answered for the cookie's token, and the CSRF token
    every form of theirs carries."""

    token: str
    user_id: str
    role: str
    clinic_id: str | None
    agency_id: str | None
    csrf: str


async def read_session(
    api: httpx.AsyncClient, token: str | None, guard: CsrfGuard
) -> WebSession | None:
    """The session of ``token`` (``api`` acts with it), or None when there is none."""
    if not token:
        return None
    answer = await api.get("/me")
    if answer.status_code != 200:
        return None
    me = answer.json()
    return WebSession(
        token=token,
        user_id=me["user_id"],
        role=me["role"],
        clinic_id=me.get("clinic_id"),
        agency_id=me.get("agency_id"),
        csrf=guard.token_for(token),
    )
