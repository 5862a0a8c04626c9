"""The worker's Temporal SDK metrics, served for Prometheus by the process's Temporal runtime."""

from __future__ import annotations

import dataclasses

import pytest
from temporalio.client import Client
from temporalio.runtime import Runtime

from dutyflow.crypto.keys import derived_actor_assertion_key
from dutyflow.crypto.update_actor import UpdateActors
from dutyflow.observability import runtime_for, temporal_runtime
from dutyflow.runtime.serving import free_port
from dutyflow.runtime.temporal import data_converter
from dutyflow.settings import Settings
from tests.conftest import serve_api
from tests.reporting import report_end_to_end
from tests.test_mandated_report import WITHHELD_MARKERS, grounds_with_markers

# What this checks does not depend on the database engine: it runs once, on SQLite.
pytestmark = pytest.mark.one_database


@pytest.fixture(scope="session")
def metrics_runtime() -> tuple[Runtime, int]:
    """One runtime per process, as in production (``runtime_for`` keeps it)."""
    port = free_port()
    runtime = runtime_for(Settings(worker_metrics_port=port))
    assert runtime is not None
    return runtime, port


async def test_worker_serves_temporal_metrics_after_a_report(
    stack, http, executor, metrics_runtime, temporal_address: str, payload_key: bytes
) -> None:
    runtime, port = metrics_runtime
    client = await Client.connect(
        temporal_address,
        data_converter=data_converter([payload_key]),
        interceptors=[UpdateActors(derived_actor_assertion_key(payload_key))],
        runtime=runtime,
    )
    stack = dataclasses.replace(stack, client=client)
    async with stack.new_worker(http, executor), serve_api(stack) as api:
        status = await report_end_to_end(api, grounds_with_markers())

    response = await http.get(f"http://127.0.0.1:{port}/metrics")
    assert response.status_code == 200
    names = {
        line.split("{")[0].split(" ")[0]
        for line in response.text.splitlines()
        if line and line[0] != "#"
    }
    assert any(name.startswith("temporal_") for name in names)
    assert "temporal_activity_execution_latency_count" in names
    assert any(name.startswith("temporal_workflow_completed") for name in names)
    assert status["case_id"] not in response.text, (
        "metric labels hold types and queues, not case ids"
    )
    for marker in WITHHELD_MARKERS.values():
        assert marker not in response.text


def test_one_runtime_per_process(metrics_runtime) -> None:
    runtime, port = metrics_runtime
    assert runtime_for(Settings(worker_metrics_port=port)) is runtime
    assert runtime_for(Settings()) is None
    with pytest.raises(RuntimeError, match="already serves"):
        temporal_runtime(f"127.0.0.1:{free_port()}")
