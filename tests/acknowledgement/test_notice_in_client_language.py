"""The privacy notice asked for in the client's language over HTTP: with no checked translation,
the English notice says above its text that it is not in the client's language, and its
Content-Language says English; a language that is not a code is refused by name, not echoed."""

from __future__ import annotations

import httpx
import pytest

from tests.auth.helpers import bearer, new_user
from tests.conftest import Harness

pytestmark = pytest.mark.one_database


async def test_a_notice_asked_in_spanish_is_the_english_notice_saying_so(
    api_without_worker: httpx.AsyncClient, stack: Harness
) -> None:
    _, token = new_user(stack.sessions, "practitioner")
    async with httpx.AsyncClient(base_url=stack.api_url, headers=bearer(token)) as http:
        spanish = await http.get(
            "/clients/client-lang-01/privacy-notice",
            params={"jurisdiction": "US-CA", "language": "es"},
        )
        english = await http.get(
            "/clients/client-lang-01/privacy-notice", params={"jurisdiction": "US-CA"}
        )
        refused = await http.get(
            "/clients/client-lang-01/privacy-notice",
            params={"jurisdiction": "US-CA", "language": "<es>"},
        )
    assert spanish.status_code == 200
    assert spanish.headers["content-language"] == "en"
    assert "not been translated into the client's language (es)" in spanish.text
    assert "not been translated" not in english.text
    assert refused.status_code == 422
    assert "<es>" not in refused.text and "language" in refused.text
