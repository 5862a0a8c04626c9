"""Case files for the policy tests: one realistic case that fills every section (golden forms),
and a generic builder that puts a distinct marker in every text field (leak properties)."""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from pydantic import BaseModel

from dutyflow.domain.case import (
    AbuseType,
    BeliefBasis,
    CareSetting,
    CaseFile,
    ClientIdentity,
    ClinicalContext,
    CourtOrder,
    ElderAbuse,
    ElderAbuseType,
    Grounds,
    Guardian,
    HouseholdMember,
    HouseholdRole,
    Incident,
    Institution,
    PhoneReport,
    PotentialVictim,
    Reporter,
    SharingDecision,
    SourceOfInformation,
    Subpoena,
    SupportContact,
    Suspect,
    Threat,
    Victim,
)

FORMED_AT = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)
DIAGNOSIS = "MARKER-DIAGNOSIS-Q7"
NOTES = "MARKER-NOTES-K3"
PART2 = "MARKER-PART2-Z9"


def sample_case() -> CaseFile:
    """A fictional case with every section filled, so each form shows real rows."""
    return CaseFile(
        reporter=Reporter(
            name="Dr. Jordan Example",
            title="Licensed Clinical Psychologist",
            mandated_reporter_category="Psychologist",
            business_name="Example Family Therapy",
            business_address="100 Sample Street, Suite 2\nSacramento, CA 95814",
            phone="(916) 555-0100",
            witnessed_incident=False,
        ),
        grounds=Grounds(
            suspicion_formed_at=FORMED_AT,
            statutory_basis="Cal. Penal Code 11166(a)",
            source_of_information=SourceOfInformation.VICTIM_DISCLOSED,
            source_description="Disclosed during a scheduled session.",
            observations="Bruising on the left forearm.\nFlinched when the door closed.",
            statements='Said: "He grabbed my arm when I spilled the juice."',
            past_incidents=None,
            abuse_types=[AbuseType.PHYSICAL],
        ),
        victim=Victim(
            name="Alex Sample",
            birth_date=date(1951, 3, 9),
            approximate_age=75,
            sex="F",
            address="12 Fictional Lane, Sacramento, CA 95816",
            present_location="At home",
            primary_language="English",
            disabilities="Uses a walker",
            relationship_to_suspect="Son",
            school="Example Elementary",
            medical_record_number="MRN-SHOULD-NOT-APPEAR",
        ),
        other_victims=[
            Victim(
                name="Jamie Sample",
                approximate_age=79,
                sex="M",
                address="12 Fictional Lane, Sacramento, CA 95816",
                present_location="At home",
                relationship_to_suspect="Father",
            )
        ],
        household_members=[
            HouseholdMember(
                name="Drew Sample",
                role=HouseholdRole.SIBLING,
                relationship="Brother",
                approximate_age=70,
                sex="M",
            )
        ],
        guardians=[Guardian(name="Casey Sample", relationship="Daughter", phone="(916) 555-0111")],
        suspect=Suspect(
            name="Robin Sample",
            approximate_age=48,
            sex="M",
            address="12 Fictional Lane, Sacramento, CA 95816",
            other_relevant_information="Lives in the home.",
            responsible_for_care=True,
        ),
        incident=Incident(
            occurred_on=date(2026, 11, 22),
            time_of_day="Evening",
            place="Family home",
            worker_safety_concerns="A dog in the yard.",
            domestic_violence=False,
            immediate_danger=False,
        ),
        clinical_context=ClinicalContext(
            diagnosis=DIAGNOSIS,
            psychotherapy_notes=NOTES,
            treatment_summary="Weekly sessions since March.",
            treatment_dates="2026-03-02 to 2026-11-23, weekly",
            substance_use_records=PART2,
        ),
        phone_report=PhoneReport(
            agency_name="Demo County Adult Protective Services",
            official_name="Sam Intake",
            official_title="Hotline social worker",
            phone_number="(916) 555-0199",
            reference_number="HL-2026-000123",
            made_at=datetime(2026, 11, 24, 15, 5, tzinfo=UTC),
        ),
        client=ClientIdentity(
            name="Taylor Client",
            birth_date=date(1990, 5, 17),
            sex="M",
            address="7 Other Road, Sacramento, CA 95818",
            phone="(916) 555-0177",
            distinguishing_features="Tall, red jacket, drives a blue pickup",
        ),
        threat=Threat(
            description='Said he would "make her pay" and hurt his former partner this weekend.',
            communicated_at=datetime(2026, 11, 24, 14, 0, tzinfo=UTC),
            means="Owns a hunting rifle",
            serious_and_imminent=True,
            belief_basis=BeliefBasis.OWN_CONTACT,
        ),
        potential_victims=[
            PotentialVictim(
                name="Morgan Partner",
                address="3 Third Street, Sacramento, CA 95819",
                phone="(916) 555-0133",
                present_location="At work until 17:00",
                relationship_to_client="Former partner",
            )
        ],
        support_contacts=[
            SupportContact(
                name="Pat Client", phone="(916) 555-0144", relationship_to_client="Brother"
            )
        ],
        care_setting=CareSetting(
            long_term_care_facility=False, facility_name=None, serious_bodily_injury=False
        ),
        institution=Institution(
            institution_name="Riverside Family Clinic",
            name="Dr Robin Lead",
            title="Clinical Director",
            phone="(916) 555-0177",
            staff_with_direct_knowledge="Sam Nurse, RN, (916) 555-0178",
        ),
        elder_abuse=ElderAbuse(
            abuse_types=[ElderAbuseType.PHYSICAL, ElderAbuseType.FINANCIAL],
            timeframe="Ongoing, at least two weeks",
            others_with_knowledge="A neighbour, Lee Neighbour",
            victim_consents_to_disclosure=None,
        ),
        court_order=CourtOrder(
            court="Superior Court of California, County of Sacramento",
            case_number="26FL01234",
            issued_on=date(2026, 11, 20),
            judge="Hon. A. Judge",
            received_at=datetime(2026, 11, 21, 9, 0, tzinfo=UTC),
            comply_by=datetime(2026, 12, 4, 17, 0, tzinfo=UTC),
            scope=(
                "Dates of treatment and a treatment summary for Taylor Client, "
                "March to November 2026."
            ),
            authorised_fields=[
                "client.name",
                "client.birth_date",
                "clinical_context.treatment_dates",
                "clinical_context.treatment_summary",
            ],
            directed_to="Clerk of the Court, Department 12",
            part2_order=False,
        ),
        subpoena=Subpoena(
            requesting_party="Example & Partners LLP",
            court="Superior Court of California, County of Sacramento",
            case_number="26CV05678",
            received_at=datetime(2026, 11, 10, 9, 0, tzinfo=UTC),
            respond_by=datetime(2026, 12, 10, 17, 0, tzinfo=UTC),
            requested_records="Dates of treatment, 2026.",
            requested_fields=["client.name", "clinical_context.treatment_dates"],
            assurance_statement_received=True,
            written_notice_given_on=date(2026, 11, 10),
            notice_allowed_objection=True,
            objection_period_expired=True,
            objections_none_or_resolved=True,
        ),
        sharing_decision=SharingDecision(
            decision="share",
            reasons="Risk of significant harm; consent would prejudice the protection.",
            consent="not-sought",
            consent_not_sought_reason="Seeking it would alert the person of concern.",
            person_informed=False,
            decided_at=datetime(2026, 11, 24, 15, 0, tzinfo=UTC),
        ),
    )


