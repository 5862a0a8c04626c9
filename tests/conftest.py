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
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.fax import FaxProvider
from dutyflow.contracts import SEARCH_ATTRIBUTES
from dutyflow.crypto.keyring import CaseKeyring, MasterKeys, key_store_engine
from dutyflow.crypto.keys import derived_actor_assertion_key
from dutyflow.crypto.sealing import bind_keyring
from dutyflow.crypto.signed_note import NoteSigner
from dutyflow.crypto.signing import AgencySecrets
from dutyflow.crypto.update_actor import UpdateActors
from dutyflow.domain.agencies import AgencyDirectory
from dutyflow.domain.policy import PolicyLibrary
from dutyflow.notifications.escalation import MailSettings
from dutyflow.runtime.serving import RunningServer, bind, serve
from dutyflow.runtime.stack import temporal_cli
from dutyflow.runtime.temporal import data_converter
from dutyflow.runtime.worker import build_worker
from dutyflow.settings import REPO_ROOT
from dutyflow.store.audit_checkpoints import CheckpointKeeper, bind_checkpoint_keeper
from dutyflow.store.db import SessionFactory, create_schema, make_engine, session_factory
from tests.auth.helpers import bearer, new_user, scenario_practitioner_token
from tests.run_order import in_module_order

POSTGRES_URL_ENV = "DUTYFLOW_TEST_POSTGRES_URL"
# One TLS context (httpx's default settings) for the test clients: a client made without one
# builds its own and loads the CA bundle again, ~25 ms of CPU for each of the thousands of clients
# a session makes (the servers here speak plain HTTP on loopback).
CLIENT_TLS = httpx.create_ssl_context()
_exit_status: int | None = None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked ``one_database`` runs on SQLite only: what it checks does not depend on the
    database, which the other tests exercise on both (keeps the suite within its time). The
    modules that take minutes are spread over the run (`tests.run_order`)."""
    on_postgres = [
        item
        for item in items
        if item.get_closest_marker("one_database") is not None
        and getattr(item, "callspec", None) is not None
        and item.callspec.params.get("database_url") == "postgresql"  # type: ignore[attr-defined]
    ]
    if on_postgres:
        config.hook.pytest_deselected(items=on_postgres)
        items[:] = [item for item in items if item not in on_postgres]
    items[:] = in_module_order(items)


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
    """The session's master key: it wraps every case key, and encrypts payloads of no case."""
    return AESGCM.generate_key(bit_length=256)


@pytest.fixture(scope="session")
def payload_key_b64(payload_key: bytes) -> str:
    return base64.b64encode(payload_key).decode()


@pytest.fixture(scope="session")
def key_store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The session's key store (the wrapped case keys), shared with worker subprocesses."""
    return f"sqlite:///{tmp_path_factory.mktemp('key-store') / 'case-keys.db'}"


@pytest.fixture(scope="session")
def keyring(payload_key: bytes, key_store_url: str) -> Iterator[CaseKeyring]:
    ring = CaseKeyring(key_store_engine(key_store_url), MasterKeys([payload_key]))
    yield ring
    ring.engine.dispose()


@pytest.fixture(scope="session")
def audit_signer() -> NoteSigner:
    """The session's key that signs the audit log's checkpoints."""
    return NoteSigner.generate("dutyflow.test/audit-log")


@pytest.fixture(scope="session")
def key_environment(
    payload_key_b64: str, key_store_url: str, audit_signer: NoteSigner
) -> dict[str, str]:
    """The settings a Dutyflow subprocess needs to use this session's keys."""
    return {
        "DUTYFLOW_MASTER_KEYS": payload_key_b64,
        "DUTYFLOW_KEY_STORE_URL": key_store_url,
        "DUTYFLOW_AUDIT_SIGNING_KEY": audit_signer.text(),
    }


@pytest.fixture(scope="session", autouse=True)
def _commands_use_the_session_keys(key_environment: dict[str, str]) -> Iterator[None]:
    """Every `dutyflow` command a test runs (in-process or as a subprocess) uses this session's
    keys, as an operator's environment would give them, never a key of the working directory."""
    saved = {name: os.environ.get(name) for name in key_environment}
    os.environ.update(key_environment)
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(autouse=True)
def _audit_checkpoints_of_this_test(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `dutyflow audit` command a test runs keeps its checkpoints in a directory of the test's
    own: checkpoints of another test's database would (rightly) fail its verification."""
    directory = tmp_path / "audit-checkpoints"
    monkeypatch.setenv("DUTYFLOW_AUDIT_CHECKPOINT_DIR", str(directory))
    return directory


@pytest.fixture(scope="session")
async def temporal_env(
    payload_key: bytes, keyring: CaseKeyring
) -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal_cli()),
        data_converter=data_converter([payload_key], keyring),
        interceptors=[UpdateActors(derived_actor_assertion_key(payload_key))],
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


