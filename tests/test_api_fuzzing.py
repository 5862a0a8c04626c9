"""Fuzzing the HTTP API from its own OpenAPI description (schemathesis, on hypothesis): whatever
a caller sends, well-formed or not, the API never answers with a server error, and a refused
request writes nothing. The API runs for real, in a thread with its own event loop, with the
scenario practitioner's token, so requests get past authentication to the validators; then,
more cheaply (a few examples per operation), with a supervisor's and a compliance officer's,
whose roles reach other paths through the same validators. Last, the case endpoints alone on real
cases of the caller's clinic, one at each stage a clinician acts in, made through the API with a
worker running: the fuzzed requests then reach the case's own checks, and nothing they are sent is
ever repeated in a refusal."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from temporalio.client import Client

from dutyflow.crypto.keyring import CaseKeyring
from dutyflow.crypto.keys import derived_actor_assertion_key
from dutyflow.crypto.update_actor import UpdateActors
from dutyflow.demo import example_case as scenario
from dutyflow.runtime.serving import bind
from dutyflow.runtime.temporal import data_converter
from tests.auth.helpers import SCENARIO_CLINIC, bearer, new_user, scenario_practitioner_token
from tests.reporting import (
    caller_id,
    confirm,
    document_grounds,
    ok,
    open_report,
    record_phone_report,
    wait_for_stage,
)

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


_TABLES: dict[Engine, list[str]] = {}


def row_counts(engine: Engine) -> dict[str, int]:
    """Every table's number of rows, in one statement (the tables are read once per engine:
    the schema does not change while the API is fuzzed)."""
    with engine.connect() as connection:
        if engine not in _TABLES:
            _TABLES[engine] = sorted(inspect(connection).get_table_names())
        tables = _TABLES[engine]
        counts = " UNION ALL ".join(
            f"SELECT '{t}' AS name, count(*) AS n FROM \"{t}\"" for t in tables
        )
        return {name: n for name, n in connection.execute(text(counts))}


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


# --- The case endpoints on real cases ------------------------------------------------------------
# Above, no worker runs and every case id in a path is made up, so those requests end at a 404 or a
# 403. Here the caller's clinic has real cases, opened through the API with a worker running, one
# at each stage a clinician acts in, and the fuzzed paths name them: the requests reach the
# workflow's validators (and, well-formed, its handlers). Cheap on purpose: the case endpoints only,
# a few examples each.
CASE_ENDPOINTS = FUZZING_ONLY.include(path_regex=r"\{(case_id|client_id)\}")
# Enum values, field names and examples the description publishes: the API may name them.
PUBLISHED = json.dumps(DESCRIBED)
# The fields of a write that must name the caller (403 otherwise).
OWN_ID_FIELDS = {"practitioner_id", "recorded_by"}


@dataclass
class RealCases:
    """Real cases of the scenario clinic, by stage, and the ids their paths take."""

    by_stage: dict[str, str]
    client_id: str
    report_id: str  # the closed case's delivery
    recipient_id: str  # the agency the closed case reported to

    def path_parameters(self, case_id: str) -> dict[str, str]:
        return {
            "case_id": case_id,
            "client_id": self.client_id,
            "report_id": self.report_id,
            "recipient_id": self.recipient_id,
        }


async def open_real_cases(api: httpx.AsyncClient) -> RealCases:
    """One case at each stage a clinician acts in, each made through the API."""

    async def awaiting_grounds() -> str:
        case_id = await open_report(api)
        await wait_for_stage(api, case_id, "awaiting-grounds")
        return case_id

    async def awaiting_phone_report() -> str:
        case_id = await awaiting_grounds()
        await document_grounds(api, case_id, scenario.grounds_submission())
        await wait_for_stage(api, case_id, "awaiting-phone-report")
        return case_id

    async def awaiting_confirmation() -> str:
        case_id = await awaiting_phone_report()
        await record_phone_report(api, case_id)
        await wait_for_stage(api, case_id, "awaiting-confirmation")
        return case_id

    async def closed() -> str:
        case_id = await awaiting_confirmation()
        await confirm(api, case_id)
        await wait_for_stage(api, case_id, "closed")
        return case_id

    stages = ("awaiting-grounds", "awaiting-phone-report", "awaiting-confirmation", "closed")
    ids = await asyncio.gather(
        awaiting_grounds(), awaiting_phone_report(), awaiting_confirmation(), closed()
    )
    by_stage = dict(zip(stages, ids, strict=True))
    closed_status = ok(await api.get(f"/reports/{by_stage['closed']}"))
    delivery = closed_status["deliveries"][0]
    return RealCases(
        by_stage=by_stage,
        client_id=scenario.opening_request()["client_id"],
        report_id=delivery["report_id"],
        recipient_id=delivery["recipient_id"],
    )


async def settled(client: Client, case_id: str) -> None:
    """Wait until the case's workflow has nothing left to run (no workflow task, no activity):
    the worker then writes nothing more until a request asks for something."""
    handle = client.get_workflow_handle(case_id)
    async with asyncio.timeout(60):
        while True:
            raw = (await handle.describe()).raw_description
            if not raw.pending_activities and not raw.HasField("pending_workflow_task"):
                return
            await asyncio.sleep(0.02)


def submitted_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from submitted_strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from submitted_strings(item)


def echoed_values(case, response_text: str, ours: set[str]) -> set[str]:
    """Submitted values (long enough not to occur by chance, neither ids we chose nor words the
    API description publishes) that the response repeats."""
    body = case.body if isinstance(case.body, dict | list | str) else None
    submitted = {
        *submitted_strings(body),
        *submitted_strings(case.query or {}),
        *submitted_strings(case.path_parameters or {}),
    }
    return {
        value
        for value in submitted
        if len(value.strip()) >= 8
        and value not in ours
        and value not in PUBLISHED
        and value in response_text
    }


def fuzz_the_case_endpoints(
    base_url: str,
    headers: dict[str, str],
    caller_id: str,
    engine: Engine,
    cases: RealCases,
    settle: Callable[[str], None],
    examples: int,
) -> Counter[tuple[str, int]]:
    """Fuzz every case endpoint, its path naming one of ``cases``; the answers by (path, status)."""
    answers: Counter[tuple[str, int]] = Counter()
    ours = {*cases.by_stage.values(), cases.client_id, cases.report_id, cases.recipient_id}

    def one_request(case, case_id: str, in_own_name: bool) -> None:
        case.path_parameters = {
            name: cases.path_parameters(case_id).get(name, value)
            for name, value in (case.path_parameters or {}).items()
        }
        if in_own_name and isinstance(case.body, dict):
            # A step signed in another's name stops at a 403 before any validator: half the
            # examples are signed by the caller, as a real client's are.
            for field in OWN_ID_FIELDS & case.body.keys():
                case.body[field] = caller_id
        case.headers = {**(case.headers or {}), **headers}
        before = row_counts(engine)
        response = case.call(base_url=base_url, timeout=60)
        answers[(case.path, response.status_code)] += 1
        request = f"{case.method} {case.path} on a case {stage_of[case_id]}"
        assert response.status_code < 500, f"{request} answered {response.status_code}"
        if response.status_code >= 400:
            assert row_counts(engine) == before, f"{request} was refused but the database changed"
            echoed = echoed_values(case, response.text, ours)
            assert not echoed, f"{request} echoed what it was sent ({len(echoed)} values)"
        elif case.method.upper() != "GET":
            settle(case_id)  # the worker carries the accepted request out before the next one

    stage_of = {case_id: stage for stage, case_id in cases.by_stage.items()}
    for result in CASE_ENDPOINTS.get_all_operations():
        operation = result.ok()
        requests = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )

        @given(case=requests, case_id=st.sampled_from(sorted(stage_of)), in_own_name=st.booleans())
        @settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case, case_id: str, in_own_name: bool) -> None:
            one_request(case, case_id, in_own_name)

        fuzz()
    return answers


async def test_no_input_on_a_real_case_gets_a_server_error_leaves_a_partial_write_or_is_echoed(
    api: httpx.AsyncClient, stack, callers
) -> None:
    cases = await open_real_cases(api)
    for case_id in cases.by_stage.values():
        await settled(stack.client, case_id)
    loop = asyncio.get_running_loop()

    def settle(case_id: str) -> None:
        asyncio.run_coroutine_threadsafe(settled(stack.client, case_id), loop).result()

    supervisor = callers.new("supervisor", clinic_id=SCENARIO_CLINIC)
    officer = callers.new("compliance")
    answers: Counter[tuple[str, int]] = Counter()
    for headers, user_id, examples in (
        (dict(api.headers), await caller_id(api), 4),  # the practitioner whose cases they are
        (bearer(supervisor.token), supervisor.user_id, 2),
        (bearer(officer.token), officer.user_id, 2),
    ):
        answers += await asyncio.to_thread(
            fuzz_the_case_endpoints,
            stack.api_url,
            headers,
            user_id,
            stack.engine,
            cases,
            settle,
            examples,
        )

    # The real cases were reached: read, refused field by field, and some requests carried out.
    case_paths = {path for (path, _status) in answers if "{case_id}" in path}
    assert len(case_paths) >= 20, sorted(case_paths)
    succeeded = {path for (path, status) in answers if status < 300 and "{case_id}" in path}
    assert {"/reports/{case_id}", "/reports/{case_id}/timeline"} <= succeeded, sorted(succeeded)
    refused_by_validators = {path for (path, status) in answers if status == 422}
    assert "/reports/{case_id}/grounds" in refused_by_validators, sorted(refused_by_validators)
    # Well-formed steps got as far as the case itself, which refused them for its stage (which
    # steps depends on what was drawn: any of the case's steps will do).
    refused_for_the_stage = {path for (path, status) in answers if status == 409}
    steps = {
        f"/reports/{{case_id}}/{step}"
        for step in (
            "grounds",
            "phone-report",
            "confirm",
            "inform-client",
            "retry-delivery",
            "withdraw",
            "report-sent",
            "supplements",
        )
    }
    assert refused_for_the_stage & steps, sorted(refused_for_the_stage)
