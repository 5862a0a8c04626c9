"""A busy case's page reloads itself to show Dutyflow's progress, but never while it shows a form
of a step the clinician may take now: a reload would wipe what they are typing (a warning's
outcome chosen while the report to the police is still being delivered)."""

from __future__ import annotations

from typing import Any

import pytest

from dutyflow.web.practitioner.case import shows_a_step_to_take

pytestmark = pytest.mark.one_database


def busy_case(**changes: Any) -> dict[str, Any]:
    """A case's status while its reports are delivered, with nothing for the clinician to do."""
    status: dict[str, Any] = {
        "stage": "delivering",
        "channel_tasks": [],
        "awaiting_contacts": [],
        "awaiting_decisions": [],
        "delivery_problems": [],
        "reference_tasks": [],
        "inform_client_required": False,
        "decisions": [],
    }
    return status | changes


def test_a_busy_case_with_nothing_to_do_may_reload_itself() -> None:
    assert not shows_a_step_to_take(busy_case())


@pytest.mark.parametrize(
    "step",
    [
        {"awaiting_contacts": ["potential-victim-1"]},
        {"awaiting_decisions": ["law-enforcement"]},
        {"channel_tasks": [{"recipient_id": "hotline", "channel": "portal"}]},
        {"delivery_problems": [{"recipient_id": "hotline"}]},
        {"reference_tasks": [{"recipient_id": "hotline"}]},
        {"inform_client_required": True},
    ],
    ids=["a person to warn", "a decision", "a portal", "a retry", "a reference", "telling"],
)
def test_a_case_page_showing_a_step_to_take_never_reloads_itself(step: dict[str, Any]) -> None:
    assert shows_a_step_to_take(busy_case(**step))


def test_once_the_client_was_told_that_step_no_longer_holds_the_page() -> None:
    told = busy_case(inform_client_required=True, decisions=[{"topic": "inform-client"}])

    assert not shows_a_step_to_take(told)
