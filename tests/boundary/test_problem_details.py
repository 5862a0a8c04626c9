"""Errors are RFC 9457 problem details (``application/problem+json``: type, title, status,
detail, instance, and ``errors`` naming each field), and the OpenAPI document says so for 401,
403, 404 and 422 on every operation."""

from __future__ import annotations

import os

import httpx
import pytest

from dutyflow.api.app import create_app
from dutyflow.crypto.codec import EncryptionCodec
from dutyflow.demo import example_case as scenario
from dutyflow.domain.agencies import AgencyDirectory
from dutyflow.domain.policy import PolicyLibrary
from dutyflow.settings import REPO_ROOT
from dutyflow.store.db import make_engine

# What this checks does not depend on the database engine: it runs once, on SQLite.
pytestmark = pytest.mark.one_database

DOCUMENTED = {"401", "403", "404", "422"}


def test_every_operation_documents_its_refusals_as_problem_details() -> None:
    app = create_app(
        engine=make_engine("sqlite://"),
        policies=PolicyLibrary(REPO_ROOT / "policies"),
        directory=AgencyDirectory.load(REPO_ROOT / "agencies", "http://intake.invalid"),
        task_queue="unused",
        secrets=lambda _agency: b"unused",
        payload_codec=EncryptionCodec([os.urandom(32)]),
    )
    spec = app.openapi()

    operations = [(path, op) for path, ops in spec["paths"].items() for op in ops.values()]
    assert operations
    for path, operation in operations:
        responses = operation["responses"]
        assert set(responses) >= DOCUMENTED, path
        for status in DOCUMENTED:
            assert "application/problem+json" in responses[status]["content"], (path, status)
    assert {"type", "title", "status", "detail", "instance", "errors"} <= set(
        spec["components"]["schemas"]["Problem"]["properties"]
    )


async def test_a_refusal_is_problem_details_naming_the_field(api: httpx.AsyncClient) -> None:
    answer = await api.post("/reports", json=scenario.opening_request(county=""))

    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"] == "about:blank" and problem["status"] == 422
    assert problem["title"] == "Unprocessable Content" and problem["instance"] == "/reports"
    assert [e["field"] for e in problem["errors"]] == ["county"]


async def test_an_unknown_case_is_problem_details(api: httpx.AsyncClient) -> None:
    answer = await api.get("/reports/case-unknown")

    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["instance"] == "/reports/case-unknown"
