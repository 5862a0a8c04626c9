"""Half the kinds of report in California (the other half in England; every kind with
DUTYFLOW_EVERY_KIND_EVERYWHERE=1) filed through the pages in a real browser, from the new-report
page to a closed case, each agency reading what the review said it would and nothing it said is
withheld (tests/web/every_kind_in_a_browser.py; one module per jurisdiction, so that the test
sessions file them side by side). Among them a duty to warn about two people at risk, the police
told of both, and a child-abuse report about three siblings, the agency told of all three."""

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
    people_received,
)

pytestmark = [pytest.mark.one_database, pytest.mark.takes_minutes]


async def test_the_kinds_chosen_in_california_are_filed_through_the_pages_to_a_closed_case(
    api: httpx.AsyncClient, stack: Harness, web_users: Any, chromium: Any, tmp_path: Path
) -> None:
    filed = await file_every_kind_to_closed(stack, web_users, chromium, tmp_path, ["US-CA"])

    assert {kind for _, kind in filed} == kinds_chosen_in("US-CA")
    assert kinds_chosen_in("US-CA") >= set(HALF_THE_KINDS_IN["US-CA"])
    # A duty to warn about two people at risk: the police are told of both.
    assert len(people_received(filed["US-CA", "danger-to-others"], "potential_victims")) == 2
    # A child-abuse report about three siblings: the agency is told of all three.
    assert len(people_received(filed["US-CA", "child-abuse"], "victim", "other_victims")) == 3
