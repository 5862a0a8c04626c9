"""Florida and Pennsylvania (issue 18): every report kind opens on a policy in effect and comes to
obligations towards the real agencies of the directory, with the deadlines, routes and hard stops
the law gives. Pure functions over the shipped policies and agency directory; no server."""

from __future__ import annotations

from datetime import timedelta

from tests.policy.newer_states import (
    DIRECTORY,
    FACTS,
    FORMED,
    due,
    find,
    grounds,
)

STATES = ["US-FL", "US-PA"]


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
