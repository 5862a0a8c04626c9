"""Only Dutyflow acts on a case, even for a caller that reaches the Temporal frontend directly.

A bare client (no codec, no keys) that sends a plaintext `document_grounds` naming a supervisor
of another clinic is refused: nothing is recorded, the case still waits for its grounds, the
Update is never accepted into the history, and the worker audits the refused payload. A client
that does encrypt (it holds the master keys) but cannot sign who acts is refused too, and so is
an assertion the API signed for one case replayed on another."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from temporalio import client as temporal_client
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from dutyflow.contracts import Actor
from dutyflow.crypto.actor_assertion import HEADER, UpdateBinding, sign
from dutyflow.crypto.keyring import CaseKeyring
from dutyflow.crypto.keys import derived_actor_assertion_key
from dutyflow.crypto.update_actor import header_payload
from dutyflow.demo import example_case as scenario
from dutyflow.domain.case import GroundsSubmission
from dutyflow.runtime.payload_refusals import audited_refusals
from dutyflow.runtime.temporal import data_converter
from dutyflow.store import audit_log
from dutyflow.store.tables import GroundsRecord
from tests.conftest import serve_api
from tests.reporting import domain_steps, open_report, wait_for_stage

# What this checks does not depend on the database engine: it runs once, on SQLite.
pytestmark = pytest.mark.one_database

OTHER_CLINIC_SUPERVISOR = Actor(actor_id="supervisor-of-clinic-elsewhere", role="supervisor")


@pytest.fixture
async def audited_api(
    stack, http, executor, payload_key: bytes, keyring: CaseKeyring
) -> AsyncIterator[httpx.AsyncClient]:
    """The API and a worker whose codec audits every payload it refuses, as `dutyflow worker`."""
    converter = data_converter([payload_key], keyring, audited_refusals(stack.sessions))
    client = Client(**{**stack.client.config(), "data_converter": converter})
    audited = dataclasses.replace(stack, client=client)
    async with audited.new_worker(http, executor), serve_api(audited) as api:
        yield api


async def a_case_awaiting_grounds(api: httpx.AsyncClient) -> str:
    case_id = await open_report(api)
    await wait_for_stage(api, case_id, "awaiting-grounds")
    return case_id


async def assert_nothing_happened(stack, client: Client, case_id: str) -> None:
    with stack.sessions() as session:
        assert session.get(GroundsRecord, case_id) is None
        steps = domain_steps(audit_log.entries_for_case(session, case_id))
    assert [step for step in steps if step != "payload-refused"] == ["case-opened"]
    history = client.get_workflow_handle(case_id).fetch_history_events()
    events = [event.event_type async for event in history]
    assert EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED not in events


def grounds() -> GroundsSubmission:
    return GroundsSubmission.model_validate(scenario.grounds_submission())


async def test_a_bare_client_cannot_document_grounds_in_another_clinics_supervisors_name(
    audited_api: httpx.AsyncClient, stack, temporal_address: str
) -> None:
    case_id = await a_case_awaiting_grounds(audited_api)
    bare = await Client.connect(temporal_address)  # no codec, no keys, no assertion

    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await bare.get_workflow_handle(case_id).execute_update(
            "document_grounds",
            args=[scenario.grounds_submission(), OTHER_CLINIC_SUPERVISOR.model_dump()],
        )

    cause = refused.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "PayloadRefused"
    await assert_nothing_happened(stack, bare, case_id)
    status = (await audited_api.get(f"/reports/{case_id}")).json()
    assert status["stage"] == "awaiting-grounds"
    with stack.sessions() as session:
        refusals = [
            e for e in audit_log.entries_for_case(session, case_id) if e.step == "payload-refused"
        ]
    assert refusals and {e.details["reason"] for e in refusals} == {"not encrypted"}
    assert all(e.actor_role == "system" for e in refusals)


async def test_a_client_with_the_keys_but_no_assertion_cannot_name_an_actor(
    api: httpx.AsyncClient, stack, temporal_address: str, payload_key: bytes, keyring
) -> None:
    case_id = await a_case_awaiting_grounds(api)
    encrypting = await Client.connect(
        temporal_address, data_converter=data_converter([payload_key], keyring)
    )

    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await encrypting.get_workflow_handle(case_id).execute_update(
            "document_grounds", args=[grounds(), OTHER_CLINIC_SUPERVISOR]
        )

    cause = refused.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "ActorNotAsserted"
    assert [problem["field"] for problem in cause.details[0]] == ["actor"]
    await assert_nothing_happened(stack, encrypting, case_id)


class FixedHeader(temporal_client.Interceptor):
    """Sends every Update with the given assertion and Update id, as a replaying attacker."""

    def __init__(self, assertion: str, update_id: str) -> None:
        self.assertion, self.update_id = assertion, update_id

    def intercept_client(
        self, next: temporal_client.OutboundInterceptor
    ) -> temporal_client.OutboundInterceptor:
        outer = self

        class Outbound(temporal_client.OutboundInterceptor):
            async def start_workflow_update(
                self, input: temporal_client.StartWorkflowUpdateInput
            ) -> Any:
                input.update_id = outer.update_id
                input.headers = {**input.headers, HEADER: header_payload(outer.assertion)}
                return await self.next.start_workflow_update(input)

        return Outbound(next)


async def test_an_assertion_signed_for_one_case_is_refused_on_another(
    api: httpx.AsyncClient, stack, temporal_address: str, payload_key: bytes, keyring
) -> None:
    case_a = await a_case_awaiting_grounds(api)
    case_b = await a_case_awaiting_grounds(api)
    update_id = str(uuid.uuid4())
    practitioner = Actor(
        actor_id=scenario.opening_request()["practitioner_id"], role="practitioner"
    )

    signed_for_a = sign(
        derived_actor_assertion_key(payload_key),
        UpdateBinding(case_a, "document_grounds", update_id),
        practitioner,
        datetime.now(UTC),
    )
    replaying = await Client.connect(
        temporal_address,
        data_converter=data_converter([payload_key], keyring),
        interceptors=[FixedHeader(signed_for_a, update_id)],
    )

    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await replaying.get_workflow_handle(case_b).execute_update(
            "document_grounds", args=[grounds(), practitioner]
        )

    cause = refused.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "ActorNotAsserted"
    await assert_nothing_happened(stack, replaying, case_b)
