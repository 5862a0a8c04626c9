"""Portal receipts: the receipt an agency's portal gave for a report the practitioner entered
into it, kept sealed with the case's key (`PortalReceipt`), one per delivered report, attached
in one transaction with its audit entry (who, when, media type, size, hash; never the content).

What is not here: what a receipt may be (`dutyflow.domain.portal_receipts`), who may attach or
read one (the API's case grants)."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from dutyflow.contracts import Actor
from dutyflow.domain.accounting import as_utc
from dutyflow.domain.portal_receipts import CheckedReceipt
from dutyflow.store.db import SessionFactory, reading
from dutyflow.store.steps import record_step
from dutyflow.store.tables import DeliveryRecord, PortalReceipt

RECEIPT_ATTACHED_STEP = "portal-receipt-attached"


@dataclass(frozen=True)
class ReceiptListing:
    """A receipt as a list shows it: no content."""

    report_id: str
    media_type: str
    size_bytes: int
    sha256: str
    attached_by: str
    attached_at: datetime


class ReceiptAlreadyAttached(Exception):
    """The report has its portal's receipt already: a second is refused, nothing written."""


def delivery_of_case(
    sessions: SessionFactory, case_id: str, report_id: str
) -> DeliveryRecord | None:
    with reading(sessions) as session:
        found = session.get(DeliveryRecord, report_id)
    return found if found is not None and found.case_id == case_id else None


def attach_receipt(
    sessions: SessionFactory,
    delivery: DeliveryRecord,
    receipt: CheckedReceipt,
    actor: Actor,
) -> ReceiptListing:
    """The receipt sealed and its audit entry, in one transaction, once per report."""
    sha256 = hashlib.sha256(receipt.content).hexdigest()
    row = PortalReceipt(
        report_id=delivery.report_id,
        case_id=delivery.case_id,
        media_type=receipt.media_type,
        size_bytes=len(receipt.content),
        sha256=sha256,
        content=base64.b64encode(receipt.content).decode(),
        attached_by=actor.actor_id,
    )
    listing = _listing(row)  # read now: the row belongs to the session once written
    written = False

    def write(session: Session) -> None:
        nonlocal written
        if session.get(PortalReceipt, delivery.report_id) is not None:
            raise ReceiptAlreadyAttached
        session.add(row)
        written = True

    record_step(
        sessions,
        case_id=delivery.case_id,
        step=RECEIPT_ATTACHED_STEP,
        key_suffix=delivery.report_id,
        actor=actor,
        content_sha256=sha256,
        details={
            "report_id": delivery.report_id,
            "agency_id": delivery.agency_id,
            "media_type": receipt.media_type,
            "size_bytes": len(receipt.content),
            "sha256": sha256,
        },
        write=write,
    )
    if not written:  # the step was recorded before: the report has its receipt
        raise ReceiptAlreadyAttached
    return listing


def receipts_of_case(session: Session, case_id: str) -> list[ReceiptListing]:
    """The case's receipts without their content: only the plain columns are read, so nothing
    is opened (and a case whose key was destroyed still lists them)."""
    rows = session.exec(
        select(  # type: ignore[call-overload]  # sqlmodel types at most four columns
            PortalReceipt.report_id,
            PortalReceipt.media_type,
            PortalReceipt.size_bytes,
            PortalReceipt.sha256,
            PortalReceipt.attached_by,
            PortalReceipt.attached_at,
        )
        .where(PortalReceipt.case_id == case_id)
        .order_by(PortalReceipt.attached_at)  # type: ignore[arg-type]
    ).all()
    return [
        ReceiptListing(
            report_id=report_id,
            media_type=media_type,
            size_bytes=size_bytes,
            sha256=sha256,
            attached_by=attached_by,
            attached_at=as_utc(attached_at),
        )
        for report_id, media_type, size_bytes, sha256, attached_by, attached_at in rows
    ]


def receipt_content(
    sessions: SessionFactory, case_id: str, report_id: str
) -> tuple[str, bytes] | None:
    """The receipt's media type and content (opened with the case's key), if the case has it."""
    with reading(sessions) as session:
        row = session.get(PortalReceipt, report_id)
        if row is None or row.case_id != case_id:
            return None
        return row.media_type, base64.b64decode(row.content)


def _listing(row: PortalReceipt) -> ReceiptListing:
    return ReceiptListing(
        report_id=row.report_id,
        media_type=row.media_type,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        attached_by=row.attached_by,
        # SQLite gives back times without their zone: they were stored in UTC.
        attached_at=as_utc(row.attached_at),
    )
