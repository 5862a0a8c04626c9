"""What an agency's account sees at Dutyflow: the reports delivered to that agency, nothing else.

    GET /agency/reports                the reports delivered to the caller's agency
    GET /agency/reports/{report_id}    one of them, the rendered document exactly as delivered

Agency users only (403 for every other role). A report delivered to another agency answers 404,
exactly as an unknown one does. The listing carries ids, the form, times and the agency's own
reference number, never a case id; the document is what the agency already received. Both reads
are audited before they are answered (step ``case-content-read``).

The agency's acknowledgement of a report is `dutyflow.api.routes.acknowledgements`.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel
from sqlmodel import Session, col, select

from dutyflow import ids
from dutyflow.api.deps import AgencyUser, SessionsDep
from dutyflow.auth.case_access import audit_content_read
from dutyflow.domain.agency_inbox import report_status, report_urgency, reporter_phone
from dutyflow.store.tables import (
    AcknowledgementRecord,
    CaseRecord,
    DeliveryRecord,
    DisclosureRecord,
    ObligationRecord,
    ReportDocument,
)

router = APIRouter(prefix="/agency", tags=["agency"])

_SUBJECT_LIMIT = 64  # AuditEntry.case_id


class DeliveredReport(BaseModel):
    report_id: str
    form_id: str | None
    reference_number: str | None
    received_at: datetime
    delivered_at: datetime
    # The report's kind and jurisdiction, and the agency's own acknowledgement of it (its
    # decision; None while it awaits one): what an inbox is sorted and read by.
    jurisdiction: str | None = None
    kind: str | None = None
    acknowledgement: str | None = None
    # How urgent the report is under the case's policy, where it stands (received,
    # acknowledged, supplemented), the report it supplements (the agency's reference) and the
    # reporter's phone number, when the agency received it (`dutyflow.domain.agency_inbox`).
    urgency: str = "routine"
    urgency_words: str = ""
    status: str = "received"
    supplement_to: str | None = None
    reporter_phone: str | None = None


class DeliveredDocument(DeliveredReport):
    sha256: str
    text: str
    html: str


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def agency_subject(agency_id: str) -> str:
    """The audit chain's pseudo case id for an agency's listing: ``agency:<agency_id>``."""
    subject = f"agency:{agency_id}"
    if len(subject) <= _SUBJECT_LIMIT:
        return subject
    return f"agency-sha256:{hashlib.sha256(agency_id.encode()).hexdigest()[:50]}"


def _document(session: Session, delivery: DeliveryRecord) -> ReportDocument | None:
    """The document as delivered: the one of the delivery's case and recipient with its hash."""
    return session.exec(
        select(ReportDocument).where(
            ReportDocument.case_id == delivery.case_id,
            ReportDocument.recipient_id == delivery.recipient_id,
            ReportDocument.sha256 == delivery.document_sha256,
        )
    ).first()


def _delivered_to(session: Session, agency_id: str | None) -> list[DeliveredReport]:
    """The reports delivered to the agency, newest first, each with its form."""
    deliveries = session.exec(
        select(DeliveryRecord)
        .where(DeliveryRecord.agency_id == agency_id)
        .order_by(col(DeliveryRecord.delivered_at).desc())
    ).all()
    forms = (
        {
            (row[0], row[1], row[2]): row[3]
            for row in session.exec(
                select(
                    ReportDocument.case_id,
                    ReportDocument.recipient_id,
                    ReportDocument.sha256,
                    ReportDocument.form_id,
                ).where(col(ReportDocument.case_id).in_({d.case_id for d in deliveries}))
            ).all()
        }
        if deliveries
        else {}
    )
    kinds = _kinds_of(session, {d.case_id for d in deliveries})
    acknowledged = _acknowledgements_of(session, [d.report_id for d in deliveries])
    # A supplement's copy names its recipient ``<recipient>/supplement-<n>``: the report it
    # supplements is the one delivered under the recipient's own id.
    originals = {
        (d.case_id, d.recipient_id): d
        for d in deliveries
        if ids.supplemented_recipient_id(d.recipient_id) == d.recipient_id
    }
    supplemented = {
        (d.case_id, ids.supplemented_recipient_id(d.recipient_id))
        for d in deliveries
        if (d.case_id, d.recipient_id) not in originals
    }
    obligations = _rows_by_id(
        session,
        ObligationRecord,
        {
            ids.obligation_id(d.case_id, ids.supplemented_recipient_id(d.recipient_id))
            for d in deliveries
        },
    )
    disclosures = _rows_by_id(
        session,
        DisclosureRecord,
        {ids.disclosure_id(d.case_id, d.recipient_id) for d in deliveries},
    )
    listed = []
    for d in deliveries:
        recipient_id = ids.supplemented_recipient_id(d.recipient_id)
        obligation = obligations.get(ids.obligation_id(d.case_id, recipient_id))
        disclosure = disclosures.get(ids.disclosure_id(d.case_id, d.recipient_id))
        urgency = report_urgency(
            obligation.phone_report_due_at if obligation else None,
            obligation.written_report_due_at if obligation else None,
        )
        original = originals.get((d.case_id, recipient_id))
        is_supplement = original is not None and original.report_id != d.report_id
        listed.append(
            DeliveredReport(
                report_id=d.report_id,
                form_id=forms.get((d.case_id, d.recipient_id, d.document_sha256)),
                reference_number=d.reference_number,
                received_at=_utc(d.received_at),
                delivered_at=_utc(d.delivered_at),
                jurisdiction=kinds.get(d.case_id, (None, None))[0],
                kind=kinds.get(d.case_id, (None, None))[1],
                acknowledgement=acknowledged.get(d.report_id),
                urgency=urgency.level,
                urgency_words=urgency.words,
                status=report_status(
                    acknowledged.get(d.report_id),
                    not is_supplement and (d.case_id, recipient_id) in supplemented,
                ),
                supplement_to=(
                    (original.reference_number or original.report_id)
                    if is_supplement and original
                    else None
                ),
                reporter_phone=reporter_phone(disclosure.fields) if disclosure else None,
            )
        )
    return listed


