"""The wire contract between Dutyflow and an agency's intake endpoint.

Dutyflow POSTs a `ReportTransmission` as JSON with an ``Idempotency-Key`` header equal to its
``report_id``; the intake answers with an `IntakeReceipt`. The same key always yields the same
receipt, so a retried delivery never creates a second report at the agency.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

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


class IntakeReceipt(BaseModel):
    reference_number: str
    received_at: datetime
    duplicate: bool = False
