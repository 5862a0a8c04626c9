"""Deadline tests run on Temporal's time-skipping test server: 36 hours pass at once, never in
real time. Everything else (database, intake service, API, HTTP) is as real as elsewhere."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from dutyflow.runtime.temporal import data_converter

TEST_SERVER = Path(sys.executable).parent / "temporal-test-server"


@pytest.fixture
async def skipping_env(payload_key: bytes) -> AsyncIterator[WorkflowEnvironment]:
    """A fresh test server per test: skipped time does not carry over into the next test."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(TEST_SERVER), data_converter=data_converter([payload_key])
    )
    yield env
    await env.shutdown()


@pytest.fixture
def skipping_stack(stack, skipping_env: WorkflowEnvironment):
    """The usual harness, with its client on the time-skipping server (which cannot register
    Dutyflow's search attributes, so cases run unindexed there)."""
    return dataclasses.replace(stack, client=skipping_env.client, index_cases=False)
