"""The web app's session: the ``dutyflow_token`` cookie and the CSRF token of every form.

Signing in issues an API token (`dutyflow.auth.store.sign_in`) and sets it as the cookie:
HttpOnly, SameSite=Strict, Path=/, Secure over https. The same cookie lets the Temporal Web UI
decode through the codec server for a user entitled to the case. Every POST form carries
``csrf = HMAC(server secret, cookie token)``, checked before anything else; the sign-in form,
before there is a token, carries the HMAC of a random pre-session cookie instead.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import Response

from dutyflow.auth.api import TOKEN_COOKIE
from dutyflow.web.uploads import is_multipart, read_multipart

PRESESSION_COOKIE = "dutyflow_signin"
CSRF_FIELD = "csrf"
MAX_FORM_BYTES = 256 * 1024


class CsrfGuard:
    """Makes and checks the forms' CSRF tokens: an HMAC of the session under the server's secret
    (`dutyflow.crypto.keys.web_form_secret`, shared by every API process with the same master
    keys; random per process when none is given). A token of another session is refused."""

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret or secrets.token_bytes(32)

    def token_for(self, session_value: str) -> str:
        return hmac.new(self._secret, session_value.encode(), hashlib.sha256).hexdigest()

    def valid(self, session_value: str | None, submitted: str | None) -> bool:
        if not session_value or not submitted:
            return False
        return hmac.compare_digest(self.token_for(session_value), submitted)


def session_token(request: Request) -> str | None:
    return request.cookies.get(TOKEN_COOKIE) or None


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


def cookie_is_secure(request: Request) -> bool:
    """``Secure`` always, except over plain HTTP to this machine itself (``dutyflow up`` in
    development): behind a TLS proxy the request may arrive as plain HTTP, and whether the proxy
    said so is not what decides it (a browser sends a Secure cookie only over TLS, and keeps
    one set over plain HTTP only for localhost)."""
    return request.url.scheme == "https" or request.url.hostname not in LOOPBACK_HOSTS


def _cookie(response: Response, request: Request, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=cookie_is_secure(request),
        path="/",
    )


def set_session(response: Response, request: Request, token: str) -> None:
    _cookie(response, request, TOKEN_COOKIE, token)
    response.delete_cookie(PRESESSION_COOKIE, path="/")


def clear_session(response: Response, request: Request) -> None:
    response.delete_cookie(
        TOKEN_COOKIE,
        path="/",
        httponly=True,
        samesite="strict",
        secure=cookie_is_secure(request),
    )


def presession(request: Request) -> tuple[str, bool]:
    """The pre-session value the sign-in form's CSRF token is made from, and whether it is new
    (then `keep_presession` sets it)."""
    value = request.cookies.get(PRESESSION_COOKIE)
    if value:
        return value, False
    return secrets.token_urlsafe(32), True


def keep_presession(response: Response, request: Request, value: str) -> None:
    _cookie(response, request, PRESESSION_COOKIE, value)


async def read_form(request: Request) -> dict[str, list[str]]:
    """An ``application/x-www-form-urlencoded`` body, or the text fields of a
    ``multipart/form-data`` one (a form with a file: `dutyflow.web.uploads`)."""
    if is_multipart(request):
        return (await read_multipart(request)).fields
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return {}
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    return parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
