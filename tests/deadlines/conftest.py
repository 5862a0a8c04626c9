"""Deadline tests run on Temporal's time-skipping test server: 36 hours pass at once, never in
real time. Everything else (database, intake service, API, HTTP) is as real as elsewhere."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from dutyflow.crypto.keys import derived_actor_assertion_key
from dutyflow.crypto.update_actor import UpdateActors
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


def skipping_client(env: WorkflowEnvironment, payload_key: bytes) -> Client:
    """The test server's client, whose assertions of who acts are made at the server's own
    (skipped) time, as the API's are at the time the workflows see."""
    actors = UpdateActors(derived_actor_assertion_key(payload_key), clock=env.get_current_time)
    return Client(**{**env.client.config(), "interceptors": [actors]})


@pytest.fixture
def skipping_stack(stack, skipping_env: WorkflowEnvironment, payload_key: bytes):
    """The usual harness, with its client on the time-skipping server (which cannot register
    Dutyflow's search attributes, so cases run unindexed there)."""
    client = skipping_client(skipping_env, payload_key)
    return dataclasses.replace(stack, client=client, index_cases=False)
