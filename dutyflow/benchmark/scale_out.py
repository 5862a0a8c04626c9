"""Scale-out, measured: the same reports run on 1, 2, 4 ... N worker processes (``dutyflow
worker``, as deployed) sharing one PostgreSQL database and one Temporal server, so the README can
say how throughput grows with workers and where the next limit is."""

from __future__ import annotations

import asyncio
import base64
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from dutyflow.benchmark.databases import empty_database
from dutyflow.benchmark.pacing import progress, run_concurrently
from dutyflow.benchmark.processes import ready, start, stop
from dutyflow.benchmark.reports import one_report

if TYPE_CHECKING:
    from dutyflow.benchmark.run import BenchStack

WORKER_READY = b"worker started"


def worker_counts(most: int) -> list[int]:
    """1, 2, 4 ... up to ``most``, and ``most`` itself."""
    counts, n = [], 1
    while n < most:
        counts.append(n)
        n *= 2
    return [*counts, most]


def _worker_environment(
    stack: BenchStack, key: bytes, workdir: Path, database_url: str, task_queue: str
) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("DUTYFLOW_")}
    return keep | {
        "DUTYFLOW_ENVIRONMENT": "development",
        "DUTYFLOW_DATA_DIR": str(workdir),
        "DUTYFLOW_DATABASE_URL": database_url,
        "DUTYFLOW_MASTER_KEYS": base64.b64encode(key).decode(),
        "DUTYFLOW_KEY_STORE_URL": f"sqlite:///{workdir / 'case-keys.db'}",
        "DUTYFLOW_TEMPORAL_ADDRESS": stack.client.service_client.config.target_host,
        "DUTYFLOW_TASK_QUEUE": task_queue,
        "DUTYFLOW_INTAKE_BASE_URL": stack.intake.url,
        "DUTYFLOW_LOG_LEVEL": "INFO",
        "DUTYFLOW_LOG_FORMAT": "text",
    }


async def _reports_on(stack: BenchStack, workers: int, env: dict[str, str], workdir: Path) -> float:
    processes = []
    try:
        for number in range(workers):
            log = workdir / f"worker-{workers}-{number}.log"
            log.write_bytes(b"")
            processes.append(await asyncio.to_thread(start, "worker", env, log))
            await ready(processes[-1], log, WORKER_READY, "a benchmark worker", within=120)
        progress(f"Scale-out: {stack.options.reports} reports on {workers} worker process(es)")

        async def report(_: int) -> None:
            await one_report(stack.client, env["DUTYFLOW_TASK_QUEUE"], None)

        options = stack.options
        seconds = await run_concurrently(options.reports, options.concurrency, report, "reports")
        return options.reports / seconds
    finally:
        await asyncio.to_thread(stop, processes)


async def measure_scale_out(
    stack: BenchStack, key: bytes, workdir: Path
) -> list[tuple[int, float]]:
    """Reports per second on each number of worker processes, on a PostgreSQL schema of its own."""
    postgres = stack.options.postgres_url
    if postgres is None:
        raise ValueError("scale-out needs a PostgreSQL URL")
    measured = []
    with empty_database(postgres) as database_url:
        for workers in worker_counts(stack.options.workers):
            task_queue = f"bench-scale-{uuid.uuid4()}"
            env = _worker_environment(stack, key, workdir, database_url, task_queue)
            measured.append((workers, await _reports_on(stack, workers, env, workdir)))
    return measured