# --- a marker in every text field -------------------------------------------------------------

ValueFor = Callable[[str], str]


def _strip_optional(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _value(path: str, annotation: Any, text_for: ValueFor, items: int) -> Any:
    annotation = _strip_optional(annotation)
    origin = typing.get_origin(annotation)
    if origin is list:
        (inner,) = typing.get_args(annotation)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return [populated(inner, f"{path}.", text_for, items, item=i) for i in range(items)]
        if isinstance(inner, type) and issubclass(inner, Enum):
            return [next(iter(inner))]
        return []  # lists of field paths (an order's scope) are set by the test
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return populated(annotation, f"{path}.", text_for, items)
        if issubclass(annotation, Enum):
            return next(iter(annotation))
        if annotation is bool:
            return True
        if annotation is int:
            return 42
        if annotation is datetime:
            return FORMED_AT
        if annotation is date:
            return date(2026, 11, 20)
        if annotation is str:
            return text_for(path)
    raise TypeError(f"{path}: no value for {annotation!r}")


def populated(
    model: type[BaseModel], prefix: str, text_for: ValueFor, items: int = 2, item: int = 0
) -> Any:
    """An instance of ``model`` with every field set; text fields get ``text_for(path)`` (list
    items after the first get their index appended to the path)."""
    values = {}
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        values[name] = _value(
            path, info.annotation, lambda p, i=item: text_for(p if i == 0 else f"{p}#{i}"), items
        )
    return model(**values)


def string_leaves(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """(path, text) for every string in a dumped case file; list items share their path."""
    found: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found += string_leaves(item, f"{prefix}{key}.")
    elif isinstance(value, list):
        for item in value:
            found += string_leaves(item, prefix)
    elif isinstance(value, str):
        found.append((prefix.rstrip("."), value))
    return found
