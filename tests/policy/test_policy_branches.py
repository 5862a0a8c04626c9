"""The branches the law requires, as the policies encode them: routing by the case's facts,
working-day deadlines, permitted-only disclosures, court-order scope, the satisfactory-assurance
hard stop, default-denied notes and Part 2 records, reporter identity, and telling the client."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from dutyflow.domain.disclosure import (
    NeverDisclosedError,
    OutsideScopeError,
    ProtectedDataError,
    limit_for_recipient,
    private_by_court_order,
)
from dutyflow.domain.policy import PolicyLibrary
from dutyflow.domain.policy.explain import explain_policy
from dutyflow.settings import REPO_ROOT
from tests.policy.cases import NOTES, PART2, sample_case

LIBRARY = PolicyLibrary(REPO_ROOT / "policies")
ON = date(2026, 11, 26)


def policy(jurisdiction: str, kind: str):
    return LIBRARY.in_effect(jurisdiction, kind, ON)


def facts(**sections: dict) -> dict:
    return sections


# --- routing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("care_setting", "expected"),
    [
        (
            {"long_term_care_facility": True, "serious_bodily_injury": True},
            ["law-enforcement", "ltc-ombudsman", "ltc-licensing"],
        ),
        (
            {"long_term_care_facility": True, "serious_bodily_injury": False},
            ["law-enforcement", "ltc-ombudsman", "ltc-licensing"],
        ),
        ({"long_term_care_facility": False}, ["county-aps"]),
        ({}, ["county-aps"]),
    ],
)
def test_ca_elder_abuse_in_a_care_facility_goes_to_the_ombudsman_and_police_else_to_aps(
    care_setting: dict, expected: list[str]
) -> None:
    # WIC 15630(b)(1)(A) as amended by AB 1417 (since 2024): all of them, not one of them.
    chosen = policy("US-CA", "elder-abuse").recipients_for(facts(care_setting=care_setting))

    assert [r.id for r in chosen] == expected


def test_ca_elder_abuse_written_report_deadline_depends_on_the_setting() -> None:
    elder = policy("US-CA", "elder-abuse")
    formed = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)  # Wednesday 14:00 in California
    serious = facts(care_setting={"long_term_care_facility": True, "serious_bodily_injury": True})
    facility = facts(care_setting={"long_term_care_facility": True})

    assert elder.due_at("written-report", formed, facts=serious) == formed + timedelta(hours=2)
    assert elder.due_at("written-report", formed, facts=facility) == formed + timedelta(hours=24)
    # Thanksgiving and the day after are holidays: Monday and Tuesday are the two working days.
    due = elder.due_at("written-report", formed, facts={}, calendars=LIBRARY.calendars)
    assert due is not None and due.isoformat() == "2026-12-02T00:00:00-08:00"


def test_a_working_day_deadline_cannot_be_counted_without_the_calendars() -> None:
    with pytest.raises(ValueError, match="calendars"):
        policy("US-CA", "elder-abuse").due_at("written-report", datetime.now(UTC), facts={})


def test_tx_abuse_of_a_facility_resident_goes_to_the_licensing_agency_not_dfps() -> None:
    # Tex. Hum. Res. Code 48.051(b); nursing and assisted-living facilities: H&SC ch. 260A.
    elder = policy("US-TX", "elder-abuse")

    resident = facts(care_setting={"long_term_care_facility": True})
    facility = elder.recipients_for(resident)
    home = elder.recipients_for(facts(care_setting={"long_term_care_facility": False}))
    route = elder.route_for(resident)

    assert [r.id for r in facility] == ["hhsc"] and [r.id for r in home] == ["dfps"]
    assert "260A" in elder.recipient("hhsc").citation
    assert route is not None and "48.051(b)" in route.citation


def test_an_adult_abuse_report_in_texas_never_sends_a_school() -> None:
    elder = policy("US-TX", "elder-abuse")

    for recipient in elder.recipients:
        assert "victim.school" not in recipient.allowed_fields
        assert recipient.form == "us-tx-dfps-adult-report"


def test_tx_child_abuse_by_a_caregiver_must_go_to_dfps() -> None:
    child = policy("US-TX", "child-abuse")
    caregiver = child.route_for(facts(suspect={"responsible_for_care": True}))
    other = child.route_for(facts(suspect={"responsible_for_care": False}))

    assert caregiver is not None and caregiver.recipients == ["dfps"]
    assert other is not None and set(other.recipients) == {"dfps", "law-enforcement"}
    assert child.delegation is not None and child.delegation.allowed is False


def test_gb_child_in_immediate_danger_goes_to_the_police_and_the_local_authority() -> None:
    child = policy("GB-ENG", "child-abuse")

    danger = child.recipients_for(facts(incident={"immediate_danger": True}))
    otherwise = child.recipients_for(facts(incident={"immediate_danger": False}))

    assert {r.id for r in danger} == {"law-enforcement", "la-childrens-social-care"}
    assert [r.id for r in otherwise] == ["la-childrens-social-care"]


def test_gb_child_referral_is_a_duty_of_guidance_and_fgm_s5b_is_the_statutory_one() -> None:
    child = policy("GB-ENG", "child-abuse")

    assert child.disclosure.mode == "required" and child.disclosure.required_by == "guidance"
    assert "FGM Act 2003 s.5B" in child.statutory_basis_codes
    assert "one month" in child.disclosure.description


def test_gb_fgm_notification_says_what_s5b_asks_of_it_and_when_it_does_not_apply() -> None:
    """FGM Act 2003 s.5B(4)-(6): physical signs count unless believed surgical; the notification
    identifies the girl and says why; no duty where a colleague of the same profession already
    notified the same act."""
    described = " ".join(policy("GB-ENG", "child-abuse").disclosure.description.split())

    assert "surgical operation within s.1(2)(a) or (b)" in described
    assert "identifying her and explaining why the notification is made" in described
    assert "another person in the same profession has already notified the same act" in described


def test_only_a_statutory_duty_is_explained_as_required_by_law() -> None:
    assert "REQUIRED by law" in explain_policy(policy("US-CA", "child-abuse"))
    gb = explain_policy(policy("GB-ENG", "child-abuse"))
    assert "REQUIRED by law" not in gb and "not by a statute" in gb


def test_ny_child_abuse_is_phoned_to_the_register_and_written_to_local_cps() -> None:
    child = policy("US-NY", "child-abuse")

    assert [c.type for c in child.recipient("scr").channels] == ["phone"]
    assert [c.type for c in child.recipient("local-cps").channels] == ["written"]
    assert child.phone_report_first.required


# --- England: the lawful basis a private clinic actually has ----------------------------------


def test_ny_child_abuse_asks_about_immediate_danger_and_says_call_911_first() -> None:
    # OCFS mandated-reporter guidance: a child in immediate danger is a 911 call; the report to
    # the Register follows at once.
    child = policy("US-NY", "child-abuse")
    (question,) = [q for q in child.grounds_questions if q.answer == "incident.immediate_danger"]

    assert "call 911" in question.asks
    assert question.required is False


@pytest.mark.parametrize(
    "kind", ["child-abuse", "elder-abuse", "danger-to-others", "danger-to-self"]
)
def test_a_private_clinic_in_england_never_rests_on_public_task(kind: str) -> None:
    assert policy("GB-ENG", kind).legal_basis.gdpr_article_6 != "Art 6(1)(e)"


def test_a_threatened_member_of_the_public_rests_on_the_public_interest_test_not_para_18() -> None:
    threats = policy("GB-ENG", "danger-to-others")

    assert threats.legal_basis.uk_dpa_schedule_1 != "Sch 1 Part 2 para 18"
    assert "W v Egdell" in threats.legal_basis.citation
    assert threats.statutory_basis_codes[0] == "Common law public interest (W v Egdell)"
    assert all("para 18" not in r.citation for r in threats.recipients)


def test_a_client_at_risk_of_self_harm_rests_on_para_18_only_as_a_child_or_adult_at_risk() -> None:
    # DPA 2018 Sch 1 para 18 covers children and adults at risk; an adult client without care
    # and support needs is protected on the public-interest test or their vital interests.
    self_harm = policy("GB-ENG", "danger-to-self")

    assert self_harm.statutory_basis_codes[0] == "Vital interests or public interest (W v Egdell)"
    assert "W v Egdell" in self_harm.trigger.citation
    assert "W v Egdell" in self_harm.legal_basis.citation
    para_18 = self_harm.statutory_basis_codes.index("DPA 2018 Sch 1 para 18")
    assert "adult at risk" in self_harm.statutory_bases[para_18].description
    assert all("para 18" not in r.citation for r in self_harm.recipients)
    assert all("para 18" not in q.citation for q in self_harm.grounds_questions)


def test_england_safeguarding_uses_the_recognised_legitimate_interest_since_february_2026() -> None:
    for kind in ("child-abuse", "elder-abuse"):
        basis = policy("GB-ENG", kind).legal_basis

        assert basis.gdpr_article_6 == "Art 6(1)(ea)"
        assert "Annex 1 para 6" in basis.citation and "para 18" in (basis.uk_dpa_schedule_1 or "")


# --- duty to protect, permitted disclosures -----------------------------------------------------


def test_ca_duty_to_protect_tells_both_the_victim_and_law_enforcement() -> None:
    protect = policy("US-CA", "danger-to-others")

    assert protect.recipient_selection.mode == "all"
    assert {r.id for r in protect.recipients_for({})} == {"potential-victim", "law-enforcement"}
    assert all(protect.obligation_of(r.id) == "required" for r in protect.recipients)
    assert [q.answer for q in protect.grounds_questions][:3] == [
        "threat.description",
        "potential_victims.name",
        "threat.belief_basis",
    ]


def test_tx_threats_are_permitted_not_required_and_never_offer_the_victim() -> None:
    for kind in ("danger-to-others", "danger-to-self"):
        threats = policy("US-TX", kind)

        assert threats.disclosure.mode == "permitted"
        assert threats.recipients
        assert all(threats.obligation_of(r.id) == "permitted" for r in threats.recipients)
        assert "potential-victim" not in {r.id for r in threats.recipients}


def test_ny_mhl_9_46_report_is_required_while_warnings_are_permitted() -> None:
    threats = policy("US-NY", "danger-to-others")

    assert threats.obligation_of("county-dcs") == "required"
    assert threats.obligation_of("law-enforcement") == "permitted"
    assert threats.obligation_of("potential-victim") == "permitted"
    assert threats.legal_basis_for("potential-victim").hipaa_route == "45 CFR 164.512(j)(1)(i)"


def test_tx_danger_to_self_covers_immediate_mental_or_emotional_injury() -> None:
    # Tex. Health & Safety Code 611.004(a)(2).
    self_harm = policy("US-TX", "danger-to-self")

    assert "immediate mental or emotional injury" in self_harm.trigger.description
    assert self_harm.trigger.citation == "Tex. Health & Safety Code 611.004(a)(2)"
    assert {r.id for r in self_harm.recipients} >= {"law-enforcement", "medical-personnel"}
    assert "mental-health" in self_harm.recipient("medical-personnel").description


@pytest.mark.parametrize("kind", ["danger-to-self", "danger-to-others"])
def test_tx_threat_disclosures_may_reach_mental_health_personnel(kind: str) -> None:
    # Tex. Health & Safety Code 611.004(a)(2) as H.B. 549 (87th Leg., 2021) amended it:
    # "to medical, mental health, or law enforcement personnel"; 611.002(b-1): no exception
    # creates a duty to disclose.
    threats = policy("US-TX", kind)

    assert threats.disclosure.mode == "permitted"
    assert "611.002(b-1)" in threats.disclosure.citation
    assert "medical, mental-health or law-enforcement" in threats.legal_basis.description
    assert "medical or law-enforcement" not in threats.legal_basis.description
    assert (
        threats.recipient("medical-personnel").citation == "Tex. Health & Safety Code 611.004(a)(2)"
    )


def test_tx_self_harm_part2_records_reach_medical_personnel_only() -> None:
    # 42 CFR 2.51(a): medical personnel, in a bona fide medical emergency. The Texas recipient
    # also covers mental-health personnel (611.004(a)(2)), who are not medical personnel.
    self_harm = policy("US-TX", "danger-to-self")
    emergency = self_harm.protected_data_rule("part2").exceptions[0]

    assert emergency.recipients == ["medical-personnel"]
    assert "only to medical personnel" in emergency.description
    assert "never to a crisis line" in emergency.description


@pytest.mark.parametrize(
    ("jurisdiction", "crisis_recipient", "hold_route"),
    [
        ("US-CA", "crisis-team", "Welf. & Inst. Code 5150"),
        ("US-NY", "crisis-team", "Mental Hygiene Law 9.39"),
        ("US-TX", "medical-personnel", "Health and Safety Code ch. 573"),
        ("GB-ENG", "crisis-team", "Mental Health Act 1983 ss.13, 136"),
    ],
)
def test_danger_to_self_offers_a_crisis_team_beside_the_police_and_leaves_a_hold_to_the_clinician(
    jurisdiction: str, crisis_recipient: str, hold_route: str
) -> None:
    self_harm = policy(jurisdiction, "danger-to-self")
    crisis = self_harm.recipient(crisis_recipient)

    assert {"law-enforcement", crisis_recipient} <= {r.id for r in self_harm.recipients}
    assert self_harm.obligation_of(crisis_recipient) == "permitted"
    described = " ".join(crisis.description.split())
    # The hold route is named where the rule says who may start it (cited where it is the
    # recipient's own to-confirm rule; Texas's verified 611.004 rule only describes it).
    assert hold_route in crisis.citation or hold_route in described
    assert "Dutyflow never starts" in described


@pytest.mark.parametrize(
    "jurisdiction", ["US-CA", "US-NY", "US-TX", "US-FL", "US-PA", "US-IL", "US-MI"]
)
def test_the_admitted_crime_route_is_never_offered_to_a_therapist(jurisdiction: str) -> None:
    routes = [e.route for e in policy(jurisdiction, "danger-to-others").excluded_routes]

    assert routes == ["45 CFR 164.512(j)(1)(ii)(A)"]


# --- reporter identity --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "jurisdiction", ["US-CA", "US-NY", "US-FL", "US-PA", "US-IL", "US-MI", "GB-ENG"]
)
def test_a_potential_victim_never_learns_who_reported(jurisdiction: str) -> None:
    threats = policy(jurisdiction, "danger-to-others")
    notice = threats.recipient("potential-victim")

    assert not threats.sees_reporter_identity("potential-victim")
    assert not [p for p in notice.allowed_fields if p.startswith("reporter.")]


# --- telling the client (164.512(c)(2)) -------------------------------------------------------


@pytest.mark.parametrize(
    "jurisdiction", ["US-CA", "US-NY", "US-TX", "US-FL", "US-PA", "US-IL", "US-MI"]
)
def test_adult_abuse_tells_the_victim_not_a_suspected_client_unless_an_exception_applies(
    jurisdiction: str,
) -> None:
    inform = policy(jurisdiction, "elder-abuse").inform_client

    assert inform.required and inform.may_be_oral and inform.informs == "victim"
    assert [(e.id, e.citation) for e in inform.exceptions] == [
        ("risk-of-serious-harm", "45 CFR 164.512(c)(2)(i)"),
        ("representative-believed-responsible", "45 CFR 164.512(c)(2)(ii)"),
        ("client-is-alleged-abuser", "45 CFR 164.512(c)(1), 164.512(c)(2)"),
    ]


@pytest.mark.parametrize(
    "jurisdiction", ["US-CA", "US-NY", "US-TX", "US-FL", "US-PA", "US-IL", "US-MI"]
)
def test_child_abuse_carries_no_duty_to_tell_the_client(jurisdiction: str) -> None:
    assert not policy(jurisdiction, "child-abuse").inform_client.required


# --- court order: only what it expressly authorises ---------------------------------------------


def test_a_court_order_discloses_exactly_its_scope_and_the_response_particulars() -> None:
    order = policy("US-CA", "court-order")
    case = sample_case()
    scope = order.scope_for("court", case.model_dump(mode="json"))
    assert scope is not None

    limited = limit_for_recipient(case, order.recipient("court").allowed_fields, scope=scope)

    assert "clinical_context.treatment_summary" in limited.disclosed_paths
    assert "clinical_context.diagnosis" in limited.withheld_paths
    assert "court_order.case_number" in limited.disclosed_paths


def test_an_order_scope_beyond_the_allow_list_is_refused_not_trimmed() -> None:
    order = policy("US-CA", "court-order")
    case = sample_case()

    with pytest.raises(OutsideScopeError, match=re.escape("victim.address")):
        limit_for_recipient(
            case, order.recipient("court").allowed_fields, scope=["client.name", "victim.address"]
        )


def test_part2_records_go_only_under_a_part2_court_order() -> None:
    order = policy("US-CA", "court-order")
    case = sample_case()
    allowed = order.recipient("court").allowed_fields
    scope = ["client.name", "clinical_context.substance_use_records"]
    plain = case.model_dump(mode="json")
    part2 = {**plain, "court_order": {**plain["court_order"], "part2_order": True}}

    assert order.permitted_classes("court", plain, route="part2-court-order") == []
    with pytest.raises(ProtectedDataError, match="part2"):
        limit_for_recipient(case, allowed, scope=scope)

    permitted = order.permitted_classes("court", part2, route="part2-court-order")
    limited = limit_for_recipient(case, allowed, scope=scope, permitted_classes=permitted)
    assert permitted == ["part2"]
    assert limited.fields["clinical_context"]["substance_use_records"] == PART2


@pytest.mark.parametrize(
    "jurisdiction", ["US-CA", "US-NY", "US-TX", "US-FL", "US-PA", "US-IL", "US-MI", "GB-ENG"]
)
def test_notes_an_order_names_go_to_the_court_only_as_a_justified_approved_addition(
    jurisdiction: str,
) -> None:
    # A court order is "required by law" (45 CFR 164.103); 164.508(a)(2)(ii) with 164.512(a).
    order = policy(jurisdiction, "court-order")
    case = sample_case()
    allowed = order.recipient("court").allowed_fields
    note = ["clinical_context.psychotherapy_notes"]

    assert "clinical_context.psychotherapy_notes" not in allowed
    with pytest.raises(ProtectedDataError, match="psychotherapy-notes"):
        limit_for_recipient(case, allowed, additions=note)
    permitted = order.permitted_classes("court", {}, route="justified-addition")
    assert "psychotherapy-notes" in permitted

    limited = limit_for_recipient(case, allowed, additions=note, permitted_classes=permitted)
    assert limited.fields["clinical_context"]["psychotherapy_notes"] == NOTES


@pytest.mark.parametrize(
    "jurisdiction", ["US-CA", "US-NY", "US-TX", "US-FL", "US-PA", "US-IL", "US-MI"]
)
def test_a_us_court_order_never_opens_part2_records_by_a_justified_addition(
    jurisdiction: str,
) -> None:
    order = policy(jurisdiction, "court-order")

    assert "part2" not in order.permitted_classes("court", {}, route="justified-addition")
    assert order.protected_data_rule("psychotherapy-notes").citation.startswith("45 CFR 164.103")


# --- content the practitioner marked private: only where a court order names it -----------------

PRIVATE = "MARKER-PRIVATE-DREAM-R4"


def test_private_content_goes_only_where_a_court_order_names_it_expressly() -> None:
    order = policy("US-CA", "court-order")
    case = sample_case().model_copy(update={"private_content": PRIVATE})
    allowed = order.recipient("court").allowed_fields
    scope = order.scope_for("court", case.model_dump(mode="json"))
    assert scope is not None and "private_content" not in scope

    unnamed = limit_for_recipient(case, allowed, scope=scope, court_order=True)
    assert "private_content" in unnamed.withheld_paths
    assert PRIVATE not in str(unnamed.fields) and private_by_court_order(unnamed) == []

    named = limit_for_recipient(case, allowed, scope=[*scope, "private_content"], court_order=True)
    assert named.fields["private_content"] == PRIVATE
    assert private_by_court_order(named) == ["private_content"]


@pytest.mark.parametrize(
    "way",
    ["allow-list", "justified addition", "a request's scope (a subpoena)"],
)
def test_private_content_never_goes_by_an_allow_list_an_exception_or_a_request(way: str) -> None:
    case = sample_case().model_copy(update={"private_content": PRIVATE})
    allowed = policy("US-CA", "subpoena").recipient("requesting-party").allowed_fields
    asks = {
        "allow-list": {"allowed": [*allowed, "private_content"]},
        "justified addition": {"additions": ["private_content"]},
        "a request's scope (a subpoena)": {"scope": ["client.name", "private_content"]},
    }[way]

    with pytest.raises(NeverDisclosedError, match="private_content"):
        limit_for_recipient(case, asks.pop("allowed", allowed), **asks)


# --- subpoena without an order: satisfactory assurance or a hard stop --------------------------


def test_a_subpoena_without_assurance_is_a_hard_stop_naming_what_is_missing() -> None:
    subpoena = policy("US-CA", "subpoena")
    bare = facts(subpoena={"requesting_party": "Example LLP"})

    result = subpoena.assurance(bare)

    assert not result.satisfied and subpoena.satisfactory_assurance is not None
    assert subpoena.satisfactory_assurance.otherwise == "hard-stop"
    assert set(result.missing) == {"client-written-authorisation"}
    missing = result.missing["client-written-authorisation"]
    assert "subpoena.client_explicit_consent is yes" in missing


NOTICE_RUN_OUT = {
    "assurance_statement_received": True,
    "written_notice_given_on": "2026-11-10",
    "notice_allowed_objection": True,
    "objection_period_expired": True,
    "objections_none_or_resolved": True,
}
PROTECTIVE_ORDER = {
    "assurance_statement_received": True,
    "qualified_protective_order": True,
    "order_prohibits_other_use": True,
    "order_requires_return_or_destruction": True,
}


@pytest.mark.parametrize(
    "jurisdiction", ["US-CA", "US-NY", "US-TX", "US-FL", "US-PA", "US-IL", "US-MI"]
)
@pytest.mark.parametrize("hipaa_assurance", [NOTICE_RUN_OUT, PROTECTIVE_ORDER])
def test_hipaa_assurance_alone_never_releases_records_where_state_privilege_law_is_stricter(
    jurisdiction: str, hipaa_assurance: dict
) -> None:
    # NY CPLR 3122(a)(2); CA Evid. Code 1014/1015 with CCP 1985.3; TX H&SC 611.006(a);
    # FL Stat. 490.0147, 491.0147; 42 Pa.C.S. 5944 and 50 P.S. 7111(a).
    assert not policy(jurisdiction, "subpoena").assurance(facts(subpoena=hipaa_assurance)).satisfied


@pytest.mark.parametrize("jurisdiction", ["US-NY", "US-TX", "US-FL", "US-PA", "US-IL", "US-MI"])
def test_ny_tx_fl_pa_release_records_on_a_subpoena_only_with_the_clients_written_consent(
    jurisdiction: str,
) -> None:
    subpoena = policy(jurisdiction, "subpoena")

    result = subpoena.assurance(facts(subpoena={"client_explicit_consent": True}))

    assert result.satisfied and result.option == "client-written-authorisation"
    assert subpoena.legal_basis.hipaa_route == "45 CFR 164.508(a)(1)"


def test_ny_subpoena_rule_cites_cplr_3122_and_the_privileges_behind_it() -> None:
    subpoena = policy("US-NY", "subpoena")
    assert subpoena.satisfactory_assurance is not None

    assert "CPLR 3122(a)(2)" in subpoena.satisfactory_assurance.citation
    assert {"CPLR 3122(a)(2)", "CPLR 4504, 4507, 4508; MHL 33.13"} <= set(
        subpoena.statutory_basis_codes
    )


def test_ca_written_authorisation_still_waits_for_the_consumer_notice_time_to_object() -> None:
    subpoena = policy("US-CA", "subpoena")
    authorised = {"client_explicit_consent": True}

    assert not subpoena.assurance(facts(subpoena=authorised)).satisfied
    result = subpoena.assurance(facts(subpoena={**authorised, **NOTICE_RUN_OUT}))
    assert result.satisfied and result.option == "client-written-authorisation"
    assert {"Evid. Code 1014, 1015", "CCP 1985.3", "Civ. Code 56.10"} <= set(
        subpoena.statutory_basis_codes
    )


def test_tx_subpoena_rule_rests_on_the_closed_list_of_611_006() -> None:
    subpoena = policy("US-TX", "subpoena")

    assert {"H&SC 611.006", "Tex. R. Evid. 510"} <= set(subpoena.statutory_basis_codes)


def test_in_england_only_the_clients_explicit_consent_releases_records_without_an_order() -> None:
    subpoena = policy("GB-ENG", "subpoena")

    assert not subpoena.assurance(sample_case().model_dump(mode="json")).satisfied
    consented = subpoena.assurance(facts(subpoena={"client_explicit_consent": True}))
    assert consented.satisfied and consented.option == "client-explicit-consent"


@pytest.mark.parametrize(
    "jurisdiction", ["US-CA", "US-NY", "US-TX", "US-FL", "US-PA", "US-IL", "US-MI"]
)
def test_a_subpoena_alone_never_releases_part2_records(jurisdiction: str) -> None:
    subpoena = policy(jurisdiction, "subpoena")
    case = sample_case()

    assert subpoena.protected_data_rule("part2").exceptions == []
    with pytest.raises(ProtectedDataError):
        limit_for_recipient(
            case,
            subpoena.recipient("requesting-party").allowed_fields,
            scope=["client.name", "clinical_context.substance_use_records"],
        )


# --- psychotherapy notes ------------------------------------------------------------------------


def test_notes_are_denied_unless_the_serious_threat_exception_and_a_justified_addition() -> None:
    threats = policy("US-CA", "danger-to-others")
    case = sample_case()
    allowed = threats.recipient("law-enforcement").allowed_fields
    note = ["clinical_context.psychotherapy_notes"]

    with pytest.raises(ProtectedDataError, match="psychotherapy-notes"):
        limit_for_recipient(case, allowed, additions=note)
    permitted = threats.permitted_classes("law-enforcement", {}, route="justified-addition")
    assert permitted == ["psychotherapy-notes"]
    assert threats.permitted_classes("potential-victim", {}, route="justified-addition") == []

    limited = limit_for_recipient(case, allowed, additions=note, permitted_classes=permitted)
    assert limited.fields["clinical_context"]["psychotherapy_notes"] == NOTES


@pytest.mark.parametrize(
    "jurisdiction", ["US-CA", "US-NY", "US-TX", "US-FL", "US-PA", "US-IL", "US-MI", "GB-ENG"]
)
@pytest.mark.parametrize("kind", ["child-abuse", "elder-abuse"])
def test_abuse_reports_have_no_exception_for_notes_or_part2(jurisdiction: str, kind: str) -> None:
    abuse = policy(jurisdiction, kind)

    assert {rule.data_class for rule in abuse.protected_data} >= {"psychotherapy-notes", "part2"}
    assert all(not rule.exceptions for rule in abuse.protected_data)


# --- 42 CFR Part 2 in a danger-to-self emergency ----------------------------------------------


@pytest.mark.parametrize("jurisdiction", ["US-CA", "US-NY"])
def test_part2_records_reach_the_crisis_medical_team_in_a_medical_emergency_and_no_one_else(
    jurisdiction: str,
) -> None:
    # 42 CFR 2.51(a)(1): medical personnel, to the extent necessary to meet a bona fide medical
    # emergency in which the patient's prior written consent cannot be obtained.
    self_harm = policy(jurisdiction, "danger-to-self")
    case = sample_case()
    allowed = self_harm.recipient("crisis-team").allowed_fields
    records = ["clinical_context.substance_use_records"]

    with pytest.raises(ProtectedDataError, match="part2"):
        limit_for_recipient(case, allowed, additions=records)
    permitted = self_harm.permitted_classes("crisis-team", {}, route="justified-addition")
    assert "part2" in permitted
    for other in ("law-enforcement", "support-contact"):
        assert "part2" not in self_harm.permitted_classes(other, {}, route="justified-addition")
    assert self_harm.protected_data_rule("part2").citation == "42 CFR 2.51(a)(1)"

    limited = limit_for_recipient(case, allowed, additions=records, permitted_classes=permitted)
    assert limited.fields["clinical_context"]["substance_use_records"] == PART2
