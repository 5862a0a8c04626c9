"""A page's path part goes into the API's URL quoted: a case id ending in an encoded ``#`` is
an unknown case (404), never a cut path that fails (500)."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Harness
from tests.reporting import open_report, wait_for_stage
from tests.web.conftest import signed_in

# What this checks does not depend on the database engine: it runs once, on SQLite.
pytestmark = pytest.mark.one_database


async def test_a_case_page_with_an_encoded_hash_is_an_unknown_case(
    api: httpx.AsyncClient, stack: Harness, web_users
) -> None:
    case_id = await open_report(api)
    await wait_for_stage(api, case_id, "awaiting-grounds")
    practitioner = web_users("practitioner", clinic_id="clinic-demo-01")

    async with signed_in(stack, practitioner) as browser:
        for suffix in ("%23", "%3F", "%2F..%2Fsupervision"):
            answer = await browser.get(f"/app/cases/{case_id}{suffix}")
            assert answer.status_code == 404, (suffix, answer.status_code)
