"""Half the kinds of report in England (the other half in California; every kind with
DUTYFLOW_EVERY_KIND_EVERYWHERE=1) filed through the pages in a real browser, from the new-report
page to a closed case, each agency reading what the review said it would and nothing it said is
withheld (tests/web/every_kind_in_a_browser.py; one module per jurisdiction, so that the test
sessions file them side by side)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Harness
from tests.web.every_kind_in_a_browser import (
    HALF_THE_KINDS_IN,
    file_every_kind_to_closed,
    kinds_chosen_in,
)

pytestmark = [pytest.mark.one_database, pytest.mark.takes_minutes]


async def test_the_kinds_chosen_in_england_are_filed_through_the_pages_to_a_closed_case(
    api: httpx.AsyncClient, stack: Harness, web_users: Any, chromium: Any, tmp_path: Path
) -> None:
    filed = await file_every_kind_to_closed(stack, web_users, chromium, tmp_path, ["GB-ENG"])

    assert {kind for _, kind in filed} == kinds_chosen_in("GB-ENG")
    assert kinds_chosen_in("GB-ENG") >= set(HALF_THE_KINDS_IN["GB-ENG"])
