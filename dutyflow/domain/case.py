"""Typed models of a mandated-report case: who reports, who is involved, and the grounds.

These models travel through Temporal only inside encrypted payloads and are stored by activities.
Shape validation (types) is pydantic's job; the legal and common-sense rules a clinician must meet
live in `dutyflow.domain.validation`, so the API and the workflow's Update validators share them.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Model(BaseModel):
    """Base for case models: unknown fields are refused so a typo never silently drops content."""

    model_config = ConfigDict(extra="forbid")


class ReportKind(StrEnum):
    CHILD_ABUSE = "child-abuse"


class SourceOfInformation(StrEnum):
    """Where the suspicion comes from (PC 11167(a): 'the source or sources of that information')."""

    PRACTITIONER_OBSERVED = "practitioner-observed"
    VICTIM_DISCLOSED = "victim-disclosed"
    THIRD_PARTY_REPORTED = "third-party-reported"


class AbuseType(StrEnum):
    PHYSICAL = "physical"
    SEXUAL = "sexual"
    EMOTIONAL = "emotional"
    NEGLECT = "neglect"
    OTHER = "other"


class Reporter(Model):
    """The mandated reporter (the practitioner). Reporter identity is confidential by statute."""

    name: str
    title: str
    mandated_reporter_category: str
    business_name: str
    business_address: str
    phone: str
    witnessed_incident: bool | None = None


class Person(Model):
    name: str | None = None
    birth_date: date | None = None
    approximate_age: int | None = None
    sex: str | None = None
    ethnicity: str | None = None
    address: str | None = None
    phone: str | None = None


class Victim(Person):
    present_location: str | None = None
    school: str | None = None
    grade: str | None = None
    disabilities: str | None = None
    primary_language: str | None = None
    in_foster_care: bool | None = None
    relationship_to_suspect: str | None = None
    medical_record_number: str | None = None


class Guardian(Person):
    relationship: str | None = None


class Suspect(Person):
    other_relevant_information: str | None = None


class Incident(Model):
    occurred_on: date | None = None
    time_of_day: str | None = None
    place: str | None = None


class ClinicalContext(Model):
    """The practitioner's clinical record of the client. Kept for the case file and the audit of the
    practitioner's reasoning; no child-abuse policy puts these fields on a recipient's allow-list."""

    diagnosis: str | None = None
    psychotherapy_notes: str | None = None
    treatment_summary: str | None = None


class Grounds(Model):
    """Why the practitioner must report: what was observed or said, by whom, and when."""

    suspicion_formed_at: datetime
    statutory_basis: str
    source_of_information: SourceOfInformation
    source_description: str | None = None
    observations: str
    statements: str | None = None
    past_incidents: str | None = None
    abuse_types: list[AbuseType] = Field(default_factory=list)


class GroundsSubmission(Model):
    """The practitioner's 'document the grounds' step: the grounds and the people involved."""

    grounds: Grounds
    victim: Victim
    guardians: list[Guardian] = Field(default_factory=list)
    suspect: Suspect | None = None
    incident: Incident = Field(default_factory=Incident)
    clinical_context: ClinicalContext = Field(default_factory=ClinicalContext)


class CaseOpening(Model):
    """Opening a case. The case id is opaque: it becomes the workflow id and must never carry a
    name. ``client_id`` is the clinic's opaque id of the client whose information is disclosed:
    the accounting of disclosures (45 CFR 164.528) is kept per client."""

    case_id: str
    jurisdiction: str
    kind: ReportKind
    county: str
    clinic_id: str
    practitioner_id: str
    client_id: str
    reporter: Reporter


class PhoneReport(Model):
    """The statutory first report by telephone, made before the written report is sent."""

    agency_name: str
    official_name: str
    official_title: str | None = None
    phone_number: str
    reference_number: str | None = None
    made_at: datetime


class Confirmation(Model):
    """The practitioner confirms that the reports they reviewed may go out, exactly as rendered:
    ``review_sha256`` must match the hash of the documents under review."""

    practitioner_id: str
    review_sha256: str


class CaseFile(Model):
    """Everything known about a case, as the disclosure limiter sees it. Its dotted field paths
    (e.g. ``victim.name``, ``guardians.address``) are what policy allow-lists name."""

    reporter: Reporter
    grounds: Grounds
    victim: Victim
    guardians: list[Guardian] = Field(default_factory=list)
    suspect: Suspect | None = None
    incident: Incident = Field(default_factory=Incident)
    clinical_context: ClinicalContext = Field(default_factory=ClinicalContext)
    phone_report: PhoneReport | None = None
