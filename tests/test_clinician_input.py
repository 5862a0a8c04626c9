"""Bad input from a clinician is refused with a message naming the field, and nothing is written:
not in the database, not in the audit log, not in the workflow's history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from dutyflow.contracts import Actor
from dutyflow.crypto.actor_assertion import asserting
from dutyflow.demo import example_case as scenario
from dutyflow.domain.case import GroundsSubmission
from dutyflow.domain.jurisdictions import KNOWN_JURISDICTIONS, US_STATES, is_known_jurisdiction
from dutyflow.store import audit_log
from dutyflow.store.tables import GroundsRecord
from tests.reporting import (
    PRACTITIONER,
    document_grounds,
    domain_steps,
    open_report,
    wait_for_stage,
)
from workflows.mandated_report import MandatedReportWorkflow

# What this checks does not depend on the database engine: it runs once, on SQLite.
pytestmark = pytest.mark.one_database


def invalid_grounds() -> dict:
    body = scenario.grounds_submission()
    body["grounds"]["statutory_basis"] = ""
    body["grounds"]["observations"] = "   "
    body["grounds"]["suspicion_formed_at"] = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    return body


async def assert_nothing_recorded(stack, case_id: str) -> None:
    with stack.sessions() as session:
        assert session.get(GroundsRecord, case_id) is None
        entries = audit_log.entries_for_case(session, case_id)
        assert domain_steps(entries) == ["case-opened"]
        assert not [e for e in entries if e.details.get("activity") == "record_grounds"]
    handle = stack.client.get_workflow_handle(case_id)
    events = [event.event_type async for event in handle.fetch_history_events()]
    assert events[0] == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED  # the case's own history
    assert EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED not in events


async def test_workflow_refuses_invalid_grounds_naming_each_field(
    api: httpx.AsyncClient, stack
) -> None:
    case_id = await open_report(api)
    await wait_for_stage(api, case_id, "awaiting-grounds")
    handle = stack.client.get_workflow_handle_for(MandatedReportWorkflow.run, case_id)

    practitioner = Actor(actor_id=PRACTITIONER, role="practitioner")
    with pytest.raises(WorkflowUpdateFailedError) as refused, asserting(practitioner):
        await handle.execute_update(
            MandatedReportWorkflow.document_grounds,
            GroundsSubmission.model_validate(invalid_grounds()),
        )

    cause = refused.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "InvalidInput"
    fields = {problem["field"] for problem in cause.details[0]}
    assert fields == {
        "grounds.statutory_basis",
        "grounds.observations",
        "grounds.suspicion_formed_at",
    }
    await assert_nothing_recorded(stack, case_id)


async def test_api_refuses_invalid_grounds_naming_each_field(api: httpx.AsyncClient, stack) -> None:
    case_id = await open_report(api)
    await wait_for_stage(api, case_id, "awaiting-grounds")

    response = await api.post(f"/reports/{case_id}/grounds", json=invalid_grounds())

    assert response.status_code == 422
    problems = {p["field"]: p["problem"] for p in response.json()["errors"]}
    assert problems["grounds.statutory_basis"] == "must not be empty"
    assert problems["grounds.observations"] == "must describe what was observed or said"
    assert problems["grounds.suspicion_formed_at"] == "is in the future"
    await assert_nothing_recorded(stack, case_id)


async def test_a_statutory_basis_outside_the_policy_is_refused(
    api: httpx.AsyncClient, stack
) -> None:
    case_id = await open_report(api)
    await wait_for_stage(api, case_id, "awaiting-grounds")
    body = scenario.grounds_submission()
    body["grounds"]["statutory_basis"] = "PC 99999"

    response = await api.post(f"/reports/{case_id}/grounds", json=body)

    assert response.status_code == 422
    [problem] = response.json()["errors"]
    assert problem["field"] == "grounds.statutory_basis"
    assert "PC 11166(a)" in problem["problem"]
    await assert_nothing_recorded(stack, case_id)


async def test_after_a_refusal_the_corrected_grounds_are_accepted(
    api: httpx.AsyncClient, stack
) -> None:
    case_id = await open_report(api)
    await wait_for_stage(api, case_id, "awaiting-grounds")
    assert (
        await api.post(f"/reports/{case_id}/grounds", json=invalid_grounds())
    ).status_code == 422

    status = await document_grounds(api, case_id, scenario.grounds_submission())

    assert status["stage"] == "awaiting-phone-report"
    assert status["obligations"][0]["agency_id"] == "demo-county-cws"


async def test_wrongly_typed_input_is_refused_without_echoing_the_value(
    api: httpx.AsyncClient,
) -> None:
    case_id = await open_report(api)
    body = scenario.grounds_submission()
    body["grounds"]["suspicion_formed_at"] = "SECRET-NOT-A-DATE"
    body["victim"]["in_foster_care"] = "SECRET-NOT-A-BOOL"

    response = await api.post(f"/reports/{case_id}/grounds", json=body)

    assert response.status_code == 422
    fields = {p["field"] for p in response.json()["errors"]}
    assert fields == {"grounds.suspicion_formed_at", "victim.in_foster_care"}
    assert "SECRET" not in response.text


async def test_an_unknown_field_is_refused_rather_than_silently_dropped(
    api: httpx.AsyncClient,
) -> None:
    case_id = await open_report(api)
    body = scenario.grounds_submission()
    body["victim"]["nickname"] = "Sammy"

    response = await api.post(f"/reports/{case_id}/grounds", json=body)

    assert response.status_code == 422
    assert [p["field"] for p in response.json()["errors"]] == ["victim.nickname"]


async def test_opening_is_refused_for_a_county_without_a_known_agency(
    api: httpx.AsyncClient,
) -> None:
    response = await api.post("/reports", json=scenario.opening_request(county="Nowhere County"))

    assert response.status_code == 422
    assert [p["field"] for p in response.json()["errors"]] == ["county"]


async def test_a_code_that_is_no_jurisdiction_is_refused_without_repeating_it(
    api: httpx.AsyncClient,
) -> None:
    response = await api.post("/reports", json=scenario.opening_request(jurisdiction="US-ZZ"))

    assert response.status_code == 422
    [problem] = response.json()["errors"]
    assert problem["field"] == "jurisdiction/kind"
    assert "US-ZZ" not in problem["problem"]


async def test_a_state_without_a_policy_is_a_hard_stop_naming_it(api: httpx.AsyncClient) -> None:
    # Arizona: a US state by its ISO code, with no policy in Dutyflow (and none planned).
    response = await api.post("/reports", json=scenario.opening_request(jurisdiction="US-AZ"))

    assert response.status_code == 422
    [problem] = response.json()["errors"]
    assert problem["field"] == "jurisdiction/kind"
    assert problem["problem"].startswith("no policy: call counsel")
    assert "US-AZ" in problem["problem"] and "never applies another" in problem["problem"]
    assert "case_id" not in response.json()


def test_every_us_state_and_uk_nation_is_a_jurisdiction_dutyflow_can_name() -> None:
    assert len(US_STATES) == 50 and len(set(US_STATES)) == 50
    assert {"US-AZ", "US-DC", "US-PR", "GB-ENG", "GB-WLS"} <= KNOWN_JURISDICTIONS
    assert not is_known_jurisdiction("US-ZZ") and not is_known_jurisdiction("us-az")


async def test_grounds_cannot_be_documented_twice(api: httpx.AsyncClient) -> None:
    case_id = await open_report(api)
    await document_grounds(api, case_id, scenario.grounds_submission())

    response = await api.post(f"/reports/{case_id}/grounds", json=scenario.grounds_submission())

    assert response.status_code == 409
    assert "awaiting-phone-report" in response.json()["detail"]


async def test_confirmation_of_a_report_other_than_the_one_reviewed_is_refused(api, stack) -> None:
    from tests.reporting import record_phone_report

    case_id = await open_report(api)
    await document_grounds(api, case_id, scenario.grounds_submission())
    await record_phone_report(api, case_id)

    response = await api.post(
        f"/reports/{case_id}/confirm",
        json={"practitioner_id": "practitioner-0042", "review_sha256": "0" * 64},
    )

    assert response.status_code == 422
    assert [p["field"] for p in response.json()["errors"]] == ["review_sha256"]
    with stack.sessions() as session:
        steps = domain_steps(audit_log.entries_for_case(session, case_id))
    assert "report-confirmed" not in steps and "report-delivered" not in steps


async def test_unknown_case_is_not_found(api: httpx.AsyncClient) -> None:
    response = await api.get("/reports/case-does-not-exist")

    assert response.status_code == 404


async def test_a_closed_case_takes_no_further_steps(api: httpx.AsyncClient) -> None:
    from tests.reporting import report_end_to_end

    status = await report_end_to_end(api)

    response = await api.post(
        f"/reports/{status['case_id']}/grounds", json=scenario.grounds_submission()
    )

    assert response.status_code == 409
    assert response.json()["errors"] == [{"field": "case", "problem": "the case is closed"}]
