"""`dutyflow up` runs the whole embedded stack as one process tree; Ctrl-C stops every part; open
cases survive a restart because the Temporal dev server keeps its state in the data directory.
And `dutyflow demo` shows a report reaching the agency."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client

from dutyflow.demo import example_case as scenario
from dutyflow.runtime.serving import free_port
from dutyflow.runtime.temporal import history_retention_days
from tests.auth.helpers import SCENARIO_CLINIC, SCENARIO_PRACTITIONER, bearer
from tests.reporting import (
    confirm,
    document_grounds,
    open_report,
    record_phone_report,
    wait_for_stage,
)

pytestmark = pytest.mark.takes_minutes

DUTYFLOW = Path(sys.executable).parent / "dutyflow"


@dataclass
class RunningStack:
    process: subprocess.Popen[str]
    output: list[str]
    api_url: str

    def children(self) -> set[int]:
        found = set()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == self.process.pid:
                    found.add(int(entry.name))
        return found


async def _read_until(
    process: subprocess.Popen[str], output: list[str], marker: str, within: float
) -> None:
    async with asyncio.timeout(within):
        while True:
            line = await asyncio.to_thread(process.stdout.readline)  # type: ignore[union-attr]
            if not line:
                raise AssertionError("dutyflow up exited early:\n" + "".join(output))
            output.append(line)
            if marker in line:
                return


@pytest.fixture
def stack_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUTYFLOW_")}
    env.update(
        DUTYFLOW_DATA_DIR=str(tmp_path / "data"),
        DUTYFLOW_API_PORT=str(free_port()),
        DUTYFLOW_INTAKE_PORT=str(free_port()),
        DUTYFLOW_TEMPORAL_PORT=str(free_port()),
        DUTYFLOW_TEMPORAL_UI_PORT=str(free_port()),
        DUTYFLOW_MAIL_SINK_PORT=str(free_port()),
    )
    return env


def launch_up(env: dict[str, str]) -> subprocess.Popen[str]:
    """`dutyflow up` started (not waited on), its output read line by line."""
    return subprocess.Popen(
        [str(DUTYFLOW), "up"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    )


def still_running(pids: set[int]) -> list[int]:
    return [pid for pid in pids if Path(f"/proc/{pid}").exists()]


async def start_up(env: dict[str, str]) -> RunningStack:
    process = launch_up(env)
    output: list[str] = []
    await _read_until(process, output, "Press Ctrl-C to stop.", within=120)
    return RunningStack(process, output, f"http://127.0.0.1:{env['DUTYFLOW_API_PORT']}")


async def stop_with_ctrl_c(stack: RunningStack) -> None:
    children = stack.children()
    assert children, "the embedded Temporal server should run as a child process"
    stack.process.send_signal(signal.SIGINT)
    rest, _ = await asyncio.to_thread(stack.process.communicate, timeout=90)
    stack.output.append(rest)
    assert stack.process.returncode == 0, "".join(stack.output)
    assert "Stopped." in "".join(stack.output)
    assert not still_running(children), "orphan process left"


@pytest.fixture
async def up(stack_env: dict[str, str]) -> AsyncIterator[RunningStack]:
    stack = await start_up(stack_env)
    yield stack
    if stack.process.poll() is None:
        stack.process.kill()
        stack.process.wait()


async def test_up_prints_the_urls_runs_the_demo_and_ctrl_c_stops_every_process(
    up: RunningStack, stack_env
) -> None:
    printed = "".join(up.output)
    for name in ("Temporal:", "Temporal Web UI:", "API:", "API docs:", "Agency intake service:"):
        assert name in printed
    async with httpx.AsyncClient(timeout=10) as http:
        assert (await http.get(f"{up.api_url}/health")).json() == {"status": "ok"}
        ui = await http.get(f"http://127.0.0.1:{stack_env['DUTYFLOW_TEMPORAL_UI_PORT']}/")
        assert ui.status_code == 200
        assert (await http.get(f"{up.api_url}/openapi.json")).json()["info"]["title"] == "Dutyflow"
        ui_settings = (
            await http.get(
                f"http://127.0.0.1:{stack_env['DUTYFLOW_TEMPORAL_UI_PORT']}/api/v1/settings"
            )
        ).json()
        assert ui_settings["Codec"]["Endpoint"] == f"{up.api_url}/codec"
        assert (
            await http.post(f"{up.api_url}/codec/decode", json={"payloads": []})
        ).status_code == 401
        assert (
            await http.post(f"{up.api_url}/reports", json=scenario.opening_request())
        ).status_code == 401
    client = await Client.connect(f"127.0.0.1:{stack_env['DUTYFLOW_TEMPORAL_PORT']}")
    assert await history_retention_days(client) == 30  # set on purpose, see README "Retention"

    # A newcomer's next command, on the same stack: the demo's report reaches the agency.
    demo = await asyncio.to_thread(
        subprocess.run,
        [str(DUTYFLOW), "demo"],
        env=stack_env,
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "Using the Dutyflow stack at" in demo.stdout
    assert "== What the agency received ==" in demo.stdout
    assert "Demo complete: the agency received the report exactly once." in demo.stdout
    assert "outcome-recorded" in demo.stdout
    await stop_with_ctrl_c(up)


def scenario_practitioner(env: dict[str, str], api_url: str) -> dict[str, str]:
    """``dutyflow users add`` the scenario's practitioner to the stack's database, then, as the
    practitioner, set up the account with the one-time code it prints: the Authorization header
    of the practitioner's own token."""
    added = subprocess.run(
        [
            str(DUTYFLOW),
            "users",
            "add",
            "--id",
            SCENARIO_PRACTITIONER,
            "--name",
            "Dr. Alex Rivera",
            "--role",
            "practitioner",
            "--clinic",
            SCENARIO_CLINIC,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert added.returncode == 0, added.stderr
    assert "dfy_" not in added.stdout  # never a token of the practitioner's
    [code] = re.findall(r"One-time set-up code \(id [0-9a-f]+, until [^)]+\): (\S+)", added.stdout)
    set_up = httpx.post(
        f"{api_url}/account-setup",
        json={"code": code, "password": "the scenario practitioner's passphrase"},
        timeout=60,
    )
    assert set_up.status_code == 201, set_up.text
    return bearer(set_up.json()["token"])


async def test_an_open_case_survives_a_restart_of_the_stack(up: RunningStack, stack_env) -> None:
    practitioner = await asyncio.to_thread(scenario_practitioner, stack_env, up.api_url)
    async with httpx.AsyncClient(base_url=up.api_url, timeout=120, headers=practitioner) as api:
        case_id = await open_report(api)
        await document_grounds(api, case_id, scenario.grounds_submission())
    await stop_with_ctrl_c(up)

    restarted = await start_up(stack_env)
    try:
        async with httpx.AsyncClient(
            base_url=restarted.api_url, timeout=120, headers=practitioner
        ) as api:
            assert (await wait_for_stage(api, case_id, "awaiting-phone-report"))[
                "case_id"
            ] == case_id
            await record_phone_report(api, case_id)
            await confirm(api, case_id)
            status = await wait_for_stage(api, case_id, "closed")
        assert status["outcome"]["result"] == "reported"
        await stop_with_ctrl_c(restarted)
    finally:
        if restarted.process.poll() is None:
            restarted.process.kill()
            restarted.process.wait()
