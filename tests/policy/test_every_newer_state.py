"""What holds in every newer state (Florida, Pennsylvania, Illinois, Michigan, Ohio, Georgia, North
Carolina: issue 18): every report kind opens on a policy in effect and comes to obligations towards
the state's real agencies, none of which Dutyflow can post to; a subpoena without the client's
written consent is a hard stop; adult abuse asks to tell the victim; the new-report pages offer
every kind. What differs by state is in tests/policy/test_<states>.py."""

from __future__ import annotations

import pytest

from dutyflow.domain.policy.schema import REPORT_KINDS
from dutyflow.web.catalogue import jurisdictions_and_kinds
from tests.policy.newer_states import (
    FACTS,
    LIBRARY,
    NEWER_STATES,
    ON,
    WRITTEN_CONSENT,
    find,
    grounds,
)

pytestmark = pytest.mark.one_database


@pytest.mark.parametrize("kind", REPORT_KINDS)
@pytest.mark.parametrize("jurisdiction", NEWER_STATES)
def test_every_kind_opens_on_a_policy_and_reaches_real_agencies(
    jurisdiction: str, kind: str
) -> None:
    found = find(jurisdiction, kind, FACTS[kind])

    assert found.hard_stop is None and found.obligations
    prefix = jurisdiction.lower().removeprefix("us-") + "-"
    for owed in found.obligations:
        if owed.recipient_type == "agency":
            assert owed.agency_id.startswith(prefix), owed.agency_id
            assert owed.intake_url == ""  # a real agency: nothing Dutyflow could post to


@pytest.mark.parametrize("jurisdiction", NEWER_STATES)
def test_a_subpoena_without_the_clients_written_consent_is_a_hard_stop(jurisdiction: str) -> None:
    without = grounds(subpoena={**WRITTEN_CONSENT["subpoena"], "client_explicit_consent": False})

    found = find(jurisdiction, "subpoena", without)

    assert found.hard_stop is not None and not found.obligations
    assert "subpoena.client_explicit_consent" in str(found.hard_stop.missing)


@pytest.mark.parametrize("jurisdiction", NEWER_STATES)
def test_adult_abuse_asks_to_tell_the_victim(jurisdiction: str) -> None:
    policy = LIBRARY.in_effect(jurisdiction, "elder-abuse", ON)

    assert policy.inform_client.required and policy.inform_client.informs == "victim"


def test_the_new_report_pages_offer_every_newer_state_with_every_kind() -> None:
    offered = jurisdictions_and_kinds(LIBRARY)

    for jurisdiction in NEWER_STATES:
        assert sorted(offered[jurisdiction]) == sorted(REPORT_KINDS)
