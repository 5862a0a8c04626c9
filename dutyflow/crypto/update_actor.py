"""Carrying the API's assertion of who acts (`actor_assertion`) with every Update of a case.

`UpdateActors` is both a client and a worker interceptor. On a client (the API's), each Update
sent inside `actor_assertion.asserting(actor)` gets a header with the assertion signed for that
case, Update and Update id. A worker built from that client inherits the interceptor, and each
Update's validator first verifies the header: no assertion, a forged or expired one, one made for
another case or step, or an Update argument naming an actor other than the asserted one, and the
Update is refused before anything is recorded. Validators do not run when a history is replayed,
so recorded cases replay unchanged.

What does not live here: signing and verifying (`actor_assertion`), the key (`keys`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from temporalio import client, workflow
from temporalio.api.common.v1 import Payload
from temporalio.exceptions import ApplicationError
from temporalio.worker import (
    HandleUpdateInput,
    Interceptor,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
)

from dutyflow.contracts import Actor
from dutyflow.crypto import actor_assertion
from dutyflow.crypto.actor_assertion import HEADER, ActorNotAsserted, UpdateBinding


async def wall_clock() -> datetime:
    return datetime.now(UTC)


class UpdateActors(client.Interceptor, Interceptor):
    """Signs (client) and verifies (worker) the actor of every Update with ``key``. ``clock``:
    the time an assertion is made at, the workflows' time (a time-skipping test server's own)."""

    def __init__(self, key: bytes, clock: Callable[[], Awaitable[datetime]] = wall_clock) -> None:
        if len(key) < 32:
            raise ValueError("the actor assertion key must be at least 32 bytes")
        self._key = key
        self._clock = clock

    def intercept_client(self, next: client.OutboundInterceptor) -> client.OutboundInterceptor:
        return _SigningOutbound(next, self._key, self._clock)

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor]:
        key = self._key

        class _Verifying(_VerifyingInbound):
            _key = key

        return _Verifying


class _SigningOutbound(client.OutboundInterceptor):
    def __init__(
        self,
        next: client.OutboundInterceptor,
        key: bytes,
        clock: Callable[[], Awaitable[datetime]],
    ) -> None:
        super().__init__(next)
        self._key = key
        self._clock = clock

    async def start_workflow_update(
        self, input: client.StartWorkflowUpdateInput
    ) -> client.WorkflowUpdateHandle[Any]:
        actor = actor_assertion.asserted_actor()
        if actor is not None:
            input.update_id = input.update_id or str(uuid.uuid4())
            binding = UpdateBinding(input.id, input.update, input.update_id)
            signed = actor_assertion.sign(self._key, binding, actor, await self._clock())
            input.headers = {**input.headers, HEADER: header_payload(signed)}
        return await self.next.start_workflow_update(input)


def header_payload(assertion: str) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(assertion).encode())


def _header_text(payload: Payload | None) -> str | None:
    if payload is None or payload.metadata.get("encoding") != b"json/plain":
        return None
    try:
        text = json.loads(payload.data)
    except ValueError:
        return None
    return text if isinstance(text, str) else None


class _VerifyingInbound(WorkflowInboundInterceptor):
    _key: bytes

    def handle_update_validator(self, input: HandleUpdateInput) -> None:
        binding = UpdateBinding(workflow.info().workflow_id, input.update, input.id)
        try:
            asserted = actor_assertion.verify(
                self._key, _header_text(input.headers.get(HEADER)), binding, workflow.now()
            )
            _refuse_another_actor(asserted, input.args)
        except ActorNotAsserted as refused:
            workflow.logger.warning("Update %s refused: %s", input.update, refused)
            raise ApplicationError(
                str(refused),
                [{"field": "actor", "problem": str(refused)}],
                type="ActorNotAsserted",
                non_retryable=True,
            ) from None
        super().handle_update_validator(input)


def _refuse_another_actor(asserted: Actor, args: Any) -> None:
    """An Update argument that names who acts (an `Actor`, a decision's ``supervisor_id``,
    ``decided_by``, ``requested_by`` or ``practitioner_id``) must name the asserted actor."""
    for arg in args:
        named = arg if isinstance(arg, Actor) else None
        if named is not None and (named.actor_id, named.role) != (asserted.actor_id, asserted.role):
            raise ActorNotAsserted("the step names an actor other than the one the API asserted")
        for field in ("supervisor_id", "decided_by", "requested_by", "practitioner_id"):
            value = getattr(arg, field, None)
            if isinstance(value, str) and value != asserted.actor_id:
                raise ActorNotAsserted(
                    f"{field} names someone other than the actor the API asserted"
                )
