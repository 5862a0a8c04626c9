"""Lists of cases: open cases by stage from Temporal visibility; overdue and at-risk cases from
Dutyflow's ``duty`` table, so that every duty with a deadline counts (the phone report, the
written report, the contacts, the acknowledgement follow-up, the decision to inform the client),
not the written report alone. By clinic, jurisdiction and kind. Search attributes hold
categories and dates only; the duty table, kinds, roles and times."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, field_validator
from temporalio.client import Client, WorkflowExecution, WorkflowExecutionStatus

from dutyflow.contracts import (
    CLINIC,
    JURISDICTION,
    REPORT_KIND,
    STAGE,
    WORKFLOW_TYPE,
    WRITTEN_REPORT_DUE,
)
from dutyflow.store import duties
from dutyflow.store.db import SessionFactory

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")


class CaseFilter(BaseModel):
    stage: str | None = None
    clinic: str | None = None
    jurisdiction: str | None = None
    kind: str | None = None
    open_only: bool = True
    overdue: bool = False
    at_risk_within_hours: float | None = None

    @field_validator("stage", "clinic", "jurisdiction", "kind")
    @classmethod
    def _plain(cls, value: str | None) -> str | None:
        if value is not None and not _SAFE.fullmatch(value):
            raise ValueError("letters, digits, '_', '.', ':' or '-' only")
        return value

    @field_validator("at_risk_within_hours")
    @classmethod
    def _positive(cls, value: float | None) -> float | None:
        if value is not None and not 0 < value <= 24 * 365:
            raise ValueError("must be a number of hours between 0 and 8760")
        return value


class DutyDue(BaseModel):
    """One open duty of a listed case: its kind, when it is due, whom it was escalated to."""

    deadline_id: str
    kind: str
    due_at: datetime
    overdue: bool
    escalated_to: str | None


class CaseListing(BaseModel):
    case_id: str
    running: bool
    stage: str | None
    clinic: str | None
    jurisdiction: str | None
    kind: str | None
    written_report_due: datetime | None
    overdue: bool
    # The earliest open duty's deadline, and the open duties in the list's window (overdue and
    # at-risk lists only).
    next_due: datetime | None = None
    duties: list[DutyDue] = []


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def visibility_query(filters: CaseFilter, now: datetime) -> str:
    clauses = [f'WorkflowType = "{WORKFLOW_TYPE}"']
    if filters.open_only or filters.overdue or filters.at_risk_within_hours:
        clauses.append('ExecutionStatus = "Running"')
    for key, value in (
        (STAGE, filters.stage),
        (CLINIC, filters.clinic),
        (JURISDICTION, filters.jurisdiction),
        (REPORT_KIND, filters.kind),
    ):
        if value is not None:
            clauses.append(f'{key.name} = "{value}"')
    if filters.overdue:
        clauses.append(f'{WRITTEN_REPORT_DUE.name} < "{_iso(now)}"')
    if filters.at_risk_within_hours:
        horizon = now + timedelta(hours=filters.at_risk_within_hours)
        clauses.append(f'{WRITTEN_REPORT_DUE.name} >= "{_iso(now)}"')
        clauses.append(f'{WRITTEN_REPORT_DUE.name} <= "{_iso(horizon)}"')
    return " AND ".join(clauses)


def _listing(execution: WorkflowExecution, now: datetime) -> CaseListing:
    attributes = execution.typed_search_attributes
    due = attributes.get(WRITTEN_REPORT_DUE)
    running = execution.status == WorkflowExecutionStatus.RUNNING
    return CaseListing(
        case_id=execution.id,
        running=running,
        stage=attributes.get(STAGE),
        clinic=attributes.get(CLINIC),
        jurisdiction=attributes.get(JURISDICTION),
        kind=attributes.get(REPORT_KIND),
        written_report_due=due,
        overdue=bool(running and due is not None and due < now),
    )


async def list_cases(
    client: Client,
    filters: CaseFilter,
    now: datetime | None = None,
    sessions: SessionFactory | None = None,
) -> list[CaseListing]:
    """The cases that match; overdue and at-risk ones from the duty table when ``sessions`` is
    given (the written report's search attribute alone otherwise)."""
    now = now or datetime.now(UTC)
    if sessions is not None and (filters.overdue or filters.at_risk_within_hours):
        return await _cases_with_duties_due(client, sessions, filters, now)
    listings = [
        _listing(e, now) async for e in client.list_workflows(visibility_query(filters, now))
    ]
    return sorted(
        listings, key=lambda c: (c.written_report_due is None, c.written_report_due or now)
    )


def duty_window(filters: CaseFilter, now: datetime) -> duties.DutyFilter:
    """Overdue: open duties due before now. At risk: open duties due from now to the horizon."""
    if filters.overdue:
        return duties.DutyFilter(
            due_before=now,
            clinic=filters.clinic,
            jurisdiction=filters.jurisdiction,
            report_kind=filters.kind,
        )
    assert filters.at_risk_within_hours is not None
    return duties.DutyFilter(
        due_before=now + timedelta(hours=filters.at_risk_within_hours),
        due_from=now,
        clinic=filters.clinic,
        jurisdiction=filters.jurisdiction,
        report_kind=filters.kind,
    )


async def _cases_with_duties_due(
    client: Client, sessions: SessionFactory, filters: CaseFilter, now: datetime
) -> list[CaseListing]:
    with sessions() as session:
        found = duties.open_duties(session, duty_window(filters, now))
    listings: dict[str, CaseListing] = {}
    for open_duty in found:  # earliest first
        duty = open_duty.duty
        due_at = duty.due_at if duty.due_at.tzinfo else duty.due_at.replace(tzinfo=UTC)
        listing = listings.get(duty.case_id)
        if listing is None:
            listing = listings[duty.case_id] = CaseListing(
                case_id=duty.case_id,
                running=True,
                stage=None,
                clinic=open_duty.clinic_id,
                jurisdiction=open_duty.jurisdiction,
                kind=open_duty.report_kind,
                written_report_due=None,
                overdue=False,
                next_due=due_at,
            )
        listing.duties.append(
            DutyDue(
                deadline_id=duty.deadline_id,
                kind=duty.kind,
                due_at=due_at,
                overdue=due_at < now,
                escalated_to=duty.escalated_to,
            )
        )
        listing.overdue = listing.overdue or due_at < now
    await _add_stages(client, listings, now)
    if filters.stage is not None:
        return [c for c in listings.values() if c.stage == filters.stage]
    return list(listings.values())


async def _add_stages(client: Client, listings: dict[str, CaseListing], now: datetime) -> None:
    """Each listed case's stage and written report deadline, from visibility, a page at a time.
    A case no longer running (terminated, say) leaves the list: nobody owes it anything now."""
    case_ids = list(listings)
    for start in range(0, len(case_ids), 100):
        page = case_ids[start : start + 100]
        named = ", ".join(f'"{case_id}"' for case_id in page if _SAFE.fullmatch(case_id))
        if not named:
            continue
        query = f'WorkflowType = "{WORKFLOW_TYPE}" AND WorkflowId IN ({named})'
        async for execution in client.list_workflows(query):
            found = _listing(execution, now)
            listing = listings.get(found.case_id)
            if listing is None:
                continue
            if not found.running:
                del listings[found.case_id]
                continue
            listing.stage = found.stage
            listing.written_report_due = found.written_report_due
