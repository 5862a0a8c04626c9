"""Ohio, Georgia and North Carolina (issue 18): every report kind opens on a policy in effect and
comes to obligations towards the real agencies of the directory, with the deadlines, routes and
hard stops the law of each state gives. Pure functions over the shipped policies and agency
directory; no server."""

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

pytestmark = pytest.mark.one_database

LIBRARY = PolicyLibrary(REPO_ROOT / "policies")
DIRECTORY = AgencyDirectory.load(REPO_ROOT / "agencies", "http://intake.invalid")
FORMED = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)
STATES = ["US-OH", "US-GA", "US-NC"]
# A county of each state; North Carolina's agencies are per county: Forsyth County's child
# protective line is listed (its adult protective line is not: Cabarrus and Rowan Counties').
COUNTY = {"US-OH": "Franklin County", "US-GA": "Fulton County", "US-NC": "Forsyth County"}


def grounds(**more: Any) -> dict[str, Any]:
    return {"grounds": {"suspicion_formed_at": FORMED.isoformat()}, **more}


PERSON_AT_RISK = {"potential_victims": [{"name": "Morgan Partner", "phone": "(555) 010-0101"}]}
ORDER = {
    "court_order": {"court": "Court of Common Pleas", "comply_by": "2026-12-10T17:00:00+00:00"}
}
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


def find(
    jurisdiction: str, kind: str, facts: dict[str, Any], county: str | None = None
) -> CaseObligations:
    return find_obligations(
        LIBRARY.in_effect(jurisdiction, kind, date(2026, 11, 26)),
        facts,
        county=county or COUNTY[jurisdiction],
        directory=DIRECTORY,
        calendars=LIBRARY.calendars,
    )


def due(found: CaseObligations, deadline_id: str) -> datetime:
    return next(d.due_at for d in found.deadlines if d.deadline_id == deadline_id)


def owed_by_rule(found: CaseObligations) -> dict[str, Any]:
    return {o.recipient_rule: o for o in found.obligations}


@pytest.mark.parametrize("kind", REPORT_KINDS)
@pytest.mark.parametrize("jurisdiction", STATES)
def test_every_kind_opens_on_a_policy_and_reaches_real_agencies(
    jurisdiction: str, kind: str
) -> None:
    county = "Cabarrus County" if (jurisdiction, kind) == ("US-NC", "elder-abuse") else None
    found = find(jurisdiction, kind, FACTS[kind], county)

    assert found.hard_stop is None and found.obligations
    prefix = jurisdiction.lower().removeprefix("us-") + "-"
    for owed in found.obligations:
        if owed.recipient_type == "agency":
            assert owed.agency_id.startswith(prefix), owed.agency_id
            assert owed.intake_url == ""  # a real agency: nothing Dutyflow could post to


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


def test_the_new_report_pages_offer_the_three_states_with_every_kind() -> None:
    offered = jurisdictions_and_kinds(LIBRARY)

    for jurisdiction in STATES:
        assert sorted(offered[jurisdiction]) == sorted(REPORT_KINDS)
