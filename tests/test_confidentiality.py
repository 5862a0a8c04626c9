"""Raw Temporal history is readable by anyone with server access: it must hold no case content.
Workflow ids, search attributes and every payload are checked as the server stores them."""

from __future__ import annotations

import httpx
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import GetWorkflowExecutionHistoryRequest

from tests.reporting import report_end_to_end
from tests.test_mandated_report import ALLOWED_MARKER, WITHHELD_MARKERS, grounds_with_markers

CONTENT_MARKERS = [*WITHHELD_MARKERS.values(), ALLOWED_MARKER, "Sam Example", "Dr. Alex Rivera"]


async def raw_history(client, workflow_id: str) -> bytes:
    """The history exactly as the server holds it, without any decoding on our side."""
    raw = b""
    token = b""
    while True:
        page = await client.workflow_service.get_workflow_execution_history(
            GetWorkflowExecutionHistoryRequest(
                namespace=client.namespace,
                execution=WorkflowExecution(workflow_id=workflow_id),
                next_page_token=token,
            )
        )
        raw += page.history.SerializeToString()
        token = page.next_page_token
        if not token:
            return raw


async def test_raw_history_holds_no_case_content(api: httpx.AsyncClient, stack) -> None:
    status = await report_end_to_end(api, grounds_with_markers())

    history = await raw_history(stack.client, status["case_id"])

    assert b"binary/encrypted" in history  # payloads are there, encrypted
    assert b"dutyflow-case" in history  # and bound to their case (authenticated, not secret)
    for marker in CONTENT_MARKERS:
        assert marker.encode() not in history, f"{marker!r} readable in raw Temporal history"


async def test_workflow_id_and_search_attributes_are_opaque(api: httpx.AsyncClient, stack) -> None:
    status = await report_end_to_end(api, grounds_with_markers())

    description = await stack.client.get_workflow_handle(status["case_id"]).describe()
    visible = repr(description.raw_description).encode() + status["case_id"].encode()
    for marker in CONTENT_MARKERS:
        assert marker.encode() not in visible
    assert description.search_attributes["DutyflowStage"] == ["closed"]
