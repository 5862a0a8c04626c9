"""The API's calls to a case's workflow (`workflows.mandated_report.MandatedReportWorkflow`):
start it, ask its status (the Query), send it an Update, with Temporal's refusals turned into the
API's (`dutyflow.api.errors`).

The workflow decides; this only carries the call. Who may make it is the endpoints' business
(`dutyflow.api.deps`), and what the answer looks like over HTTP is theirs too.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.service import RPCError, RPCStatusCode
from temporalio.workflow import UpdateMethodMultiParam

from dutyflow.api.errors import not_found_or, refusal_from
from dutyflow.contracts import (
    CLINIC,
    JURISDICTION,
    REPORT_KIND,
    STAGE,
    Actor,
    CaseOutcome,
    CaseStatus,
    Stage,
)
from dutyflow.crypto.actor_assertion import asserting
from dutyflow.domain.case import CaseOpening
from workflows.mandated_report import MandatedReportWorkflow

# An Update of the case workflow (``MandatedReportWorkflow.confirm_report``...); each answers the
# case's `CaseStatus`.
CaseUpdate = UpdateMethodMultiParam[..., Any]
Answer = TypeVar("Answer")


@dataclass(frozen=True)
class CaseStarts:
    """How a case's workflow is started: on which task queue, and whether it carries the search
    attributes (stage, jurisdiction, kind, clinic) that the case lists query."""

    task_queue: str
    index_cases: bool = True


def case_handle(temporal: Client, case_id: str) -> WorkflowHandle[Any, CaseOutcome]:
    return temporal.get_workflow_handle_for(MandatedReportWorkflow.run, case_id)


async def start_case(temporal: Client, opening: CaseOpening, starts: CaseStarts) -> None:
    """Start the case's workflow; the case id is the workflow id."""
    await temporal.start_workflow(
        MandatedReportWorkflow.run,
        opening,
        id=opening.case_id,
        task_queue=starts.task_queue,
        search_attributes=TypedSearchAttributes(
            [
                SearchAttributePair(STAGE, Stage.OPENING.value),
                SearchAttributePair(JURISDICTION, opening.jurisdiction),
                SearchAttributePair(REPORT_KIND, opening.kind.value),
                SearchAttributePair(CLINIC, opening.clinic_id),
            ]
            if starts.index_cases
            else []
        ),
    )


# Temporal's answers that say "not now" rather than "no": no worker polling yet (a worker
# restarting), a worker lost while it held the case's workflow task, a busy server. The call is
# made again (an Update under the same id: one step however often it is sent) for a short while
# before the caller is told to try again.
TRANSIENT = frozenset(
    {
        RPCStatusCode.UNAVAILABLE,
        RPCStatusCode.ABORTED,
        RPCStatusCode.RESOURCE_EXHAUSTED,
        RPCStatusCode.DEADLINE_EXCEEDED,
    }
)
PATIENCE_SECONDS = 30.0


async def patiently(call: Callable[[], Awaitable[Answer]]) -> Answer:
    """``call()``, made again while Temporal answers "not now", for up to `PATIENCE_SECONDS`. A
    Query the worker failed to answer counts as "not now": on a starved machine the worker's
    deadlock detector fails a Query whose workflow did not yield within two seconds."""
    loop = asyncio.get_running_loop()
    give_up_at = loop.time() + PATIENCE_SECONDS
    pause = 0.2
    while True:
        try:
            return await call()
        except (
            RPCError,
            WorkflowUpdateRPCTimeoutOrCancelledError,
            WorkflowQueryFailedError,
        ) as err:
            transient = not isinstance(err, RPCError) or err.status in TRANSIENT
            if not transient or loop.time() + pause > give_up_at:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, 5.0)


async def case_status(temporal: Client, case_id: str) -> CaseStatus:
    """The case's status Query: stage, obligations, deadlines, deliveries; no case content.
    404 for an unknown case, 409 for a closed one, 503 when Temporal does not answer."""
    handle = case_handle(temporal, case_id)
    try:
        return await patiently(lambda: handle.query(MandatedReportWorkflow.status))
    except (RPCError, WorkflowUpdateRPCTimeoutOrCancelledError, WorkflowQueryFailedError) as err:
        raise not_found_or(err) from None


async def update_case(
    temporal: Client,
    case_id: str,
    update: CaseUpdate,
    *args: Any,
    actor: Actor,
    key: str | None = None,
) -> CaseStatus:
    """Send ``update`` with ``args`` to the case's workflow and answer its new status. ``actor``:
    who the API authenticated as taking the step; the Update carries the API's signed assertion
    of it (`dutyflow.crypto.actor_assertion`), which the workflow verifies. ``key``: the
    Update's id (a retried request with the same key is one step); default, a new one.
    The workflow's refusal becomes a `Refusal`; an unknown or closed case as `case_status`."""
    handle = case_handle(temporal, case_id)
    update_id = key or str(uuid.uuid4())
    try:
        with asserting(actor):
            status: CaseStatus = await patiently(
                lambda: handle.execute_update(update, args=list(args), id=update_id)
            )
    except WorkflowUpdateFailedError as err:
        raise refusal_from(err) from None
    except (RPCError, WorkflowUpdateRPCTimeoutOrCancelledError) as err:
        raise not_found_or(err) from None
    return status


async def earlier_update(temporal: Client, case_id: str, key: str) -> CaseStatus | None:
    """The answer of the Update already sent to the case under ``key``, or None if none was: a
    step whose input depends on what the case holds now (a supplement, merged into the grounds
    as they stand) is answered from its first sending when a retry comes."""
    handle = case_handle(temporal, case_id).get_update_handle(key, result_type=CaseStatus)
    try:
        status: CaseStatus = await handle.result()
    except WorkflowUpdateFailedError as err:
        raise refusal_from(err) from None
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return None
        raise not_found_or(err) from None
    return status
