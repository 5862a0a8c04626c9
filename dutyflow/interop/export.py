"""Loading a case's records and exporting them as one FHIR Bundle (see `dutyflow.interop.fhir`).

Only the records the resources are built from are read: the case (for its ids, kind and policy),
obligations, disclosures (field names), documents (form and render time), deliveries, accounting
entries, the phone report, the ``report-confirmed`` audit entry and each delivery's
``report-delivered`` entry (its place in the audit log's tree). The grounds are never loaded.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from dutyflow import ids
from dutyflow.interop.fhir import (
    DUTYFLOW,
    Confirmer,
    DeliveredReport,
    ExportingSystem,
    LoggedEntry,
    case_bundle,
    client_agreement_of,
)
from dutyflow.store import audit_log
from dutyflow.store.case_file import CaseNotFound, load_case, obligations_for
from dutyflow.store.tables import (
    AccountingEntry,
    DeliveryRecord,
    DisclosureRecord,
    PhoneReportRecord,
    ReportDocument,
)

CONFIRMATION_STEP = "report-confirmed"

__all__ = ["CaseNotFound", "ExportInconsistent", "export_case"]


class ExportInconsistent(RuntimeError):
    """A delivery without the obligation or disclosure it was made under: damaged records."""


def _confirmer(session: Session, case_id: str) -> Confirmer | None:
    confirmed = [
        e for e in audit_log.entries_for_case(session, case_id) if e.step == CONFIRMATION_STEP
    ]
    if not confirmed:
        return None
    last = confirmed[-1]
    return Confirmer(
        actor_id=last.actor_id, actor_role=last.actor_role, confirmed_at=last.recorded_at
    )


DELIVERY_STEP = "report-delivered"


def _logged_deliveries(session: Session, case_id: str) -> dict[str, LoggedEntry]:
    """Each delivered report's ``report-delivered`` audit entry, by report id: its leaf index
    and covering checkpoint."""
    delivered = {
        e.seq: e.details.get("report_id")
        for e in audit_log.entries_for_case(session, case_id)
        if e.step == DELIVERY_STEP and e.seq is not None
    }
    positions = audit_log.logged_positions(session, list(delivered))
    return {
        str(report_id): LoggedEntry(seq, positions[seq].leaf_index, positions[seq].checkpoint)
        for seq, report_id in delivered.items()
        if seq in positions and report_id
    }


def export_case(
    session: Session,
    case_id: str,
    *,
    system: ExportingSystem = DUTYFLOW,
    timestamp: datetime | None = None,
) -> dict[str, Any]:
    """The case's FHIR Bundle (type ``collection``) as a JSON-ready dict. Raises `CaseNotFound`."""
    case = load_case(session, case_id)
    obligations = obligations_for(session, case_id)
    by_recipient = {o.recipient_id: o for o in obligations}
    disclosures = {
        d.recipient_id: d
        for d in session.exec(select(DisclosureRecord).where(DisclosureRecord.case_id == case_id))
    }
    documents = {
        d.recipient_id: d
        for d in session.exec(select(ReportDocument).where(ReportDocument.case_id == case_id))
    }
    accounting = {
        a.entry_id: a
        for a in session.exec(select(AccountingEntry).where(AccountingEntry.case_id == case_id))
    }
    deliveries = session.exec(
        select(DeliveryRecord)
        .where(DeliveryRecord.case_id == case_id)
        .order_by(col(DeliveryRecord.received_at), col(DeliveryRecord.report_id))
    ).all()
    logged = _logged_deliveries(session, case_id)
    delivered = []
    for delivery in deliveries:
        # A supplement's copy is owed under the report's own obligation to its recipient.
        obligation = by_recipient.get(ids.supplemented_recipient_id(delivery.recipient_id))
        disclosure = disclosures.get(delivery.recipient_id)
        if obligation is None or disclosure is None:
            raise ExportInconsistent(
                f"case {case_id}: delivery {delivery.report_id} has no obligation or disclosure"
            )
        delivered.append(
            DeliveredReport(
                delivery=delivery,
                obligation=obligation,
                disclosure=disclosure,
                document=documents.get(delivery.recipient_id),
                accounting=accounting.get(delivery.report_id),
                logged=logged.get(delivery.report_id),
            )
        )
    bundle = case_bundle(
        case,
        delivered,
        obligations=obligations,
        confirmer=_confirmer(session, case_id),
        phone=session.get(PhoneReportRecord, case_id),
        agreement=client_agreement_of(case),
        system=system,
        timestamp=timestamp,
    )
    exported: dict[str, Any] = json.loads(bundle.model_dump_json())
    return exported
