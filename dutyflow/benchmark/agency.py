"""The agency's side of the benchmark: the reference intake service in a process of its own
(``dutyflow intake``, as deployed), so that the agency's work is not counted as Dutyflow's and does
not take turns with the worker for the benchmark process's interpreter. It shares the run's
development agency secrets through the data directory, as the embedded stack's intake does."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from dutyflow.benchmark.processes import ready, start, stop
from dutyflow.runtime.serving import free_port

LISTENING = b"Dutyflow intake listening on "


@dataclass(frozen=True)
class AgencyIntake:
    url: str
    pid: int


@asynccontextmanager
async def agency_intake(workdir: Path, within: float = 60) -> AsyncIterator[AgencyIntake]:
    """The intake service running in its own process until the block ends."""
    port = free_port()
    keep = {k: v for k, v in os.environ.items() if not k.startswith("DUTYFLOW_")}
    env = keep | {
        "DUTYFLOW_ENVIRONMENT": "development",
        "DUTYFLOW_DATA_DIR": str(workdir),
        "DUTYFLOW_INTAKE_PORT": str(port),
        "DUTYFLOW_INTAKE_DATABASE_URL": f"sqlite:///{workdir / 'intake.db'}",
        "DUTYFLOW_LOG_FORMAT": "text",
    }
    log = workdir / "intake.log"
    log.write_bytes(b"")
    process = await asyncio.to_thread(start, "intake", env, log)
    try:
        await ready(process, log, LISTENING, "the intake service", within)
        yield AgencyIntake(url=f"http://127.0.0.1:{port}", pid=process.pid)
    finally:
        await asyncio.to_thread(stop, [process])
