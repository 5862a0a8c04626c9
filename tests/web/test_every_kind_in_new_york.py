"""Half the kinds of report in New York (the other half in Texas; every kind with
DUTYFLOW_EVERY_KIND_EVERYWHERE=1) filed through the pages in a real browser, from the new-report
page to a closed case, each agency reading what the review said it would and nothing it said is
withheld (tests/web/every_kind_in_a_browser.py; one module per jurisdiction, so that the test
sessions file them side by side)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from dutyflow.domain.policy.schema import REPORT_KINDS
from tests.conftest import Harness
from tests.web.every_kind_in_a_browser import (
    HALF_THE_KINDS_IN,
    HALVES,
    file_every_kind_to_closed,
    kinds_chosen_in,
)

pytestmark = [pytest.mark.one_database, pytest.mark.takes_minutes]


def test_california_with_england_and_new_york_with_texas_file_every_kind_each_once() -> None:
    for first, second in HALVES:
        one, other = set(HALF_THE_KINDS_IN[first]), set(HALF_THE_KINDS_IN[second])

        assert one | other == set(REPORT_KINDS), (first, second)
        assert not one & other, (first, second)


async def test_the_kinds_chosen_in_new_york_are_filed_through_the_pages_to_a_closed_case(
    api: httpx.AsyncClient, stack: Harness, web_users: Any, chromium: Any, tmp_path: Path
) -> None:
    filed = await file_every_kind_to_closed(stack, web_users, chromium, tmp_path, ["US-NY"])

    assert {kind for _, kind in filed} == kinds_chosen_in("US-NY")
    assert kinds_chosen_in("US-NY") >= set(HALF_THE_KINDS_IN["US-NY"])
