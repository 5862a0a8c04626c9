"""Every answer carries the security headers, not only the pages: no-store (any answer may carry
case content), a CSP with frame-ancestors 'none', no framing, no sniffing, no referrer; HSTS when
the request came over TLS. The session cookie is Secure except over plain HTTP to this machine."""

from __future__ import annotations

import httpx
import pytest
from starlette.requests import Request

from dutyflow.web.security import cookie_is_secure
from tests.reporting import open_report

# What this checks does not depend on the database engine: it runs once, on SQLite.
pytestmark = pytest.mark.one_database


def assert_secured(answer: httpx.Response) -> None:
    assert answer.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "no-referrer"


async def test_api_answers_with_case_content_and_refusals_carry_the_headers(
    api: httpx.AsyncClient,
) -> None:
    case_id = await open_report(api)
    for answer in (
        await api.get(f"/reports/{case_id}"),
        await api.get("/reports/case-unknown"),
        await api.post("/reports", json={}),
        await api.get("/health"),
    ):
        assert_secured(answer)
        assert "strict-transport-security" not in answer.headers  # plain HTTP here


async def test_hsts_is_sent_when_the_request_came_over_tls(api: httpx.AsyncClient) -> None:
    answer = await api.get("/health", headers={"X-Forwarded-Proto": "https"})
    assert answer.headers["strict-transport-security"].startswith("max-age=")


def request_to(url: str) -> Request:
    scheme, rest = url.split("://")
    host = rest.split("/")[0]
    return Request(
        {
            "type": "http",
            "scheme": scheme,
            "server": (host, 443 if scheme == "https" else 80),
            "path": "/app/sign-in",
            "headers": [(b"host", host.encode())],
            "query_string": b"",
        }
    )


@pytest.mark.parametrize(
    ("url", "secure"),
    [
        ("https://dutyflow.clinic.example/app", True),
        ("http://dutyflow.clinic.example/app", True),  # behind a TLS proxy
        ("http://127.0.0.1/app", False),  # `dutyflow up` on this machine
        ("http://localhost/app", False),
    ],
)
def test_the_session_cookie_is_secure_except_on_this_machine_over_plain_http(
    url: str, secure: bool
) -> None:
    assert cookie_is_secure(request_to(url)) is secure
