"""One e-mail address means the same thing wherever Dutyflow takes one: a user's notification
address, a reporter's address on a report or a profile, an agency's e-mail channel."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from dutyflow.auth.notification_preferences import email_problems
from dutyflow.domain.agencies import AgencyChannel
from dutyflow.domain.e_mail import is_one_address
from dutyflow.domain.validation import e_mail_problems

ONE_ADDRESS = [
    "alex.rivera@clinic.example.org",
    "intake+ca@cdss.ca.gov",
    "o'brien@example.co.uk",
]
NOT_ONE_ADDRESS = [
    "",
    "alex.rivera",
    "alex@@example.org",
    "alex rivera@example.org",
    "Alex <alex@example.org>",
    "alex@example.org, sam@example.org",
    "alex<script>@example.org",
    "alex@example",
    "a" * 65 + "@example.org",
    "alex@" + "a" * 250 + ".org",
]


def agency_takes(address: str) -> bool:
    try:
        AgencyChannel(
            kind="email",
            address=address,
            source="a test of the pattern",
            source_status="to-confirm",
        )
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("address", ONE_ADDRESS)
def test_one_address_is_taken_everywhere(address: str) -> None:
    assert is_one_address(address)
    assert email_problems(address) == []
    assert e_mail_problems("reporter.email", address) == []
    assert agency_takes(address)


@pytest.mark.parametrize("address", [a for a in NOT_ONE_ADDRESS if a])
def test_anything_else_is_refused_everywhere_by_field_never_echoed(address: str) -> None:
    assert not is_one_address(address)
    [account] = email_problems(address)
    [report] = e_mail_problems("reporter.email", address)
    assert (account.field, report.field) == ("email", "reporter.email")
    assert account.problem == report.problem
    assert address not in account.problem
    assert not agency_takes(address)


def test_an_empty_reporter_address_is_left_out_not_refused() -> None:
    assert e_mail_problems("reporter.email", "") == []
    assert e_mail_problems("reporter.email", None) == []
    assert not is_one_address("")
