"""The Temporal server is restarted while a case waits (here: for the phone report); the worker
keeps running, reconnects, and the case continues to the end."""

from __future__ import annotations

import asyncio
import dataclasses
import signal
import subprocess
from pathlib import Path

import pytest
from temporalio.client import Client

from dutyflow.crypto.keys import derived_actor_assertion_key
from dutyflow.crypto.update_actor import UpdateActors
from dutyflow.demo import example_case as scenario
from dutyflow.runtime.serving import free_port
from dutyflow.runtime.stack import dev_server_command, wait_for_temporal
from dutyflow.runtime.temporal import data_converter
from dutyflow.settings import Settings
from tests.conftest import serve_api
from tests.reporting import (
    confirm,
    document_grounds,
    open_report,
    record_phone_report,
    wait_for_stage,
)

# What this checks does not depend on the database engine: it runs once, on SQLite.
pytestmark = pytest.mark.one_database


def start_server(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, stdout=log.open("ab"), stderr=subprocess.STDOUT)


async def test_a_case_waiting_through_a_temporal_restart_continues(
    stack, http, executor, payload_key: bytes, tmp_path: Path
) -> None:
    settings = Settings(temporal_port=free_port(), temporal_ui_port=free_port(), data_dir=tmp_path)
    command = dev_server_command(settings, tmp_path / "temporal.db")
    address = settings.resolved_temporal_address
    server = start_server(command, tmp_path / "temporal.log")
    try:
        await wait_for_temporal(address, "default", server)
        client = await Client.connect(
            address,
            data_converter=data_converter([payload_key]),
            interceptors=[UpdateActors(derived_actor_assertion_key(payload_key))],
        )
        stack = dataclasses.replace(stack, client=client)
        async with stack.new_worker(http, executor), serve_api(stack) as api:
            case_id = await open_report(api)
            await document_grounds(api, case_id, scenario.grounds_submission())
            await wait_for_stage(api, case_id, "awaiting-phone-report")

            server.send_signal(signal.SIGTERM)
            assert await asyncio.to_thread(server.wait, 30) is not None
            server = start_server(command, tmp_path / "temporal.log")
            await wait_for_temporal(address, "default", server)

            status = await wait_for_stage(api, case_id, "awaiting-phone-report", within=60)
            assert status["obligations"], "the case kept its state across the restart"
            await record_phone_report(api, case_id)
            await confirm(api, case_id)
            status = await wait_for_stage(api, case_id, "closed", within=90)
        assert status["outcome"]["result"] == "reported"
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            await asyncio.to_thread(server.wait, 30)
