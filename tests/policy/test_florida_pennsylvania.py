"""Florida and Pennsylvania (issue 18): every report kind opens on a policy in effect and comes to
obligations towards the real agencies of the directory, with the deadlines, routes and hard stops
the law gives. Pure functions over the shipped policies and agency directory; no server."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from dutyflow.domain.agencies import AgencyDirectory
from dutyflow.domain.obligations import CaseObligations, find_obligations
from dutyflow.domain.policy import PolicyLibrary
from dutyflow.domain.policy.schema import REPORT_KINDS
from dutyflow.settings import REPO_ROOT
from dutyflow.web.catalogue import jurisdictions_and_kinds

LIBRARY = PolicyLibrary(REPO_ROOT / "policies")
DIRECTORY = AgencyDirectory.load(REPO_ROOT / "agencies", "http://intake.invalid")
FORMED = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)
STATES = ["US-FL", "US-PA"]


def grounds(**more: Any) -> dict[str, Any]:
    return {"grounds": {"suspicion_formed_at": FORMED.isoformat()}, **more}


PERSON_AT_RISK = {"potential_victims": [{"name": "Morgan Partner", "phone": "(555) 010-0101"}]}
ORDER = {"court_order": {"court": "Circuit Court", "comply_by": "2026-12-10T17:00:00+00:00"}}
WRITTEN_CONSENT = {
    "subpoena": {
        "requesting_party": "Example & Partners LLP",
        "respond_by": "2026-12-10T17:00:00+00:00",
        "client_explicit_consent": True,
    }
}
FACTS: dict[str, dict[str, Any]] = {
    "child-abuse": grounds(),
    "elder-abuse": grounds(),
    "danger-to-others": grounds(**PERSON_AT_RISK),
    "danger-to-self": grounds(),
    "court-order": grounds(**ORDER),
    "subpoena": grounds(**WRITTEN_CONSENT),
}


def find(jurisdiction: str, kind: str, facts: dict[str, Any]) -> CaseObligations:
    return find_obligations(
        LIBRARY.in_effect(jurisdiction, kind, date(2026, 11, 26)),
        facts,
        county="Miami-Dade County" if jurisdiction == "US-FL" else "Allegheny County",
        directory=DIRECTORY,
        calendars=LIBRARY.calendars,
    )


def due(found: CaseObligations, deadline_id: str) -> datetime:
    return next(d.due_at for d in found.deadlines if d.deadline_id == deadline_id)


@pytest.mark.parametrize("kind", REPORT_KINDS)
@pytest.mark.parametrize("jurisdiction", STATES)
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


def test_florida_child_abuse_is_one_immediate_report_to_the_hotline_logged_as_a_contact() -> None:
    for caregiver in (True, False):  # abuse by a non-caregiver still goes to the hotline
        found = find("US-FL", "child-abuse", grounds(suspect={"responsible_for_care": caregiver}))

        [hotline] = found.obligations
        assert hotline.agency_id == "fl-dcf-abuse-hotline" and hotline.obligation == "required"
        assert hotline.delivery == "contact"
        assert due(found, "report") == FORMED + timedelta(minutes=15)


def test_florida_threat_to_others_requires_law_enforcement_and_permits_the_warning() -> None:
    found = find("US-FL", "danger-to-others", FACTS["danger-to-others"])

    owed = {o.recipient_rule: o for o in found.obligations}
    assert owed["law-enforcement"].obligation == "required"
    assert owed["law-enforcement"].agency_id == "fl-local-law-enforcement"
    assert owed["potential-victim"].obligation == "permitted"
    assert due(found, "notification") == FORMED + timedelta(hours=1)


def test_pennsylvania_child_abuse_is_a_call_to_childline_then_the_cy47_within_48_hours() -> None:
    found = find("US-PA", "child-abuse", grounds())

    [childline] = found.obligations
    assert childline.agency_id == "pa-dhs-childline" and childline.form_id == "us-pa-cy47"
    assert childline.phone_report_due_at == FORMED + timedelta(minutes=15)
    assert childline.written_report_due_at == FORMED + timedelta(hours=48)
    # The written report goes through ChildLine's Child Welfare Portal (6313(a)(2): it may be
    # submitted electronically); the practitioner records the portal's confirmation.
    agency = DIRECTORY.by_id(childline.agency_id)
    assert agency is not None and agency.channel == "portal"
    assert agency.delivery_address() == "https://www.compass.state.pa.us/cwis/public/home"


def test_pennsylvania_warns_the_person_threatened_and_may_tell_the_police() -> None:
    found = find("US-PA", "danger-to-others", FACTS["danger-to-others"])

    owed = {o.recipient_rule: o for o in found.obligations}
    assert owed["potential-victim"].obligation == "required"
    assert owed["potential-victim"].contact is not None
    assert owed["law-enforcement"].obligation == "permitted"


def test_pennsylvania_elder_abuse_in_a_facility_with_serious_injury_goes_to_three() -> None:
    serious = grounds(care_setting={"long_term_care_facility": True, "serious_bodily_injury": True})

    found = find("US-PA", "elder-abuse", serious)
    elsewhere = find("US-PA", "elder-abuse", grounds())

    assert found.route_id == "care-facility-serious"
    assert {o.agency_id for o in found.obligations} == {
        "pa-pda-elder-abuse-hotline",
        "pa-pda-mandatory-abuse-line",
        "pa-local-law-enforcement",
    }
    assert [o.agency_id for o in elsewhere.obligations] == ["pa-pda-elder-abuse-hotline"]
    assert all(o.obligation == "permitted" for o in found.obligations + elsewhere.obligations)


@pytest.mark.parametrize("jurisdiction", STATES)
def test_a_subpoena_without_the_clients_written_consent_is_a_hard_stop(jurisdiction: str) -> None:
    without = grounds(subpoena={**WRITTEN_CONSENT["subpoena"], "client_explicit_consent": False})

    found = find(jurisdiction, "subpoena", without)

    assert found.hard_stop is not None and not found.obligations
    assert "subpoena.client_explicit_consent" in str(found.hard_stop.missing)


@pytest.mark.parametrize("jurisdiction", STATES)
def test_adult_abuse_asks_to_tell_the_victim(jurisdiction: str) -> None:
    policy = LIBRARY.in_effect(jurisdiction, "elder-abuse", date(2026, 11, 26))

    assert policy.inform_client.required and policy.inform_client.informs == "victim"


def test_the_new_report_pages_offer_both_states_with_every_kind() -> None:
    offered = jurisdictions_and_kinds(LIBRARY)

    for jurisdiction in STATES:
        assert sorted(offered[jurisdiction]) == sorted(REPORT_KINDS)
