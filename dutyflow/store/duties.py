"""The ``duty`` table and the queries on it: a case's duties written as the workflow takes them
on, met and escalated; the open duties overdue or at risk, by deadline, for the lists.

The lists read the partial index of open duties by deadline (``ix_duty_open_by_due``), so they
stay fast however many cases are closed. No case content is read here: kinds, roles and times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from dutyflow import ids
from dutyflow.store.tables import CaseRecord, DutyRecord


def take_on(
    session: Session,
    *,
    case_id: str,
    deadline_id: str,
    kind: str,
    due_at: datetime,
    citation: str,
) -> DutyRecord:
    """The duty, written once: a second call finds it and leaves it as it is."""
    duty_id = ids.duty_id(case_id, deadline_id)
    existing = session.get(DutyRecord, duty_id)
    if existing is not None:
        return existing
    duty = DutyRecord(
        duty_id=duty_id,
        case_id=case_id,
        deadline_id=deadline_id,
        kind=kind,
        due_at=due_at,
        citation=citation,
    )
    session.add(duty)
    return duty


def mark_met(session: Session, case_id: str, deadline_id: str, met_at: datetime) -> None:
    """The duty met (the first time counts)."""
    duty = session.get(DutyRecord, ids.duty_id(case_id, deadline_id))
    if duty is not None and duty.met_at is None:
        duty.met_at = met_at
        session.add(duty)


def mark_escalated(session: Session, case_id: str, deadline_id: str, notify: str) -> None:
    """One more step of the duty's ladder told. A duty taken on before duties were tracked has
    no row, and nothing to mark."""
    duty = session.get(DutyRecord, ids.duty_id(case_id, deadline_id))
    if duty is not None:
        duty.escalation_level += 1
        duty.escalated_to = notify
        session.add(duty)


@dataclass(frozen=True)
class OpenDuty:
    """An open duty with the case's clinic, practitioner, jurisdiction and kind of report."""

    duty: DutyRecord
    clinic_id: str
    practitioner_id: str
    jurisdiction: str
    report_kind: str


@dataclass(frozen=True)
class DutyFilter:
    due_before: datetime
    due_from: datetime | None = None
    clinic: str | None = None
    jurisdiction: str | None = None
    report_kind: str | None = None
    limit: int = 1000


def open_duties(session: Session, filters: DutyFilter) -> list[OpenDuty]:
    """Open duties due before ``due_before`` (and from ``due_from``), earliest first."""
    query = (
        select(DutyRecord, CaseRecord)
        .join(CaseRecord, col(CaseRecord.case_id) == col(DutyRecord.case_id))
        .where(col(DutyRecord.met_at).is_(None))
        .where(col(DutyRecord.due_at) < filters.due_before)
    )
    if filters.due_from is not None:
        query = query.where(col(DutyRecord.due_at) >= filters.due_from)
    if filters.clinic is not None:
        query = query.where(col(CaseRecord.clinic_id) == filters.clinic)
    if filters.jurisdiction is not None:
        query = query.where(col(CaseRecord.jurisdiction) == filters.jurisdiction)
    if filters.report_kind is not None:
        query = query.where(col(CaseRecord.kind) == filters.report_kind)
    query = query.order_by(col(DutyRecord.due_at)).limit(filters.limit)
    return [
        OpenDuty(
            duty=duty,
            clinic_id=case.clinic_id,
            practitioner_id=case.practitioner_id,
            jurisdiction=case.jurisdiction,
            report_kind=case.kind,
        )
        for duty, case in session.exec(query).all()
    ]


def duties_of_case(session: Session, case_id: str) -> Sequence[DutyRecord]:
    return session.exec(
        select(DutyRecord)
        .where(col(DutyRecord.case_id) == case_id)
        .order_by(col(DutyRecord.due_at))
    ).all()
