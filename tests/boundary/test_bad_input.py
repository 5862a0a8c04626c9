"""Bad input is refused with a 422 naming the field, before anything is written, and the value
is never sent back: an unknown report kind, text that cannot be encoded (a lone surrogate),
unknown fields, an unknown jurisdiction. A body over the size limit is refused (413) without
being read; a page's path part is quoted into the API's URL; a callback for an agency nobody
knows leaves nothing behind."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from sqlmodel import select

from dutyflow.demo import example_case as scenario
from dutyflow.store.tables import CaseAssignment
from tests.reporting import open_report, wait_for_stage

# What this checks does not depend on the database engine: it runs once, on SQLite.
pytestmark = pytest.mark.one_database

LONE_SURROGATE = "\\ud800"  # as JSON writes it: json.loads gives a str that cannot be encoded


def assignments(stack) -> int:
    with stack.sessions() as session:
        return len(session.exec(select(CaseAssignment)).all())


def raw_json(body: dict[str, Any], marker: str, replacement: str) -> str:
    return json.dumps(body).replace(marker, replacement)


def fields(answer: httpx.Response) -> list[str]:
    return [e["field"] for e in answer.json()["errors"]]


async def test_an_unknown_report_kind_is_refused_naming_the_field(api: httpx.AsyncClient, stack):
    before = assignments(stack)

    answer = await api.post("/reports", json=scenario.opening_request(kind="child_abuse"))

    assert answer.status_code == 422, answer.text
    assert fields(answer) == ["kind"] and "child_abuse" not in answer.text
    assert assignments(stack) == before


async def test_a_lone_surrogate_in_the_opening_is_refused_and_nothing_is_written(
    api: httpx.AsyncClient, stack
) -> None:
    before = assignments(stack)
    body = scenario.opening_request()
    body["reporter"]["name"] = "MARKER-NAME"

    answer = await api.post(
        "/reports",
        content=raw_json(body, "MARKER-NAME", LONE_SURROGATE),
        headers={"content-type": "application/json"},
    )

    assert answer.status_code == 422, answer.text
    assert fields(answer) == ["reporter.name"]
    assert assignments(stack) == before  # no orphan case_assignment row


async def test_a_lone_surrogate_in_the_grounds_is_refused_naming_the_field(
    api: httpx.AsyncClient,
) -> None:
    case_id = await open_report(api)
    await wait_for_stage(api, case_id, "awaiting-grounds")
    grounds = scenario.grounds_submission()
    grounds["grounds"]["observations"] = "MARKER-OBSERVATIONS"

    answer = await api.post(
        f"/reports/{case_id}/grounds",
        content=raw_json(grounds, "MARKER-OBSERVATIONS", LONE_SURROGATE),
        headers={"content-type": "application/json"},
    )

    assert answer.status_code == 422, answer.text
    assert fields(answer) == ["grounds.observations"]
    status = (await api.get(f"/reports/{case_id}")).json()
    assert status["stage"] == "awaiting-grounds"


async def test_an_unknown_jurisdiction_is_refused_without_echoing_it(
    api: httpx.AsyncClient,
) -> None:
    answer = await api.post("/reports", json=scenario.opening_request(jurisdiction="US-ZZ"))

    assert answer.status_code == 422, answer.text
    assert "US-ZZ" not in answer.text


async def test_an_unknown_field_in_the_opening_is_refused(api: httpx.AsyncClient, stack) -> None:
    before = assignments(stack)

    answer = await api.post("/reports", json={**scenario.opening_request(), "notes": "x"})

    assert answer.status_code == 422, answer.text
    assert fields(answer) == ["notes"]
    assert assignments(stack) == before


async def test_a_body_over_the_limit_is_refused_before_it_is_read(
    api: httpx.AsyncClient, stack
) -> None:
    # Only the headers are sent: the answer comes without the declared 200 MB ever arriving.
    host, port = stack.api_socket.getsockname()[:2]
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(
        b"POST /reports HTTP/1.1\r\nHost: dutyflow\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {200 * 1024 * 1024}\r\n\r\n".encode()
    )
    await writer.drain()
    status_line = await reader.readline()
    headers = (await reader.readuntil(b"\r\n\r\n")).decode().lower()
    writer.close()
    assert status_line.split()[1] == b"413", status_line
    assert "content-type: application/problem+json" in headers


async def test_a_body_sent_without_a_length_is_refused_once_it_passes_the_limit(
    api: httpx.AsyncClient, stack
) -> None:
    host, port = stack.api_socket.getsockname()[:2]
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(
        b"POST /reports HTTP/1.1\r\nHost: dutyflow\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b" " * 65536
    try:
        for _ in range(32):  # 2 MiB in all, over the 1 MiB limit
            writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            await writer.drain()
    except ConnectionError:
        pass  # the server answered and closed before the rest was sent
    status_line = await reader.readline()
    writer.close()
    assert status_line.split()[1] == b"413", status_line


async def test_a_callback_for_an_unknown_agency_is_refused_and_leaves_no_secret(
    api: httpx.AsyncClient, agency_secrets
) -> None:
    keys = agency_secrets._keys_dir  # the development secrets' directory
    before = sorted(p.name for p in keys.iterdir()) if keys.exists() else []

    answer = await api.post(
        "/agency-callbacks/made-up-agency/acknowledgements", json={"report_id": "x"}
    )

    assert answer.status_code == 404
    after = sorted(p.name for p in keys.iterdir()) if keys.exists() else []
    assert after == before


async def test_a_case_whose_workflow_does_not_start_leaves_no_assignment(
    api: httpx.AsyncClient, stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dutyflow.api.routes import reports

    async def refused(*_args: Any) -> None:
        raise RuntimeError("the workflow service refused the start")

    monkeypatch.setattr(reports, "start_case", refused)
    before = assignments(stack)

    answer = await api.post("/reports", json=scenario.opening_request())

    assert answer.status_code == 500
    assert assignments(stack) == before
