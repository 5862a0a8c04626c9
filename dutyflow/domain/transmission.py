"""The wire contract between Dutyflow and an agency's intake endpoint.

Dutyflow POSTs a `ReportTransmission` as JSON with an ``Idempotency-Key`` header equal to its
``report_id``; the intake answers with an `IntakeReceipt`. The same key always yields the same
receipt, so a retried delivery never creates a second report at the agency.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

IDEMPOTENCY_HEADER = "Idempotency-Key"


class TransmittedDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    html: str
    text: str
    sha256: str


class ReportTransmission(BaseModel):
    model_config = ConfigDict(extra="forbid")

    report_id: str
    case_reference: str
    recipient_id: str
    form: str
    jurisdiction: str
    kind: str
    policy_version: str
    sent_at: datetime
    fields: dict[str, Any]
    document: TransmittedDocument
    acknowledgement_url: str | None = None
    # A supplemental report: the id of the report it supplements (the agency holds that one).
    supplemental_to: str | None = None
    # The sender's statutory deadlines for this report, under its policy: a phone report first
    # (the law's "immediately"), the written report's due time. None: none applies.
    phone_report_due_at: datetime | None = None
    written_report_due_at: datetime | None = None


class AcknowledgementDecision(StrEnum):
    ACCEPTED = "accepted"
    SCREENED_OUT = "screened-out"


class AgencyAcknowledgement(BaseModel):
    """What an agency posts back (signed) to ``acknowledgement_url`` once it has decided."""

    model_config = ConfigDict(extra="forbid")

    report_id: str = Field(min_length=1, max_length=64)
    reference_number: str = Field(min_length=1, max_length=100)
    decision: AcknowledgementDecision
    decided_at: datetime
    note: str | None = Field(default=None, max_length=1000)


class IntakeReceipt(BaseModel):
    """The agency's answer to the POST: the report is in its hands, under this reference.
    ``received_at`` is optional (Dutyflow then records when it read the receipt). An agency that
    decides at once may put its ``decision`` here; otherwise it acknowledges later by callback."""

    reference_number: str = Field(min_length=1, max_length=100)
    received_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    duplicate: bool = False
    decision: AcknowledgementDecision | None = None
