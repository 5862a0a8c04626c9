"""The bare-Temporal baselines, on the same server, worker settings, sandbox and encrypting
converter as the reports: a workflow running as many no-op activities as a complete report, and a
workflow of the report's whole shape (activities, Updates, Query, payload sizes)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from pydantic import BaseModel
from temporalio import activity, workflow


@activity.defn(name="bench_noop")
async def noop(step: int) -> int:
    return step


@workflow.defn(name="BareBaseline")
class BareBaseline:
    @workflow.run
    async def run(self, activities: int) -> int:
        for step in range(activities):
            await workflow.execute_activity(
                noop, step, start_to_close_timeout=timedelta(seconds=30)
            )
        return activities


class Blob(BaseModel):
    """A payload of a given size: what a report's step carries, without its meaning."""

    text: str = ""

    @classmethod
    def of_size(cls, size: int) -> Blob:
        return cls(text="x" * max(0, size))


class Shape(BaseModel):
    """A report's shape, measured on a real report: how many activities run before the first
    Update, after each of the three Updates, and how big their payloads are."""

    activities_before_updates: int
    activities_after_update: list[int]
    activity_payload_bytes: int
    update_payload_bytes: list[int]
    status_payload_bytes: int


@activity.defn(name="bench_echo")
async def echo(blob: Blob) -> Blob:
    return blob


@workflow.defn(name="SameShapeBaseline")
class SameShapeBaseline:
    """Bare Temporal in a report's shape: the same number of activities, three Updates that
    answer once their activities have run, the status Query, the same payload sizes. What a
    report costs beyond this is what Dutyflow itself adds."""

    def __init__(self) -> None:
        self._shape: Shape | None = None
        self._updates_received = 0
        self._segments_done = 0

    @workflow.run
    async def run(self, shape: Shape) -> Blob:
        self._shape = shape
        await self._activities(shape.activities_before_updates)
        for segment, count in enumerate(shape.activities_after_update, start=1):
            await workflow.wait_condition(self._update_received(segment))
            await self._activities(count)
            self._segments_done = segment
        return Blob.of_size(shape.status_payload_bytes)

    def _update_received(self, segment: int) -> Callable[[], bool]:
        return lambda: self._updates_received >= segment

    async def _activities(self, count: int) -> None:
        assert self._shape is not None
        for _ in range(count):
            await workflow.execute_activity(
                echo,
                Blob.of_size(self._shape.activity_payload_bytes),
                start_to_close_timeout=timedelta(seconds=30),
            )

    async def _answer(self, segment: int) -> Blob:
        self._updates_received = max(self._updates_received, segment)
        await workflow.wait_condition(lambda: self._segments_done >= segment)
        assert self._shape is not None
        return Blob.of_size(self._shape.status_payload_bytes)

    @workflow.update(name="first_step")
    async def first_step(self, _: Blob) -> Blob:
        return await self._answer(1)

    @workflow.update(name="second_step")
    async def second_step(self, _: Blob) -> Blob:
        return await self._answer(2)

    @workflow.update(name="third_step")
    async def third_step(self, _: Blob) -> Blob:
        return await self._answer(3)

    @workflow.query(name="status")
    def status(self) -> Blob:
        return Blob.of_size(self._shape.status_payload_bytes if self._shape else 0)
