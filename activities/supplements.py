"""Activity that records a supplemental report on a delivered case: the grounds as they stand with
the practitioner's new or changed answers (sealed), and the paths of those answers, with its
audit entry (the changed paths and the content hash, never the values).

Idempotent: the supplement's row is keyed by the case and its number, and a retry finds its own
audit entry. Limiting, rendering and delivering each recipient's copy are the report's own
activities, asked for the supplement (`dutyflow.contracts.RecipientStep.supplement`).
"""

from __future__ import annotations

from sqlmodel import Session
from temporalio import activity

from dutyflow import ids
from dutyflow.contracts import RecordSupplementInput, StepRecorded
from dutyflow.domain.audit import content_sha256
from dutyflow.store.db import SessionFactory
from dutyflow.store.steps import record_step, step_recorded
from dutyflow.store.tables import SupplementalReport


class SupplementActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn(name="record_supplement")
    def record_supplement(self, request: RecordSupplementInput) -> StepRecorded:
        digest = content_sha256(request.submission)
        supplement_id = ids.supplement_id(request.case_id, request.number)

        def write(session: Session) -> None:
            if session.get(SupplementalReport, supplement_id) is not None:
                return
            session.add(
                SupplementalReport(
                    supplement_id=supplement_id,
                    case_id=request.case_id,
                    number=request.number,
                    submission=request.submission.model_dump(mode="json"),
                    changed_fields=request.changed_fields,
                    content_sha256=digest,
                    recorded_by=request.actor.actor_id,
                )
            )

        entry = record_step(
            self._sessions,
            case_id=request.case_id,
            step="supplement-documented",
            key_suffix=str(request.number),
            actor=request.actor,
            content_sha256=digest,
            details={"supplement": request.number, "changed_fields": request.changed_fields},
            write=write,
            ends_attempt=True,
        )
        return step_recorded(entry)
