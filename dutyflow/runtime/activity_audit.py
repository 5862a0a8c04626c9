"""A worker interceptor that audits every activity attempt: its start, its completion, and its
failure (with the error's type, never its message), so retries are visible to an auditor beside
the domain events each activity records itself. Concurrent attempts' entries are written together
(`dutyflow.runtime.audit_batches`).

An attempt's start is on record no later than its first effect. An activity that reaches the world
(delivery, e-mail, fax, messages) has it written before its body runs, at once and ahead of the
steps waiting for the database's writer (an agency or a person waits). An activity that only
records rows (`DATABASE_ONLY_ACTIVITIES`) has it written in the transaction of its first step,
before that step's entry (`dutyflow.store.steps.start_joins_first_step`), or with its end if it
recorded no step: one transaction fewer per attempt. An attempt of such an activity that crashed
before its first step leaves no start behind, and had no effect to account for; the retry's
attempt number shows it.

Its completion, likewise, is written in the transaction of the step that ends it, after that
step's entry, when the activity says nothing but its ``return`` follows that step
(``record_step(..., ends_attempt=True)``): the completion is on record exactly when the attempt's
last effect is, with no wait of its own for the audit append. Otherwise it is written after the
body returns. An attempt that still failed after its ending step (only a fault in the code
between that step and its ``return`` could do it) has its failure recorded after its completion,
as it happened.

When the case's closing activity (`CASE_CLOSING_ACTIVITY`) has completed and that completion is
recorded, it signs a checkpoint of the audit log, so that the closed case's whole record, to its
last entry, is covered by a checkpoint kept outside the database."""

from __future__ import annotations

import asyncio
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

from dutyflow.contracts import SYSTEM
from dutyflow.domain.audit import content_sha256
from dutyflow.runtime.audit_batches import AuditBatches
from dutyflow.store.audit_checkpoints import checkpoint_at_case_closing
from dutyflow.store.db import SessionFactory
from dutyflow.store.steps import PlainStep, WaitingStart, start_joins_first_step

CASE_CLOSING_ACTIVITY = "record_outcome"  # records the case's outcome: the case is closed

# The activities whose only effects are the rows they record, each step through
# `dutyflow.store.steps.record_step` (synchronous code, reading and writing the database and
# nothing else). Nothing they do is seen before their first step commits, so their start is
# written in that step's transaction. Every other activity (delivery, e-mail, fax, messages) has
# its start on record before its body runs. An activity missing from here only costs one more
# transaction; one wrongly here could reach the world before its start is on record, so
# `tests/audit/test_attempt_audit.py` checks each one's code.
DATABASE_ONLY_ACTIVITIES = frozenset(
    {
        "open_case",
        "record_grounds",
        "record_phone_report",
        "record_disclosure_decision",
        "record_inform_client_decision",
        "record_contact_attempt",
        "record_confirmation",
        "record_withdrawal",
        "escalate_deadline",
        "record_delivery_problem",
        "record_acknowledgement",
        "record_outcome",
        "record_agency_reference",
        "prepare_channel_task",
        "record_report_sent",
        "track_duty",
        "record_duty_met",
        "determine_obligations",
        "limit_disclosure",
        "prepare_phone_task",
        "render_report",
        "request_consultation",
        "record_consultation_decision",
        "record_exception_request",
        "record_exception_decision",
        "record_supplement",
    }
)


class ActivityAuditInterceptor(Interceptor):
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions
        self._batches = AuditBatches(sessions)

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _AuditedActivity(next, self._sessions, self._batches)


class _AuditedActivity(ActivityInboundInterceptor):
    def __init__(
        self, next: ActivityInboundInterceptor, sessions: SessionFactory, batches: AuditBatches
    ) -> None:
        super().__init__(next)
        self._sessions = sessions
        self._batches = batches

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        started = _attempt_entry("started")
        if activity.info().activity_type not in DATABASE_ONLY_ACTIVITIES:
            # On record before the body can reach the world, and without waiting behind the
            # steps: an agency or a person is waiting on the other side.
            await self._batches.record(started, urgent=True)
            return await self._audited(input, None)
        with start_joins_first_step(started, _attempt_entry("completed")) as start:
            return await self._audited(input, start)

    async def _audited(self, input: ExecuteActivityInput, start: WaitingStart | None) -> Any:
        """The attempt's body, then its end on record (with its start, if no step wrote it),
        unless the step that ended it wrote its completion."""
        try:
            result = await self.next.execute_activity(input)
        except BaseException as err:
            error_type = (
                err.type if isinstance(err, ApplicationError) and err.type else type(err).__name__
            )
            retryable = not (isinstance(err, ApplicationError) and err.non_retryable)
            ended = _attempt_entry("failed", error_type=error_type, retryable=retryable)
            await self._batches.record(*_still_unrecorded(start), ended)
            raise
        if start is None:
            await self._batches.record(_attempt_entry("completed"))
        elif not start.ended:  # no step ended the attempt: its completion, written now
            await self._batches.record(*_still_unrecorded(start), start.completion)
        if activity.info().activity_type == CASE_CLOSING_ACTIVITY:
            await asyncio.to_thread(checkpoint_at_case_closing, self._sessions)
        return result


def _attempt_entry(event: str, **extra: Any) -> PlainStep:
    """The entry that says this activity attempt ``event`` ("started", "completed", "failed")."""
    info = activity.info()
    details = {
        "activity": info.activity_type,
        "activity_id": info.activity_id,
        "attempt": info.attempt,
        **extra,
    }
    return PlainStep(
        case_id=info.workflow_id or "",
        step=f"activity-{event}",
        key_suffix=f"{info.activity_id}/{info.attempt}",
        actor=SYSTEM,
        content_sha256=content_sha256(details),
        details=details,
    )


def _still_unrecorded(start: WaitingStart | None) -> tuple[PlainStep, ...]:
    """The attempt's start, if it waited for a step that never came (written with the end)."""
    return (start.entry,) if start is not None and not start.recorded else ()
