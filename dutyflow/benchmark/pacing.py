"""Pacing the benchmark: progress lines while it runs, and a fixed number of workflows run a
fixed number at a time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


def progress(message: str) -> None:
    print(message, flush=True)


async def run_concurrently(
    total: int, concurrency: int, one: Callable[[int], Awaitable[None]], label: str
) -> float:
    """Run ``one(i)`` for i in range(total), at most ``concurrency`` at once; returns seconds."""
    gate = asyncio.Semaphore(concurrency)
    done = 0
    step = max(1, total // 10)

    async def guarded(index: int) -> None:
        nonlocal done
        async with gate:
            await one(index)
        done += 1
        if done % step == 0 or done == total:
            progress(f"  {label}: {done}/{total}")

    started = time.perf_counter()
    await asyncio.gather(*(guarded(i) for i in range(total)))
    return time.perf_counter() - started