def empty_database(kind: str, sqlite_file: Path) -> Iterator[str]:
    """The URL of an empty database of ``kind``: the SQLite file ``sqlite_file``, or a PostgreSQL
    schema of its own (dropped afterwards; the test is skipped when no PostgreSQL URL is given)."""
    if kind == "sqlite":
        yield f"sqlite:///{sqlite_file}"
        return
    base = os.environ.get(POSTGRES_URL_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_URL_ENV} is not set")
    yield from _postgres_schema_url(base)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    yield from empty_database(request.param, tmp_path_factory.mktemp("db") / "dutyflow.db")


@pytest.fixture(scope="session")
def session_checkpoints(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the session database's audit checkpoints are kept (a case closing makes one): one
    directory per database, as one per log in production."""
    return tmp_path_factory.mktemp("session-audit-checkpoints")


@pytest.fixture(scope="session")
def engine(
    database_url: str, keyring: CaseKeyring, audit_signer: NoteSigner, session_checkpoints: Path
) -> Iterator[Engine]:
    engine = bind_keyring(make_engine(database_url), keyring)
    create_schema(engine)
    bind_checkpoint_keeper(engine, CheckpointKeeper(audit_signer, session_checkpoints))
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
    mail: MailSettings | None = None  # where escalations are e-mailed (none: audited as not sent)
    fax_provider: FaxProvider | None = None  # where faxes go (none: the practitioner faxes)

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
            mail=self.mail,
            fax_provider=self.fax_provider,
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
    async with httpx.AsyncClient(timeout=30, verify=CLIENT_TLS) as client:
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


@asynccontextmanager
async def serve_api(
    stack: Harness,
    *,
    token: str | None = None,
    payload_codec: Any = None,
    clinic_time_zones: Any = None,
) -> AsyncIterator[httpx.AsyncClient]:
    """Serve the API on the stack's socket; the client carries ``token``, by default the scenario
    practitioner's (``practitioner-0042`` of ``clinic-demo-01``, as `dutyflow.demo.example_case`
    opens). ``clinic_time_zones``: each clinic's zone on the pages (default: UTC)."""
    from dutyflow.api.app import create_app

    app = create_app(
        client=stack.client,
        engine=stack.engine,
        policies=stack.policies,
        directory=stack.directory,
        task_queue=stack.task_queue,
        secrets=stack.secrets,
        index_cases=stack.index_cases,
        payload_codec=payload_codec,
        clinic_time_zones=clinic_time_zones,
        mail=stack.mail,
    )
    server = await serve(app, stack.api_socket, "api")
    try:
        token = token if token is not None else scenario_practitioner_token(stack.sessions)
        async with httpx.AsyncClient(
            base_url=server.url, timeout=120, headers=bearer(token), verify=CLIENT_TLS
        ) as client:
            yield client
    finally:  # also when the test fails: the next test serves on the same socket
        await server.stop()


@pytest.fixture
async def api(stack: Harness, running_worker: Worker) -> AsyncIterator[httpx.AsyncClient]:
    """The Dutyflow HTTP API, served for real on a free port, with a worker behind it; the
    client is the scenario's practitioner (`callers` gives clients of other users)."""
    async with serve_api(stack) as client:
        yield client


@pytest.fixture
async def api_without_worker(stack: Harness) -> AsyncIterator[httpx.AsyncClient]:
    """The API alone: the test runs its workers itself (e.g. as separate processes)."""
    async with serve_api(stack) as client:
        yield client


@dataclass
class Caller:
    """A user of the served API, with a client that carries their token."""

    user_id: str
    role: str
    clinic_id: str | None
    agency_id: str | None
    token: str
    http: httpx.AsyncClient


class Callers:
    """Clients of the stack's API for new users of any role:
    ``officer = callers.new("compliance")``, then ``await officer.http.get(...)``."""

    def __init__(self, stack: Harness) -> None:
        self._stack = stack
        self._clients: list[httpx.AsyncClient] = []

    def new(
        self, role: str, *, clinic_id: str | None = None, agency_id: str | None = None
    ) -> Caller:
        user, token = new_user(self._stack.sessions, role, clinic_id=clinic_id, agency_id=agency_id)
        return self.with_token(user.user_id, role, token, user.clinic_id, user.agency_id)

    def with_token(
        self,
        user_id: str,
        role: str,
        token: str,
        clinic_id: str | None = None,
        agency_id: str | None = None,
    ) -> Caller:
        http = httpx.AsyncClient(
            base_url=self._stack.api_url, timeout=120, headers=bearer(token), verify=CLIENT_TLS
        )
        self._clients.append(http)
        return Caller(user_id, role, clinic_id, agency_id, token, http)

    def anonymous(self) -> httpx.AsyncClient:
        """A client without a token."""
        http = httpx.AsyncClient(base_url=self._stack.api_url, timeout=120, verify=CLIENT_TLS)
        self._clients.append(http)
        return http

    async def aclose(self) -> None:
        for http in self._clients:
            await http.aclose()


@pytest.fixture
async def callers(stack: Harness) -> AsyncIterator[Callers]:
    """Clients of the served API (`api` serves it) for users of any role."""
    made = Callers(stack)
    yield made
    await made.aclose()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT
