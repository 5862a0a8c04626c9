"""A worker interceptor that audits every activity attempt: its start, its completion, and its
failure (with the error's type, never its message), so retries are visible to an auditor beside
the domain events each activity records itself. Concurrent attempts' entries are written together
(`dutyflow.runtime.audit_batches`).

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
from dutyflow.store.steps import PlainStep

CASE_CLOSING_ACTIVITY = "record_outcome"  # records the case's outcome: the case is closed


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

    async def _record(self, event: str, **extra: Any) -> None:
        info = activity.info()
        details = {
            "activity": info.activity_type,
            "activity_id": info.activity_id,
            "attempt": info.attempt,
            **extra,
        }
        await self._batches.record(
            PlainStep(
                case_id=info.workflow_id or "",
                step=f"activity-{event}",
                key_suffix=f"{info.activity_id}/{info.attempt}",
                actor=SYSTEM,
                content_sha256=content_sha256(details),
                details=details,
            )
        )

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        await self._record("started")
        try:
            result = await self.next.execute_activity(input)
        except BaseException as err:
            error_type = (
                err.type if isinstance(err, ApplicationError) and err.type else type(err).__name__
            )
            retryable = not (isinstance(err, ApplicationError) and err.non_retryable)
            await self._record("failed", error_type=error_type, retryable=retryable)
            raise
        await self._record("completed")
        if activity.info().activity_type == CASE_CLOSING_ACTIVITY:
            await asyncio.to_thread(checkpoint_at_case_closing, self._sessions)
        return result
