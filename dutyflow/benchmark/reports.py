"""One complete report as the API drives it (three clinician Updates, each answering the case's
status, then the status Query and the outcome), and one bare workflow of the same shape."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from temporalio.client import Client, WorkflowHandle
from temporalio.workflow import UpdateMethodMultiParam

from dutyflow.benchmark.baseline import Blob, SameShapeBaseline, Shape
from dutyflow.benchmark.latency_path import Submission
from dutyflow.benchmark.profile import Profile
from dutyflow.contracts import Actor, CaseStatus
from dutyflow.crypto.actor_assertion import asserting
from dutyflow.demo import example_case as scenario
from dutyflow.domain.case import CaseOpening, Confirmation, GroundsSubmission, PhoneReport
from dutyflow.store import audit_log
from dutyflow.store.db import SessionFactory
from workflows.mandated_report import MandatedReportWorkflow


async def _clinician_step(
    handle: WorkflowHandle[Any, Any], update: UpdateMethodMultiParam[..., Any], step: BaseModel
) -> CaseStatus:
    """One clinician step, as the API takes it: the Update answers the case's new status.

    ``update`` is typed by its parameters only, as in `dutyflow.api.case_workflow`: temporalio
    types an Update declared with ``name=`` as answering its handler's coroutine rather than what
    the coroutine returns, which mypy would take for a missing ``await``."""
    with asserting(BENCH_PRACTITIONER):
        status: CaseStatus = await handle.execute_update(update, step)
    return status


# Who the benchmark's clinician steps are taken as, asserted as the API asserts its users.
BENCH_PRACTITIONER = Actor(
    actor_id=scenario.opening_request()["practitioner_id"], role="practitioner"
)


def _steps() -> tuple[GroundsSubmission, PhoneReport]:
    return (
        GroundsSubmission.model_validate(scenario.grounds_submission()),
        PhoneReport.model_validate(scenario.phone_report()),
    )


async def one_report(
    client: Client,
    task_queue: str,
    submissions: list[Submission] | None,
    *,
    after_each_update: Any = None,
) -> str:
    """A complete report; each of its deliveries is added to ``submissions`` (its
    submit-to-agency latency, and the history to time its legs by).
    ``after_each_update(case_id, status)`` runs after each Update has answered (to measure the
    shape)."""
    case_id = f"case-{uuid.uuid4().hex}"  # as the API names a case
    opening = CaseOpening(case_id=case_id, **scenario.opening_request())
    handle = await client.start_workflow(
        MandatedReportWorkflow.run, opening, id=case_id, task_queue=task_queue
    )
    grounds, phone_report = _steps()
    status = await _clinician_step(handle, MandatedReportWorkflow.document_grounds, grounds)
    if after_each_update:
        await after_each_update(case_id, status)
    status = await _clinician_step(handle, MandatedReportWorkflow.record_phone_report, phone_report)
    if after_each_update:
        await after_each_update(case_id, status)
    submitted = datetime.now(UTC)
    confirmation = Confirmation(
        practitioner_id=opening.practitioner_id, review_sha256=status.review_sha256 or ""
    )
    status = await _clinician_step(handle, MandatedReportWorkflow.confirm_report, confirmation)
    if after_each_update:
        await after_each_update(case_id, status)
    await handle.query(MandatedReportWorkflow.status)
    outcome = await handle.result()
    if submissions is not None:
        submissions += [Submission(case_id, submitted, d.delivered_at) for d in outcome.deliveries]
    return case_id


async def measure_shape(
    client: Client, task_queue: str, sessions: SessionFactory, profile: Profile
) -> Shape:
    """Run one report and read its shape off the audit log and the codec's counters."""
    import asyncio

    profile.reset()
    started_so_far: list[int] = []
    status_sizes: list[int] = []

    def activities_started(case_id: str) -> int:
        with sessions() as session:
            entries = audit_log.entries_for_case(session, case_id)
        return sum(1 for e in entries if e.step == "activity-started")

    async def count(case_id: str, status: CaseStatus) -> None:
        status_sizes.append(len(status.model_dump_json()))
        started_so_far.append(await asyncio.to_thread(activities_started, case_id))

    case_id = await one_report(client, task_queue, None, after_each_update=count)
    total = await asyncio.to_thread(activities_started, case_id)
    grounds, phone_report = _steps()
    confirmation = Confirmation(practitioner_id="p", review_sha256="0" * 64)
    before_first = 1  # the case is opened before the first Update can be taken
    marks = [before_first, *started_so_far[:2], total]
    return Shape(
        activities_before_updates=before_first,
        activities_after_update=[later - earlier for earlier, later in itertools.pairwise(marks)],
        activity_payload_bytes=profile.encode.payload_bytes // max(1, profile.encode.payloads),
        update_payload_bytes=[
            len(step.model_dump_json()) for step in (grounds, phone_report, confirmation)
        ],
        status_payload_bytes=max(status_sizes),
    )


async def one_same_shape_workflow(client: Client, task_queue: str, shape: Shape) -> None:
    handle = await client.start_workflow(
        SameShapeBaseline.run, shape, id=f"bare-{uuid.uuid4()}", task_queue=task_queue
    )
    # Typed by parameters only, as in `_clinician_step`.
    updates: tuple[UpdateMethodMultiParam[..., Any], ...] = (
        SameShapeBaseline.first_step,
        SameShapeBaseline.second_step,
        SameShapeBaseline.third_step,
    )
    for update, size in zip(updates, shape.update_payload_bytes, strict=True):
        answer: Blob = await handle.execute_update(update, Blob.of_size(size))
        assert answer.text is not None
    await handle.query(SameShapeBaseline.status)
    await handle.result()
