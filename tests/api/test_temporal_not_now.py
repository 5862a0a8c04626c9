"""When Temporal or the worker answers "not now", the API asks again for a while before it says
503 "try again": a busy worker never turns a page into a server error."""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode

from dutyflow.api import case_workflow
from dutyflow.api.case_workflow import patiently


class Flaky:
    """A call failing with ``errors`` in turn, then answering "status"."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "status"


async def test_a_query_the_starved_worker_failed_is_asked_again() -> None:
    # The worker's deadlock detector fails a Query whose workflow did not yield within 2 s.
    call = Flaky(WorkflowQueryFailedError("Potential deadlock detected"))

    assert await patiently(call) == "status"
    assert call.calls == 2


async def test_temporal_unavailable_is_asked_again_but_an_unknown_case_is_not() -> None:
    unavailable = Flaky(RPCError("not now", RPCStatusCode.UNAVAILABLE, b""))
    assert await patiently(unavailable) == "status"

    unknown = Flaky(RPCError("workflow not found", RPCStatusCode.NOT_FOUND, b""))
    with pytest.raises(RPCError):
        await patiently(unknown)
    assert unknown.calls == 1


async def test_a_query_failing_past_the_patience_is_refused_as_unavailable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(case_workflow, "PATIENCE_SECONDS", 0.1)

    class Handle:
        async def query(self, *_: object) -> None:
            raise WorkflowQueryFailedError("Potential deadlock detected")

    monkeypatch.setattr(case_workflow, "case_handle", lambda *_: Handle())

    with pytest.raises(Exception) as refused:
        await case_workflow.case_status(object(), "case-1")  # type: ignore[arg-type]

    assert getattr(refused.value, "status_code", None) == 503
