"""Reading a case's Temporal history as a later reader would: every payload in it, decoded (or
not) by a codec of the test's choosing."""

from __future__ import annotations

from collections.abc import Iterator

from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.client import Client


def payloads_in(message: Message) -> Iterator[Payload]:
    """Every Payload anywhere in a protobuf message (events, failures, headers, memos)."""
    if isinstance(message, Payload):
        yield message
        return
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if field.message_type.GetOptions().map_entry:  # a map: its values
            items = list(value.values())
        elif isinstance(value, Message):
            items = [value]
        else:  # a repeated field
            items = list(value)
        for item in items:
            if isinstance(item, Message):
                yield from payloads_in(item)


async def case_payloads(client: Client, case_id: str) -> list[Payload]:
    history = await client.get_workflow_handle(case_id).fetch_history()
    return [p for event in history.events for p in payloads_in(event)]
