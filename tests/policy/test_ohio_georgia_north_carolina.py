"""Ohio, Georgia and North Carolina (issue 18): every report kind opens on a policy in effect and
comes to obligations towards the real agencies of the directory, with the deadlines, routes and
hard stops the law of each state gives. Pure functions over the shipped policies and agency
directory; no server."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from dutyflow.domain.obligations import CaseObligations
from tests.policy.newer_states import (
    FACTS,
    FORMED,
    LIBRARY,
    due,
    find,
    grounds,
)

pytestmark = pytest.mark.one_database

STATES = ["US-OH", "US-GA", "US-NC"]


def owed_by_rule(found: CaseObligations) -> dict[str, Any]:
    return {o.recipient_rule: o for o in found.obligations}


def test_ohio_child_abuse_goes_immediately_to_the_county_children_services_agency() -> None:
    """ORC 2151.421(A)(1)(a): immediately, to the public children services agency or a peace
    officer of the county; either meets the duty, and Dutyflow proposes the agency."""
    found = find("US-OH", "child-abuse", grounds())

    [agency] = found.obligations
    assert agency.agency_id == "oh-855-oh-child" and agency.obligation == "required"
    assert agency.delivery == "contact"
    assert due(found, "report") == FORMED + timedelta(minutes=15)
    policy = LIBRARY.in_effect("US-OH", "child-abuse", date(2026, 11, 26))
    assert policy.recipient_selection.mode == "any-one"
    assert {r.id for r in policy.recipients} == {"children-services", "law-enforcement"}


def test_ohio_adult_abuse_goes_immediately_to_the_county_job_and_family_services() -> None:
    """ORC 5101.63(A)(1): immediately, to the county department of job and family services."""
    found = find("US-OH", "elder-abuse", grounds())

    [aps] = found.obligations
    assert aps.agency_id == "oh-855-ohio-aps" and aps.obligation == "required"
    assert due(found, "report") == FORMED + timedelta(minutes=15)


def test_ohio_duty_to_protect_tells_law_enforcement_and_offers_the_warning() -> None:
    """ORC 2305.51(C): communicating the threat to a law enforcement agency with jurisdiction
    discharges the duty (hospitalisation being the other way); the person threatened is told
    too if feasible, which the practitioner decides; warning them alone is not enough."""
    found = find("US-OH", "danger-to-others", FACTS["danger-to-others"])

    owed = owed_by_rule(found)
    assert owed["law-enforcement"].agency_id == "oh-local-law-enforcement"
    assert owed["law-enforcement"].obligation == "required"
    assert owed["potential-victim"].obligation == "permitted"
    assert due(found, "notification") == FORMED + timedelta(hours=1)


def test_georgia_child_abuse_reaches_dfcs_within_24_hours_with_reminders_from_the_start() -> None:
    """O.C.G.A. 19-7-5(e): immediately, and in no case later than 24 hours from the time there is
    reasonable cause to believe."""
    found = find("US-GA", "child-abuse", grounds())

    [dfcs] = found.obligations
    assert dfcs.agency_id == "ga-dfcs-cicc" and dfcs.obligation == "required"
    [plan] = found.deadlines
    assert plan.due_at == FORMED + timedelta(hours=24)
    assert plan.escalations[0].at == FORMED + timedelta(minutes=15)


def test_georgia_long_term_care_resident_goes_now_to_community_health_and_the_police() -> None:
    """O.C.G.A. 31-8-82(a): a facility's resident, immediately, to the Department of Community
    Health and to law enforcement; anyone else, 30-5-4: to APS and to law enforcement."""
    resident = find("US-GA", "elder-abuse", grounds(care_setting={"long_term_care_facility": True}))
    at_home = find("US-GA", "elder-abuse", grounds(care_setting={"long_term_care_facility": False}))

    assert resident.route_id == "long-term-care-resident"
    assert {o.agency_id for o in resident.obligations} == {
        "ga-dch-hfr",
        "ga-local-law-enforcement",
    }
    assert due(resident, "report") == FORMED + timedelta(minutes=15)
    assert {o.agency_id for o in at_home.obligations} == {
        "ga-aps-intake",
        "ga-local-law-enforcement",
    }
    assert due(at_home, "report") == FORMED + timedelta(hours=24)
    assert all(o.obligation == "required" for o in resident.obligations + at_home.obligations)


@pytest.mark.parametrize("jurisdiction", ["US-GA", "US-NC"])
def test_without_a_duty_to_warn_the_police_and_the_person_threatened_are_only_offered(
    jurisdiction: str,
) -> None:
    """Georgia (no statute; Bradley Center rests on control of the patient) and North Carolina
    (G.S. 122C-55 permits): the disclosure is the practitioner's decision."""
    found = find(jurisdiction, "danger-to-others", FACTS["danger-to-others"])

    owed = owed_by_rule(found)
    assert set(owed) == {"law-enforcement", "potential-victim"}
    assert all(o.obligation == "permitted" for o in owed.values())
    assert owed["potential-victim"].contact is not None


def test_north_carolina_child_report_goes_to_the_dss_of_the_county_where_the_child_is() -> None:
    """G.S. 7B-301(a): every person reports to the director of the county DSS where the juvenile
    resides or is found; law enforcement too where the juvenile is also the victim of a violent or
    sexual offense (14-318.6), which the practitioner decides."""
    found = find("US-NC", "child-abuse", grounds())

    owed = owed_by_rule(found)
    assert owed["county-dss"].agency_id == "nc-forsyth-dss-cps"
    assert owed["county-dss"].obligation == "required"
    assert owed["law-enforcement"].obligation == "permitted"


def test_north_carolina_offense_by_a_non_caretaker_goes_to_law_enforcement_not_dss() -> None:
    """G.S. 7B-101 and 14-318.6: DSS has no case when the person suspected is not a parent,
    guardian, custodian or caretaker; a violent or sexual offense goes to local law enforcement."""
    found = find("US-NC", "child-abuse", grounds(suspect={"responsible_for_care": False}))

    assert found.route_id == "not-a-caretaker"
    [police] = found.obligations
    assert police.agency_id == "nc-local-law-enforcement" and police.obligation == "required"


def test_north_carolina_disabled_adult_report_goes_to_the_county_dss() -> None:
    """G.S. 108A-102: any person, to the director of the county DSS (or consolidated human
    services agency) where the adult resides or is present; as soon as possible."""
    cabarrus = find("US-NC", "elder-abuse", grounds(), county="Cabarrus County")
    rowan = find("US-NC", "elder-abuse", grounds(), county="Rowan County")

    [dss] = cabarrus.obligations
    assert dss.agency_id == "nc-cabarrus-human-services-aps" and dss.obligation == "required"
    assert [o.agency_id for o in rowan.obligations] == ["nc-rowan-dss-aps"]
    assert due(cabarrus, "report") == FORMED + timedelta(hours=24)


@pytest.mark.parametrize("jurisdiction", STATES)
def test_danger_to_self_only_offers_law_enforcement(jurisdiction: str) -> None:
    found = find(jurisdiction, "danger-to-self", FACTS["danger-to-self"])

    [police] = found.obligations
    assert police.agency_id == f"{jurisdiction.lower().removeprefix('us-')}-local-law-enforcement"
    assert police.obligation == "permitted"
