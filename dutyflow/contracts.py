"""The typed inputs and outputs of the report workflow, its Updates, Query and activities.

They carry ids, decisions, field names and hashes. Where case content must cross Temporal (the
opening, the grounds, the phone report) it is inside payloads encrypted by the codec. No SQLModel
table model ever appears here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from temporalio.common import SearchAttributeKey

from dutyflow import ids
from dutyflow.domain.case import (
    CaseOpening,
    ConsultationDecision,
    ContactAttempt,
    DisclosureDecision,
    DisclosureExceptionDecision,
    DisclosureExceptionRequest,
    GroundsSubmission,
    InformClientStep,
    PhoneReport,
)

# What the domain decides about a case's obligations, carried as is (the workflow's timers);
# EscalationPoint is re-exported for the workflow.
from dutyflow.domain.obligations import DeadlinePlan, HardStop
from dutyflow.domain.obligations import EscalationPoint as EscalationPoint
from dutyflow.domain.transmission import AcknowledgementDecision, AgencyAcknowledgement
from dutyflow.domain.validation import GroundsRules

TASK_QUEUE = "dutyflow-reports"
WORKFLOW_TYPE = "MandatedReport"


class Stage(StrEnum):
    OPENING = "opening"
    AWAITING_GROUNDS = "awaiting-grounds"
    DETERMINING_OBLIGATIONS = "determining-obligations"
    AWAITING_SUPERVISOR = "awaiting-supervisor"
    AWAITING_GROUNDS_REVISION = "awaiting-grounds-revision"
    AWAITING_DISCLOSURE_DECISIONS = "awaiting-disclosure-decisions"
    AWAITING_PHONE_REPORT = "awaiting-phone-report"
    PREPARING_REPORT = "preparing-report"
    AWAITING_CONFIRMATION = "awaiting-confirmation"
    DELIVERING = "delivering"
    DELIVERY_REFUSED = "delivery-refused"
    AWAITING_CONTACTS = "awaiting-contacts"
    AWAITING_ACKNOWLEDGEMENT = "awaiting-acknowledgement"
    AWAITING_INFORM_CLIENT_DECISION = "awaiting-inform-client-decision"
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
    grounds_rules: GroundsRules | None = None
    disclosure_mode: str = "required"
    inform_client_required: bool = False
    inform_client_exceptions: list[str] = []
    supervisor_consultation: bool = False
    supervisor_consultation_citation: str | None = None


class RecordGroundsInput(BaseModel):
    case_id: str
    actor: Actor
    submission: GroundsSubmission
    revision: int = 0  # 0: the first grounds; n: the n-th revision after a supervisor's return


class ObligationsRequest(BaseModel):
    """Determine the case's obligations; ``revision`` n after the n-th revision of the grounds
    (nothing has been limited or sent yet, so they are determined afresh)."""

    case_id: str
    revision: int = 0


class ConsultationInput(BaseModel):
    """One round of the supervisor consultation: asked, bypassed, or answered."""

    case_id: str
    round: int
    decision: ConsultationDecision | None = None
    bypass_grounds: list[str] = []  # the grounds' paths saying the danger is imminent
    citation: str | None = None


class ExceptionRequestInput(BaseModel):
    case_id: str
    exception_id: str
    actor: Actor
    request: DisclosureExceptionRequest


class ExceptionDecisionInput(BaseModel):
    case_id: str
    actor: Actor
    decision: DisclosureExceptionDecision
    recipient_id: str
    fields: list[str]


class RecordPhoneReportInput(BaseModel):
    case_id: str
    actor: Actor
    phone_report: PhoneReport
    recipient_id: str | None = None
    discharges: bool = False  # the call is the whole disclosure to this recipient


class StepRecorded(BaseModel):
    step: str
    audit_seq: int
    content_sha256: str


class CaseRef(BaseModel):
    case_id: str


class Obligation(BaseModel):
    """One recipient of the case. ``agency_name`` is an agency's name, or for a person, a court
    or a requesting party a label ("Potential victim 1"): their contact is case content and stays
    in the database. ``delivery``: intake (sent to the agency's endpoint), phone-report (the
    statutory call is the disclosure) or contact (the practitioner reaches them and logs every
    attempt). ``obligation``: required, or permitted (the practitioner decides)."""

    recipient_id: str
    agency_id: str
    agency_name: str
    agency_phone: str | None = None
    form_id: str
    legal_basis: str
    phone_report_due_at: datetime | None
    written_report_due_at: datetime | None
    citations: list[str]
    recipient_rule: str | None = None
    recipient_type: str = "agency"
    delivery: str = "intake"
    obligation: str = "required"
    deadline_ids: list[str] = []
    # How an ``intake`` recipient's report reaches the agency (the agency directory's
    # ``channel``): intake-api, portal, fax, mail or email. Cases from before channels existed
    # post to the intake endpoint.
    channel: str = "intake-api"
    # A ``fax`` recipient's report goes through the deployment's fax provider (its API), not
    # faxed by the practitioner.
    fax_by_provider: bool = False


class ObligationSet(BaseModel):
    policy_version: str
    obligations: list[Obligation]
    deadlines: list[DeadlinePlan] = []
    acknowledgement_follow_up: timedelta = timedelta(hours=24)
    hard_stop: HardStop | None = None


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


class DutyInput(BaseModel):
    """A duty the case owes, with its deadline: written to the ``duty`` table when the workflow
    starts watching it. ``kind`` is a `dutyflow.domain.duties.DutyKind` value."""

    case_id: str
    deadline_id: str
    kind: str
    due_at: datetime
    citation: str


class DutyMetInput(BaseModel):
    case_id: str
    deadline_id: str
    met_at: datetime  # the workflow's clock: when the duty was seen met


class Escalation(BaseModel):
    deadline_id: str
    notify: str
    due_at: datetime
    escalated_at: datetime


class EscalationNotice(BaseModel):
    """One step of the ladder to tell: the escalation as recorded, and the kind of duty."""

    escalation: EscalationInput
    kind: str


class NoticeOutcome(BaseModel):
    """Whom the step reached (roles, in order), and how many messages were refused for good."""

    told: list[str]
    refused: int = 0
    mail_configured: bool = True


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


class RecordDisclosureDecisionInput(BaseModel):
    case_id: str
    actor: Actor
    decision: DisclosureDecision


class RecordInformClientInput(BaseModel):
    case_id: str
    actor: Actor
    step: InformClientStep


class RecordContactAttemptInput(BaseModel):
    case_id: str
    actor: Actor
    attempt_id: str
    attempt: ContactAttempt
    discharges: bool


class SupervisionSummary(BaseModel):
    """Where the supervisor consultation stands, without the comments: ``state`` is
    not-asked, awaiting-supervisor, returned, approved or bypassed-imminent-danger."""

    state: str
    round: int = 0
    decided_by: str | None = None
    bypass_grounds: list[str] = []


class ExceptionSummary(BaseModel):
    """A request for fields beyond a recipient's allow-list, without its justification:
    ``state`` pending, approved or refused."""

    exception_id: str
    recipient_id: str
    fields: list[str]
    state: str
    requested_by: str
    decided_by: str | None = None


class DecisionSummary(BaseModel):
    """A recorded decision, without its reasons."""

    topic: str
    subject: str | None = None
    decision: str
    exception: str | None = None


class ContactSummary(BaseModel):
    """A logged contact attempt, without who was spoken to or the notes."""

    attempt_id: str
    recipient_id: str
    channel: str
    outcome: str
    attempted_at: datetime
    efforts_exhausted: bool


class RecipientStep(BaseModel):
    case_id: str
    recipient_id: str
    # How many disclosure exceptions for this recipient were approved when the step ran: the
    # fields are limited (and the report rendered) again after each approval.
    additions_revision: int = 0
    # The n-th supplemental report (0: the report itself): limited, rendered and delivered as a
    # copy of its own, marked as supplemental to the report the recipient received.
    supplement: int = 0

    @property
    def copy_id(self) -> str:
        """The id the recipient's records of this step are kept under: the recipient's own, or
        its copy of the supplement (`dutyflow.ids.supplement_recipient_id`)."""
        if not self.supplement:
            return self.recipient_id
        return ids.supplement_recipient_id(self.recipient_id, self.supplement)


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


class WithdrawalInput(BaseModel):
    case_id: str
    actor: Actor
    reason: str
    note_sha256: str


class SupplementRequest(BaseModel):
    """A supplemental report, as the API sends it to the case's workflow: the grounds with the
    practitioner's changed or added answers merged in (validated as grounds are), and the paths
    of the answers that changed (`dutyflow.domain.supplement`)."""

    practitioner_id: str
    submission: GroundsSubmission
    changed_fields: list[str]


class RecordSupplementInput(BaseModel):
    case_id: str
    actor: Actor
    number: int
    submission: GroundsSubmission
    changed_fields: list[str]


class SupplementSummary(BaseModel):
    """A supplemental report in the case's status: its number, the paths it changed (names,
    never values) and the report id each recipient received it under."""

    number: int
    changed_fields: list[str]
    recorded_by: str
    report_ids: list[str] = []
    delivered: bool = False


class ConfirmationInput(BaseModel):
    case_id: str
    actor: Actor
    review_sha256: str


class DeliveryReceipt(BaseModel):
    report_id: str
    recipient_id: str
    agency_id: str
    # None: the agency took the report but named no reference Dutyflow could read; the
    # practitioner is asked to record it (`AgencyReferenceInput`).
    reference_number: str | None
    received_at: datetime
    duplicate: bool
    decision: str | None = None


class AgencyReferenceInput(BaseModel):
    """The practitioner records the reference an agency gave for a report it took without
    naming one Dutyflow could read (by phone, letter or its portal)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    practitioner_id: str = Field(min_length=1, max_length=64)
    report_id: str = Field(min_length=1, max_length=64)
    reference_number: str = Field(min_length=1, max_length=100)


