"""Any 2xx answer means the agency has the report: the delivery and its 164.528 accounting entry
are recorded at once, whatever the body says, and the report is never sent again to learn its
reference. Only what did not arrive is retried, up to the policy's attempts."""

from __future__ import annotations

import dataclasses
import json
import secrets
from pathlib import Path

import pytest
from sqlmodel import select

from dutyflow.auth.store import set_password
from dutyflow.store import audit_log
from dutyflow.store.delivery_tasks import open_delivery_tasks
from dutyflow.store.tables import AccountingEntry, DeliveryRecord
from tests.conftest import serve_api
from tests.delivery.agencies import AgencyAnswer, agency_endpoint, directory_with
from tests.reporting import PRACTITIONER, ok, submit_report, wait_for_stage
from tests.web.conftest import WebUser, csrf_of, signed_in

# What this checks does not depend on the database engine: it runs once, on SQLite.
pytestmark = pytest.mark.one_database

UNEXPECTED_RECEIPT = json.dumps({"reference": "SPY-000001", "status": "received"}).encode()


def deliveries_and_accounting(stack, case_id: str) -> tuple[list, list]:
    with stack.sessions() as session:
        deliveries = session.exec(
            select(DeliveryRecord).where(DeliveryRecord.case_id == case_id)
        ).all()
        entries = session.exec(
            select(AccountingEntry).where(AccountingEntry.case_id == case_id)
        ).all()
        return list(deliveries), list(entries)


async def test_a_receipt_without_the_contracts_reference_is_a_delivery_and_a_task(
    stack, http, executor, tmp_path: Path
) -> None:
    answer = AgencyAnswer(200, UNEXPECTED_RECEIPT, {"Content-Type": "application/json"})
    with agency_endpoint(answer) as url:
        stack = dataclasses.replace(stack, directory=directory_with(tmp_path / "agencies", url))
        async with stack.new_worker(http, executor), serve_api(stack) as api:
            case_id = await submit_report(api)
            status = await wait_for_stage(api, case_id, "awaiting-acknowledgement")

            assert len(answer.received) == 1
            [delivery] = status["deliveries"]
            assert delivery["reference_number"] is None
            [task] = status["reference_tasks"]
            assert task["report_id"] == delivery["report_id"]
            [recorded], [accounted] = deliveries_and_accounting(stack, case_id)
            assert recorded.report_id == accounted.entry_id == delivery["report_id"]
            assert recorded.reference_number is None
            assert accounted.recipient_agency_id == "demo-county-cws"
            with stack.sessions() as session:
                # The practitioner's open tasks, of this case (the session's database holds
                # other tests' cases of the same practitioner).
                [open_task] = [
                    task
                    for task in open_delivery_tasks(session, practitioner_id=PRACTITIONER)
                    if task.case_id == case_id
                ]
            assert (open_task.case_id, open_task.kind, open_task.report_id) == (
                case_id,
                "record-agency-reference",
                delivery["report_id"],
            )

            status = ok(
                await api.post(
                    f"/reports/{case_id}/agency-reference",
                    json={
                        "practitioner_id": PRACTITIONER,
                        "report_id": delivery["report_id"],
                        "reference_number": "SPY-000001",
                    },
                )
            )
    assert status["reference_tasks"] == []
    assert status["deliveries"][0]["reference_number"] == "SPY-000001"
    assert len(answer.received) == 1
    [recorded], [_] = deliveries_and_accounting(stack, case_id)
    assert recorded.reference_number == "SPY-000001"
    with stack.sessions() as session:
        assert open_delivery_tasks(session, case_id=case_id) == []
        [entry] = [
            e
            for e in audit_log.entries_for_case(session, case_id)
            if e.step == "agency-reference-recorded"
        ]
    assert entry.actor_id == PRACTITIONER and entry.details["report_id"] == recorded.report_id


async def test_the_case_page_shows_the_reference_task_and_records_the_reference(
    stack, http, executor, tmp_path: Path
) -> None:
    answer = AgencyAnswer(200, UNEXPECTED_RECEIPT, {"Content-Type": "application/json"})
    with agency_endpoint(answer) as url:
        stack = dataclasses.replace(stack, directory=directory_with(tmp_path / "agencies", url))
        async with stack.new_worker(http, executor), serve_api(stack) as api:
            case_id = await submit_report(api)
            [task] = (await wait_for_stage(api, case_id, "awaiting-acknowledgement"))[
                "reference_tasks"
            ]
            password = secrets.token_urlsafe(16)
            set_password(stack.sessions, PRACTITIONER, password)
            user = WebUser(PRACTITIONER, password, "practitioner", None, None)
            async with signed_in(stack, user) as browser:
                page = (await browser.get(f"/app/cases/{case_id}")).text
                assert "Record the agency's reference" in page
                answer_page = await browser.post(
                    f"/app/cases/{case_id}/agency-reference",
                    data={
                        "csrf": csrf_of(page),
                        "recipient_id": task["recipient_id"],
                        "report_id": task["report_id"],
                        "reference_number": "SPY-000001",
                    },
                )
                assert answer_page.status_code == 303, answer_page.text[:2000]
            status = ok(await api.get(f"/reports/{case_id}"))
    assert status["reference_tasks"] == []
    assert status["deliveries"][0]["reference_number"] == "SPY-000001"


async def test_a_reference_under_the_agencys_configured_field_is_read(
    stack, http, executor, tmp_path: Path
) -> None:
    answer = AgencyAnswer(200, UNEXPECTED_RECEIPT, {"Content-Type": "application/json"})
    with agency_endpoint(answer) as url:
        directory = directory_with(tmp_path / "agencies", url, reference_field="reference")
        stack = dataclasses.replace(stack, directory=directory)
        async with stack.new_worker(http, executor), serve_api(stack) as api:
            case_id = await submit_report(api)
            status = await wait_for_stage(api, case_id, "awaiting-acknowledgement")
    assert len(answer.received) == 1
    assert status["deliveries"][0]["reference_number"] == "SPY-000001"
    assert status["reference_tasks"] == []
    [recorded], [_] = deliveries_and_accounting(stack, case_id)
    assert recorded.reference_number == "SPY-000001"


async def test_an_intake_that_never_answers_is_tried_the_policys_attempts_then_is_a_task(
    stack, http, executor, tmp_path: Path
) -> None:
    # Retry-After: the agency asks for a second's pause, and each retry honours it.
    answer = AgencyAnswer(503, b"", {"Retry-After": "1"})
    with agency_endpoint(answer) as url:
        stack = dataclasses.replace(stack, directory=directory_with(tmp_path / "agencies", url))
        async with stack.new_worker(http, executor), serve_api(stack) as api:
            case_id = await submit_report(api)
            status = await wait_for_stage(api, case_id, "delivery-refused")
    attempts = stack.policies.version(
        status["jurisdiction"], status["kind"], status["policy_version"]
    ).delivery_attempts
    assert len(answer.received) == attempts
    [problem] = status["delivery_problems"]
    assert f"after {attempts} attempts" in problem["message"]
    assert status["deliveries"] == [] and deliveries_and_accounting(stack, case_id) == ([], [])
    # The written report's deadline is still watched, and its escalation still planned.
    assert status["deadlines"] and all(d["escalations"] for d in status["deadlines"])
    with stack.sessions() as session:
        [task] = open_delivery_tasks(session, case_id=case_id)
    assert task.kind == "deliver-report" and task.recipient_id == problem["recipient_id"]
