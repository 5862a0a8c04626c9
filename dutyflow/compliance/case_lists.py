"""Lists of cases from Temporal visibility: open cases by stage, overdue and at-risk cases, by
clinic, jurisdiction and kind. Search attributes hold categories and dates only."""

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


class CaseListing(BaseModel):
    case_id: str
    running: bool
    stage: str | None
    clinic: str | None
    jurisdiction: str | None
    kind: str | None
    written_report_due: datetime | None
    overdue: bool


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
    client: Client, filters: CaseFilter, now: datetime | None = None
) -> list[CaseListing]:
    now = now or datetime.now(UTC)
    listings = [
        _listing(e, now) async for e in client.list_workflows(visibility_query(filters, now))
    ]
    return sorted(
        listings, key=lambda c: (c.written_report_due is None, c.written_report_due or now)
    )
