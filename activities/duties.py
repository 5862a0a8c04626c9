"""Activities that track a case's duties: each duty written when the workflow starts watching
its deadline, and marked met when the workflow sees it met; each with its audit entry, in one
transaction, at most once (a retry finds its own entry).

Escalation (a step of the ladder told) is marked by `CaseRecordActivities.escalate_deadline`.
"""

from __future__ import annotations

from sqlmodel import Session
from temporalio import activity

from dutyflow.contracts import SYSTEM, DutyInput, DutyMetInput, StepRecorded
from dutyflow.domain.audit import content_sha256
from dutyflow.store import duties
from dutyflow.store.db import SessionFactory
from dutyflow.store.steps import record_step, step_recorded


class DutyActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn(name="track_duty")
    def track_duty(self, request: DutyInput) -> StepRecorded:
        def write(session: Session) -> None:
            duties.take_on(
                session,
                case_id=request.case_id,
                deadline_id=request.deadline_id,
                kind=request.kind,
                due_at=request.due_at,
                citation=request.citation,
            )

        entry = record_step(
            self._sessions,
            case_id=request.case_id,
            step="duty-taken-on",
            key_suffix=request.deadline_id,
            actor=SYSTEM,
            content_sha256=content_sha256(request),
            details={
                "deadline": request.deadline_id,
                "kind": request.kind,
                "due_at": request.due_at.isoformat(),
            },
            write=write,
            ends_attempt=True,
        )
        return step_recorded(entry)

    @activity.defn(name="record_duty_met")
    def record_duty_met(self, request: DutyMetInput) -> StepRecorded:
        def write(session: Session) -> None:
            duties.mark_met(session, request.case_id, request.deadline_id, request.met_at)

        entry = record_step(
            self._sessions,
            case_id=request.case_id,
            step="duty-met",
            key_suffix=request.deadline_id,
            actor=SYSTEM,
            content_sha256=content_sha256(request),
            details={"deadline": request.deadline_id, "met_at": request.met_at.isoformat()},
            write=write,
            ends_attempt=True,
        )
        return step_recorded(entry)
