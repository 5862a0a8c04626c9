"""The typed inputs and outputs of the report workflow, its Updates, Query and activities.

They carry ids, decisions, field names and hashes. Where case content must cross Temporal (the
opening, the grounds, the phone report) it is inside payloads encrypted by the codec. No SQLModel
table model ever appears here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel
from temporalio.common import SearchAttributeKey

from dutyflow.domain.case import CaseOpening, GroundsSubmission, PhoneReport
from dutyflow.domain.transmission import AgencyAcknowledgement

TASK_QUEUE = "dutyflow-reports"
WORKFLOW_TYPE = "MandatedReport"


class Stage(StrEnum):
    OPENING = "opening"
    AWAITING_GROUNDS = "awaiting-grounds"
    DETERMINING_OBLIGATIONS = "determining-obligations"
    AWAITING_PHONE_REPORT = "awaiting-phone-report"
    PREPARING_REPORT = "preparing-report"
    AWAITING_CONFIRMATION = "awaiting-confirmation"
    DELIVERING = "delivering"
    DELIVERY_REFUSED = "delivery-refused"
    AWAITING_ACKNOWLEDGEMENT = "awaiting-acknowledgement"
    CLOSED = "closed"


# Search attributes: categories and dates only, never content (they are stored in plaintext).
STAGE = SearchAttributeKey.for_keyword("DutyflowStage")
JURISDICTION = SearchAttributeKey.for_keyword("DutyflowJurisdiction")
REPORT_KIND = SearchAttributeKey.for_keyword("DutyflowReportKind")
CLINIC = SearchAttributeKey.for_keyword("DutyflowClinic")
WRITTEN_REPORT_DUE = SearchAttributeKey.for_datetime("DutyflowWrittenReportDue")
ESCALATED_TO = SearchAttributeKey.for_keyword("DutyflowEscalatedTo")
SEARCH_ATTRIBUTES = (STAGE, JURISDICTION, REPORT_KIND, CLINIC, WRITTEN_REPORT_DUE, ESCALATED_TO)


class Actor(BaseModel):
    actor_id: str
    role: str


SYSTEM = Actor(actor_id="dutyflow-worker", role="system")


class OpenCaseInput(BaseModel):
    opening: CaseOpening


class CaseOpened(BaseModel):
    policy_version: str
    statutory_bases: list[str]
    phone_report_first: bool


class RecordGroundsInput(BaseModel):
    case_id: str
    actor: Actor
    submission: GroundsSubmission


class RecordPhoneReportInput(BaseModel):
    case_id: str
    actor: Actor
    phone_report: PhoneReport


class StepRecorded(BaseModel):
    step: str
    audit_seq: int
    content_sha256: str


class CaseRef(BaseModel):
    case_id: str


class Obligation(BaseModel):
    recipient_id: str
    agency_id: str
    agency_name: str
    agency_phone: str | None = None
    form_id: str
    legal_basis: str
    phone_report_due_at: datetime | None
    written_report_due_at: datetime
    citations: list[str]


class EscalationPoint(BaseModel):
    notify: str
    at: datetime


class DeadlinePlan(BaseModel):
    """A legal deadline as a durable timer: when it passes, and whom to tell before it does."""

    deadline_id: str
    due_at: datetime
    citation: str
    escalations: list[EscalationPoint]


class ObligationSet(BaseModel):
    policy_version: str
    obligations: list[Obligation]
    deadlines: list[DeadlinePlan] = []
    acknowledgement_follow_up: timedelta = timedelta(hours=24)


class PhoneTask(BaseModel):
    """The statutory call: whom to call, and a script built from the allow-listed fields only."""

    recipient_id: str
    agency_name: str
    phone_number: str | None
    script: str
    due_at: datetime | None


class EscalationInput(BaseModel):
    case_id: str
    deadline_id: str
    notify: str
    due_at: datetime
    escalated_at: datetime  # the workflow's clock: when the durable timer fired


class Escalation(BaseModel):
    deadline_id: str
    notify: str
    due_at: datetime
    escalated_at: datetime


class DeliveryProblem(BaseModel):
    recipient_id: str
    agency_name: str
    message: str


class DeliveryProblemInput(BaseModel):
    case_id: str
    recipient_id: str
    message: str


class RetryDelivery(BaseModel):
    """The practitioner has dealt with the agency's refusal and asks for the report to go again."""

    practitioner_id: str
    recipient_id: str


class RecipientStep(BaseModel):
    case_id: str
    recipient_id: str


class DisclosureSummary(BaseModel):
    disclosure_id: str
    recipient_id: str
    disclosed_fields: list[str]
    withheld_fields: list[str]


class DocumentSummary(BaseModel):
    document_id: str
    recipient_id: str
    form_id: str
    sha256: str


class ConfirmationInput(BaseModel):
    case_id: str
    actor: Actor
    review_sha256: str


class DeliveryReceipt(BaseModel):
    report_id: str
    recipient_id: str
    agency_id: str
    reference_number: str
    received_at: datetime
    duplicate: bool
    decision: str | None = None


class AcknowledgementInput(BaseModel):
    case_id: str
    receipt: DeliveryReceipt
    acknowledgement: AgencyAcknowledgement


class DeliveryOutcome(BaseModel):
    recipient_id: str
    agency_name: str
    reference_number: str
    decision: str | None = None
    delivered_at: datetime
    written_report_due_at: datetime
    on_time: bool


class CaseOutcome(BaseModel):
    case_id: str
    result: str
    deliveries: list[DeliveryOutcome]
    all_on_time: bool


class CaseStatus(BaseModel):
    """What the Query returns: where the case stands, with no case content in it."""

    case_id: str
    stage: Stage
    jurisdiction: str
    kind: str
    policy_version: str | None = None
    phone_report_first: bool | None = None
    steps_completed: list[str] = []
    obligations: list[Obligation] = []
    disclosures: list[DisclosureSummary] = []
    documents: list[DocumentSummary] = []
    review_sha256: str | None = None
    deliveries: list[DeliveryReceipt] = []
    acknowledgements: list[AgencyAcknowledgement] = []
    phone_task: PhoneTask | None = None
    deadlines: list[DeadlinePlan] = []
    escalations: list[Escalation] = []
    delivery_problems: list[DeliveryProblem] = []
    outcome: CaseOutcome | None = None
