"""Delivery works with any agency endpoint that honours the documented contract, not only with
Dutyflow's own intake service: here a bare HTTP server written independently of Dutyflow."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from dutyflow.domain.agencies import AgencyDirectory
from dutyflow.store import audit_log
from tests.conftest import serve_api
from tests.reporting import report_end_to_end

# What this checks does not depend on the database engine: it runs once, on SQLite.
pytestmark = pytest.mark.one_database


class AgencyEndpoint(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], dict]]] = []
    unavailable_for: int = 0  # answer 503 to this many requests first

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if AgencyEndpoint.unavailable_for > 0:
            AgencyEndpoint.unavailable_for -= 1
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.received.append((dict(self.headers), body))
        # This agency decides at once and says so in its receipt (no callback needed).
        answer = json.dumps(
            {"reference_number": f"IND-{len(self.received)}", "decision": "accepted"}
        ).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def independent_agency(tmp_path: Path) -> Iterator[Path]:
    AgencyEndpoint.received = []
    AgencyEndpoint.unavailable_for = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), AgencyEndpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    folder = tmp_path / "agencies"
    folder.mkdir()
    (folder / "us-ca.yaml").write_text(
        "jurisdiction: US-CA\n"
        "agencies:\n"
        "  - id: independent-cws\n"
        "    name: Independent County CWS\n"
        "    role: county-child-welfare\n"
        "    county: Demo County\n"
        f"    intake_url: http://127.0.0.1:{server.server_port}/intake\n"
    )
    yield folder
    server.shutdown()


async def test_report_reaches_an_independent_agency_endpoint_once(
    stack, http, executor, independent_agency: Path
) -> None:
    stack = dataclasses.replace(stack, directory=AgencyDirectory.load(independent_agency, "unused"))
    async with stack.new_worker(http, executor), serve_api(stack) as api:
        status = await report_end_to_end(api)

    [(headers, body)] = AgencyEndpoint.received
    [delivery] = status["deliveries"]
    assert delivery["reference_number"] == "IND-1"
    assert headers["Idempotency-Key"] == body["report_id"] == delivery["report_id"]
    assert body["recipient_id"] == "independent-cws"
    assert "SS 8572" in body["document"]["text"] and "<html" in body["document"]["html"]
    assert "clinical_context" not in body["fields"]


async def test_an_agency_outage_is_retried_and_every_attempt_is_audited(
    stack, http, executor, independent_agency: Path
) -> None:
    AgencyEndpoint.unavailable_for = 1
    stack = dataclasses.replace(stack, directory=AgencyDirectory.load(independent_agency, "unused"))
    async with stack.new_worker(http, executor), serve_api(stack) as api:
        status = await report_end_to_end(api)

    assert len(AgencyEndpoint.received) == 1
    with stack.sessions() as session:
        entries = audit_log.entries_for_case(session, status["case_id"])
    delivery_attempts = [
        (e.step, e.details["attempt"], e.details.get("error_type"))
        for e in entries
        if e.details.get("activity") == "deliver_report"
    ]
    assert delivery_attempts == [
        ("activity-started", 1, None),
        ("activity-failed", 1, "AgencyUnavailable"),
        ("activity-started", 2, None),
        ("activity-completed", 2, None),
    ]
