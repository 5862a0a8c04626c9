"""Every jurisdiction and kind, as a table a reviewer can read against domain.md section 4:
who receives it (and on which form), whether the law requires or only permits it, by when, on
which legal basis, and which fields each recipient may (never) see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from dutyflow.domain.disclosure import PROTECTED_DATA_CLASSES
from dutyflow.domain.policy import REPORT_KINDS, Deadline, Policy, PolicyLibrary
from dutyflow.domain.rendering import load_form_layout, required_layout_paths
from dutyflow.settings import REPO_ROOT

LIBRARY = PolicyLibrary(REPO_ROOT / "policies")
ON = date(2026, 11, 26)
JURISDICTIONS = (
    "US-CA",
    "US-NY",
    "US-TX",
    "US-FL",
    "US-PA",
    "US-IL",
    "US-MI",
    "US-OH",
    "US-GA",
    "US-NC",
    "GB-ENG",
)


@dataclass(frozen=True)
class Row:
    jurisdiction: str
    kind: str
    recipients: dict[str, str]  # recipient id -> form
    mode: str  # required | permitted
    deadlines: dict[str, str]  # deadline id -> how it is counted (the fallback deadline)
    legal_basis: str  # LegalBasis.summary
    must_see: dict[str, tuple[str, ...]] = field(default_factory=dict)
    never_see: dict[str, tuple[str, ...]] = field(default_factory=dict)


REPORTER = ("reporter.name", "reporter.phone")
THREAT_TO_VICTIM = ("threat.description", "client.name")
COURT = {"court": "court-order-response"}
REQUESTER = {"requesting-party": "subpoena-response"}
ORDER_FIELDS = (
    "court_order.court",
    "court_order.case_number",
    "court_order.issued_on",
    "court_order.scope",
)
SUBPOENA_FIELDS = ("subpoena.requesting_party", "subpoena.case_number")

TABLE = [
    # --- California ---------------------------------------------------------------------------
    Row(
        "US-CA",
        "child-abuse",
        {
            "county-child-welfare": "us-ca-ss8572",
            "law-enforcement": "us-ca-ss8572",
            "county-probation": "us-ca-ss8572",
        },
        "required",
        {"phone-report": "immediately PT15M", "written-report": "clock-hours PT36H"},
        "45 CFR 164.512(b)(1)(ii)",
        must_see={"county-child-welfare": ("victim.name", "victim.present_location", *REPORTER)},
    ),
    Row(
        "US-CA",
        "elder-abuse",
        {
            "county-aps": "us-ca-soc341",
            "ltc-ombudsman": "us-ca-soc341",
            "ltc-licensing": "us-ca-soc341",
            "law-enforcement": "us-ca-soc341",
        },
        "required",
        {"phone-report": "immediately PT15M", "written-report": "working-days 2 us-ca"},
        "45 CFR 164.512(c)(1)(i)",
        must_see={
            "county-aps": (
                "victim.name",
                "victim.address",
                "incident.place",
                "grounds.statements",
                "suspect.name",
                *REPORTER,
            )
        },
    ),
    Row(
        "US-CA",
        "danger-to-others",
        {
            "potential-victim": "potential-victim-notice",
            "law-enforcement": "law-enforcement-notification",
        },
        "required",
        {"notification": "immediately PT1H", "report": "clock-hours PT24H"},
        "45 CFR 164.512(j)(1)(i)",
        must_see={
            "potential-victim": THREAT_TO_VICTIM,
            "law-enforcement": ("client.name", "potential_victims.name", *REPORTER),
        },
        never_see={
            "potential-victim": (
                "reporter.name",
                "potential_victims.name",
                "clinical_context.diagnosis",
            )
        },
    ),
    Row(
        "US-CA",
        "danger-to-self",
        {
            "law-enforcement": "law-enforcement-notification",
            "crisis-team": "law-enforcement-notification",
            "support-contact": "safety-notice",
        },
        "permitted",
        {"notification": "immediately PT1H"},
        "45 CFR 164.512(j)(1)(i)",
        never_see={"support-contact": ("reporter.name", "clinical_context.diagnosis")},
    ),
    Row(
        "US-CA",
        "court-order",
        COURT,
        "required",
        {"response": "as-ordered court_order.comply_by"},
        "45 CFR 164.512(e)(1)(i)",
        must_see={"court": ORDER_FIELDS},
    ),
    Row(
        "US-CA",
        "subpoena",
        REQUESTER,
        "permitted",
        {"response": "as-ordered subpoena.respond_by"},
        "45 CFR 164.508(a)(1)",
        must_see={"requesting-party": SUBPOENA_FIELDS},
    ),
    # --- New York -----------------------------------------------------------------------------
    Row(
        "US-NY",
        "child-abuse",
        {
            "scr": "us-ny-ldss2221a",
            "local-cps": "us-ny-ldss2221a",
            "person-in-charge": "institution-notice",
        },
        "required",
        {"phone-report": "immediately PT15M", "written-report": "clock-hours PT48H"},
        "45 CFR 164.512(b)(1)(ii)",
        must_see={
            "local-cps": (
                "victim.name",
                "victim.sex",
                "guardians.name",
                "suspect.name",
                "grounds.past_incidents",
                *REPORTER,
            )
        },
    ),
    Row(
        "US-NY",
        "elder-abuse",
        {
            "county-aps": "adult-protective-referral",
            "law-enforcement": "adult-protective-referral",
            "ny-doh": "adult-protective-referral",
            "ny-vpcr": "adult-protective-referral",
        },
        "permitted",
        # Permitted outside care settings: no clock runs there. The nursing-home and Justice
        # Center routes have theirs (tests/domain/test_obligations.py).
        {},
        "45 CFR 164.512(c)",
        must_see={"ny-vpcr": ("elder_abuse.others_with_knowledge",)},
    ),
    Row(
        "US-NY",
        "danger-to-others",
        {
            "county-dcs": "us-ny-mhl946-report",
            "law-enforcement": "law-enforcement-notification",
            "potential-victim": "potential-victim-notice",
        },
        "required",
        {"report": "as-soon-as-possible PT24H", "notification": "immediately PT1H"},
        "45 CFR 164.512(a)",
        must_see={"county-dcs": ("client.name", "client.birth_date", *REPORTER)},
        never_see={
            "county-dcs": (
                "threat.description",
                "clinical_context.diagnosis",
                "potential_victims.name",
            )
        },
    ),
    Row(
        "US-NY",
        "danger-to-self",
        {
            "county-dcs": "us-ny-mhl946-report",
            "law-enforcement": "law-enforcement-notification",
            "crisis-team": "law-enforcement-notification",
            "support-contact": "safety-notice",
        },
        "required",
        {"report": "as-soon-as-possible PT24H", "notification": "immediately PT1H"},
        "45 CFR 164.512(a)",
        never_see={"county-dcs": ("threat.description",)},
    ),
    Row(
        "US-NY",
        "court-order",
        COURT,
        "required",
        {"response": "as-ordered court_order.comply_by"},
        "45 CFR 164.512(e)(1)(i)",
        must_see={"court": ORDER_FIELDS},
    ),
    Row(
        "US-NY",
        "subpoena",
        REQUESTER,
        "permitted",
        {"response": "as-ordered subpoena.respond_by"},
        "45 CFR 164.508(a)(1)",
        must_see={"requesting-party": SUBPOENA_FIELDS},
    ),
    # --- Texas --------------------------------------------------------------------------------
    Row(
        "US-TX",
        "child-abuse",
        {"dfps": "us-tx-dfps-report", "law-enforcement": "us-tx-dfps-report"},
        "required",
        {"report": "clock-hours PT48H"},
        "45 CFR 164.512(b)(1)(ii)",
        must_see={
            "dfps": (
                "victim.name",
                "victim.address",
                "guardians.name",
                "guardians.address",
                "grounds.observations",
                "grounds.source_of_information",
                "reporter.name",
                "reporter.phone",
                "reporter.business_address",
                "reporter.title",
            )
        },
    ),
    Row(
        "US-TX",
        "elder-abuse",
        {"dfps": "us-tx-dfps-adult-report", "hhsc": "us-tx-dfps-adult-report"},
        "required",
        {"report": "immediately PT15M"},
        "45 CFR 164.512(c)(1)(i)",
    ),
    Row(
        "US-TX",
        "danger-to-others",
        {
            "law-enforcement": "law-enforcement-notification",
            "medical-personnel": "law-enforcement-notification",
        },
        "permitted",
        {"notification": "immediately PT1H"},
        "45 CFR 164.512(j)(1)(i)",
    ),
    Row(
        "US-TX",
        "danger-to-self",
        {
            "law-enforcement": "law-enforcement-notification",
            "medical-personnel": "law-enforcement-notification",
        },
        "permitted",
        {"notification": "immediately PT1H"},
        "45 CFR 164.512(j)(1)(i)",
    ),
    Row(
        "US-TX",
        "court-order",
        COURT,
        "required",
        {"response": "as-ordered court_order.comply_by"},
        "45 CFR 164.512(e)(1)(i)",
        must_see={"court": ORDER_FIELDS},
    ),
    Row(
        "US-TX",
        "subpoena",
        REQUESTER,
        "permitted",
        {"response": "as-ordered subpoena.respond_by"},
        "45 CFR 164.508(a)(1)",
        must_see={"requesting-party": SUBPOENA_FIELDS},
    ),
    # --- Florida ------------------------------------------------------------------------------
    Row(
        "US-FL",
        "child-abuse",
        {"abuse-hotline": "us-fl-abuse-hotline-report"},
        "required",
        {"report": "immediately PT15M"},
        "45 CFR 164.512(b)(1)(ii)",
        must_see={
            "abuse-hotline": (
                "victim.name",
                "victim.present_location",
                "guardians.name",
                "grounds.observations",
                *REPORTER,
            )
        },
    ),
    Row(
        "US-FL",
        "elder-abuse",
        {"abuse-hotline": "adult-protective-referral"},
        "required",
        {"report": "immediately PT15M"},
        "45 CFR 164.512(c)(1)(i)",
        # F.S. 415.1034(1)(b): victim, family, alleged perpetrator, caregiver, reporter.
        must_see={
            "abuse-hotline": (
                "victim.name",
                "victim.sex",
                "victim.present_location",
                "guardians.name",
                "guardians.phone",
                "suspect.name",
                "suspect.phone",
                *REPORTER,
                "reporter.business_address",
            )
        },
    ),
    Row(
        "US-FL",
        "danger-to-others",
        {
            "law-enforcement": "law-enforcement-notification",
            "potential-victim": "potential-victim-notice",
        },
        "required",
        {"notification": "immediately PT1H"},
        "45 CFR 164.512(a)",
        must_see={
            "potential-victim": THREAT_TO_VICTIM,
            "law-enforcement": ("client.name", "potential_victims.name", *REPORTER),
        },
        never_see={"potential-victim": ("reporter.name", "clinical_context.diagnosis")},
    ),
    Row(
        "US-FL",
        "danger-to-self",
        {"law-enforcement": "law-enforcement-notification"},
        "permitted",
        {"notification": "immediately PT1H"},
        "45 CFR 164.512(j)(1)(i)",
    ),
    Row(
        "US-FL",
        "court-order",
        COURT,
        "required",
        {"response": "as-ordered court_order.comply_by"},
        "45 CFR 164.512(e)(1)(i)",
        must_see={"court": ORDER_FIELDS},
    ),
    Row(
        "US-FL",
        "subpoena",
        REQUESTER,
        "permitted",
        {"response": "as-ordered subpoena.respond_by"},
        "45 CFR 164.508(a)(1)",
        must_see={"requesting-party": SUBPOENA_FIELDS},
    ),
    # --- Pennsylvania -------------------------------------------------------------------------
    Row(
        "US-PA",
        "child-abuse",
        {"childline": "us-pa-cy47"},
        "required",
        {"phone-report": "immediately PT15M", "written-report": "clock-hours PT48H"},
        "45 CFR 164.512(b)(1)(ii)",
        # 23 Pa.C.S. 6313(b): child, parents, place, age and sex, nature, suspect, source, reporter.
        must_see={
            "childline": (
                "victim.name",
                "victim.address",
                "victim.approximate_age",
                "victim.sex",
                "guardians.name",
                "incident.place",
                "grounds.observations",
                "grounds.past_incidents",
                "suspect.name",
                "household_members.name",
                "grounds.source_of_information",
                *REPORTER,
            )
        },
        never_see={"childline": ("victim.birth_date", "victim.school")},
    ),
    Row(
        "US-PA",
        "elder-abuse",
        {
            "area-agency-on-aging": "adult-protective-referral",
            "department-of-aging": "adult-protective-referral",
            "law-enforcement": "adult-protective-referral",
        },
        "permitted",
        {"report": "immediately PT1H"},
        "45 CFR 164.512(c)",
    ),
    Row(
        "US-PA",
        "danger-to-others",
        {
            "law-enforcement": "law-enforcement-notification",
            "potential-victim": "potential-victim-notice",
        },
        "required",
        {"notification": "immediately PT1H"},
        "45 CFR 164.512(j)(1)(i)",
        must_see={"potential-victim": THREAT_TO_VICTIM},
        never_see={"potential-victim": ("reporter.name", "clinical_context.diagnosis")},
    ),
    Row(
        "US-PA",
        "danger-to-self",
        {"law-enforcement": "law-enforcement-notification"},
        "permitted",
        {"notification": "immediately PT1H"},
        "45 CFR 164.512(j)(1)(i)",
    ),
    Row(
        "US-PA",
        "court-order",
        COURT,
        "required",
        {"response": "as-ordered court_order.comply_by"},
        "45 CFR 164.512(e)(1)(i)",
        must_see={"court": ORDER_FIELDS},
    ),
    Row(
        "US-PA",
        "subpoena",
        REQUESTER,
        "permitted",
        {"response": "as-ordered subpoena.respond_by"},
        "45 CFR 164.508(a)(1)",
        must_see={"requesting-party": SUBPOENA_FIELDS},
    ),
    # --- Illinois -----------------------------------------------------------------------------
    Row(
        "US-IL",
        "child-abuse",
        {"dcfs-hotline": "us-il-written-confirmation"},
        "required",
        {"phone-report": "immediately PT15M", "written-report": "clock-hours PT48H"},
        "45 CFR 164.512(b)(1)(ii)",
        # 325 ILCS 5/7.9: child and parents with addresses, school, age, sex and race, nature and
        # extent with prior injuries, persons responsible, family composition, the reporter.
        must_see={
            "dcfs-hotline": (
                "victim.name",
                "victim.address",
                "victim.school",
                "victim.approximate_age",
                "victim.ethnicity",
                "guardians.name",
                "guardians.address",
                "grounds.observations",
                "grounds.past_incidents",
                "suspect.name",
                "household_members.name",
                "reporter.title",
                *REPORTER,
            )
        },
        never_see={"dcfs-hotline": ("victim.birth_date", "victim.present_location")},
    ),
    Row(
        "US-IL",
        "elder-abuse",
        {
            "aps-hotline": "adult-protective-referral",
            "nursing-home-complaints": "adult-protective-referral",
        },
        "permitted",
        {"report": "clock-hours PT24H"},
        "45 CFR 164.512(c)",
    ),
    Row(
        "US-IL",
        "danger-to-others",
        {
            "law-enforcement": "law-enforcement-notification",
            "potential-victim": "potential-victim-notice",
            "dhs-foid-report": "us-il-foid-cpd-report",
        },
        "required",
        {"notification": "immediately PT1H", "report": "clock-hours PT24H"},
        "45 CFR 164.512(j)(1)(i)",
        must_see={"potential-victim": THREAT_TO_VICTIM},
        # 405 ILCS 5/6-103.3: nothing beyond what the report needs; no threat, no clinical content.
        never_see={
            "potential-victim": ("reporter.name", "clinical_context.diagnosis"),
            "dhs-foid-report": ("threat.description", "potential_victims.name"),
        },
    ),
    Row(
        "US-IL",
        "danger-to-self",
        {
            "dhs-foid-report": "us-il-foid-cpd-report",
            "law-enforcement": "law-enforcement-notification",
        },
        "required",
        {"report": "clock-hours PT24H", "notification": "immediately PT1H"},
        "45 CFR 164.512(j)(1)(i)",
        never_see={"dhs-foid-report": ("threat.description",)},
    ),
    Row(
        "US-IL",
        "court-order",
        COURT,
        "required",
        {"response": "as-ordered court_order.comply_by"},
        "45 CFR 164.512(e)(1)(i)",
        must_see={"court": ORDER_FIELDS},
    ),
    Row(
        "US-IL",
        "subpoena",
        REQUESTER,
        "permitted",
        {"response": "as-ordered subpoena.respond_by"},
        "45 CFR 164.508(a)(1)",
        must_see={"requesting-party": SUBPOENA_FIELDS},
    ),
    # --- Michigan -----------------------------------------------------------------------------
    Row(
        "US-MI",
        "child-abuse",
        {"centralized-intake": "us-mi-dhs3200"},
        "required",
        {"phone-report": "immediately PT15M", "written-report": "clock-hours PT72H"},
        "45 CFR 164.512(b)(1)(ii)",
        # MCL 722.623(2): the child's name and age, the abuse or neglect, the parents, guardian
        # and household with their addresses, what may establish the cause and manner.
        must_see={
            "centralized-intake": (
                "victim.name",
                "victim.approximate_age",
                "guardians.name",
                "guardians.address",
                "grounds.observations",
                "suspect.name",
                "phone_report.reference_number",
            )
        },
        never_see={"centralized-intake": ("victim.birth_date", "victim.school")},
    ),
    Row(
        "US-MI",
        "elder-abuse",
        {
            "centralized-intake": "adult-protective-referral",
            "attorney-general": "adult-protective-referral",
            "facility-licensing": "adult-protective-referral",
        },
        "required",
        {"report": "immediately PT15M"},
        "45 CFR 164.512(c)(1)(i)",
        must_see={"centralized-intake": ("victim.name", "grounds.observations", *REPORTER)},
    ),
    Row(
        "US-MI",
        "danger-to-others",
        {
            "law-enforcement": "law-enforcement-notification",
            "potential-victim": "potential-victim-notice",
        },
        "required",
        {"notification": "immediately PT1H"},
        "45 CFR 164.512(j)(1)(i)",
        must_see={
            "potential-victim": THREAT_TO_VICTIM,
            "law-enforcement": ("client.address", "potential_victims.address", *REPORTER),
        },
        never_see={"potential-victim": ("reporter.name", "clinical_context.diagnosis")},
    ),
    Row(
        "US-MI",
        "danger-to-self",
        {"law-enforcement": "law-enforcement-notification"},
        "permitted",
        {"notification": "immediately PT1H"},
        "45 CFR 164.512(j)(1)(i)",
    ),
    Row(
        "US-MI",
        "court-order",
        COURT,
        "required",
        {"response": "as-ordered court_order.comply_by"},
        "45 CFR 164.512(e)(1)(i)",
        must_see={"court": ORDER_FIELDS},
    ),
    Row(
        "US-MI",
        "subpoena",
        REQUESTER,
        "permitted",
        {"response": "as-ordered subpoena.respond_by"},
        "45 CFR 164.508(a)(1)",
        must_see={"requesting-party": SUBPOENA_FIELDS},
    ),
    # --- Ohio ---------------------------------------------------------------------------------
    Row(
        "US-OH",
        "child-abuse",
        {
            "children-services": "child-protective-referral",
            "law-enforcement": "child-protective-referral",
        },
        "required",
        {"report": "immediately PT15M"},
        "45 CFR 164.512(b)(1)(ii)",
        must_see={
            "children-services": (
                "victim.name",
                "victim.address",
                "guardians.name",
                "grounds.observations",
                *REPORTER,
            )
        },
    ),
    Row(
        "US-OH",
        "elder-abuse",
        {"county-aps": "adult-protective-referral"},
        "required",
        {"report": "immediately PT15M"},
        "45 CFR 164.512(c)(1)(i)",
        must_see={"county-aps": ("victim.name", "victim.address", "suspect.name", *REPORTER)},
    ),
    Row(
        "US-OH",
        "danger-to-others",
        {
            "law-enforcement": "law-enforcement-notification",
            "potential-victim": "potential-victim-notice",
        },
        "required",
        {"notification": "immediately PT1H"},
        "45 CFR 164.512(j)(1)(i)",
        # ORC 2305.51(C): the nature of the threat, the client's and each victim's identity.
        must_see={
            "potential-victim": THREAT_TO_VICTIM,
            "law-enforcement": ("threat.description", "client.name", "potential_victims.name"),
        },
        never_see={"potential-victim": ("reporter.name", "clinical_context.diagnosis")},
    ),
    Row(
        "US-OH",
        "danger-to-self",
        {"law-enforcement": "law-enforcement-notification"},
        "permitted",
        {"notification": "immediately PT1H"},
        "45 CFR 164.512(j)(1)(i)",
    ),
    Row(
        "US-OH",
        "court-order",
        COURT,
        "required",
        {"response": "as-ordered court_order.comply_by"},
        "45 CFR 164.512(e)(1)(i)",
        must_see={"court": ORDER_FIELDS},
    ),
    Row(
        "US-OH",
        "subpoena",
        REQUESTER,
        "permitted",
        {"response": "as-ordered subpoena.respond_by"},
        "45 CFR 164.508(a)(1)",
        must_see={"requesting-party": SUBPOENA_FIELDS},
    ),
    # --- Georgia ------------------------------------------------------------------------------
    Row(
        "US-GA",
        "child-abuse",
        {"dfcs": "child-protective-referral"},
        "required",
        {"report": "clock-hours PT24H"},
        "45 CFR 164.512(b)(1)(ii)",
        must_see={"dfcs": ("victim.name", "victim.present_location", "guardians.name", *REPORTER)},
    ),
    Row(
        "US-GA",
        "elder-abuse",
        {
            "aps": "adult-protective-referral",
            "dch": "adult-protective-referral",
            "law-enforcement": "adult-protective-referral",
        },
        "required",
        {"report": "as-soon-as-possible PT24H"},
        "45 CFR 164.512(c)(1)(i)",
        # O.C.G.A. 31-8-82(d): the reporter's and the resident's names and addresses.
        must_see={
            "dch": ("victim.name", "victim.address", "care_setting.facility_name", *REPORTER)
        },
    ),
    Row(
        "US-GA",
        "danger-to-others",
        {
            "law-enforcement": "law-enforcement-notification",
            "potential-victim": "potential-victim-notice",
        },
        "permitted",
        {"notification": "immediately PT1H"},
        "45 CFR 164.512(j)(1)(i)",
        must_see={"potential-victim": THREAT_TO_VICTIM},
        never_see={"potential-victim": ("reporter.name", "clinical_context.diagnosis")},
    ),
    Row(
        "US-GA",
        "danger-to-self",
        {"law-enforcement": "law-enforcement-notification"},
        "permitted",
        {"notification": "immediately PT1H"},
        "45 CFR 164.512(j)(1)(i)",
    ),
    Row(
        "US-GA",
        "court-order",
        COURT,
        "required",
        {"response": "as-ordered court_order.comply_by"},
        "45 CFR 164.512(e)(1)(i)",
        must_see={"court": ORDER_FIELDS},
    ),
    Row(
        "US-GA",
        "subpoena",
        REQUESTER,
        "permitted",
        {"response": "as-ordered subpoena.respond_by"},
        "45 CFR 164.508(a)(1)",
        must_see={"requesting-party": SUBPOENA_FIELDS},
    ),
    # --- North Carolina -----------------------------------------------------------------------
    Row(
        "US-NC",
        "child-abuse",
        {
            "county-dss": "child-protective-referral",
            "law-enforcement": "child-protective-referral",
        },
        "required",
        {"report": "immediately PT1H"},
        "45 CFR 164.512(b)(1)(ii)",
        must_see={
            "county-dss": (
                "victim.name",
                "victim.address",
                "victim.approximate_age",
                "guardians.name",
                "grounds.observations",
                *REPORTER,
            )
        },
    ),
    Row(
        "US-NC",
        "elder-abuse",
        {"county-aps": "adult-protective-referral"},
        "required",
        {"report": "as-soon-as-possible PT24H"},
        "45 CFR 164.512(c)(1)(i)",
        must_see={"county-aps": ("victim.name", "victim.address", "victim.disabilities")},
    ),
    Row(
        "US-NC",
        "danger-to-others",
        {
            "law-enforcement": "law-enforcement-notification",
            "potential-victim": "potential-victim-notice",
        },
        "permitted",
        {"notification": "immediately PT1H"},
        "45 CFR 164.512(j)(1)(i)",
        must_see={"potential-victim": THREAT_TO_VICTIM},
        never_see={"potential-victim": ("reporter.name", "clinical_context.diagnosis")},
    ),
    Row(
        "US-NC",
        "danger-to-self",
        {"law-enforcement": "law-enforcement-notification"},
        "permitted",
        {"notification": "immediately PT1H"},
        "45 CFR 164.512(j)(1)(i)",
    ),
    Row(
        "US-NC",
        "court-order",
        COURT,
        "required",
        {"response": "as-ordered court_order.comply_by"},
        "45 CFR 164.512(e)(1)(i)",
        must_see={"court": ORDER_FIELDS},
    ),
    Row(
        "US-NC",
        "subpoena",
        REQUESTER,
        "permitted",
        {"response": "as-ordered subpoena.respond_by"},
        "45 CFR 164.508(a)(1)",
        must_see={"requesting-party": SUBPOENA_FIELDS},
    ),
    # --- England ------------------------------------------------------------------------------
    Row(
        "GB-ENG",
        "child-abuse",
        {
            "la-childrens-social-care": "gb-la-referral",
            "law-enforcement": "gb-la-referral",
            "lado": "gb-la-referral",
        },
        "required",
        {"referral": "as-soon-as-possible PT24H"},
        "UK GDPR Art 6(1)(ea); Art 9(2)(g); DPA 2018 Sch 1 Part 2 para 18",
        must_see={
            "la-childrens-social-care": (
                "victim.name",
                "sharing_decision.decision",
                "sharing_decision.reasons",
                *REPORTER,
            )
        },
    ),
    Row(
        "GB-ENG",
        "elder-abuse",
        {"la-adult-social-care": "gb-la-referral", "law-enforcement": "gb-la-referral"},
        "permitted",
        {"referral": "as-soon-as-possible PT24H"},
        "UK GDPR Art 6(1)(ea); Art 9(2)(g); DPA 2018 Sch 1 Part 2 para 18",
    ),
    Row(
        "GB-ENG",
        "danger-to-others",
        {
            "law-enforcement": "law-enforcement-notification",
            "potential-victim": "potential-victim-notice",
        },
        "permitted",
        {"notification": "immediately PT1H"},
        "UK GDPR Art 6(1)(ea); Art 9(2)(g); DPA 2018 Sch 1 Part 2 para 10",
        never_see={"potential-victim": ("reporter.name",)},
    ),
    Row(
        "GB-ENG",
        "danger-to-self",
        {
            "law-enforcement": "law-enforcement-notification",
            "crisis-team": "law-enforcement-notification",
            "support-contact": "safety-notice",
        },
        "permitted",
        {"notification": "immediately PT1H"},
        "UK GDPR Art 6(1)(d); Art 9(2)(c)",
    ),
    Row(
        "GB-ENG",
        "court-order",
        COURT,
        "required",
        {"response": "as-ordered court_order.comply_by"},
        "UK GDPR Art 6(1)(c); Art 9(2)(f)",
        must_see={"court": ORDER_FIELDS},
    ),
    Row(
        "GB-ENG",
        "subpoena",
        REQUESTER,
        "permitted",
        {"response": "as-ordered subpoena.respond_by"},
        "UK GDPR Art 6(1)(a); Art 9(2)(f)",
        must_see={"requesting-party": SUBPOENA_FIELDS},
    ),
]
ROW_IDS = [f"{row.jurisdiction}/{row.kind}" for row in TABLE]


def policy_for(row: Row) -> Policy:
    return LIBRARY.in_effect(row.jurisdiction, row.kind, ON)


def counted(deadline: Deadline) -> str:
    if deadline.clock == "working-days":
        return f"working-days {deadline.working_days} {deadline.calendar}"
    if deadline.clock == "as-ordered":
        return f"as-ordered {deadline.start_path}"
    assert deadline.within is not None
    hours, rest = divmod(int(deadline.within.total_seconds()), 3600)
    return f"{deadline.clock} PT{hours}H" if not rest else f"{deadline.clock} PT{rest // 60}M"


def test_the_table_covers_every_jurisdiction_and_kind() -> None:
    """Every test below runs once per row: an empty table would skip them all, silently."""
    assert len(TABLE) >= len(JURISDICTIONS) > 0
    assert sorted(ROW_IDS) == sorted(f"{j}/{k}" for j in JURISDICTIONS for k in REPORT_KINDS)


@pytest.mark.parametrize("row", TABLE, ids=ROW_IDS)
def test_recipients_and_their_forms(row: Row) -> None:
    policy = policy_for(row)

    assert {r.id: r.form for r in policy.recipients} == row.recipients


@pytest.mark.parametrize("row", TABLE, ids=ROW_IDS)
def test_required_or_only_permitted(row: Row) -> None:
    assert policy_for(row).disclosure.mode == row.mode


@pytest.mark.parametrize("row", TABLE, ids=ROW_IDS)
def test_deadlines(row: Row) -> None:
    policy = policy_for(row)
    fallbacks = {d.id: counted(d) for d in policy.deadlines if not d.applies_when}

    assert fallbacks == row.deadlines


@pytest.mark.parametrize("row", TABLE, ids=ROW_IDS)
def test_legal_basis(row: Row) -> None:
    assert policy_for(row).legal_basis.summary == row.legal_basis


@pytest.mark.parametrize("row", TABLE, ids=ROW_IDS)
def test_fields_each_recipient_must_and_must_never_see(row: Row) -> None:
    policy = policy_for(row)
    for recipient_id, paths in row.must_see.items():
        assert set(paths) <= set(policy.recipient(recipient_id).allowed_fields), recipient_id
    for recipient_id, paths in row.never_see.items():
        assert not set(paths) & set(policy.recipient(recipient_id).allowed_fields), recipient_id


@pytest.mark.parametrize("row", TABLE, ids=ROW_IDS)
def test_every_form_renders_from_its_recipients_allow_list(row: Row) -> None:
    policy = policy_for(row)
    assert policy.recipients
    for recipient in policy.recipients:
        layout = load_form_layout(recipient.form)
        assert required_layout_paths(layout) <= set(recipient.allowed_fields), recipient.id


@pytest.mark.parametrize("row", TABLE, ids=ROW_IDS)
def test_no_allow_list_names_notes_part2_or_the_medical_record_number(row: Row) -> None:
    denied = {p for paths in PROTECTED_DATA_CLASSES.values() for p in paths}
    recipients = policy_for(row).recipients
    assert denied and recipients
    for recipient in recipients:
        allowed = set(recipient.allowed_fields)
        assert not allowed & denied, recipient.id
        assert "victim.medical_record_number" not in allowed
        if recipient.field_standard != "order-scope":
            assert not [p for p in allowed if p.startswith("clinical_context.")], recipient.id


@pytest.mark.parametrize("row", TABLE, ids=ROW_IDS)
def test_every_rule_is_cited_dated_and_in_effect_with_its_policy(row: Row) -> None:
    policy = policy_for(row)
    rules = policy.rules()
    # Each recipient and each deadline is a rule: a walk that found fewer would check too little.
    assert len(rules) >= len(policy.recipients) + len(policy.deadlines) > 0
    for name, rule in rules:
        assert rule.citation.strip(), name
        assert rule.effective_from <= policy.effective_from, name
        assert rule.source_status in ("verified", "to-confirm"), name


@pytest.mark.parametrize("row", TABLE, ids=ROW_IDS)
def test_both_protected_data_classes_are_denied_by_default(row: Row) -> None:
    policy = policy_for(row)

    assert {p.data_class: p.default for p in policy.protected_data} == {
        "psychotherapy-notes": "deny",
        "part2": "deny",
    }
