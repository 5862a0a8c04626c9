"""Delivery that never loses or duplicates a report: signed, deduplicated, refused when the
recipient is not among the case's obligations, and handed to the practitioner when an agency
refuses it."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.delivery import DeliveryActivities, retry_after
from dutyflow.contracts import RecipientStep
from dutyflow.crypto.signing import secret_variable
from dutyflow.crypto.standard_webhooks import signed_headers
from dutyflow.demo import example_case as scenario
from dutyflow.domain.agencies import AgencyDirectory
from dutyflow.store import audit_log
from tests.conftest import serve_api
from tests.reporting import (
    PRACTITIONER,
    agency_inbox,
    document_grounds,
    ok,
    open_report,
    report_end_to_end,
    submit_report,
    wait_for_stage,
    worker_started,
)


async def test_a_recipient_not_among_the_obligations_is_refused_and_audited(
    api, stack, http
) -> None:
    case_id = await open_report(api)
    await document_grounds(api, case_id, scenario.grounds_submission())
    deliveries = DeliveryActivities(
        stack.sessions, stack.policies, stack.directory, http, stack.secrets, None
    )

    with pytest.raises(ApplicationError) as refused:
        await ActivityEnvironment().run(
            deliveries.deliver_report,
            RecipientStep(case_id=case_id, recipient_id="law-enforcement"),
        )

    assert refused.value.type == "RecipientNotAuthorised" and refused.value.non_retryable
    with stack.sessions() as session:
        [entry] = [
            e for e in audit_log.entries_for_case(session, case_id) if e.step == "delivery-refused"
        ]
    assert entry.details["recipient_id"] == "law-enforcement"


async def test_an_agency_that_decides_at_once_acknowledges_in_its_receipt(api, stack) -> None:
    status = await report_end_to_end(api)

    [acknowledgement] = status["acknowledgements"]
    assert acknowledgement["decision"] == "accepted"
    assert acknowledgement["reference_number"] == status["deliveries"][0]["reference_number"]
    assert status["outcome"]["deliveries"][0]["decision"] == "accepted"


async def test_staff_screening_out_reaches_the_case_by_signed_callback(
    stack, http, executor, tmp_path
) -> None:
    from dutyflow.intake.app import create_app
    from dutyflow.runtime.serving import bind, serve

    db = tmp_path / "agency.db"
    agency = await serve(
        create_app(f"sqlite:///{db}", secrets=stack.secrets, auto_acknowledge=False),
        bind("127.0.0.1", 0, "agency"),
        "agency",
    )
    stack = dataclasses.replace(
        stack, directory=directory_for(tmp_path, f"{agency.url}/agencies/demo-county-cws/reports")
    )
    try:
        async with (
            stack.new_worker(http, executor),
            serve_api(stack) as api,
        ):
            case_id = await submit_report(api)
            status = await wait_for_stage(api, case_id, "awaiting-acknowledgement")
            [delivery] = status["deliveries"]

            ok(
                await http.post(
                    f"{agency.url}/agencies/demo-county-cws/reports/{delivery['reference_number']}/decision",
                    json={
                        "decision": "screened-out",
                        "note": "does not meet the intake criteria",
                    },
                )
            )
            status = await wait_for_stage(api, case_id, "closed")
    finally:
        await agency.stop()
    [acknowledgement] = status["acknowledgements"]
    assert acknowledgement["decision"] == "screened-out"
    assert status["outcome"]["deliveries"][0]["decision"] == "screened-out"


async def test_unsigned_or_replayed_acknowledgements_are_refused(api, stack) -> None:
    status = await report_end_to_end(api)
    [delivery] = status["deliveries"]
    body = json.dumps(
        {
            "report_id": delivery["report_id"],
            "reference_number": delivery["reference_number"],
            "decision": "screened-out",
            "decided_at": "2026-11-26T12:00:00Z",
        }
    ).encode()
    url = f"/agency-callbacks/{delivery['agency_id']}/acknowledgements"

    unsigned = await api.post(url, content=body, headers={"Content-Type": "application/json"})
    headers = {
        "Content-Type": "application/json",
        **signed_headers(stack.secrets(delivery["agency_id"]), "ack_demo-1", body),
    }
    first = await api.post(url, content=body, headers=headers)
    replayed = await api.post(url, content=body, headers=headers)
    forged = await api.post(
        url,
        content=body,
        headers={
            "Content-Type": "application/json",
            **signed_headers(b"not-the-agency-secret", "ack_demo-2", body),
        },
    )

    assert unsigned.status_code == 401 and "webhook-id" in unsigned.json()["detail"]
    assert first.status_code == 200, first.text  # already acknowledged: recorded once, not changed
    assert replayed.status_code == 401 and "replay" in replayed.json()["detail"]
    assert forged.status_code == 401 and "does not match" in forged.json()["detail"]
    assert (
        ok(await api.get(f"/reports/{status['case_id']}"))["acknowledgements"][0]["decision"]
        == "accepted"
    )


class Refusing(BaseHTTPRequestHandler):
    """An agency that refuses the first report (a 4xx) and accepts the next."""

    refusals = 1
    received: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if Refusing.refusals > 0:
            Refusing.refusals -= 1
            answer, code = {"detail": "victim.address: our intake needs a street address"}, 422
        else:
            Refusing.received.append(body)
            answer, code = {"reference_number": "REF-1", "decision": "accepted"}, 201
        raw = json.dumps(answer).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *_args: object) -> None:
        pass


def directory_for(tmp_path: Path, url: str) -> AgencyDirectory:
    folder = tmp_path / "agencies"
    folder.mkdir(exist_ok=True)
    (folder / "us-ca.yaml").write_text(
        "jurisdiction: US-CA\nagencies:\n"
        "  - id: demo-county-cws\n    name: Demo County Child Welfare Services\n"
        "    role: county-child-welfare\n    county: Demo County\n"
        f"    intake_url: {url}\n"
    )
    return AgencyDirectory.load(folder, "unused")


async def test_an_agency_refusal_becomes_a_task_for_the_practitioner(
    stack, http, executor, tmp_path
) -> None:
    Refusing.refusals, Refusing.received = 1, []
    agency = ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    threading.Thread(target=agency.serve_forever, daemon=True).start()
    stack = dataclasses.replace(
        stack, directory=directory_for(tmp_path, f"http://127.0.0.1:{agency.server_port}/intake")
    )
    try:
        async with stack.new_worker(http, executor), serve_api(stack) as api:
            case_id = await submit_report(api)
            status = await wait_for_stage(api, case_id, "delivery-refused")
            [problem] = status["delivery_problems"]
            assert "our intake needs a street address" in problem["message"]

            ok(
                await api.post(
                    f"/reports/{case_id}/retry-delivery",
                    json={
                        "practitioner_id": PRACTITIONER,
                        "recipient_id": problem["recipient_id"],
                    },
                )
            )
            status = await wait_for_stage(api, case_id, "closed")
    finally:
        agency.shutdown()
    assert len(Refusing.received) == 1 and status["delivery_problems"] == []


def test_retry_after_is_read_in_seconds_or_as_a_date() -> None:
    assert retry_after(httpx.Response(503, headers={"Retry-After": "120"})) == timedelta(
        seconds=120
    )
    assert retry_after(httpx.Response(503, headers={"Retry-After": "99999"})) == timedelta(hours=1)
    assert retry_after(
        httpx.Response(503, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    ) == timedelta(seconds=1)
    assert retry_after(httpx.Response(503)) is None


class HoldingProxy(BaseHTTPRequestHandler):
    """Forwards to the real intake service, then holds the answer back: the report reaches the
    agency, but the worker that sent it never hears so."""

    target = ""
    reached = threading.Event()
    release = threading.Event()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        headers = {
            k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")
        }
        answer = httpx.post(HoldingProxy.target, content=body, headers=headers, timeout=30)
        if not HoldingProxy.reached.is_set():
            HoldingProxy.reached.set()
            HoldingProxy.release.wait(60)
        self.send_response(answer.status_code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    def log_message(self, *_args: object) -> None:
        pass


async def test_worker_killed_after_the_agency_received_the_report_leaves_exactly_one(
    api_without_worker, stack, database_url, temporal_address, key_environment, repo_root, tmp_path
) -> None:
    HoldingProxy.target = f"{stack.intake_url}/agencies/demo-county-cws/reports"
    HoldingProxy.reached.clear()
    HoldingProxy.release.clear()
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), HoldingProxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    directory_for(tmp_path, f"http://127.0.0.1:{proxy.server_port}/intake")
    env = {
        **os.environ,
        "DUTYFLOW_TEMPORAL_ADDRESS": temporal_address,
        "DUTYFLOW_DATABASE_URL": database_url,
        "DUTYFLOW_TASK_QUEUE": stack.task_queue,
        **key_environment,
        "DUTYFLOW_AGENCY_DIRECTORY": str(tmp_path / "agencies"),
        "DUTYFLOW_DATA_DIR": str(tmp_path),
        "DUTYFLOW_ACKNOWLEDGEMENT_BASE_URL": stack.api_url,
        secret_variable("demo-county-cws"): stack.secrets("demo-county-cws").decode(),
    }
    start = lambda log: subprocess.Popen(  # noqa: E731
        [sys.executable, "worker.py"],
        cwd=repo_root,
        env=env,
        stdout=(tmp_path / log).open("ab"),
        stderr=subprocess.STDOUT,
    )
    api = api_without_worker
    first = start("worker.log")
    second = None
    try:
        await worker_started(tmp_path / "worker.log", first)
        case_id = await submit_report(api)
        assert await asyncio.to_thread(HoldingProxy.reached.wait, 60), "the report never left"
        first.send_signal(
            signal.SIGKILL
        )  # the POST reached the agency; the activity never completed
        await asyncio.to_thread(first.wait)
        HoldingProxy.release.set()

        second = start("second-worker.log")
        await worker_started(tmp_path / "second-worker.log", second)  # it answers status queries
        status = await wait_for_stage(api, case_id, "closed", within=90)
    finally:
        HoldingProxy.release.set()
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                await asyncio.to_thread(process.wait, 30)
        proxy.shutdown()

    inbox = await agency_inbox(stack.intake_url, "demo-county-cws")
    assert len([r for r in inbox if r["case_reference"] == case_id]) == 1
    assert status["deliveries"][0]["duplicate"] is True  # the retry found it already received
