"""Heartbeats for an activity that waits on someone else (a mail server, a fax provider): while
it runs, Temporal hears from it every second, so a worker that dies mid-send is noticed within the
activity's heartbeat timeout and the attempt retried (with the same idempotency key)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from temporalio import activity

T = TypeVar("T")


async def with_heartbeats(work: Awaitable[T]) -> T:
    """``work``'s result, heartbeating every second until it is done."""
    heartbeating = asyncio.create_task(_heartbeat_until_cancelled())
    try:
        return await work
    finally:
        heartbeating.cancel()


async def _heartbeat_until_cancelled() -> None:
    while True:
        activity.heartbeat()
        await asyncio.sleep(1)