class RecordAgencyReferenceInput(BaseModel):
    case_id: str
    actor: Actor
    report_id: str
    reference_number: str


class ChannelTask(BaseModel):
    """A report the practitioner takes to the agency by hand (its portal, fax or post) and then
    records as sent: where it goes, and by when (the written report's deadline)."""

    recipient_id: str
    agency_id: str
    agency_name: str
    channel: str
    address: str | None
    report_id: str
    due_at: datetime | None


class ReportSentInput(BaseModel):
    """The practitioner took the report to the agency: when, to which fax number or postal
    address (``sent_to``, fax and post), and the portal's confirmation number (portal)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    practitioner_id: str = Field(min_length=1, max_length=64)
    recipient_id: str = Field(min_length=1, max_length=64)
    sent_at: datetime
    sent_to: str | None = Field(default=None, min_length=1, max_length=300)
    confirmation_number: str | None = Field(default=None, min_length=1, max_length=100)


class RecordReportSentInput(BaseModel):
    case_id: str
    actor: Actor
    task: ChannelTask
    sent: ReportSentInput


class AcknowledgementReceivedInput(BaseModel):
    """An agency's acknowledgement that came by phone or letter, recorded by the practitioner:
    who at the agency, when, how, and the agency's reference."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    practitioner_id: str = Field(min_length=1, max_length=64)
    report_id: str = Field(min_length=1, max_length=64)
    reference_number: str = Field(min_length=1, max_length=100)
    decision: AcknowledgementDecision
    decided_at: datetime
    received_via: Literal["phone", "letter", "email", "portal"]
    acknowledged_by: str = Field(min_length=1, max_length=200)


