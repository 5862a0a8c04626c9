"""The accounting over HTTP, served for real: the same statement as the store gives, in each format,
and suspensions recorded with refusals that name the field. The client is a compliance officer's
(who else may read an accounting is `tests/auth/test_role_matrix.py`'s business)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError

from dutyflow.api.deps import provide_database
from dutyflow.api.errors import request_validation_handler
from dutyflow.api.routes.accounting import router as accounting_router
from dutyflow.api.routes.accounting import statement_for
from dutyflow.auth.case_access import CONTENT_READ_STEP
from dutyflow.domain.accounting import CLIENT_COLUMNS, end_of_day, to_csv, to_html, to_json
from dutyflow.runtime.serving import bind, serve
from dutyflow.store import audit_log
from dutyflow.store.accounting import SUSPENSION_STEP, audit_subject
from dutyflow.store.db import SessionFactory
from tests.accounting.scripted import AS_OF, SHERIFF, WELFARE, Disclosures, entry, new_client
from tests.auth.helpers import bearer, new_user

AS_OF_DAY = AS_OF.date().isoformat()


@pytest.fixture
def officer(accounting_sessions: SessionFactory) -> tuple[str, str]:
    """A compliance officer: user id and token."""
    user, token = new_user(accounting_sessions, "compliance")
    return user.user_id, token


@pytest.fixture
async def api(
    accounting_sessions: SessionFactory, officer: tuple[str, str]
) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    provide_database(app, accounting_sessions)
    app.include_router(accounting_router)
    app.add_exception_handler(RequestValidationError, request_validation_handler)
    server = await serve(app, bind("127.0.0.1", 0, "api"), "api")
    async with httpx.AsyncClient(
        base_url=server.url, timeout=30, headers=bearer(officer[1])
    ) as client:
        yield client
    await server.stop()


def suspension_body(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "agency_id": SHERIFF[0],
        "agency_or_official": "Detective J. Rivera",
        "form": "written",
        "statement_summary": "Letter: an accounting would impede an open investigation.",
        "starts_at": (AS_OF - timedelta(days=10)).isoformat(),
        "ends_at": (AS_OF + timedelta(days=60)).isoformat(),
    }
    body.update(changes)
    return body


async def test_the_api_returns_the_same_accounting_as_the_store_in_json_csv_and_html(
    api: httpx.AsyncClient, disclosures: Disclosures, accounting_sessions: SessionFactory
) -> None:
    client = new_client()
    disclosures.add(
        entry(client, AS_OF - timedelta(days=30)),
        entry(client, AS_OF - timedelta(days=20), SHERIFF),
        entry(new_client(), AS_OF - timedelta(days=20)),
    )
    expected = statement_for(
        accounting_sessions, client, as_of=end_of_day(AS_OF.date()), view="client"
    )
    assert len(expected.lines) == 2

    as_json = await api.get(f"/accounting/{client}", params={"as_of": AS_OF_DAY})
    assert as_json.status_code == 200
    assert as_json.headers["content-type"] == "application/json"
    assert as_json.headers["cache-control"] == "no-store"
    assert as_json.text == to_json(expected)

    as_csv = await api.get(f"/accounting/{client}", params={"as_of": AS_OF_DAY, "format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.text == to_csv(expected)
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert rows[0] == list(CLIENT_COLUMNS) and len(rows) == 3

    as_html = await api.get(f"/accounting/{client}", params={"as_of": AS_OF_DAY, "format": "html"})
    assert as_html.headers["content-type"].startswith("text/html")
    assert as_html.text == to_html(expected)


async def test_a_suspension_posted_to_the_api_hides_the_sheriffs_entry_from_the_client_only(
    api: httpx.AsyncClient, disclosures: Disclosures
) -> None:
    client = new_client()
    disclosures.add(
        entry(client, AS_OF - timedelta(days=30)),
        entry(client, AS_OF - timedelta(days=20), SHERIFF),
    )

    posted = await api.post(f"/accounting/{client}/suspensions", json=suspension_body())
    assert posted.status_code == 201, posted.text
    assert posted.json()["agency_id"] == SHERIFF[0] and posted.json()["client_id"] == client

    seen = (await api.get(f"/accounting/{client}", params={"as_of": AS_OF_DAY})).json()
    assert [line["recipient_name"] for line in seen["lines"]] == [WELFARE[2]]
    compliance = (
        await api.get(f"/accounting/{client}", params={"as_of": AS_OF_DAY, "view": "compliance"})
    ).json()
    assert [line["suspended_until"] is not None for line in compliance["lines"]] == [False, True]
    after = (
        await api.get(
            f"/accounting/{client}",
            params={"as_of": (AS_OF + timedelta(days=61)).date().isoformat()},
        )
    ).json()
    assert len(after["lines"]) == 2


async def test_an_oral_suspension_of_31_days_is_refused_by_the_api_naming_ends_at(
    api: httpx.AsyncClient,
) -> None:
    client = new_client()
    start = AS_OF - timedelta(days=1)
    body = suspension_body(
        form="oral", starts_at=start.isoformat(), ends_at=(start + timedelta(days=31)).isoformat()
    )

    refused = await api.post(f"/accounting/{client}/suspensions", json=body)

    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["ends_at"]
    compliance = (await api.get(f"/accounting/{client}", params={"view": "compliance"})).json()
    assert compliance["suspensions_in_force"] == []

    accepted = await api.post(
        f"/accounting/{client}/suspensions",
        json={**body, "ends_at": (start + timedelta(days=30)).isoformat()},
    )
    assert accepted.status_code == 201


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"form": "whispered"}, "form"),
        ({"agency_or_official": None}, "agency_or_official"),
        ({"ends_at": "next tuesday"}, "ends_at"),
        ({"recorded_by": "someone with spaces"}, "recorded_by"),
        ({"statement_summary": "   "}, "statement_summary"),
    ],
)
async def test_a_bad_suspension_is_refused_naming_the_field_without_echoing_it(
    api: httpx.AsyncClient, changes: dict[str, object], field: str
) -> None:
    body = suspension_body(**changes)
    if body.get("agency_or_official") is None:
        del body["agency_or_official"]

    refused = await api.post(f"/accounting/{new_client()}/suspensions", json=body)

    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == [field]
    assert "whispered" not in refused.text and "next tuesday" not in refused.text


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/accounting/not%20an%20id", {}, "client_id"),
        ("/accounting/client-1", {"view": "everything"}, "view"),
        ("/accounting/client-1", {"format": "pdf"}, "format"),
        ("/accounting/client-1", {"as_of": "yesterday"}, "as_of"),
    ],
)
async def test_a_bad_accounting_request_is_refused_naming_the_parameter(
    api: httpx.AsyncClient, path: str, params: dict[str, str], field: str
) -> None:
    refused = await api.get(path, params=params)

    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == [field]


async def test_a_suspension_is_recorded_in_the_officers_own_name(
    api: httpx.AsyncClient, officer: tuple[str, str], accounting_sessions: SessionFactory
) -> None:
    client = new_client()

    posted = await api.post(f"/accounting/{client}/suspensions", json=suspension_body())

    assert posted.status_code == 201, posted.text
    with accounting_sessions() as session:
        entries = audit_log.entries_for_case(session, audit_subject(client))
    [recorded] = [e for e in entries if e.step == SUSPENSION_STEP]
    assert (recorded.actor_id, recorded.actor_role) == (officer[0], "compliance")


async def test_a_suspension_in_someone_elses_name_is_refused_naming_recorded_by(
    api: httpx.AsyncClient,
) -> None:
    refused = await api.post(
        f"/accounting/{new_client()}/suspensions",
        json=suspension_body(recorded_by="compliance-007"),
    )

    assert refused.status_code == 403
    assert [e["field"] for e in refused.json()["errors"]] == ["recorded_by"]


async def test_every_read_of_an_accounting_is_audited_with_the_reader_and_no_content(
    api: httpx.AsyncClient,
    officer: tuple[str, str],
    disclosures: Disclosures,
    accounting_sessions: SessionFactory,
) -> None:
    client = new_client()
    disclosures.add(entry(client, AS_OF - timedelta(days=30)))

    for format in ("json", "csv"):
        assert (
            await api.get(f"/accounting/{client}", params={"format": format})
        ).status_code == 200

    with accounting_sessions() as session:
        reads = [
            e
            for e in audit_log.entries_for_case(session, audit_subject(client))
            if e.step == CONTENT_READ_STEP
        ]
    assert [(e.actor_id, e.details["view"], e.details["format"]) for e in reads] == [
        (officer[0], "accounting", "json"),
        (officer[0], "accounting", "csv"),
    ]
    assert WELFARE[2] not in str([e.model_dump() for e in reads])  # the recipient's name
