"""Scripted disclosures for the accounting tests: case records and accounting entries written
straight into the shared test database (as the delivery activity writes them), each test under
client ids of its own."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from dutyflow.store.db import SessionFactory
from dutyflow.store.tables import AccountingEntry, CaseRecord

AS_OF = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

WELFARE = (
    "demo-county-cws",
    "county-child-welfare",
    "Demo County Child Welfare Services",
    "100 Main Street, Demo City, CA 90000",
)
SHERIFF = (
    "demo-county-sheriff",
    "law-enforcement",
    "Demo County Sheriff's Department",
    "200 Main Street, Demo City, CA 90000",
)


def years_before(moment: datetime, years: int) -> datetime:
    return moment.replace(year=moment.year - years)


def new_client() -> str:
    return f"client-{uuid.uuid4().hex[:12]}"


def entry(
    client_id: str,
    disclosed_at: datetime,
    agency: tuple[str, str, str, str] = WELFARE,
    *,
    case_id: str | None = None,
    recipient_name: str | None = None,
) -> AccountingEntry:
    agency_id, role, name, address = agency
    return AccountingEntry(
        entry_id=f"report-{uuid.uuid4().hex}",
        client_id=client_id,
        case_id=case_id or f"case-{uuid.uuid4().hex[:12]}",
        disclosed_at=disclosed_at,
        recipient_agency_id=agency_id,
        recipient_role=role,
        recipient_name=recipient_name or name,
        recipient_address=address,
        information_disclosed=(
            "Suspected Child Abuse Report (SS 8572): the identity, contact details and "
            "whereabouts of the person at risk; the grounds for the report."
        ),
        purpose="Mandated report of suspected child abuse",
        legal_basis="Cal. Penal Code 11166(a); 45 CFR 164.512(b)(1)(ii)",
        policy_version="2026.1",
    )


@dataclass
class Disclosures:
    """Writes scripted disclosures as the delivery activity would: a case, then its entries."""

    sessions: SessionFactory
    written: list[AccountingEntry] = field(default_factory=list)

    def add(self, *entries: AccountingEntry) -> list[AccountingEntry]:
        with self.sessions() as session, session.begin():
            for item in entries:
                if session.get(CaseRecord, item.case_id) is None:
                    session.add(
                        CaseRecord(
                            case_id=item.case_id,
                            jurisdiction="US-CA",
                            kind="child-abuse",
                            county="Demo County",
                            clinic_id="clinic-1",
                            practitioner_id="practitioner-0042",
                            client_id=item.client_id,
                            policy_version=item.policy_version,
                            opening={},
                            opened_at=item.disclosed_at - timedelta(hours=2),
                        )
                    )
                    session.flush()
                session.add(item)
        self.written += entries
        return list(entries)