class ReferenceTask(BaseModel):
    """A delivered report whose agency reference the practitioner is asked to record."""

    report_id: str
    recipient_id: str
    agency_id: str


class AcknowledgementInput(BaseModel):
    case_id: str
    receipt: DeliveryReceipt
    acknowledgement: AgencyAcknowledgement
    # An acknowledgement that came by phone or letter: the practitioner who recorded it, how it
    # came and who at the agency gave it. None: the agency's own (signed callback, receipt).
    recorded_by: Actor | None = None
    received_via: str | None = None
    acknowledged_by: str | None = None


class DeliveryOutcome(BaseModel):
    recipient_id: str
    agency_name: str
    reference_number: str | None
    decision: str | None = None
    delivered_at: datetime
    written_report_due_at: datetime | None
    on_time: bool
    how: str = "intake"


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
    reference_tasks: list[ReferenceTask] = []
    channel_tasks: list[ChannelTask] = []
    disclosure_mode: str | None = None
    inform_client_required: bool | None = None
    awaiting_decisions: list[str] = []
    awaiting_contacts: list[str] = []
    decisions: list[DecisionSummary] = []
    contact_attempts: list[ContactSummary] = []
    hard_stop: HardStop | None = None
    supervision: SupervisionSummary | None = None
    exceptions: list[ExceptionSummary] = []
    supplements: list[SupplementSummary] = []
    outcome: CaseOutcome | None = None
