"""The JSON API, called in-process as the signed-in user: the pages' only way to read or act on
a case, so access control, validation and auditing stay the API's own.

The client sends the session cookie's token as ``Authorization: Bearer`` to the application that
serves the page (``request.app``, through `httpx.ASGITransport`); no network is involved. A
page builds API paths with `segment` around every part that came from its own URL or a form.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated
from urllib.parse import quote

import httpx
from fastapi import Depends, Request

from dutyflow.web.security import session_token

INTERNAL_BASE = "http://dutyflow.internal"
API_TIMEOUT_SECONDS = 120


async def api_client(request: Request) -> AsyncIterator[httpx.AsyncClient]:
    """The API of this application, as the user of the request's session cookie (anonymous
    when there is no cookie: the API then refuses everything but signing in)."""
    token = session_token(request)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=request.app),
        base_url=INTERNAL_BASE,
        timeout=API_TIMEOUT_SECONDS,
        headers={"Authorization": f"Bearer {token}"} if token else {},
    ) as client:
        yield client


def segment(value: str) -> str:
    """A path part from a page's URL, quoted for an API URL: ``case-1%23`` stays one segment
    (an unquoted ``#`` or ``/`` would cut or redirect the API path)."""
    return quote(value, safe="")


ApiDep = Annotated[httpx.AsyncClient, Depends(api_client)]
