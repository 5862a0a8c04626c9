"""A case survives its worker crashing in the middle of the workflow, and completes exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from dutyflow.crypto.signing import secret_variable
from dutyflow.demo import example_case as scenario
from dutyflow.store import audit_log
from tests.reporting import (
    agency_inbox,
    confirm,
    document_grounds,
    domain_steps,
    open_report,
    record_phone_report,
    wait_for_stage,
    worker_started,
)
from tests.test_mandated_report import EXPECTED_STEPS


def start_worker_process(
    stack,
    database_url: str,
    temporal_address: str,
    key_environment: dict[str, str],
    repo_root: Path,
    log: Path,
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DUTYFLOW_TEMPORAL_ADDRESS": temporal_address,
        "DUTYFLOW_DATABASE_URL": database_url,
        "DUTYFLOW_TASK_QUEUE": stack.task_queue,
        **key_environment,
        "DUTYFLOW_INTAKE_BASE_URL": stack.intake_url,
        "DUTYFLOW_DATA_DIR": str(log.parent),
        "DUTYFLOW_ACKNOWLEDGEMENT_BASE_URL": stack.api_url,
        secret_variable("demo-county-cws"): stack.secrets("demo-county-cws").decode(),
    }
    return subprocess.Popen(
        [sys.executable, "worker.py"],
        cwd=repo_root,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


async def test_case_survives_a_worker_crash_and_completes_exactly_once(
    api_without_worker: httpx.AsyncClient,
    stack,
    database_url: str,
    temporal_address: str,
    key_environment: dict[str, str],
    repo_root: Path,
    tmp_path: Path,
) -> None:
    api = api_without_worker
    start = lambda log: start_worker_process(  # noqa: E731
        stack, database_url, temporal_address, key_environment, repo_root, tmp_path / log
    )
    first = start("worker.log")
    try:
        await worker_started(tmp_path / "worker.log", first)
        case_id = await open_report(api)
        await document_grounds(api, case_id, scenario.grounds_submission())
        await record_phone_report(api, case_id)
        await wait_for_stage(api, case_id, "awaiting-confirmation")
    finally:
        first.send_signal(signal.SIGKILL)
        await asyncio.to_thread(first.wait)

    second = start("second-worker.log")  # a new worker picks the case up where it stood
    try:
        await worker_started(tmp_path / "second-worker.log", second)
        await confirm(api, case_id)
        status = await wait_for_stage(api, case_id, "closed", within=90)
    finally:
        second.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(second.wait, 30) == 0, (
            tmp_path / "second-worker.log"
        ).read_text()

    inbox = await agency_inbox(stack.intake_url, status["deliveries"][0]["agency_id"])
    assert len([r for r in inbox if r["case_reference"] == case_id]) == 1
    with stack.sessions() as session:
        assert domain_steps(audit_log.entries_for_case(session, case_id)) == EXPECTED_STEPS
        assert audit_log.verify(session).intact
