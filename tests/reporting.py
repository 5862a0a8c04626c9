"""Driving a report through the HTTP API, step by step, as a practitioner's tool does. The client
carries the practitioner's token (the `api` fixture's: the scenario practitioner)."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path
from typing import Any

import httpx

from dutyflow.auth.case_access import CONTENT_READ_STEP
from dutyflow.demo import example_case as scenario

PRACTITIONER = "practitioner-0042"


def ok(response: httpx.Response) -> Any:
    assert response.status_code < 400, f"HTTP {response.status_code}: {response.text}"
    return response.json()


async def open_report(api: httpx.AsyncClient, **changes: Any) -> str:
    """Open the scenario's report (``changes`` to its opening): the client must be the opening's
    practitioner, of its clinic."""
    return ok(await api.post("/reports", json=scenario.opening_request(**changes)))["case_id"]


async def open_report_as(practitioner: Any, **changes: Any) -> str:
    """Open the scenario's report as this `tests.conftest.Caller`, in their name and clinic."""
    return await open_report(
        practitioner.http,
        practitioner_id=practitioner.user_id,
        clinic_id=practitioner.clinic_id,
        **changes,
    )


async def document_grounds(
    api: httpx.AsyncClient, case_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    return ok(await api.post(f"/reports/{case_id}/grounds", json=body))


async def record_phone_report(api: httpx.AsyncClient, case_id: str) -> dict[str, Any]:
    return ok(await api.post(f"/reports/{case_id}/phone-report", json=scenario.phone_report()))


async def caller_id(api: httpx.AsyncClient) -> str:
    """The user id of the client's token."""
    return str(ok(await api.get("/me"))["user_id"])


async def confirm(api: httpx.AsyncClient, case_id: str) -> dict[str, Any]:
    """The caller reviews the report and confirms it in their own name."""
    review = ok(await api.get(f"/reports/{case_id}/review"))
    return ok(
        await api.post(
            f"/reports/{case_id}/confirm",
            json={
                "practitioner_id": await caller_id(api),
                "review_sha256": review["review_sha256"],
            },
        )
    )


async def wait_for_stage(
    api: httpx.AsyncClient, case_id: str, stage: str, within: float = 60
) -> dict[str, Any]:
    """The case's status once it reaches ``stage``; fails the test after ``within`` seconds."""
    reached = "unknown"
    try:
        async with asyncio.timeout(within):
            while True:
                status = ok(await api.get(f"/reports/{case_id}"))
                reached = status["stage"]
                if reached == stage:
                    return status
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"case still {reached}, expected {stage}") from None


async def worker_started(log: Path, process: subprocess.Popen[bytes], within: float = 180) -> None:
    """Wait until the worker process writing ``log`` says it polls its task queue (a loaded
    machine takes a while to import and connect); fail at once if it exits."""
    try:
        async with asyncio.timeout(within):
            while b"worker started" not in await asyncio.to_thread(log.read_bytes):
                if process.poll() is not None:
                    raise AssertionError(f"the worker exited ({process.returncode})")
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"the worker did not start within {within:.0f} s") from None


async def submit_report(
    api: httpx.AsyncClient, grounds: dict[str, Any] | None = None, **opening: Any
) -> str:
    """Every clinician step up to the confirmation: the report is then on its way."""
    case_id = await open_report(api, **opening)
    await document_grounds(api, case_id, grounds or scenario.grounds_submission())
    await record_phone_report(api, case_id)
    await confirm(api, case_id)
    return case_id


async def report_end_to_end(
    api: httpx.AsyncClient, grounds: dict[str, Any] | None = None
) -> dict[str, Any]:
    return await wait_for_stage(api, await submit_report(api, grounds), "closed")


async def agency_inbox(intake_url: str, agency_id: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=intake_url, timeout=30) as intake:
        return ok(await intake.get(f"/agencies/{agency_id}/reports"))


# The duties' bookkeeping, written by each deadline's watcher alongside the case's steps (so in
# no fixed order with them); `tests/deadlines` and `tests/web/test_overdue_duties.py` check it.
DUTY_BOOKKEEPING = ("duty-taken-on", "duty-met", "notification-")


def domain_steps(entries) -> list[str]:
    """The audited domain events, without the per-attempt activity entries around them, the
    reads of the case's content (the review the practitioner reads before confirming) and the
    duties' bookkeeping."""
    steps = [e.step if hasattr(e, "step") else e["step"] for e in entries]
    return [
        step
        for step in steps
        if not step.startswith("activity-")
        and step != CONTENT_READ_STEP
        and not step.startswith(DUTY_BOOKKEEPING)
    ]
