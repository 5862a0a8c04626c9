"""A report in each newer state (Florida, Pennsylvania, Illinois, Michigan, Ohio, Georgia, North
Carolina: every jurisdiction with policies beyond California, New York, Texas and England) filed
through the pages in a real browser to a closed case: one kind each, a different kind in each in
turn; every kind of each with DUTYFLOW_EVERY_KIND_EVERYWHERE=1
(tests/web/every_kind_in_a_browser.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Harness
from tests.web.every_kind_in_a_browser import file_every_kind_to_closed, newer_jurisdictions

pytestmark = [pytest.mark.one_database, pytest.mark.takes_minutes]


async def test_a_report_in_each_newer_state_is_filed_through_the_pages_to_a_closed_case(
    api: httpx.AsyncClient, stack: Harness, web_users: Any, chromium: Any, tmp_path: Path
) -> None:
    newer = newer_jurisdictions()

    filed = await file_every_kind_to_closed(stack, web_users, chromium, tmp_path, newer)

    assert {jurisdiction for jurisdiction, _ in filed} == set(newer)