def _rows_by_id(session: Session, table: type[Any], keys: set[str]) -> dict[str, Any]:
    """The rows of ``table`` under these primary keys, in one query, by key."""
    if not keys:
        return {}
    key = next(iter(table.__table__.primary_key.columns))
    rows = session.exec(select(table).where(col(getattr(table, key.name)).in_(keys))).all()
    return {getattr(row, key.name): row for row in rows}


def _kinds_of(session: Session, case_ids: set[str]) -> dict[str, tuple[str, str]]:
    """Each case's (jurisdiction, kind)."""
    if not case_ids:
        return {}
    rows = session.exec(
        select(CaseRecord.case_id, CaseRecord.jurisdiction, CaseRecord.kind).where(
            col(CaseRecord.case_id).in_(case_ids)
        )
    ).all()
    return {case_id: (jurisdiction, kind) for case_id, jurisdiction, kind in rows}


def _acknowledgements_of(session: Session, report_ids: list[str]) -> dict[str, str]:
    """Each acknowledged report's decision."""
    if not report_ids:
        return {}
    rows = session.exec(
        select(AcknowledgementRecord.report_id, AcknowledgementRecord.decision).where(
            col(AcknowledgementRecord.report_id).in_(report_ids)
        )
    ).all()
    return dict(rows)


@router.get("/reports", response_model=list[DeliveredReport])
def delivered_reports(  # sync: FastAPI runs it in its thread pool
    principal: AgencyUser, sessions: SessionsDep
) -> list[DeliveredReport]:
    """The reports delivered to the caller's agency, newest first."""
    with sessions() as session:
        listing = _delivered_to(session, principal.agency_id)
    audit_content_read(
        sessions,
        principal,
        agency_subject(principal.agency_id or ""),
        "agency-reports",
        [r.model_dump(mode="json") for r in listing],
        count=len(listing),
    )
    return listing


@router.get("/reports/{report_id}", response_model=DeliveredDocument)
def delivered_document(  # sync: FastAPI runs it in its thread pool
    report_id: str, principal: AgencyUser, sessions: SessionsDep
) -> DeliveredDocument:
    """The rendered report (text and HTML) exactly as it was delivered to the caller's
    agency."""
    with sessions() as session:
        delivery = session.get(DeliveryRecord, report_id)
        if delivery is None or delivery.agency_id != principal.agency_id:
            raise HTTPException(status_code=404, detail="report_id: no such report")
        document = _document(session, delivery)
        if document is None:
            raise HTTPException(status_code=404, detail="report_id: no such report")
        answer = DeliveredDocument(
            report_id=delivery.report_id,
            form_id=document.form_id,
            reference_number=delivery.reference_number,
            received_at=_utc(delivery.received_at),
            delivered_at=_utc(delivery.delivered_at),
            sha256=document.sha256,
            text=document.text,
            html=document.html,
        )
    audit_content_read(
        sessions,
        principal,
        delivery.case_id,
        "agency-report",
        answer.model_dump(mode="json"),
        report_id=report_id,
    )
    return answer
