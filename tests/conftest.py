"""Shared fixtures: one real Temporal dev server per test session, a real agency intake service
on a free port, and the database (SQLite always; PostgreSQL too when DUTYFLOW_TEST_POSTGRES_URL
is set, each session in a schema of its own)."""

from __future__ import annotations

import base64
import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from dutyflow.contracts import SEARCH_ATTRIBUTES
from dutyflow.crypto.signing import AgencySecrets
from dutyflow.domain.agencies import AgencyDirectory
from dutyflow.domain.policy import PolicyLibrary
from dutyflow.serving import RunningServer, bind, serve
from dutyflow.settings import REPO_ROOT
from dutyflow.stack import temporal_cli
from dutyflow.store.db import SessionFactory, create_schema, make_engine, session_factory
from dutyflow.temporal_connection import data_converter
from worker import build_worker

POSTGRES_URL_ENV = "DUTYFLOW_TEST_POSTGRES_URL"
_exit_status: int | None = None


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _exit_status
    _exit_status = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """End the run with pytest's own status before the Temporal SDK's bridge threads can crash
    the interpreter at exit (sdk-python#300): a passing run must not fail CI by its exit code."""
    if _exit_status is not None and not hasattr(config, "workerinput"):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status)


@pytest.fixture(scope="session")
def payload_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


@pytest.fixture(scope="session")
def payload_key_b64(payload_key: bytes) -> str:
    return base64.b64encode(payload_key).decode()


@pytest.fixture(scope="session")
async def temporal_env(payload_key: bytes) -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal_cli()),
        data_converter=data_converter([payload_key]),
        search_attributes=SEARCH_ATTRIBUTES,
        dev_server_log_level="error",
        ui=False,
    )
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
def client(temporal_env: WorkflowEnvironment) -> Client:
    return temporal_env.client


@pytest.fixture(scope="session")
def temporal_address(temporal_env: WorkflowEnvironment) -> str:
    return temporal_env.client.service_client.config.target_host


def _postgres_schema_url(base_url: str) -> Iterator[str]:
    schema = f"dutyflow_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'dutyflow.db'}"
        return
    base = os.environ.get(POSTGRES_URL_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_URL_ENV} is not set")
    yield from _postgres_schema_url(base)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    create_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def sessions(engine: Engine) -> SessionFactory:
    return session_factory(engine)


@pytest.fixture(scope="session")
def agency_secrets(tmp_path_factory: pytest.TempPathFactory) -> AgencySecrets:
    """Per-agency signing secrets shared by Dutyflow and the intake service, as in development."""
    return AgencySecrets(tmp_path_factory.mktemp("keys") / "agencies", allow_generated=True)


@pytest.fixture(scope="session")
async def intake(
    tmp_path_factory: pytest.TempPathFactory, agency_secrets: AgencySecrets
) -> AsyncIterator[RunningServer]:
    """The reference agency intake service, for real, on a free local port: it checks
    signatures and acknowledges by signed callback."""
    from dutyflow.intake.app import create_app

    db = tmp_path_factory.mktemp("intake") / "intake.db"
    app = create_app(f"sqlite:///{db}", secrets=agency_secrets)
    server = await serve(app, bind("127.0.0.1", 0, "intake"), "intake")
    yield server
    await server.stop()


@pytest.fixture(scope="session")
def policies() -> PolicyLibrary:
    return PolicyLibrary(REPO_ROOT / "policies")


@pytest.fixture(scope="session")
def directory(intake: RunningServer) -> AgencyDirectory:
    return AgencyDirectory.load(REPO_ROOT / "agencies", intake.url)


@dataclass
class Harness:
    """What a test needs to drive cases: the client, a worker's task queue, the stores."""

    client: Client
    task_queue: str
    sessions: SessionFactory
    engine: Engine
    intake_url: str
    directory: AgencyDirectory
    policies: PolicyLibrary
    secrets: AgencySecrets
    api_socket: socket.socket
    index_cases: bool = True

    @property
    def api_url(self) -> str:
        host, port = self.api_socket.getsockname()[:2]
        return f"http://{host}:{port}"

    def new_worker(self, http: httpx.AsyncClient, executor: ThreadPoolExecutor) -> Worker:
        return build_worker(
            self.client,
            task_queue=self.task_queue,
            sessions=self.sessions,
            policies=self.policies,
            directory=self.directory,
            http=http,
            executor=executor,
            secrets=self.secrets,
            acknowledgement_base_url=self.api_url,
        )


@pytest.fixture
def stack(
    client: Client,
    sessions: SessionFactory,
    engine: Engine,
    intake: RunningServer,
    directory: AgencyDirectory,
    policies: PolicyLibrary,
    agency_secrets: AgencySecrets,
) -> Iterator[Harness]:
    api_socket = bind("127.0.0.1", 0, "api")  # bound first: the worker needs the callback URL
    yield Harness(
        client=client,
        task_queue=f"dutyflow-test-{uuid.uuid4()}",
        sessions=sessions,
        engine=engine,
        intake_url=intake.url,
        directory=directory,
        policies=policies,
        secrets=agency_secrets,
        api_socket=api_socket,
    )
    api_socket.close()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def executor() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=16) as pool:
        yield pool


@pytest.fixture
async def running_worker(
    stack: Harness, http: httpx.AsyncClient, executor: ThreadPoolExecutor
) -> AsyncIterator[Worker]:
    worker = stack.new_worker(http, executor)
    async with worker:
        yield worker


async def _serve_api(stack: Harness) -> AsyncIterator[httpx.AsyncClient]:
    from dutyflow.api.app import create_app

    app = create_app(
        client=stack.client,
        engine=stack.engine,
        policies=stack.policies,
        directory=stack.directory,
        task_queue=stack.task_queue,
        secrets=stack.secrets,
        index_cases=stack.index_cases,
    )
    server = await serve(app, stack.api_socket, "api")
    async with httpx.AsyncClient(base_url=server.url, timeout=120) as client:
        yield client
    await server.stop()


@pytest.fixture
async def api(stack: Harness, running_worker: Worker) -> AsyncIterator[httpx.AsyncClient]:
    """The Dutyflow HTTP API, served for real on a free port, with a worker behind it."""
    async for client in _serve_api(stack):
        yield client


@pytest.fixture
async def api_without_worker(stack: Harness) -> AsyncIterator[httpx.AsyncClient]:
    """The API alone: the test runs its workers itself (e.g. as separate processes)."""
    async for client in _serve_api(stack):
        yield client


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT
