"""A delivered case's records, inserted directly (as the workflow would have written them), with a
marker planted in every piece of case content the FHIR export must never carry."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from dutyflow.demo.example_case import grounds_submission, opening_request, phone_report
from dutyflow.domain.audit import content_sha256
from dutyflow.store import audit_log
from dutyflow.store.db import SessionFactory
from dutyflow.store.tables import (
    AccountingEntry,
    CaseRecord,
    DeliveryRecord,
    DisclosureRecord,
    GroundsRecord,
    ObligationRecord,
    PhoneReportRecord,
    ReportDocument,
)

CHILD_ABUSE_BASIS = "45 CFR 164.512(b)(1)(ii)"
DISCLOSED = [
    "reporter.name",
    "reporter.title",
    "victim.name",
    "victim.birth_date",
    "grounds.observations",
    "phone_report.reference_number",
]
WITHHELD = ["clinical_context.psychotherapy_notes", "victim.medical_record_number"]


@dataclass
class Recipient:
    recipient_id: str
    agency_id: str
    agency_name: str
    intake_url: str
    legal_basis: str = CHILD_ABUSE_BASIS
    purpose: str = "Report of suspected child abuse or neglect required by Cal. Penal Code 11166"
    phoned: bool = True


@dataclass
class SeededCase:
    case_id: str
    client_id: str
    practitioner_id: str
    confirmer_id: str
    marker: str
    hotline_reference: str
    report_ids: dict[str, str] = field(default_factory=dict)  # recipient_id -> report_id
    received_at: dict[str, datetime] = field(default_factory=dict)


COUNTY_CWS = Recipient(
    recipient_id="county-child-welfare",
    agency_id="us-ca-demo-cws",
    agency_name="Demo County Child Welfare Services",
    intake_url="http://127.0.0.1:8001/intake/us-ca-demo-cws/reports",
)
SHERIFF = Recipient(
    recipient_id="law-enforcement",
    agency_id="us-ca-demo-sheriff",
    agency_name="Demo County Sheriff",
    intake_url="http://127.0.0.1:8001/intake/us-ca-demo-sheriff/reports",
    phoned=False,
)


def seed_case(
    sessions: SessionFactory,
    *,
    kind: str = "child-abuse",
    recipients: tuple[Recipient, ...] = (COUNTY_CWS,),
    with_phone_report: bool = True,
    confirmed: bool = True,
    opening_extra: dict[str, Any] | None = None,
) -> SeededCase:
    token = uuid.uuid4().hex
    marker = f"SECRETMARKER{token[:12]}"
    case_id = f"case-{token}"
    now = datetime.now(UTC).replace(microsecond=0)
    seeded = SeededCase(
        case_id=case_id,
        client_id=f"client-{token[:8]}",
        practitioner_id="practitioner-0042",
        confirmer_id="practitioner-0042",
        marker=marker,
        hotline_reference=f"HOTLINE-{token[:6]}",
    )
    opening = opening_request(case_id=case_id, kind=kind, client_id=seeded.client_id)
    opening["reporter"] = {
        **opening["reporter"],
        "name": f"Dr. {marker}",
        "business_address": f"1 {marker} Road",
    }
    opening.update(opening_extra or {})
    grounds = grounds_submission(now)
    grounds["victim"] = {
        **grounds["victim"],
        "name": f"Victim {marker}",
        "address": f"12 {marker} Street",
    }
    grounds["grounds"] = {**grounds["grounds"], "observations": f"Narrative {marker}"}
    phone = {
        **phone_report(now),
        "official_name": f"Official {marker}",
        "reference_number": seeded.hotline_reference,
    }

    with sessions() as session, session.begin():
        session.add(
            CaseRecord(
                case_id=case_id,
                jurisdiction="US-CA",
                kind=kind,
                county="Demo County",
                clinic_id="clinic-demo-01",
                practitioner_id=seeded.practitioner_id,
                client_id=seeded.client_id,
                policy_version="2026.1",
                opening=opening,
            )
        )
        session.flush()
        session.add(
            GroundsRecord(
                case_id=case_id,
                submission=grounds,
                content_sha256=content_sha256(grounds),
                suspicion_formed_at=now - timedelta(hours=2),
                recorded_by=seeded.practitioner_id,
            )
        )
        if with_phone_report:
            session.add(
                PhoneReportRecord(
                    case_id=case_id,
                    phone_report=phone,
                    content_sha256=content_sha256(phone),
                    recorded_by=seeded.practitioner_id,
                )
            )
        for index, recipient in enumerate(recipients):
            key = f"{case_id}/{recipient.recipient_id}"
            session.add(
                ObligationRecord(
                    obligation_id=key,
                    case_id=case_id,
                    recipient_id=recipient.recipient_id,
                    agency_id=recipient.agency_id,
                    agency_name=recipient.agency_name,
                    agency_address="100 Agency Plaza, Demo City, CA 90000",
                    intake_url=recipient.intake_url,
                    form_id="us-ca-ss8572",
                    legal_basis=recipient.legal_basis,
                    purpose=recipient.purpose,
                    phone_report_due_at=(now + timedelta(hours=1)) if recipient.phoned else None,
                    written_report_due_at=now + timedelta(hours=36),
                    policy_version="2026.1",
                    citations=["Cal. Penal Code 11166(a)"],
                )
            )
            fields = {
                "victim": {"name": f"Victim {marker}"},
                "grounds": {"observations": f"Narrative {marker}"},
            }
            session.add(
                DisclosureRecord(
                    disclosure_id=key,
                    case_id=case_id,
                    recipient_id=recipient.recipient_id,
                    agency_id=recipient.agency_id,
                    fields=fields,
                    disclosed_fields=DISCLOSED,
                    withheld_fields=WITHHELD,
                    content_sha256=content_sha256(fields),
                )
            )
            session.flush()
            document_sha = content_sha256({"doc": key})
            session.add(
                ReportDocument(
                    document_id=key,
                    case_id=case_id,
                    disclosure_id=key,
                    recipient_id=recipient.recipient_id,
                    form_id="us-ca-ss8572",
                    html=f"<p>Victim {marker}</p>",
                    text=f"Victim {marker}",
                    sha256=document_sha,
                )
            )
            if confirmed and index == 0:
                audit_log.append(
                    session,
                    case_id=case_id,
                    step="report-confirmed",
                    actor_id=seeded.confirmer_id,
                    actor_role="practitioner",
                    content_sha256="ab" * 32,
                    details={"review_sha256": "ab" * 32},
                    idempotency_key=f"{case_id}/report-confirmed",
                )
            report_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{key}/{document_sha}"))
            received = now + timedelta(minutes=index + 1)
            seeded.report_ids[recipient.recipient_id] = report_id
            seeded.received_at[recipient.recipient_id] = received
            session.add(
                DeliveryRecord(
                    report_id=report_id,
                    case_id=case_id,
                    recipient_id=recipient.recipient_id,
                    agency_id=recipient.agency_id,
                    document_sha256=document_sha,
                    reference_number=f"REF-{index}-{token[:6]}",
                    received_at=received,
                )
            )
            session.add(
                AccountingEntry(
                    entry_id=report_id,
                    client_id=seeded.client_id,
                    case_id=case_id,
                    disclosed_at=received,
                    recipient_agency_id=recipient.agency_id,
                    recipient_role=recipient.recipient_id,
                    recipient_name=recipient.agency_name,
                    recipient_address="100 Agency Plaza, Demo City, CA 90000",
                    information_disclosed="Suspected Child Abuse Report (SS 8572): victim.",
                    purpose=recipient.purpose,
                    legal_basis=f"{recipient.legal_basis}; Cal. Penal Code 11165.9",
                    policy_version="2026.1",
                )
            )
    return seeded
