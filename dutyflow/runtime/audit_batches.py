"""Group commit of the audit entries that activity attempts make about themselves.

Every activity attempt is audited when it starts and when it ends. Written one by one, that is two
transactions (and two Merkle-tree integrations) per attempt; on SQLite each waits for the single
writer. Here, entries asked for while a batch is being written wait for the next batch, which
writes them all in one transaction (`dutyflow.store.steps.record_steps`). A caller returns only
once its entry is committed, so an activity that reaches the world never runs its body before its
start is on record (an activity that only records rows has its start written with its first step
instead: `dutyflow.runtime.activity_audit`). When a batch fails, every caller in it gets the
error (its activity attempt fails and is retried, and the entries are idempotent).

An entry asked for urgently (the start of an activity about to reach the world: an agency or a
person waits on the other side) does not wait for the batch being written: it is written at once,
in a transaction of its own that takes the writer's turn before the others waiting for it."""

from __future__ import annotations

import asyncio

from dutyflow.store.db import SessionFactory
from dutyflow.store.steps import PlainStep, record_steps


class AuditBatches:
    """One per worker (per event loop); :meth:`record` is safe to call from many tasks at once."""

    def __init__(self, sessions: SessionFactory, most: int = 200) -> None:
        self._sessions = sessions
        self._most = most
        self._waiting: list[tuple[tuple[PlainStep, ...], asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, *steps: PlainStep, urgent: bool = False) -> None:
        """Write ``steps`` (in this order, in the same transaction) and return once committed;
        ``urgent``: at once, in a transaction of their own, ahead of the writers waiting."""
        if urgent:
            await asyncio.to_thread(record_steps, self._sessions, steps, urgent=True)
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((steps, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_while_waiting())
        await asyncio.shield(done)

    async def _write_while_waiting(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[: self._most], self._waiting[self._most :]
            try:
                entries = [step for steps, _ in batch for step in steps]
                await asyncio.to_thread(record_steps, self._sessions, entries)
            except Exception as err:  # every caller of the batch learns of it
                for _, done in batch:
                    if not done.done():
                        done.set_exception(err)
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)
