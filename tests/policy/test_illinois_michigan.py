"""Illinois and Michigan (issue 18): every report kind opens on a policy in effect and comes to
obligations towards the real agencies of the directory, with the deadlines, routes and hard stops
the law of each state gives. Pure functions over the shipped policies and agency directory; no
server."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.policy.newer_states import (
    DIRECTORY,
    FACTS,
    FORMED,
    due,
    find,
    grounds,
)

pytestmark = pytest.mark.one_database

STATES = ["US-IL", "US-MI"]


def test_illinois_child_abuse_is_a_call_then_a_written_confirmation_within_48_hours() -> None:
    found = find("US-IL", "child-abuse", grounds())

    [hotline] = found.obligations
    assert hotline.agency_id == "il-dcfs-hotline" and hotline.obligation == "required"
    assert hotline.form_id == "us-il-written-confirmation"
    assert hotline.phone_report_due_at == FORMED + timedelta(minutes=15)
    assert hotline.written_report_due_at == FORMED + timedelta(hours=48)
    agency = DIRECTORY.by_id(hotline.agency_id)
    assert agency is not None and agency.channel == "portal"
    assert agency.delivery_address() == "https://dcfsonlinereporting.dcfs.illinois.gov/"


def test_michigan_child_abuse_is_a_call_to_intake_then_the_dhs3200_within_72_hours() -> None:
    found = find("US-MI", "child-abuse", grounds())

    [intake] = found.obligations
    assert intake.agency_id == "mi-mdhhs-centralized-intake" and intake.form_id == "us-mi-dhs3200"
    assert intake.phone_report_due_at == FORMED + timedelta(minutes=15)
    assert intake.written_report_due_at == FORMED + timedelta(hours=72)
    # The DHS-3200 is printed and faxed: Dutyflow gives the practitioner the form, not a POST.
    agency = DIRECTORY.by_id(intake.agency_id)
    assert agency is not None and agency.channel == "fax"


def test_illinois_adult_abuse_is_required_in_24_hours_only_if_the_adult_cannot_seek_help() -> None:
    unable = find("US-IL", "elder-abuse", grounds(elder_abuse={"unable_to_protect_self": True}))
    able = find("US-IL", "elder-abuse", grounds(elder_abuse={"unable_to_protect_self": False}))

    assert [(o.agency_id, o.obligation) for o in unable.obligations] == [
        ("il-idoa-aps-hotline", "required")
    ]
    assert [(o.agency_id, o.obligation) for o in able.obligations] == [
        ("il-idoa-aps-hotline", "permitted")
    ]
    assert due(unable, "report") == FORMED + timedelta(hours=24)


def test_illinois_nursing_facility_residents_are_reported_to_public_health() -> None:
    found = find("US-IL", "elder-abuse", grounds(care_setting={"long_term_care_facility": True}))

    assert found.route_id == "nursing-facility"
    assert [o.agency_id for o in found.obligations] == ["il-idph-nursing-home-hotline"]


def test_michigan_adult_abuse_is_reported_at_once_and_a_nursing_home_adds_two_lines() -> None:
    elsewhere = find("US-MI", "elder-abuse", grounds())
    nursing_home = find(
        "US-MI", "elder-abuse", grounds(care_setting={"long_term_care_facility": True})
    )

    [intake] = elsewhere.obligations
    assert intake.agency_id == "mi-mdhhs-centralized-intake" and intake.obligation == "required"
    assert due(elsewhere, "report") == FORMED + timedelta(minutes=15)
    assert {(o.agency_id, o.obligation) for o in nursing_home.obligations} == {
        ("mi-mdhhs-centralized-intake", "required"),
        ("mi-ag-health-care-fraud", "permitted"),
        ("mi-lara-health-systems", "permitted"),
    }


def test_illinois_threat_warns_the_victim_and_police_and_reports_to_idhs_within_24_hours() -> None:
    found = find("US-IL", "danger-to-others", FACTS["danger-to-others"])

    owed = {o.recipient_rule: o for o in found.obligations}
    assert {rule: o.obligation for rule, o in owed.items()} == {
        "law-enforcement": "required",
        "potential-victim": "required",
        "dhs-foid-report": "required",
    }
    assert owed["dhs-foid-report"].agency_id == "il-idhs-foid-reporting"
    assert owed["dhs-foid-report"].form_id == "us-il-foid-cpd-report"
    assert due(found, "report") == FORMED + timedelta(hours=24)
    foid = DIRECTORY.by_id("il-idhs-foid-reporting")
    assert foid is not None and foid.channel == "portal"


def test_michigan_duty_to_warn_is_discharged_by_warning_the_person_and_telling_the_police() -> None:
    found = find("US-MI", "danger-to-others", FACTS["danger-to-others"])

    owed = {o.recipient_rule: o for o in found.obligations}
    assert owed["potential-victim"].obligation == "required"
    assert owed["potential-victim"].contact is not None
    assert owed["law-enforcement"].obligation == "required"
    assert owed["law-enforcement"].agency_id == "mi-local-law-enforcement"


def test_illinois_danger_to_self_requires_the_idhs_report_and_permits_the_police() -> None:
    found = find("US-IL", "danger-to-self", FACTS["danger-to-self"])

    owed = {o.recipient_rule: o.obligation for o in found.obligations}
    assert owed == {"dhs-foid-report": "required", "law-enforcement": "permitted"}


def test_michigan_danger_to_self_is_only_a_permitted_call_to_the_police() -> None:
    found = find("US-MI", "danger-to-self", FACTS["danger-to-self"])

    assert [(o.agency_id, o.obligation) for o in found.obligations] == [
        ("mi-local-law-enforcement", "permitted")
    ]
