"""A case's timeline for a compliance officer: who did what and when, what was disclosed to whom,
which fields were withheld, and whether each deadline was met.

It merges the workflow history fetched from Temporal (failures decoded through the codec) with
Dutyflow's own audit log; each audit entry carries its leaf in the log's Merkle tree and the
signed checkpoint that covers it. The audit log outlives Temporal's history retention: when the
history is gone, the timeline says so and still stands on the audit log.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlmodel import select
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from dutyflow.store import audit_log
from dutyflow.store.case_file import load_case, obligations_for
from dutyflow.store.db import SessionFactory
from dutyflow.store.tables import AuditEntry, DeliveryRecord, DisclosureRecord

_SKIPPED = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
}


class CheckpointRef(BaseModel):
    """A signed checkpoint of the audit log, as its note states it (root hash in base64)."""

    origin: str
    size: int
    root_hash: str


class TimelineEvent(BaseModel):
    at: datetime
    source: Literal["temporal", "audit"]
    event: str
    actor: str | None = None
    details: dict[str, Any] = {}
    # An audit entry's number, its leaf in the audit log's Merkle tree, and the first signed
    # checkpoint that covers it (None until one is made): `dutyflow audit prove SEQ` proves it.
    audit_seq: int | None = None
    leaf_index: int | None = None
    checkpoint: CheckpointRef | None = None


class DisclosureView(BaseModel):
    recipient_id: str
    agency_name: str
    disclosed_fields: list[str]
    withheld_fields: list[str]
    delivered_at: datetime | None
    reference_number: str | None
    # None where the law sets no written deadline (e.g. a US-NY elder-abuse report, a request
    # without a reply date): such a disclosure cannot be late.
    written_report_due_at: datetime | None
    on_time: bool | None


class CaseTimeline(BaseModel):
    case_id: str
    jurisdiction: str
    kind: str
    clinic_id: str
    policy_version: str
    history_available: bool
    events: list[TimelineEvent]
    disclosures: list[DisclosureView]
    deadlines_met: bool | None


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _event_name(event_type: EventType.ValueType) -> str:
    name = EventType.Name(event_type).removeprefix("EVENT_TYPE_")
    return "".join(part.capitalize() for part in name.split("_"))


async def _history_event(
    client: Client, event: HistoryEvent, scheduled: dict[int, str]
) -> TimelineEvent:
    details: dict[str, Any] = {}
    kind = event.WhichOneof("attributes")
    if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        name = event.activity_task_scheduled_event_attributes.activity_type.name
        scheduled[event.event_id] = name
        details["activity"] = name
    elif kind and kind.startswith("activity_task_"):
        attributes = getattr(event, kind)
        details["activity"] = scheduled.get(attributes.scheduled_event_id, "")
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            details["attempt"] = attributes.attempt
        if event.HasField("activity_task_failed_event_attributes"):
            failure = attributes.failure
            decoded = await client.data_converter.decode_failure(failure)
            details["failure"] = str(decoded)
            if failure.HasField("application_failure_info"):
                details["error_type"] = failure.application_failure_info.type
    elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
        details["update"] = (
            event.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
        )
    elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        details["workflow"] = event.workflow_execution_started_event_attributes.workflow_type.name
    return TimelineEvent(
        at=_utc(event.event_time.ToDatetime()),
        source="temporal",
        event=_event_name(event.event_type),
        details=details,
    )


async def _history(client: Client, case_id: str) -> list[TimelineEvent] | None:
    try:
        events = [e async for e in client.get_workflow_handle(case_id).fetch_history_events()]
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return None
        raise
    scheduled: dict[int, str] = {}
    return [
        await _history_event(client, e, scheduled) for e in events if e.event_type not in _SKIPPED
    ]


async def case_timeline(client: Client, sessions: SessionFactory, case_id: str) -> CaseTimeline:
    """Raises `dutyflow.store.case_file.CaseNotFound` for a case Dutyflow has no record of."""
    with sessions() as session:
        case = load_case(session, case_id)
        entries = audit_log.entries_for_case(session, case_id)
        logged = audit_log.logged_positions(session, [e.seq for e in entries if e.seq])
        obligations = obligations_for(session, case_id)
        disclosed = {
            d.recipient_id: d
            for d in session.exec(
                select(DisclosureRecord).where(DisclosureRecord.case_id == case_id)
            )
        }
        delivered = {
            d.recipient_id: d
            for d in session.exec(select(DeliveryRecord).where(DeliveryRecord.case_id == case_id))
        }
    history = await _history(client, case_id)
    events = [_audit_event(e, logged.get(e.seq or 0)) for e in entries]
    events = sorted([*events, *(history or [])], key=lambda e: (e.at, e.source))
    views = []
    for obligation in obligations:
        disclosure = disclosed.get(obligation.recipient_id)
        delivery = delivered.get(obligation.recipient_id)
        due = _utc(obligation.written_report_due_at) if obligation.written_report_due_at else None
        received = _utc(delivery.received_at) if delivery else None
        views.append(
            DisclosureView(
                recipient_id=obligation.recipient_id,
                agency_name=obligation.agency_name,
                disclosed_fields=disclosure.disclosed_fields if disclosure else [],
                withheld_fields=disclosure.withheld_fields if disclosure else [],
                delivered_at=received,
                reference_number=delivery.reference_number if delivery else None,
                written_report_due_at=due,
                on_time=_on_time(received, due),
            )
        )
    verdicts = [v.on_time for v in views]
    return CaseTimeline(
        case_id=case.case_id,
        jurisdiction=case.jurisdiction,
        kind=case.kind,
        clinic_id=case.clinic_id,
        policy_version=case.policy_version,
        history_available=history is not None,
        events=events,
        disclosures=views,
        deadlines_met=None if not verdicts or None in verdicts else all(verdicts),
    )


def _audit_event(entry: AuditEntry, logged: audit_log.LoggedAt | None) -> TimelineEvent:
    checkpoint = logged.checkpoint if logged is not None else None
    return TimelineEvent(
        at=_utc(entry.recorded_at),
        source="audit",
        event=entry.step,
        actor=f"{entry.actor_role}:{entry.actor_id}",
        details=entry.details,
        audit_seq=entry.seq,
        leaf_index=logged.leaf_index if logged is not None else None,
        checkpoint=CheckpointRef(
            origin=checkpoint.origin, size=checkpoint.size, root_hash=checkpoint.root_base64
        )
        if checkpoint is not None
        else None,
    )


def _on_time(received: datetime | None, due: datetime | None) -> bool | None:
    """Delivered by the deadline; None while it is pending (or, without a deadline, until it is
    delivered: a disclosure with no deadline is never late)."""
    if due is None:
        return True if received is not None else None
    if received is not None:
        return received <= due
    return False if datetime.now(UTC) > due else None


def _logged_text(event: TimelineEvent) -> str:
    if event.leaf_index is None:
        return ""
    covered = f"checkpoint of {event.checkpoint.size}" if event.checkpoint else "no checkpoint yet"
    return f" [entry {event.audit_seq}, leaf {event.leaf_index}, {covered}]"


def timeline_text(timeline: CaseTimeline) -> str:
    lines = [
        f"Case {timeline.case_id}: {timeline.jurisdiction} {timeline.kind}, policy "
        f"{timeline.policy_version}, clinic {timeline.clinic_id}",
    ]
    if not timeline.history_available:
        lines.append("Temporal history: no longer available (retention); the audit log stands.")
    for view in timeline.disclosures:
        verdict = {True: "on time", False: "LATE or missed", None: "pending"}[view.on_time]
        due = (
            f"due {view.written_report_due_at:%Y-%m-%d %H:%M} UTC"
            if view.written_report_due_at is not None
            else "no written deadline"
        )
        lines += [
            f"Disclosure to {view.agency_name} ({view.recipient_id}): {due}; "
            + (
                f"delivered {view.delivered_at:%Y-%m-%d %H:%M:%S} UTC, "
                f"reference {view.reference_number or 'not yet recorded'}"
                if view.delivered_at
                else "not delivered"
            )
            + f" ({verdict})",
            f"  disclosed: {', '.join(view.disclosed_fields) or 'nothing yet'}",
            f"  withheld:  {', '.join(view.withheld_fields) or 'nothing'}",
        ]
    lines.append("Events:")
    for event in timeline.events:
        what = ", ".join(
            f"{k}={v}"
            for k, v in event.details.items()
            if k
            in (
                "activity",
                "attempt",
                "update",
                "error_type",
                "recipient_id",
                "reference_number",
                "policy_version",
                "workflow",
            )
        )
        lines.append(
            f"  {event.at:%Y-%m-%d %H:%M:%S.%f} {event.source:<8} {event.event:<36} "
            f"{event.actor or '':<32} {what}{_logged_text(event)}"
        )
    return "\n".join(lines)
