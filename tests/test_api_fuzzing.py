"""Fuzzing the HTTP API from its own OpenAPI description (schemathesis, on hypothesis): whatever
a caller sends, well-formed or not, the API never answers with a server error, and a refused
request writes nothing. The API runs for real, in a thread with its own event loop, with the
scenario practitioner's token, so requests get past authentication to the validators; then,
more cheaply (a few examples per operation), with a supervisor's and a compliance officer's,
whose roles reach other paths through the same validators."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from temporalio.client import Client

from dutyflow.crypto.keyring import CaseKeyring
from dutyflow.crypto.keys import derived_actor_assertion_key
from dutyflow.crypto.update_actor import UpdateActors
from dutyflow.runtime.serving import bind
from dutyflow.runtime.temporal import data_converter
from tests.auth.helpers import SCENARIO_CLINIC, bearer, new_user, scenario_practitioner_token

# HTTP input validation does not depend on the database; the other tests run on both.
pytestmark = pytest.mark.one_database


@dataclass
class FuzzedApi:
    base_url: str
    headers: dict[str, str]
    engine: Engine
    by_persona: dict[str, dict[str, str]]


@pytest.fixture(scope="module")
def fuzzed_api(
    engine: Engine,
    sessions,
    policies,
    directory,
    agency_secrets,
    temporal_address: str,
    payload_key: bytes,
    keyring: CaseKeyring,
) -> Iterator[FuzzedApi]:
    from dutyflow.api.app import create_app

    async def connect() -> Client:
        return await Client.connect(
            temporal_address,
            data_converter=data_converter([payload_key], keyring),
            interceptors=[UpdateActors(derived_actor_assertion_key(payload_key))],
        )

    app = create_app(
        connect_client=connect,
        engine=engine,
        policies=policies,
        directory=directory,
        # No worker serves this queue: an opened case waits there, and nothing else is run.
        task_queue=f"fuzzing-{uuid.uuid4()}",
        secrets=agency_secrets,
    )
    sock = bind("127.0.0.1", 0, "fuzzed api")
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the fuzzed API did not start")
        threading.Event().wait(0.02)
    host, port = sock.getsockname()[:2]
    yield FuzzedApi(
        base_url=f"http://{host}:{port}",
        headers=bearer(scenario_practitioner_token(sessions)),
        engine=engine,
        by_persona={
            # The scenario practitioner's clinic: the supervisor reads and acts on its cases.
            "supervisor": bearer(new_user(sessions, "supervisor", clinic_id=SCENARIO_CLINIC)[1]),
            "compliance": bearer(new_user(sessions, "compliance")[1]),
        },
    )
    server.should_exit = True
    thread.join(timeout=30)
    sock.close()


# (operation path, status) seen, to show the fuzzing reached the validators
ANSWERS: Counter[tuple[str, int]] = Counter()


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        tables = inspect(connection).get_table_names()
        return {
            t: connection.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in tables
        }


def _described_api() -> dict[str, Any]:
    """The API's OpenAPI description (building the app connects to nothing)."""
    from dutyflow.api.app import create_app
    from dutyflow.domain.agencies import AgencyDirectory
    from dutyflow.domain.policy import PolicyLibrary
    from dutyflow.settings import REPO_ROOT
    from dutyflow.store.db import make_engine

    app = create_app(
        connect_client=None,
        engine=make_engine("sqlite://"),
        policies=PolicyLibrary(REPO_ROOT / "policies"),
        directory=AgencyDirectory.load(REPO_ROOT / "agencies", "http://127.0.0.1:9"),
        task_queue="unused",
        secrets=lambda agency: b"",
    )
    return app.openapi()


DESCRIBED = _described_api()
schema = schemathesis.openapi.from_dict(DESCRIBED)
# The other personas' runs only fuzz, a couple of examples each: schemathesis' coverage phase
# (hundreds of boundary cases for a schema as large as the grounds') is the practitioner run's.
FUZZING_ONLY = schemathesis.openapi.from_dict(
    DESCRIBED, config=SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}})
)


def test_the_description_offers_operations_to_fuzz() -> None:
    """The fuzzing test runs once per operation: a description without any would run nothing."""
    assert {"/reports", "/reports/{case_id}/grounds"} <= DESCRIBED["paths"].keys()
    assert len(DESCRIBED["paths"]) >= 10, sorted(DESCRIBED["paths"])


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_no_input_gets_a_server_error_or_leaves_a_partial_write(
    case, fuzzed_api: FuzzedApi
) -> None:
    fuzz_once(case, fuzzed_api, fuzzed_api.headers)


def fuzz_once(case, fuzzed_api: FuzzedApi, headers: dict[str, str]) -> None:
    """One generated request with ``headers``: never a server error; refused, nothing written."""
    before = row_counts(fuzzed_api.engine)

    case.headers = {**(case.headers or {}), **headers}  # the caller is authenticated
    response = case.call(base_url=fuzzed_api.base_url, timeout=60)
    ANSWERS[(case.path, response.status_code)] += 1

    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} answered {response.status_code}: "
        f"{response.text[:300]}"
    )
    if response.status_code >= 400:
        assert row_counts(fuzzed_api.engine) == before, (
            f"{case.method} {case.formatted_path} was refused ({response.status_code}) "
            "but the database changed"
        )


@pytest.mark.parametrize("persona", ["supervisor", "compliance"])
@FUZZING_ONLY.parametrize()
@settings(
    # Cheap on purpose: the practitioner's run above explores the inputs; these check that
    # what other roles reach answers no server error (measured: well under 20 s per persona).
    max_examples=2,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_no_input_from_a_supervisor_or_compliance_officer_gets_a_server_error(
    case, fuzzed_api: FuzzedApi, persona: str
) -> None:
    fuzz_once(case, fuzzed_api, fuzzed_api.by_persona[persona])


def test_the_fuzzing_got_past_authentication_to_the_validators() -> None:
    if not ANSWERS:
        pytest.skip("the fuzzing test did not run in this session")
    by_status = Counter()
    for (_path, status), count in ANSWERS.items():
        by_status[status] += count
    assert by_status[422] > 0, by_status  # field-level refusals: the validators were reached
    assert sum(n for code, n in by_status.items() if code < 300) > 0, by_status  # some succeeded
    unauthenticated = {path for (path, status) in ANSWERS if status == 401}
    # Only the agency callback (signed by the agency, not by a token) refuses a token holder so.
    assert unauthenticated <= {"/agency-callbacks/{agency_id}/acknowledgements"}, unauthenticated
