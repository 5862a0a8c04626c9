"""Who must (or may) be told, by which channel, by when and why: a case's obligations as a pure
function of its policy version, its facts, the agency directory and the holiday calendars. No
server, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from dutyflow.domain.agencies import Agency, AgencyDirectory
from dutyflow.domain.obligations import (
    CaseObligations,
    NoAgencyForRecipient,
    deadline_plans,
    delivery_of,
    find_obligations,
    hard_stop,
)
from dutyflow.domain.policy import Policy, PolicyLibrary
from dutyflow.settings import REPO_ROOT

LIBRARY = PolicyLibrary(REPO_ROOT / "policies")
FORMED = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)  # a Tuesday, 06:30 in California


def policy(jurisdiction: str, kind: str) -> Policy:
    return LIBRARY.in_effect(jurisdiction, kind, date(2026, 11, 26))


def agency(agency_id: str, role: str, county: str = "Alder County") -> Agency:
    return Agency(
        id=agency_id,
        name=f"{agency_id} (name)",
        role=role,
        county=county,
        address=f"{agency_id} (address)",
        phone="(555) 010-0000",
        intake_url=f"https://intake.test/{agency_id}",
    )


def directory(*agencies: tuple[str, Agency]) -> AgencyDirectory:
    return AgencyDirectory(list(agencies))


DIRECTORY = directory(
    ("US-CA", agency("alder-cws", "county-child-welfare")),
    ("US-CA", agency("alder-sheriff", "law-enforcement")),
    ("US-CA", agency("alder-aps", "county-aps")),
    ("US-CA", agency("alder-ombudsman", "ltc-ombudsman")),
    ("US-CA", agency("alder-licensing", "ca-ltc-licensing")),
    ("US-NY", agency("ny-register", "ny-scr", county="*")),
    ("US-NY", agency("alder-cps", "local-cps")),
    ("US-NY", agency("alder-dcs", "county-dcs")),
    ("US-NY", agency("alder-police-ny", "law-enforcement")),
    ("US-NY", agency("alder-aps-ny", "county-aps")),
    ("US-NY", agency("ny-health", "ny-doh", county="*")),
    ("US-NY", agency("ny-vulnerable-persons", "ny-vpcr", county="*")),
    ("US-TX", agency("tx-hotline", "dfps", county="*")),
    ("US-TX", agency("alder-sheriff-tx", "law-enforcement")),
    ("US-TX", agency("alder-crisis", "crisis-medical-team")),
    ("GB-ENG", agency("alder-police", "law-enforcement")),
    ("GB-ENG", agency("alder-adults", "la-adult-social-care")),
    ("GB-ENG", agency("alder-children", "la-childrens-social-care")),
    ("GB-ENG", agency("alder-lado", "lado")),
)


def grounds(formed: datetime = FORMED) -> dict[str, Any]:
    return {"grounds": {"suspicion_formed_at": formed.isoformat()}}


def victim(name: str, **more: str) -> dict[str, Any]:
    return {"name": name, "address": f"{name}'s address", "phone": "(555) 010-0101", **more}


def subpoena(**facts: Any) -> dict[str, Any]:
    return {
        "subpoena": {
            "requesting_party": "Example & Partners LLP",
            "requesting_party_address": "1 Law Street",
            "respond_by": datetime(2026, 12, 10, 17, tzinfo=UTC).isoformat(),
            **facts,
        }
    }


NOTICE_TO_CLIENT_GIVEN = {
    "client_explicit_consent": True,  # the client's written authorisation (state privilege law)
    "assurance_statement_received": True,
    "written_notice_given_on": "2026-11-10",
    "notice_allowed_objection": True,
    "objection_period_expired": True,
    "objections_none_or_resolved": True,
}


def find(jurisdiction: str, kind: str, facts: dict[str, Any]) -> CaseObligations:
    return find_obligations(
        policy(jurisdiction, kind),
        facts,
        county="Alder County",
        directory=DIRECTORY,
        calendars=LIBRARY.calendars,
    )


def due(found: CaseObligations, deadline_id: str) -> datetime:
    return next(d.due_at for d in found.deadlines if d.deadline_id == deadline_id)


# --- deadlines ----------------------------------------------------------------------------------


def test_us_ca_child_abuse_phone_report_due_within_15_minutes_of_suspicion() -> None:
    found = find("US-CA", "child-abuse", grounds())

    assert due(found, "phone-report") == FORMED + timedelta(minutes=15)
    assert found.obligations[0].phone_report_due_at == FORMED + timedelta(minutes=15)


def test_us_ca_child_abuse_written_report_due_within_36_hours_of_suspicion() -> None:
    found = find("US-CA", "child-abuse", grounds())

    assert due(found, "written-report") == FORMED + timedelta(hours=36)
    assert found.obligations[0].written_report_due_at == FORMED + timedelta(hours=36)


def test_each_deadline_escalates_to_each_person_of_its_ladder_before_it_passes() -> None:
    found = find("US-CA", "child-abuse", grounds())
    plan = next(d for d in found.deadlines if d.deadline_id == "phone-report")

    assert [(e.notify, e.at) for e in plan.escalations] == [
        ("practitioner", FORMED + timedelta(minutes=5)),
        ("supervisor", FORMED + timedelta(minutes=10)),
        ("compliance", FORMED + timedelta(minutes=14)),
    ]


def test_a_working_day_deadline_skips_weekends_and_holidays_on_the_calendar() -> None:
    # Wednesday before Thanksgiving, 14:00 in California: Thursday and Friday are holidays.
    formed = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)

    found = find("US-CA", "elder-abuse", grounds(formed))

    assert due(found, "written-report").isoformat() == "2026-12-02T00:00:00-08:00"


def test_the_deadline_that_applies_depends_on_the_case_facts() -> None:
    serious_in_a_facility = {
        **grounds(),
        "care_setting": {"long_term_care_facility": True, "serious_bodily_injury": True},
    }

    found = find("US-CA", "elder-abuse", serious_in_a_facility)

    assert due(found, "written-report") == FORMED + timedelta(hours=2)


def test_a_deadline_whose_start_the_case_does_not_record_does_not_run() -> None:
    order_without_a_compliance_date = {"court_order": {"court": "Superior Court"}}

    found = find("US-CA", "court-order", order_without_a_compliance_date)

    assert found.deadlines == []
    assert found.obligations[0].written_report_due_at is None
    assert found.obligations[0].deadline_ids == ["response"]


def test_the_deadline_plans_alone_are_those_find_obligations_gives() -> None:
    facts = grounds()

    plans = deadline_plans(policy("US-CA", "child-abuse"), facts, LIBRARY.calendars)

    assert plans == find("US-CA", "child-abuse", facts).deadlines


# --- channels -----------------------------------------------------------------------------------


def test_an_agency_with_a_written_channel_receives_the_report_at_its_intake() -> None:
    [cws] = find("US-CA", "child-abuse", grounds()).obligations

    assert cws.delivery == "intake"
    assert (cws.agency_id, cws.intake_url) == ("alder-cws", "https://intake.test/alder-cws")


def test_telephone_only_agency_is_told_by_the_statutory_call() -> None:
    register, local = find("US-NY", "child-abuse", grounds()).obligations

    assert (register.recipient_id, register.delivery) == ("scr", "phone-report")
    assert register.phone_report_due_at == register.written_report_due_at
    assert register.deadline_ids == ["phone-report"]
    assert (local.recipient_id, local.delivery, local.phone_report_due_at) == (
        "local-cps",
        "intake",
        None,
    )


def test_telephone_only_agency_not_asked_for_the_statutory_call_is_reached_by_contact() -> None:
    [police, *_] = find("GB-ENG", "danger-to-others", grounds()).obligations

    assert (police.recipient_id, police.delivery) == ("law-enforcement", "contact")
    assert police.phone_report_due_at is None


def test_a_statewide_agency_serves_a_county_without_its_own() -> None:
    [register, _] = find("US-NY", "child-abuse", grounds()).obligations

    assert register.agency_id == "ny-register"


# --- people, courts and requesting parties --------------------------------------------------------


def test_duty_to_warn_reaches_each_identifiable_victim_by_contact() -> None:
    facts = {**grounds(), "potential_victims": [victim("Morgan"), victim("Riley")]}

    victims = [
        o for o in find("US-CA", "danger-to-others", facts).obligations if o.agency_id == "person"
    ]

    assert [(o.recipient_id, o.agency_name, o.delivery) for o in victims] == [
        ("potential-victim-1", "Potential victim 1", "contact"),
        ("potential-victim-2", "Potential victim 2", "contact"),
    ]
    assert {o.recipient_rule for o in victims} == {"potential-victim"}


def test_a_victim_is_reached_by_the_contact_the_case_file_gives() -> None:
    facts = {**grounds(), "potential_victims": [victim("Morgan", present_location="At work")]}

    [warned] = [o for o in find("US-CA", "danger-to-others", facts).obligations if o.contact]

    assert warned.contact == {
        "name": "Morgan",
        "address": "Morgan's address",
        "phone": "(555) 010-0101",
        "present_location": "At work",
    }
    assert warned.intake_url == ""


def test_no_identified_victim_means_no_warning_obligation() -> None:
    facts = {**grounds(), "potential_victims": []}

    found = find("US-CA", "danger-to-others", facts)

    assert [o.recipient_id for o in found.obligations] == ["law-enforcement"]


def test_a_court_is_one_recipient_named_after_its_rule_and_reached_by_contact() -> None:
    order = {"court_order": {"court": "Superior Court", "directed_to_address": "Dept 12"}}

    [court] = find("US-CA", "court-order", order).obligations

    assert (court.recipient_id, court.agency_id, court.agency_name) == ("court", "court", "Court")
    assert court.contact == {
        "name": "Superior Court",
        "address": "Dept 12",
        "phone": None,
        "present_location": None,
    }


def test_a_requesting_party_with_satisfactory_assurance_receives_the_response() -> None:
    [party] = find("US-CA", "subpoena", subpoena(**NOTICE_TO_CLIENT_GIVEN)).obligations

    assert (party.recipient_id, party.delivery, party.obligation) == (
        "requesting-party",
        "contact",
        "permitted",
    )
    assert party.contact is not None
    assert party.contact["name"] == "Example & Partners LLP"
    assert party.contact["address"] == "1 Law Street"


# --- the hard stop ------------------------------------------------------------------------------


def test_subpoena_without_satisfactory_assurance_is_a_hard_stop() -> None:
    found = find("US-CA", "subpoena", subpoena())

    assert found.hard_stop is not None
    assert found.hard_stop.rule == "satisfactory_assurance"
    assert found.obligations == [] and found.deadlines == []


def test_a_hard_stop_cites_the_rule_and_names_each_unmet_condition_by_path() -> None:
    subpoenas = policy("US-CA", "subpoena")
    assert subpoenas.satisfactory_assurance is not None

    stop = hard_stop(subpoenas, subpoena())

    assert stop is not None
    assert stop.citation == subpoenas.satisfactory_assurance.citation
    assert "subpoena.client_explicit_consent is yes" in stop.missing["client-written-authorisation"]
    assert all(line.startswith("subpoena.") for lines in stop.missing.values() for line in lines)


def test_a_policy_that_asks_for_no_assurance_never_stops() -> None:
    assert hard_stop(policy("US-CA", "child-abuse"), {}) is None


# --- required or permitted, routes, citations ---------------------------------------------------


def test_texas_threats_are_only_permitted_disclosures() -> None:
    found = find("US-TX", "danger-to-others", grounds())

    assert {o.obligation for o in found.obligations} == {"permitted"}


def test_a_recipient_rule_may_be_required_where_the_policy_only_permits_others() -> None:
    found = find("US-NY", "danger-to-others", {**grounds(), "potential_victims": [victim("M")]})

    assert {o.recipient_id: o.obligation for o in found.obligations} == {
        "county-dcs": "required",
        "law-enforcement": "permitted",
        "potential-victim-1": "permitted",
    }


def test_a_routed_policy_names_the_route_the_facts_chose() -> None:
    in_a_facility = {**grounds(), "care_setting": {"long_term_care_facility": True}}

    assert find("US-CA", "elder-abuse", in_a_facility).route_id == "care-facility"
    assert find("US-CA", "elder-abuse", grounds()).route_id == "elsewhere"


def test_a_policy_without_routes_names_none() -> None:
    assert find("US-CA", "child-abuse", grounds()).route_id is None


def test_citations_are_the_rule_then_its_allow_list_then_each_running_deadline_once() -> None:
    rule = policy("US-CA", "child-abuse").recipient("county-child-welfare")
    written = policy("US-CA", "child-abuse").deadline("written-report")
    assert written is not None

    [cws] = find("US-CA", "child-abuse", grounds()).obligations

    assert cws.citations == list(
        dict.fromkeys([rule.citation, rule.allowed_fields_citation, written.citation])
    )


def test_the_legal_basis_and_purpose_are_the_rules_in_one_line() -> None:
    child = policy("US-CA", "child-abuse")

    [cws] = find("US-CA", "child-abuse", grounds()).obligations

    assert cws.legal_basis == child.legal_basis.summary
    assert cws.purpose == " ".join(child.recipient("county-child-welfare").purpose.split())
    assert "\n" not in cws.purpose


def test_obligations_come_in_the_policys_order_of_recipients() -> None:
    facts = {**grounds(), "potential_victims": [victim("Morgan")]}

    found = find("US-CA", "danger-to-others", facts)

    assert [o.recipient_id for o in found.obligations] == ["potential-victim-1", "law-enforcement"]


# --- the agency directory -----------------------------------------------------------------------


def test_an_agency_recipient_without_an_agency_in_the_county_is_refused_by_field_and_role() -> None:
    with pytest.raises(NoAgencyForRecipient) as refused:
        find_obligations(
            policy("US-CA", "child-abuse"),
            grounds(),
            county="Elsewhere County",
            directory=DIRECTORY,
            calendars=LIBRARY.calendars,
        )

    assert str(refused.value) == (
        "county: no county-child-welfare agency in the directory for this county"
    )


# --- delivery, rule by rule ---------------------------------------------------------------------


def test_a_person_is_always_reached_by_contact_whatever_the_channels() -> None:
    warning = policy("US-CA", "danger-to-others").recipient("potential-victim")

    assert delivery_of(warning, phone_task_rule="potential-victim") == "contact"


# --- New York: care settings make an adult-abuse report a duty ----------------------------------


def ny_adult(**care_setting: bool) -> dict[str, Any]:
    return {**grounds(), "care_setting": care_setting}


def test_ny_adult_abuse_outside_care_settings_stays_a_permitted_report_to_aps() -> None:
    found = find("US-NY", "elder-abuse", ny_adult())

    assert [(o.recipient_id, o.obligation) for o in found.obligations] == [
        ("county-aps", "permitted")
    ]
    assert found.deadlines == []


def test_ny_nursing_home_resident_goes_to_health_by_phone_now_then_in_writing_in_48h() -> None:
    # PHL 2803-d(3): "immediately by telephone and in writing within forty-eight hours".
    found = find("US-NY", "elder-abuse", ny_adult(residential_health_care_facility=True))

    [doh] = found.obligations
    assert (doh.recipient_id, doh.obligation, found.route_id) == (
        "ny-doh",
        "required",
        "nursing-home",
    )
    assert doh.phone_report_due_at == FORMED + timedelta(minutes=15)
    assert doh.written_report_due_at == FORMED + timedelta(hours=48)
    assert doh.legal_basis == "45 CFR 164.512(c)(1)(i)"  # required by law, not by agreement


def test_ny_nursing_home_harm_by_another_resident_is_outside_2803d_duty_and_runs_no_clock() -> None:
    facts = ny_adult(residential_health_care_facility=True, alleged_abuser_is_resident=True)

    found = find("US-NY", "elder-abuse", facts)

    assert [(o.recipient_id, o.obligation) for o in found.obligations] == [("ny-doh", "permitted")]
    assert found.deadlines == []


def test_ny_justice_center_setting_goes_to_the_vulnerable_persons_register_immediately() -> None:
    # SSL 491(1)(b): immediately on discovery, to the register (a telephone report here).
    facts = ny_adult(justice_center_setting=True, residential_health_care_facility=True)

    found = find("US-NY", "elder-abuse", facts)

    [vpcr] = found.obligations
    assert (vpcr.recipient_id, vpcr.obligation, vpcr.delivery) == (
        "ny-vpcr",
        "required",
        "phone-report",
    )
    assert [d.deadline_id for d in found.deadlines] == ["phone-report"]
    assert found.deadlines[0].due_at == FORMED + timedelta(minutes=15)


# --- New York: a reporter on an institution's staff tells its person in charge ------------------


def test_ny_child_report_from_institution_staff_also_tells_the_person_in_charge() -> None:
    # SSL 413(1)(b): make the report "and immediately notify the person in charge".
    institution = {"institution_name": "Alder Clinic", "name": "R. Lead", "phone": "(555) 010-0177"}

    found = find("US-NY", "child-abuse", {**grounds(), "institution": institution})

    [notice] = [o for o in found.obligations if o.recipient_id == "person-in-charge"]
    assert (notice.obligation, notice.delivery, notice.form_id) == (
        "required",
        "contact",
        "institution-notice",
    )
    assert notice.contact is not None and notice.contact["name"] == "R. Lead"


def test_ny_child_report_from_a_private_practice_tells_no_person_in_charge() -> None:
    found = find("US-NY", "child-abuse", grounds())

    assert [o.recipient_id for o in found.obligations] == ["scr", "local-cps"]


def test_ny_person_in_charge_may_never_be_asked_to_approve_the_report() -> None:
    # SSL 413(1)(c): no prior approval or prior notification may be imposed.
    child = policy("US-NY", "child-abuse")

    assert not child.supervisor_consultation.asked
    assert "413(1)(c)" in child.supervisor_consultation.citation


# --- California: long-term care since AB 1417; child abuse to any agency of PC 11165.9 -----------


def ca_facility(**care_setting: bool) -> dict[str, Any]:
    return {**grounds(), "care_setting": {"long_term_care_facility": True, **care_setting}}


def test_ca_abuse_by_a_resident_with_diagnosed_dementia_goes_to_ombudsman_and_police_in_24h() -> (
    None
):
    # AB 1417: no serious bodily injury, another resident with physician-diagnosed dementia:
    # a written report within 24 hours to the ombudsman and law enforcement, no 2-hour call.
    facts = ca_facility(alleged_abuser_is_resident=True, alleged_abuser_has_diagnosed_dementia=True)

    found = find("US-CA", "elder-abuse", facts)

    assert found.route_id == "care-facility-resident-with-dementia"
    assert sorted(o.recipient_id for o in found.obligations) == ["law-enforcement", "ltc-ombudsman"]
    assert due(found, "phone-report") == FORMED + timedelta(hours=24)
    assert due(found, "written-report") == FORMED + timedelta(hours=24)


def test_ca_serious_injury_by_a_resident_with_dementia_still_has_the_two_hour_rule() -> None:
    facts = ca_facility(
        alleged_abuser_is_resident=True,
        alleged_abuser_has_diagnosed_dementia=True,
        serious_bodily_injury=True,
    )

    found = find("US-CA", "elder-abuse", facts)

    assert found.route_id == "care-facility-serious-injury"
    assert due(found, "phone-report") == FORMED + timedelta(minutes=15)
    assert due(found, "written-report") == FORMED + timedelta(hours=2)


def test_ca_abuse_by_a_resident_without_diagnosed_dementia_is_any_other_facility_abuse() -> None:
    found = find("US-CA", "elder-abuse", ca_facility(alleged_abuser_is_resident=True))

    assert found.route_id == "care-facility"
    assert due(found, "phone-report") == FORMED + timedelta(minutes=15)


@pytest.mark.parametrize("abuse_type", ["financial", "neglect", "isolation", "psychological"])
def test_ca_facility_abuse_other_than_physical_is_written_to_all_three_within_24_hours(
    abuse_type: str,
) -> None:
    # AB 1417 (Stats. 2023, ch. 580; in force 1 January 2024) deleted the AB 40 split under
    # which abuse other than physical abuse in a long-term care facility went to the ombudsman
    # OR the police, in writing within two working days: every kind now goes to all three.
    facts = {**ca_facility(), "elder_abuse": {"abuse_types": [abuse_type]}}

    found = find("US-CA", "elder-abuse", facts)

    assert found.route_id == "care-facility"
    assert sorted(o.recipient_id for o in found.obligations) == [
        "law-enforcement",
        "ltc-licensing",
        "ltc-ombudsman",
    ]
    assert due(found, "written-report") == FORMED + timedelta(hours=24)


def test_ca_child_abuse_may_go_to_county_probation_only_where_the_county_designated_it() -> None:
    # PC 11165.9: "the county probation department, if designated by the county".
    child = policy("US-CA", "child-abuse")
    probation = child.recipient("county-probation")

    assert child.recipient_selection.mode == "any-one"
    assert "11165.9" in probation.citation
    assert "designated" in probation.description
    assert child.recipient_selection.default == "county-child-welfare"


def test_ca_child_abuse_report_is_delegable_only_within_a_reporting_team() -> None:
    delegation = policy("US-CA", "child-abuse").delegation

    assert delegation is not None and delegation.allowed
    assert "11166(h)" in delegation.citation
    assert "jointly" in delegation.description and "selected member did not report" in (
        " ".join(delegation.description.split())
    )


# --- England: allegations against people who work with children; adults at risk ---------------


@pytest.mark.parametrize(
    ("incident", "expected"),
    [
        ({}, ["la-childrens-social-care", "lado"]),
        ({"immediate_danger": True}, ["la-childrens-social-care", "law-enforcement", "lado"]),
    ],
)
def test_england_allegation_against_someone_who_works_with_children_also_goes_to_the_lado(
    incident: dict[str, Any], expected: list[str]
) -> None:
    facts = {**grounds(), "incident": incident, "suspect": {"works_with_children": True}}

    found = find("GB-ENG", "child-abuse", facts)

    assert sorted(o.recipient_id for o in found.obligations) == sorted(expected)


def test_england_child_referral_without_a_person_who_works_with_children_has_no_lado() -> None:
    found = find("GB-ENG", "child-abuse", {**grounds(), "suspect": {"works_with_children": False}})

    assert [o.recipient_id for o in found.obligations] == ["la-childrens-social-care"]


def test_england_adult_referral_asks_the_section_42_criteria_and_mental_capacity() -> None:
    adult = policy("GB-ENG", "elder-abuse")
    asked = {q.answer: q for q in adult.grounds_questions}

    s42 = asked["elder_abuse.care_and_support_needs"]
    assert s42.parts == ["unable_to_protect_self"] and "s.42(1)" in s42.citation
    capacity = asked["elder_abuse.has_capacity_to_decide"]
    assert capacity.parts == ["best_interests_reasons"]
    assert "Mental Capacity Act 2005" in capacity.citation
    assert "Care Act 2014 s.42" in adult.statutory_basis_codes


def test_england_adult_best_interests_reasons_stay_with_the_practitioner() -> None:
    social_care = policy("GB-ENG", "elder-abuse").recipient("la-adult-social-care")

    assert "elder_abuse.unable_to_protect_self" in social_care.allowed_fields
    assert "elder_abuse.best_interests_reasons" not in social_care.allowed_fields
